"""Hostile and careless input to the HTTP API (issue 14): a clear 4xx naming the field, never a 500.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (where NUL in text is what breaks).
"""

import json

import pytest

from backend import inputs
from backend.domain import Role, ValidationFailed
from backend.models import Case
from tests.backend.test_api import NEW_CASE, create
from tests.factories import make_staff

# ---- row 4: text the database cannot store ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw_field", "field"),
    [
        ('"description": "bad \\ud800"', "description"),
        ('"description": "bad \\udfff tail"', "description"),
        ('"description": "a\\u0000b"', "description"),
        ('"description": "ok", "subject": "x\\u0000"', "subject"),
        ('"description": "ok", "contact_name": "\\ud83d"', "contact_name"),
        ('"description": "ok", "extra": {"deep": ["\\u0000"]}', "extra.deep[0]"),
        ('"description": "ok", "k\\u0000ey": 1', "k\ufffdey"),
    ],
)
async def test_text_the_database_cannot_store_is_400_naming_the_field(api, raw_field, field):
    headers = await api.auth()
    response = await api.post("/api/v1/cases", data="{" + raw_field + "}", headers=headers)
    assert response.status == 400, await response.text()
    error = (await response.json())["error"]
    assert error["code"] == "invalid_input" and error["details"]["field"] == field
    assert await Case.all().count() == 0


async def test_a_proper_surrogate_pair_is_text_like_any_other(api):
    headers = await api.auth()
    response = await api.post(
        "/api/v1/cases", data='{"description": "漏水 \\ud83d\\ude00"}', headers=headers
    )
    assert response.status == 201
    assert (await response.json())["description"] == "漏水 😀"


async def test_nul_in_action_text_and_in_query_strings_is_400(api):
    headers = await api.auth(Role.MANAGER)
    number = (await create(api, headers))["number"]
    response = await api.post(
        f"/api/v1/cases/{number}/actions/note", data='{"note": "a\\u0000b"}', headers=headers
    )
    assert response.status == 400 and (await response.json())["error"]["details"]["field"] == "note"
    for query in ("q=%00", "q=ab%00cd", "status=new%00", "page=1%00"):
        response = await api.get(f"/api/v1/cases?{query}", headers=headers)
        assert response.status == 400, query
        assert (await response.json())["error"]["details"]["field"] in ("q", "status", "page")


# ---- row 5: JSON parser limits ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"description": ' + "[" * 40 + "]" * 40 + "}",
        '{"description": "x", "staff_id": ' + "9" * 5000 + "}",
        "9" * 5000,
        '{"description": "x", "n": 1e999}',
        '{"description": "x", "n": NaN}',
        '{"description": "x", "n": -Infinity}',
    ],
)
async def test_json_beyond_the_parser_limits_is_400(api, body):
    response = await api.post("/api/v1/cases", data=body, headers=await api.auth())
    assert response.status == 400, await response.text()
    assert (await response.json())["error"]["details"]["field"] == "body"


def test_parse_json_limits_and_repair():
    assert inputs.parse_json(b'{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    assert (
        inputs.parse_json(b"[" * inputs.MAX_JSON_DEPTH + b"]" * inputs.MAX_JSON_DEPTH) is not None
    )
    with pytest.raises(ValidationFailed):
        inputs.parse_json(b"[" * (inputs.MAX_JSON_DEPTH + 2) + b"]" * (inputs.MAX_JSON_DEPTH + 2))
    assert inputs.parse_json(b"1" * inputs.MAX_INT_DIGITS) == int("1" * inputs.MAX_INT_DIGITS)
    repaired = inputs.parse_json(b'{"t": "a\\u0000b\\ud800", "k\\u0000": ["\\udc00"]}', repair=True)
    assert repaired == {"t": "a\ufffdb\ufffd", "k\ufffd": ["\ufffd"]}


# ---- row 6: dates at the calendar limits --------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "to=9999-12-31",
        "to=0001-01-10",
        "from=0001-01-01&to=0001-01-02",
        "from=9999-12-30&to=9999-12-31",
        "to=1999-12-31",
        "from=3000-01-01",
    ],
)
async def test_stats_beyond_the_calendar_is_400_with_the_allowed_range(api, query):
    response = await api.get(f"/api/v1/stats?{query}", headers=await api.auth())
    assert response.status == 400, await response.text()
    error = (await response.json())["error"]
    assert "2000-01-01" in error["message"] and "2999-12-31" in error["message"]
    assert error["details"]["field"] in ("from", "to")


async def test_stats_at_the_edges_of_the_calendar_still_answer(api):
    headers = await api.auth()
    for query in (
        "from=2000-01-01&to=2000-01-01",
        "from=2999-12-01&to=2999-12-31",
        "to=2000-01-05",
    ):
        assert (await api.get(f"/api/v1/stats?{query}", headers=headers)).status == 200, query


