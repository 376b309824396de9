"""The outbox's payloads: one dataclass per kind, and rows stored before a field existed still load."""

from datetime import UTC, datetime

import pytest

from backend.domain.messages import (
    PAYLOADS,
    DialogExpired,
    ManagerAlert,
    OutboxKind,
    Payload,
    Reminder,
    SatisfactionSurvey,
    TenantUpdate,
    load_payload,
)


def test_every_kind_has_its_payload_and_its_renderer():
    from bot.delivery import RENDERERS

    assert set(PAYLOADS) == set(OutboxKind) == set(RENDERERS)
    assert all(cls.kind is kind for kind, cls in PAYLOADS.items())


@pytest.mark.parametrize(
    "payload",
    [
        TenantUpdate(
            number="QC-1",
            event="auto_progress",
            owner="小李",
            expected=datetime(2026, 3, 5, 9, tzinfo=UTC),
            locale="zh_CN",
        ),
        ManagerAlert(number="QC-1", reason="major", level=3),
        SatisfactionSurvey(survey_id=4, locale="en"),
        DialogExpired(),
    ],
)
def test_a_payload_reads_back_what_it_wrote(payload: Payload):
    assert load_payload(payload.kind, payload.to_json()) == payload


def test_rows_written_before_a_field_existed_load_with_its_default():
    old = {"number": "QC-1", "event": "claim", "owner": "小李", "channel": "chat"}  # no note/locale
    update = load_payload("tenant_update", old)
    assert update == TenantUpdate(number="QC-1", event="claim", owner="小李")
    assert load_payload("reminder", {"number": "QC-1"}) == Reminder(number="QC-1")
    assert load_payload("dialog_expired", {}) == DialogExpired()


def test_an_unset_field_is_left_out_of_the_row():
    assert TenantUpdate(number="QC-1", event="note", note="明天上门").to_json() == {
        "number": "QC-1",
        "event": "note",
        "note": "明天上门",
    }


def test_a_row_without_a_required_field_is_refused():
    with pytest.raises(TypeError):
        load_payload("manager_alert", {"number": "QC-1"})
    with pytest.raises(ValueError):
        load_payload("postcard", {})
