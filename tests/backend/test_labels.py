"""The names people read for the case vocabulary (backend.labels): complete in every catalog language, one
per value, the same in the bot and the dashboard; and what staff are shown of triage's reasons."""

from datetime import UTC, datetime
from itertools import product
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po

import nlp
from backend import labels
from backend.config import load_settings
from backend.domain import Action, ActorKind, Channel, Kind, Role, Severity, Status
from backend.i18n import SUPPORTED, catalog_path
from backend.labels import role_in_sentence, triage_reasons
from backend.web.format import Formatter
from bot.render import case_line


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (None, ""),
        ({}, ""),
        ("not a dict", ""),
        ({"evidence": {"category": ["电梯"], "severity": ["困人"]}, "triggers": ["lift_trapped"]},
         "people trapped in a lift · “困人”“电梯”"),
        ({"evidence": {"category": ["漏水"]}}, "“漏水”"),
        ({"evidence": "garbage", "triggers": ["unknown_trigger", 3]}, "unknown_trigger"),
        ({"evidence": {"severity": ["a", "b", "c", "d", "e", "f", "g"]}}, "“a”“b”“c”“d”“e”“f”"),
    ],
)  # fmt: skip
def test_triage_reasons(record, expected):
    assert triage_reasons(record, "en") == expected


# ---- one label per value, the same in every front end -------------------------------------------

LABEL_TABLES = {
    "kind": (labels.KIND_NAMES, Kind),
    "severity": (labels.SEVERITY_NAMES, Severity),
    "staff status": (labels.STAFF_STATUS_NAMES, Status),
    "tenant status": (labels.TENANT_STATUS_NAMES, Status),
    "channel": (labels.CHANNEL_NAMES, Channel),
    "action": (labels.ACTION_NAMES, Action),
    "actor": (labels.ACTOR_KIND_NAMES, ActorKind),
    "role": (labels.ROLE_NAMES, Role),
    "role in a sentence": (labels.ROLE_IN_SENTENCE, Role),
}
MSGID_TABLES = {
    **{name: table for name, (table, _vocabulary) in LABEL_TABLES.items()},
    "alert reason": labels.ALERT_REASON_NAMES,
    "trigger": labels.TRIGGER_NAMES,
}
SETTINGS = load_settings(env={}, env_file=None)
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def catalog(locale: str) -> dict[str, str]:
    with catalog_path(locale).open("rb") as handle:
        return {str(message.id): str(message.string) for message in read_po(handle) if message.id}


@pytest.mark.parametrize("concern", LABEL_TABLES)
def test_every_value_of_the_vocabulary_has_a_label(concern):
    table, vocabulary = LABEL_TABLES[concern]
    assert set(table) == set(vocabulary)


def test_every_trigger_triage_can_name_has_a_label():
    """Staff read the trigger after "Triage read:"; a raw rule name would mean nothing to them."""
    rules = Path(nlp.__file__).parent / "data" / "rules_severity.tsv"
    rows = [line.split("\t") for line in rules.read_text(encoding="utf-8").splitlines()]
    named = {row[1] for row in rows if len(row) > 1 and not row[0].startswith("#") and row[1]}
    named -= {"trigger"}  # the header row
    named |= {"danger"}  # the classifier's own safety check (nlp/classifier.py)
    assert named <= set(labels.TRIGGER_NAMES), named - set(labels.TRIGGER_NAMES)


def test_every_catalog_language_has_a_name_in_its_own_words():
    assert set(labels.LANGUAGE_NAMES) == set(SUPPORTED)
    assert len(set(labels.LANGUAGE_NAMES.values())) == len(SUPPORTED)


@pytest.mark.parametrize("locale", SUPPORTED)
@pytest.mark.parametrize("concern", MSGID_TABLES)
def test_every_label_is_translated_and_tells_the_values_apart(concern, locale):
    entries = catalog(locale)
    table = MSGID_TABLES[concern]
    missing = [msgid for msgid in table.values() if not entries.get(msgid)]
    assert not missing, f"{locale} lacks {missing}"
    names = [entries[msgid] for msgid in table.values()]
    assert len(set(names)) == len(names), sorted(n for n in names if names.count(n) > 1)


@pytest.mark.parametrize("locale", SUPPORTED)
def test_bot_and_dashboard_name_a_case_alike(locale):
    """The bot's staff list line and the dashboard's columns show one status and category label."""
    fmt = Formatter(SETTINGS, locale, NOW)
    codes = [*SETTINGS.policy.category_codes, "retired_category"]
    for status, code in product(Status, codes):
        case = SimpleNamespace(number="QC-1", category=code, status=status, updated_at=NOW)
        line = case_line(case, SETTINGS.policy, locale, UTC, for_staff=True)  # type: ignore[arg-type]
        shown_category, shown_status = line.split(" · ")[1:3]
        assert (shown_category, shown_status) == (fmt.category(code), fmt.status(status))


@pytest.mark.parametrize("locale", SUPPORTED)
@pytest.mark.parametrize("role", Role)
def test_the_bot_names_a_role_as_the_dashboard_does_inside_a_sentence(role, locale):
    in_sentence = role_in_sentence(role, locale)
    assert in_sentence.casefold() == Formatter(SETTINGS, locale, NOW).role(role).casefold()


def test_a_tenant_reads_their_own_words_only_where_staff_words_would_mislead():
    differs = {
        status
        for status in Status
        if labels.tenant_status_name(status, "en") != labels.staff_status_name(status, "en")
    }
    assert differs == {Status.RESOLVED, Status.INVALID}
    assert labels.tenant_status_name(Status.RESOLVED, "zh_CN") == "已处理，待您确认"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (labels.staff_status_name, Status.INVALID, "无效"),
        (labels.staff_status_name, "in_progress", "处理中"),
        (labels.channel_name, "walk_in", "来访"),
        (labels.alert_reason_name, "assign_overdue", "超时无人接单"),
        (labels.staff_status_name, "archived", "archived"),
        (labels.channel_name, "fax", "fax"),
        (labels.trigger_name, "unknown_trigger", "unknown_trigger"),
    ],
)  # fmt: skip
def test_a_value_is_named_from_its_enum_or_its_text_and_an_unknown_one_shown_as_it_is(
    name, value, expected
):
    assert name(value, "zh_CN") == expected
