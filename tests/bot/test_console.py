"""`qingchu chat`: a person plays the tenant at a console, buttons shown as numbers."""

import io

from bot.console import run_console
from tests.bot.conftest import t


async def test_console_files_a_case_end_to_end(settings):
    script = "\n".join([
        "/complain", "小区东门的路灯坏了三天了", "1",  # «That's all»
        "1",  # «Correct»
        "1-1-101", "@contact 13812345678", "1", "1", "1", "1", "@quit",
    ]) + "\n"
    out = io.StringIO()
    await run_console(settings, stdin=io.StringIO(script), out=out)
    text = out.getvalue()
    assert "[1] " + t("That's all") in text
    assert t("✅ Received. Your case number is {number}.", number="QC-20261123-0001").split("QC")[0] in text
    assert "[staff group]" in text and "138****5678" in text


async def test_console_survives_nonsense(settings):
    out = io.StringIO()
    await run_console(settings, stdin=io.StringIO("9\n@sticker\n\n/status nope\n"), out=out)
    text = out.getvalue()
    assert "(no such button)" in text and "Traceback" not in text
    assert t("We could not find that case number among your cases. Please check it, or send /mycases.") in text
