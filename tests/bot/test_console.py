"""`qingchu chat`: a person plays the tenant at a console, buttons shown as numbers."""

import io

from bot.console import HELP, run_console
from tests.bot.conftest import t


async def test_console_files_a_case_end_to_end(settings):
    script = (
        "\n".join(
            [
                "/complain",
                "小区东门的路灯坏了三天了",
                "1",  # “That's all”
                "1",  # “Correct”
                "1-1-101",
                "@contact 13812345678",
                "1",
                "1",
                "1",
                "1",
                "@quit",
            ]
        )
        + "\n"
    )
    out = io.StringIO()
    await run_console(settings, stdin=io.StringIO(script), out=out)
    text = out.getvalue()
    assert "[1] " + t("That's all") in text
    assert (
        t("✅ Received. Your case number is {number}.", number="QC-20261123-0001").split("QC")[0]
        in text
    )
    assert "[staff group]" in text and "138****5678" in text


async def test_console_survives_nonsense(settings):
    out = io.StringIO()
    await run_console(settings, stdin=io.StringIO("9\n@sticker\n\n/status nope\n"), out=out)
    text = out.getvalue()
    assert "Traceback" not in text
    assert (
        t("We could not find that case number among your cases. Please check it, or send /mycases.")
        in text
    )


async def test_a_typed_phone_number_is_text_not_a_button(settings):
    """Only numbers of the buttons shown press one; a phone number typed at the phone question is the answer."""
    script = (
        "\n".join(
            [
                "/complain",
                "小区东门的路灯坏了三天了",
                "1",
                "1",
                "1-1-101",
                "13812345678",  # typed, not shared: the menu of the category question had buttons 1–5
                "1",
                "1",
                "1",
                "1",
                "@quit",
            ]
        )
        + "\n"
    )
    out = io.StringIO()
    await run_console(settings, stdin=io.StringIO(script), out=out)
    text = out.getvalue()
    assert "(no such button)" not in text
    assert "[@contact PHONE]" in text  # the share-contact keyboard is explained where it appears
    assert "[staff group]" in text and "138****5678" in text


async def test_numbers_outside_the_buttons_and_at_text_are_sent_as_text(settings):
    no_cases = t("You have not filed any case yet. Send /complain to start.")
    out = io.StringIO()
    # /start shows three buttons ([2] is "my cases"): "7" is not one of them, "@text 2" is text.
    await run_console(settings, stdin=io.StringIO("7\n/start\n@text 2\n@quit\n"), out=out)
    assert "press a button" in HELP and "@text" in HELP
    assert "(no such button)" not in out.getvalue() and no_cases not in out.getvalue()
    out = io.StringIO()
    await run_console(settings, stdin=io.StringIO("2\n@quit\n"), out=out)
    assert no_cases in out.getvalue()  # a number of a button shown still presses it


async def test_a_second_session_on_the_same_database_is_answered(settings):
    first = io.StringIO()
    await run_console(
        settings, stdin=io.StringIO("/complain\n小区东门的路灯坏了三天了\n@quit\n"), out=first
    )
    second = io.StringIO()
    await run_console(settings, stdin=io.StringIO("/mycases\n@quit\n"), out=second)
    greeting = t("Hello! This is the property service desk.").splitlines()[0]
    text = second.getvalue()
    assert greeting in text.split("> ")[0], "the second session's /start got no answer"
    assert text.count("[bot]") >= 2  # /start and /mycases both answered