# ---- row 7: case numbers longer than the column -------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "QC-20261203-" + "1" * 28,
        "QC-20261203-" + "1" * 21,  # 33 characters: one more than the column holds
        "QCABCDEFGH-20261203-" + "9" * 13,  # the longest prefix, 33 characters in all
    ],
)
async def test_over_long_case_numbers_are_404(api, number):
    headers = await api.auth(Role.MANAGER)
    assert (await api.get(f"/api/v1/cases/{number}", headers=headers)).status == 404
    response = await api.post(
        f"/api/v1/cases/{number}/actions/note", json={"note": "x"}, headers=headers
    )
    assert response.status == 404 and (await response.json())["error"]["code"] == "not_found"


# ---- row 8: SQLite (and PostgreSQL) search with NUL inside --------------------------------------


async def test_search_text_with_nul_finds_nothing_instead_of_failing(settings, clock, service):
    from backend.services import queries
    from backend.services.actors import Actor
    from tests.factories import tenant_draft

    await service.submit(tenant_draft(description="abcd 漏水"), Actor.system())
    for text in ("ab\x00cd", "\x00", "a\x00"):
        page = await queries.list_cases(queries.CaseFilter(text=text), clock.now())
        assert page.total == 0 and page.items == []
    assert (await queries.list_cases(queries.CaseFilter(text="abcd"), clock.now())).total == 1


# ---- row 12: 405 keeps Allow --------------------------------------------------------------------


async def test_405_keeps_the_allow_header(api):
    for path in ("/healthz", "/api/v1/stats"):
        response = await api.request("TRACE", path)
        assert response.status == 405
        assert "GET" in response.headers["Allow"]
        assert (await response.json())["error"]["code"] == "method_not_allowed"
    response = await api.delete("/api/v1/cases")
    assert response.status == 405 and set(response.headers["Allow"].split(",")) >= {"GET", "POST"}


# ---- row 14: who may reopen a closed case -------------------------------------------------------


async def closed_case(api) -> str:
    manager = await api.auth(Role.MANAGER)
    staff = await make_staff(Role.AGENT)
    number = (await create(api, manager))["number"]
    for action, body in (
        ("assign", {"staff_id": staff.id}),
        ("resolve", {"resolution": "换了门禁读卡器"}),
        ("close", {"reason": "confirmed", "satisfaction": 5}),
    ):
        response = await api.post(
            f"/api/v1/cases/{number}/actions/{action}", json=body, headers=manager
        )
        assert response.status == 200, await response.text()
    return number


async def test_only_a_manager_reopens_a_closed_case(api):
    number = await closed_case(api)
    path = f"/api/v1/cases/{number}/actions/reopen"
    supervisor = await api.auth(Role.SUPERVISOR)
    refused = await api.post(path, json={"reason": "业主又来电"}, headers=supervisor)
    assert refused.status == 403
    assert (await refused.json())["error"]["code"] == "forbidden"
    assert (await Case.get(number=number)).status.value == "closed"
    reopened = await api.post(
        path, json={"reason": "业主又来电"}, headers=await api.auth(Role.MANAGER)
    )
    assert reopened.status == 200 and (await reopened.json())["status"] == "in_progress"


async def test_a_supervisor_still_reopens_a_resolved_case(api):
    manager = await api.auth(Role.MANAGER)
    staff = await make_staff(Role.AGENT)
    number = (await create(api, manager))["number"]
    await api.post(
        f"/api/v1/cases/{number}/actions/assign", json={"staff_id": staff.id}, headers=manager
    )
    await api.post(
        f"/api/v1/cases/{number}/actions/resolve", json={"resolution": "修好了"}, headers=manager
    )
    response = await api.post(
        f"/api/v1/cases/{number}/actions/reopen",
        json={"reason": "还是坏的"},
        headers=await api.auth(Role.SUPERVISOR),
    )
    assert response.status == 200


# ---- row 15: an agent never sees the full phone -------------------------------------------------


async def test_the_201_of_a_new_case_masks_the_phone_for_an_agent(api):
    as_agent = await create(api, await api.auth(Role.AGENT))
    assert as_agent["contact_phone"] == "+86 139****5678"
    fetched = await (
        await api.get(f"/api/v1/cases/{as_agent['number']}", headers=await api.auth(Role.AGENT))
    ).json()
    assert fetched["contact_phone"] == as_agent["contact_phone"]
    as_supervisor = await create(api, await api.auth(Role.SUPERVISOR))
    assert as_supervisor["contact_phone"] == "+8613912345678"


# ---- row 16: one client_key, one case -----------------------------------------------------------


async def test_the_same_client_key_with_another_body_is_409_naming_the_key(api):
    headers = await api.auth()
    first = await create(api, headers, client_key="erp-7")
    again = await create(
        api, headers, client_key="erp-7", description="  " + NEW_CASE["description"] + " "
    )
    assert again["number"] == first["number"]  # the same case again (whitespace does not count)
    response = await api.post(
        "/api/v1/cases",
        json={**NEW_CASE, "client_key": "erp-7", "description": "另一件事"},
        headers=headers,
    )
    assert response.status == 409, await response.text()
    error = (await response.json())["error"]
    assert error["code"] == "client_key_reused" and "erp-7" in error["message"]
    assert error["details"] == {
        "field": "client_key",
        "client_key": "erp-7",
        "case": first["number"],
    }
    assert await Case.all().count() == 1


