"""The intake's typed draft and the dialog's enums: every row and button written before them still works."""

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain import Severity
from backend.models import Attachment, Case, Dialog
from backend.services.dialogs import Flow
from backend.services.drafts import AttachmentDraft
from bot.callbacks import Callback, Scope, decode
from bot.dialogs import APPLIED, DialogState, StaffPrompt, SurveyComment, from_row, load_dialog
from bot.tenant.draft import KNOWN, VERSION, IntakeDraft
from bot.tenant.steps import Step
from tests.bot.conftest import t

KEY = "5f0c2a9e8d7b4c1a9e3f6d2b7a8c4e10"
PHOTO = {"file_id": "AgAD-1", "kind": "photo", "file_unique_id": "u-1", "caption": "漏水处"}

# Rows as the intake wrote them before the draft was typed (no "v"), one per moment of the dialog.
OLD_ROWS = {
    "just begun": ({"key": KEY, "parts": [], "locale": "zh_CN"}, IntakeDraft(KEY, "zh_CN")),
    "offered, with a photo": (
        {"key": KEY, "parts": ["天花板漏水"], "locale": "en", "files": [PHOTO]},
        IntakeDraft(KEY, "en", ["天花板漏水"], [AttachmentDraft(**PHOTO)]),
    ),
    "category asked": (
        {
            "key": KEY,
            "parts": ["楼道灯坏了"],
            "locale": "zh_CN",
            "suggested": "facility",
            "kind": "repair",
            "severity": "general",
            "alternatives": ["environment"],
        },
        IntakeDraft(
            KEY,
            "zh_CN",
            ["楼道灯坏了"],
            suggested_category="facility",
            kind="repair",
            alternatives=["environment"],
        ),
    ),
    "safety question open": (
        {
            "key": KEY,
            "parts": ["楼道里有烟味"],
            "locale": "zh_CN",
            "safety": "fire",
            "safety_done": ["flood"],
        },
        IntakeDraft(
            KEY, "zh_CN", ["楼道里有烟味"], safety_question="fire", safety_answered=["flood"]
        ),
    ),
    "emergency filed early": (
        {
            "key": KEY,
            "parts": ["厨房有很重的煤气味"],
            "locale": "zh_CN",
            "suggested": "security",
            "kind": "complaint",
            "severity": "major",
            "alternatives": [],
            "category": "security",
            "triggers": ["gas"],
            "case": "20261203-0001",
            "unit": "3-1-1202",
        },
        IntakeDraft(
            KEY,
            "zh_CN",
            ["厨房有很重的煤气味"],
            suggested_category="security",
            kind="complaint",
            category="security",
            triggers=["gas"],
            case_number="20261203-0001",
            unit="3-1-1202",
        ),
    ),
    "emergency without named triggers": (
        {"key": KEY, "parts": ["救命"], "locale": "zh_CN", "triggers": []},
        IntakeDraft(KEY, "zh_CN", ["救命"], triggers=[]),
    ),
    "changing one answer at the summary": (
        {
            "key": KEY,
            "parts": [],
            "locale": "zh_TW",
            "suggested": "other",
            "category": "other",
            "unit": "商铺 A-12",
            "phone": "+8613812345678",
            "name": "王女士",
            "telegram_name": "Wang Fang",
            "expectation": "尽快修好",
            "files": [PHOTO, {**PHOTO, "file_id": "BQAD-2", "kind": "document"}],
            "return_to": "summary",
        },
        IntakeDraft(
            KEY,
            "zh_TW",
            suggested_category="other",
            category="other",
            unit="商铺 A-12",
            phone="+8613812345678",
            name="王女士",
            telegram_name="Wang Fang",
            expectation="尽快修好",
            files=[
                AttachmentDraft(**PHOTO),
                AttachmentDraft("BQAD-2", "document", "u-1", "漏水处"),
            ],
            return_to=Step.SUMMARY,
        ),
    ),
}


@pytest.mark.parametrize("row, expected", OLD_ROWS.values(), ids=OLD_ROWS.keys())
def test_an_old_row_loads_and_is_written_back_in_the_same_shape(row, expected):
    draft = IntakeDraft.from_json(row)
    assert draft == expected
    kept = {"key", "locale", "parts", "suggested", "triggers"}  # written even when empty
    written_back = {k: v for k, v in row.items() if k != "severity" and (v or k in kept)}
    assert draft.to_json() == {"v": VERSION, **written_back}
    assert IntakeDraft.from_json(draft.to_json()) == draft


