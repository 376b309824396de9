"""Hostile input reaching the bot (issue 14): over-long case numbers and malformed webhook posts."""
# ruff: noqa: F811

import json
import logging

import pytest

from backend.models import InboxUpdate
from bot.webhook import process_inbox
from tests.bot.conftest import t
from tests.bot.test_tenant_cases import submitted_case
from tests.bot.test_webhook import SECRET, hooked, post  # noqa: F401  (fixture; tests name it as a parameter, F811 off)

LONG_NUMBER = "QC-20261203-" + "1" * 28
NOT_FOUND = (
    "We could not find that case number among your cases. Please check it, or send /mycases."
)


# ---- row 7: /status with a case number longer than the column -----------------------------------


async def test_status_with_an_over_long_number_is_not_found(desk):
    await submitted_case(desk)
    await desk.command("status", LONG_NUMBER)
    assert desk.last() == t(NOT_FOUND)
    await desk.command("cancel", LONG_NUMBER)
    assert desk.last() == t(NOT_FOUND)


# ---- row 9: the webhook never answers 500 -------------------------------------------------------


async def raw_post(desk, body: str):
    return await desk.http.post(
        "/telegram/hook",
        data=body,
        headers={
            "X-Telegram-Bot-Api-Secret-Token": SECRET,
            "Content-Type": "application/json",
        },
    )


@pytest.mark.parametrize(
    "body",
    [
        {"update_id": 1, "message": "hello"},
        {"update_id": 2, "message": {"chat": {"id": "abc"}}},
        {"update_id": 3, "message": {"chat": {"id": 1.5}, "text": "x"}},
        {"update_id": 4, "message": {"chat": [1]}},
        {"update_id": 5, "callback_query": {"id": "1", "message": "gone"}},
        {"update_id": 6, "callback_query": {"id": "1", "from": {"id": "me"}}},
        {"update_id": 7, "edited_message": {"chat": {"id": 2**63}}},
        {"update_id": 8, "message": None},
        {"update_id": 9, "message": {"chat": {"id": True}}},
    ],
)
async def test_well_formed_json_of_the_wrong_shape_is_dropped_with_a_log_line(hooked, caplog, body):
    with caplog.at_level(logging.WARNING):
        response = await raw_post(hooked, json.dumps(body))
    assert response.status == 200, await response.text()
    assert await InboxUpdate.all().count() == 0
    assert any(
        f"webhook update {body['update_id']} dropped" in record.getMessage()
        for record in caplog.records
    )


@pytest.mark.parametrize("update_id", [2**63, 2**64 + 1, -1, "1", 1.0, True, None, 10**39])
async def test_an_update_id_beyond_bigint_is_400(hooked, update_id):
    response = await raw_post(
        hooked, json.dumps({"update_id": update_id, "message": {"chat": {"id": 1}}})
    )
    assert response.status == 400, await response.text()
    assert (await response.json())["error"]["details"]["field"] == "update_id"
    assert await InboxUpdate.all().count() == 0


@pytest.mark.parametrize(
    "body", ["[" * 100_000 + "]" * 100_000, '{"update_id": ' + "9" * 5000 + "}", "[1]", "nope"]
)
async def test_a_body_beyond_the_parser_is_400(hooked, body):
    assert (await raw_post(hooked, body)).status == 400


async def test_the_largest_update_id_is_stored(hooked):
    response = await raw_post(
        hooked, json.dumps({"update_id": 2**63 - 1, "message": {"chat": {"id": -(2**63)}}})
    )
    assert response.status == 200
    assert (await InboxUpdate.get()).chat_id == -(2**63)


async def test_text_the_database_cannot_store_is_repaired_not_lost(hooked):
    update = hooked.up.text(hooked.tenant, "楼道灯坏了").to_dict()
    raw = json.dumps(update, ensure_ascii=False).replace("楼道灯坏了", "楼道\\u0000灯坏了\\ud800")
    assert "\\u0000" in raw
    assert (await raw_post(hooked, raw)).status == 200
    stored = await InboxUpdate.get()
    assert stored.payload["message"]["text"] == "楼道\ufffd灯坏了\ufffd"
    assert await process_inbox(hooked.ctx, hooked.app) == 1