async def test_the_bot_keeps_getting_its_case_back_for_its_dialog_key(service):
    from backend.services.actors import Actor
    from tests.factories import tenant_draft

    first = await service.submit(tenant_draft(client_key="tg:1:abc"), Actor.system())
    again = await service.submit(
        tenant_draft(client_key="tg:1:abc", description="改过的描述"), Actor.system()
    )
    assert again.id == first.id


def test_readme_documents_the_409_of_a_reused_client_key():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "client_key_reused" in readme


async def test_openapi_documents_the_409_of_a_reused_client_key(api):
    document = await (await api.get("/api/v1/openapi.json")).json()
    responses = document["paths"]["/api/v1/cases"]["post"]["responses"]
    assert "409" in responses and "client_key" in responses["409"]["description"]
    assert "client_key" in json.dumps(
        document["components"]["schemas"]["NewCase"]["properties"]["client_key"]
    )


# ---- found by the header probes and the OpenAPI fuzzer's review (test_openapi_fuzz.py) ----------


async def raw_status(server, request: bytes) -> int:
    """Send bytes as they are (clients refuse header bytes that are not UTF-8); the answer's status."""
    import asyncio

    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(request)
        await writer.drain()
        status_line = await reader.readline()
    finally:
        writer.close()
    return int(status_line.split()[1])


@pytest.mark.parametrize("credentials", [b"qc_\xff\xfe", b"qc_\xed\xa0\x80abc", b"\xff"])
async def test_a_token_that_is_not_utf8_is_401_not_500(api, credentials):
    request = (
        b"GET /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + credentials
        + b"\r\nConnection: close\r\n\r\n"
    )
    assert await raw_status(api.server, request) == 401


async def test_a_webhook_secret_that_is_not_utf8_is_403_not_500(settings, clock):
    from dataclasses import replace

    from aiohttp.test_utils import TestServer

    from backend.api.app import create_app
    from backend.context import AppContext
    from tests.conftest import FakeTriage

    hooked = replace(
        settings,
        bot_mode="webhook",
        webhook_url="https://desk.example.org/telegram/hook",
        webhook_secret="s3cret",
    )
    server = TestServer(
        create_app(AppContext.build(hooked, clock, classify=lambda text: FakeTriage()))
    )
    await server.start_server()
    try:
        body = b'{"update_id": 1}'
        request = (
            b"POST /telegram/hook HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: s3cret\xff\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
            % (len(body), body)
        )
        assert await raw_status(server, request) == 403
    finally:
        await server.close()


def test_credential_treats_unreadable_values_as_missing():
    assert (
        inputs.credential(None)
        == inputs.credential("qc_\udcff")
        == inputs.credential("a\x00")
        == ""
    )
    assert inputs.credential(" qc_abc ") == "qc_abc"


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("from=2024-01-01&to=2024-12-31", 200),  # a leap year: 366 days
        ("from=2025-01-01&to=2026-01-01", 200),  # 366 days
        ("from=2025-01-01&to=2026-01-02", 400),  # 367 days: one more than the documented limit
        ("to=2026-11-23", 200),
    ],
)
async def test_the_stats_period_is_at_most_366_days_both_ends_included(api, query, status):
    response = await api.get(f"/api/v1/stats?{query}", headers=await api.auth())
    assert response.status == status, await response.text()
    if status == 400:
        assert (await response.json())["error"]["details"]["field"] == "from"


def test_whole_number_takes_ascii_digits_only():
    assert inputs.whole_number(" 42 ") == 42 and inputs.whole_number("0") == 0
    for text in ("²", "①", "١٢", "4²", "", "-1", "+1", "1_000", "1" * 10):
        assert inputs.whole_number(text) is None, text
    assert inputs.whole_number("1" * 12, max_digits=12) == int("1" * 12)


async def test_null_counts_as_absent_for_every_optional_field(api):
    """A generated client sends null for what it leaves unset; channel, locale and to_tenant took it as 400."""
    headers = await api.auth(Role.MANAGER)
    body = {
        **NEW_CASE,
        "channel": None,
        "locale": None,
        "kind": None,
        "category": None,
        "severity": None,
        "unit": None,
        "client_key": None,
    }
    response = await api.post("/api/v1/cases", json=body, headers=headers)
    assert response.status == 201, await response.text()
    created = await response.json()
    assert created["channel"] == "phone"
    number = created["number"]
    response = await api.post(
        f"/api/v1/cases/{number}/actions/note",
        json={"note": "已派单", "to_tenant": None},
        headers=headers,
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["event"]["public"] is True
    staff = await make_staff(Role.AGENT)
    for action, body in (
        ("assign", {"staff_id": staff.id, "note": None}),
        ("resolve", {"resolution": "修好了"}),
        ("close", {"reason": None, "satisfaction": None, "comment": None}),
    ):
        response = await api.post(
            f"/api/v1/cases/{number}/actions/{action}", json=body, headers=headers
        )
        assert response.status == 200, (action, await response.text())
    assert (await Case.get(number=number)).close_reason == "manual"