def test_a_newer_versions_keys_are_kept():
    row = {"v": VERSION + 1, "key": KEY, "parts": ["x"], "locale": "en", "mood": {"calm": True}}
    draft = IntakeDraft.from_json(row)
    assert draft.unknown == {"mood": {"calm": True}}
    assert draft.to_json() == {**row, "v": VERSION}


BAD_ROWS: dict[str, tuple[object, IntakeDraft]] = {
    "not an object": ([1, 2], IntakeDraft()),
    "null": (None, IntakeDraft()),
    "texts of the wrong type": (
        {"key": KEY, "locale": 3, "case": 20261203, "unit": ["3-1"], "suggested": False},
        IntakeDraft(KEY),
    ),
    "lists of the wrong type": (
        {"key": KEY, "parts": "漏水", "safety_done": {"fire": 1}, "alternatives": None},
        IntakeDraft(KEY),
    ),
    "bad items are left out": (
        {"key": KEY, "parts": ["漏水", 5, None, "三天了"], "files": [PHOTO, "AgAD", {"kind": "x"}]},
        IntakeDraft(KEY, parts=["漏水", "三天了"], files=[AttachmentDraft(**PHOTO)]),
    ),
    "a trigger that is not a list is still an emergency": (
        {"key": KEY, "triggers": "gas"},
        IntakeDraft(KEY, triggers=[]),
    ),
    "an unknown step to return to": ({"key": KEY, "return_to": "nowhere"}, IntakeDraft(KEY)),
    "a version that is not a number": ({"key": KEY, "v": "one"}, IntakeDraft(KEY)),
}


@pytest.mark.parametrize("row, expected", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_bad_values_become_defaults_and_are_logged(row, expected, caplog):
    with caplog.at_level(logging.WARNING):
        draft = IntakeDraft.from_json(row)
    if not isinstance(row, dict):
        expected.key = draft.key  # a row without a key gets a new one
    assert draft == expected
    assert caplog.records, "a bad value is logged"


def test_a_row_without_a_key_gets_a_new_one_so_its_submit_stays_idempotent():
    first, second = IntakeDraft.from_json({}), IntakeDraft.from_json({})
    assert len(first.key) == 32 and first.key != second.key


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
KEYS = st.sampled_from(sorted(KNOWN | {"severity", "_update"})) | st.text(max_size=12)


@given(st.dictionaries(KEYS, JSON, max_size=12) | JSON)
def test_any_json_loads_and_then_round_trips(raw):
    draft = IntakeDraft.from_json(raw)
    assert IntakeDraft.from_json(draft.to_json()) == draft


# ---- the dialog row --------------------------------------------------------------------------------


def row(flow: str, state: str, data: object) -> Dialog:
    return Dialog(key="1:1", chat_id=1, user_id=1, flow=flow, state=state, data=data)


@pytest.mark.parametrize(
    "flow, state, data, payload",
    [
        ("intake", "describe", {"key": KEY, "parts": [], "locale": "en"}, IntakeDraft(KEY, "en")),
        ("survey", "comment", {"case_id": 7}, SurveyComment(7)),
        ("staff_input", "setcat", {"case_id": 7, "extra": "noise"}, StaffPrompt(7, "noise")),
        ("staff_input", "note", {"case_id": "7"}, StaffPrompt(None)),
        ("survey", "comment", [7], SurveyComment(None)),
    ],
)
def test_every_flows_row_loads_into_its_payload(flow, state, data, payload):
    dialog = from_row(row(flow, state, data))
    assert (dialog.flow, dialog.state, dialog.payload) == (Flow(flow), state, payload)
    assert isinstance(dialog.flow, Flow) and dialog.to_json() == payload.to_json()


def test_the_applied_update_is_kept_beside_the_payload():
    dialog = from_row(row("survey", "comment", {"case_id": 7, APPLIED: 41}))
    assert dialog.applied(41) and not dialog.applied(42)
    assert dialog.payload == SurveyComment(7) and dialog.to_json() == {"case_id": 7, APPLIED: 41}


def test_a_row_of_an_unknown_flow_is_no_dialog():
    assert from_row(row("poll", "asked", {})) is None


def test_only_an_intake_dialog_has_a_draft():
    dialog = DialogState(1, 1, Flow.STAFF_INPUT, "note", StaffPrompt(3))
    with pytest.raises(TypeError):
        dialog.draft  # noqa: B018


# ---- old buttons -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, callback",
    [
        ("i:done", Callback(Scope.INTAKE, "done")),
        ("i:safe:y:gas:5f0c2a9e", Callback(Scope.INTAKE, "safe", "y:gas:5f0c2a9e")),
        ("i:edit_field:unit", Callback(Scope.INTAKE, "edit_field", "unit")),
        ("m:new", Callback(Scope.MENU, "new")),
        ("l:zh_TW", Callback(Scope.LANGUAGE, "zh_TW")),
        ("c:open:20261203-0001", Callback(Scope.CASE, "open", "20261203-0001")),
        ("s:claim:12", Callback(Scope.STAFF_CARD, "claim", "12")),
        ("q:3:5", Callback(Scope.SATISFACTION, "3", "5")),
        ("v:rate:12:4", Callback(Scope.SURVEY, "rate", "12:4")),
    ],
)
def test_an_old_buttons_data_decodes_to_its_scope_and_back(data, callback):
    decoded = decode(data)
    assert decoded == callback and decoded.scope == data[0]  # a letter still compares equal
    assert decoded.encode() == data


