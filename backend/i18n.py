"""gettext for every sentence a person reads. Catalogs live in locales/<locale>/LC_MESSAGES/qingchu.po.

The .po files are compiled in memory on first use (no build step); msgids are English.
"""

import gettext
import io
import threading
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "qingchu"
SUPPORTED = ("zh_CN", "zh_TW", "en")
DEFAULT = "zh_CN"
_lock = threading.Lock()


def catalog_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _compiled(locale: str) -> gettext.NullTranslations:
    path = catalog_path(locale)
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translations(locale: str | None) -> gettext.NullTranslations:
    with _lock:
        return _compiled(pick_locale(locale))


def pick_locale(value: str | None, default: str = DEFAULT) -> str:
    """Map a profile setting or Telegram's language_code (zh-hans, zh-TW, en-GB …) to a catalog."""
    if not value:
        return default
    code = value.replace("-", "_").lower()
    if code in ("zh_tw", "zh_hk", "zh_mo", "zh_hant") or code.startswith("zh_hant"):
        return "zh_TW"
    if code.startswith("zh"):
        return "zh_CN"
    if code.startswith("en"):
        return "en"
    return default


# What people type after /language: codes, and the names of the scripts as they write them.
LANGUAGE_WORDS = {
    "繁体": "zh_TW",
    "繁體": "zh_TW",
    "繁体中文": "zh_TW",
    "繁體中文": "zh_TW",
    "正体": "zh_TW",
    "正體": "zh_TW",
    "台湾": "zh_TW",
    "台灣": "zh_TW",
    "香港": "zh_TW",
    "tw": "zh_TW",
    "hk": "zh_TW",
    "traditional": "zh_TW",
    "简体": "zh_CN",
    "簡體": "zh_CN",
    "简体中文": "zh_CN",
    "簡體中文": "zh_CN",
    "中文": "zh_CN",
    "cn": "zh_CN",
    "simplified": "zh_CN",
    "chinese": "zh_CN",
    "英文": "en",
    "英語": "en",
    "英语": "en",
    "english": "en",
}


def language_choice(text: str) -> str | None:
    """The catalog a typed choice names (`en`, `zh`, `zh-TW`, `繁体`, `简体` …); None when it names none."""
    word = text.strip().lower().replace("-", "_")
    if word in LANGUAGE_WORDS:
        return LANGUAGE_WORDS[word]
    if word in ("zh", "en") or word.startswith(("zh_", "en_")):
        return pick_locale(word)
    return None


def _(message: str, locale: str | None = None, **values: object) -> str:
    """Translate `message` into `locale` and fill in {named} values."""
    text = translations(locale).gettext(message)
    return text.format(**values) if values else text


def N_(message: str) -> str:
    """Mark a message for extraction without translating it now."""
    return message
