"""Refresh the catalogs after changing user-facing sentences: `python -m locales.update`.

Extracts every marked sentence (_, N_, turn.t, turn.plain) into locales/qingchu.pot, merges it into the zh_CN, zh_TW and
en catalogs (new entries empty, vanished ones dropped), and fills English with the msgid itself.
Then translate the empty zh_CN / zh_TW entries; tests/locales fails while any is empty.
"""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "locales" / "qingchu.pot"


def main() -> None:
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    subprocess.run(
        [
            pybabel,
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
            "-k",
            "plain",
            "--no-location",
            "--sort-output",
            "--omit-header",
            "-o",
            str(POT),
            str(ROOT),
        ],
        check=True,
    )
    template = read_po(POT.open("rb"))
    for locale in ("zh_CN", "zh_TW", "en"):
        path = ROOT / "locales" / locale / "LC_MESSAGES" / "qingchu.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if locale == "en":
            for message in catalog:
                if message.id and not message.string:
                    message.string = message.id
        with path.open("wb") as handle:
            write_po(handle, catalog, sort_output=True, width=100, omit_header=False)
        empty = [m.id for m in catalog if m.id and not m.string]
        print(f"{locale}: {len(catalog)} entries, {len(empty)} to translate")


if __name__ == "__main__":
    main()
