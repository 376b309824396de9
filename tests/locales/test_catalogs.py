"""Every sentence a person reads exists in zh_CN, zh_TW and en, with the same placeholders."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from backend.i18n import SUPPORTED, _, catalog_path, pick_locale

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
TAG = re.compile(r"</?\w+>")


def source_messages(tmp_path: Path) -> set[str]:
    """msgids marked in the code right now (the same extraction as the catalog update)."""
    pot = tmp_path / "current.pot"
    subprocess.run(
        [
            str(Path(sys.executable).with_name("pybabel")),
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_",
            "-k",
            "N_",
            "-k",
            "t",
            "--no-location",
            "-o",
            str(pot),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def catalog(locale: str) -> dict[str, str]:
    with catalog_path(locale).open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


@pytest.fixture(scope="module")
def marked(tmp_path_factory) -> set[str]:
    return source_messages(tmp_path_factory.mktemp("pot"))


@pytest.mark.parametrize("locale", SUPPORTED)
def test_no_sentence_is_missing_from_a_catalog(marked, locale):
    entries = catalog(locale)
    missing = sorted(m for m in marked if not entries.get(m))
    assert not missing, f"{locale} lacks translations for: {missing}"


@pytest.mark.parametrize("locale", SUPPORTED)
def test_placeholders_and_tags_survive_translation(locale):
    for msgid, msgstr in catalog(locale).items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), (
            locale,
            msgid,
        )
        assert TAG.findall(msgid) == TAG.findall(msgstr), (locale, msgid)


@pytest.mark.parametrize("locale", ["zh_CN", "zh_TW"])
def test_chinese_catalogs_are_really_chinese(locale):
    untranslated = [
        m
        for m, s in catalog(locale).items()
        if s == m
        and re.search(r"[A-Za-z]{4,}", PLACEHOLDER.sub("", m))
        and not m.startswith("/language")
    ]
    assert not untranslated, untranslated


def test_traditional_catalog_is_not_simplified():
    simplified = set("们这发单业时请设备维处电话号码")  # each differs from its traditional form
    leaks = [s for s in catalog("zh_TW").values() if simplified & set(s)]
    assert not leaks, leaks


@pytest.mark.parametrize(
    ("code", "locale"),
    [
        ("zh-hans", "zh_CN"),
        ("zh", "zh_CN"),
        ("zh-CN", "zh_CN"),
        ("zh-TW", "zh_TW"),
        ("zh-hant", "zh_TW"),
        ("zh-HK", "zh_TW"),
        ("en", "en"),
        ("en-GB", "en"),
        ("fr", "zh_CN"),
        (None, "zh_CN"),
    ],
)
def test_telegram_language_codes(code, locale):
    assert pick_locale(code) == locale


def test_values_are_filled_in():
    assert _("Case {number} is cancelled.", "zh_CN", number="QC-1") == "工单 QC-1 已撤销。"


QUOTED = {
    "zh_CN": re.compile(r"“([^”]+)”"),
    "zh_TW": re.compile(r"「([^」]+)」"),
    "en": re.compile(r"“([^”]+)”"),
}
BUTTON_PREFIX = re.compile(r"^(\W+\s)")  # the emoji and space in front of a button label


def _button_label(entries: dict[str, str], quoted: str) -> str | None:
    """The translated label of the button that an instruction quotes, without its emoji; None: not a button."""
    for msgid, msgstr in entries.items():
        prefix = BUTTON_PREFIX.match(msgid)
        if msgid == quoted:
            return msgstr
        if prefix and msgid == prefix.group(1) + quoted:
            return msgstr.removeprefix(prefix.group(1))
    return None


@pytest.mark.parametrize("locale", SUPPORTED)
def test_an_instruction_quotes_the_button_exactly_as_it_is_labelled(locale):
    """'press “That's all”' must name the button the tenant actually sees, in every language."""
    entries, english = catalog(locale), catalog("en")
    checked, wrong = 0, []
    for msgid, msgstr in entries.items():
        names = QUOTED["en"].findall(msgid)
        labels = [_button_label(entries, name) for name in names]
        if not names or None in labels:
            continue  # quotes a value ({comment}) or a header, not a button
        checked += 1
        if QUOTED[locale].findall(msgstr) != labels:
            wrong.append((msgid, msgstr, labels))
    assert checked >= 8 and not wrong, wrong
    assert english  # the en catalog is read the same way