@pytest.mark.parametrize("data", ["x:done", "I:done", "ii:done", ":done", "i:", "i"])
def test_a_button_of_an_unknown_scope_is_not_ours(data):
    assert decode(data) is None


async def test_an_old_row_at_the_summary_and_its_old_submit_button_file_the_case(desk):
    earlier = desk.up.command(desk.tenant, "help")  # a message to press the old button on
    await desk.process(earlier)
    await Dialog.create(
        key=f"{desk.tenant.id}:{desk.tenant.id}",
        chat_id=desk.tenant.id,
        user_id=desk.tenant.id,
        flow="intake",
        state="summary",
        updated_at=desk.ctx.clock.now(),
        data={
            **OLD_ROWS["changing one answer at the summary"][0],
            "parts": ["楼道灯坏了，晚上很黑"],
            "kind": "repair",
            "severity": "general",
            "category": "facility",
            "return_to": "",
            APPLIED: earlier.update_id,
        },
    )
    await desk.process(desk.up.callback(desk.tenant, desk.chat().last(), "i:submit"))
    case = await Case.get()
    assert (case.description, case.category, case.unit) == (
        "楼道灯坏了，晚上很黑",
        "facility",
        "商铺 A-12",
    )
    assert (case.contact_name, case.contact_phone, case.expectation) == (
        "王女士",
        "+8613812345678",
        "尽快修好",
    )
    assert case.client_key == f"tg:{desk.tenant.id}:{KEY}" and case.severity is Severity.GENERAL
    assert await Attachment.filter(case_id=case.id).count() == 2
    assert await load_dialog(desk.tenant.id, desk.tenant.id) is None


async def test_an_old_offer_row_and_its_yes_button_go_on_describing(desk):
    await desk.command("help")
    await Dialog.create(
        key=f"{desk.tenant.id}:{desk.tenant.id}",
        chat_id=desk.tenant.id,
        user_id=desk.tenant.id,
        flow="intake",
        state="offer",
        updated_at=desk.ctx.clock.now(),
        data={"key": KEY, "parts": ["楼道灯坏了"], "locale": "zh_CN"},
    )
    await desk.process(desk.up.callback(desk.tenant, desk.chat().last(), "i:offer:y"))
    assert desk.last() == t(
        "Noted. Send more if there is more; press “That's all” when you are done."
    )
    dialog = await load_dialog(desk.tenant.id, desk.tenant.id)
    assert dialog.state == Step.DESCRIBE and dialog.draft.parts == ["楼道灯坏了"]
    assert dialog.draft.key == KEY and dialog.applied_update is not None
    stored = await Dialog.get(key=f"{desk.tenant.id}:{desk.tenant.id}")
    assert stored.data["v"] == VERSION and stored.state == "describe"
