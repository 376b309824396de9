"""Safety first in the intake: the one yes/no question when triage suspects an emergency but is not sure,
and the advice that fits an emergency.

Pure tables and functions: the texts are gettext msgids (the dialog translates them), nothing here talks to
Telegram or the database.
"""

from collections.abc import Iterable

from backend.i18n import N_

# Triage's safety checks (nlp.SAFETY_CHECKS) → the question asked; "yes" files an emergency with TRIGGER.
QUESTIONS = {
    "lift_trapped": N_("Is anyone trapped in the lift right now?"),
    "fire": N_("Can you see flames or thick smoke right now?"),
    "gas": N_("Can you still smell gas right now?"),
    "flood": N_("Is water still pouring out?"),
    "danger": N_("Is anyone in danger or hurt right now?"),
}
TRIGGER = {
    "lift_trapped": "lift_trapped",
    "fire": "fire",
    "gas": "gas",
    "flood": "flood",
    "danger": "danger",
}

GENERIC_ADVICE = N_(
    "⚠️ This sounds like an emergency. Please get to safety first; call 119 (fire), "
    "110 (police) or 120 (ambulance) if anyone is in danger."
)
# The first row whose triggers the triage names gives the advice; other emergencies get GENERIC_ADVICE.
ADVICE: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("fire", "explosion", "smoke"),
        N_(
            "🔥 There may be a fire. For your safety:\n"
            "• Leave now by the stairs. Do not use the lift.\n"
            "• Close the doors behind you. In smoke, stay low and cover your nose and mouth with a wet cloth.\n"
            "• Call 119 as soon as you can."
        ),
    ),
    (
        ("gas",),
        N_(
            "⚠️ There may be a gas leak. For your safety:\n"
            "• Do not switch any light or appliance on or off, and do not light any flame.\n"
            "• Open the windows and doors, then get out to a safe place.\n"
            "• Once outside, call the gas company's emergency line or 119."
        ),
    ),
    (
        ("lift_trapped",),
        N_(
            "⚠️ For anyone trapped in the lift:\n"
            "• Stay calm. The lift has safety brakes and enough air.\n"
            "• Press the alarm or intercom button in the lift.\n"
            "• Do not force the doors open or try to climb out.\n"
            "• We are on our way. If anyone feels unwell, call 120."
        ),
    ),
    (
        ("flood",),
        N_(
            "💧 For a burst pipe or flooding:\n"
            "• Shut the main water valve, if you can reach it safely.\n"
            "• Keep away from sockets, switches and wet appliances.\n"
            "• Move valuables and electrical items off the floor."
        ),
    ),
)

# Typed answers to the open question (Mandarin, Cantonese, English); anything else is more description.
YES_WORDS = frozenset(
    {
        "是",
        "是的",
        "有",
        "有的",
        "有啊",
        "有呀",
        "对",
        "对的",
        "對",
        "對的",
        "还在",
        "還在",
        "係",
        "係呀",
        "係啊",
        "有人",
        "yes",
        "y",
        "yeah",
        "yep",
    }
)
NO_WORDS = frozenset(
    {
        "否",
        "没有",
        "沒有",
        "没",
        "沒",
        "没有了",
        "沒有了",
        "没人",
        "沒人",
        "没有人",
        "沒有人",
        "不是",
        "不",
        "冇",
        "冇啊",
        "冇呀",
        "冇人",
        "唔係",
        "no",
        "n",
        "nope",
    }
)
PUNCTUATION = " \t\r\n。.，,！!？?~～…、\u3000"


def question_for(check: str) -> str:
    """The question for a safety check, or "" for a check this dialog does not know."""
    return QUESTIONS.get(check, "")


def advice_for(triggers: Iterable[str]) -> str:
    named = set(triggers)
    for names, advice in ADVICE:
        if named.intersection(names):
            return advice
    return GENERIC_ADVICE


def typed_answer(text: str) -> bool | None:
    """True for a typed yes, False for a typed no, None for anything else."""
    word = text.strip(PUNCTUATION).lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None
