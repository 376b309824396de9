"""Which estate a tenant lives in: `/start CODE` from the lobby poster's link, else a short list.

The estate decides where the tenant's cases go: its staff group, duty phone and hours
(docs/domain.md#estates). A deployment with one estate never asks.
"""

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup

from backend.domain.estates import start_parameter
from backend.models import Estate
from backend.services import complainants
from backend.services.estates import estate_by_code, estate_by_id, estates

from .. import callbacks
from ..callbacks import Callback, Scope
from ..turn import Turn

SCOPE = Scope.ESTATE
PICK, PICK_THEN_FILE = "pick", "file"  # after the choice: the menu, or straight on to a new case


async def needs_choice(turn: Turn) -> list[Estate]:
    """The estates to choose from when the tenant has none yet and there is more than one; else []."""
    if turn.complainant is not None and turn.complainant.estate_id is not None:
        return []
    active = await estates(active_only=True)
    return active if len(active) > 1 else []


def picker(turn: Turn, choices: list[Estate], action: str = PICK) -> InlineKeyboardMarkup:
    ordered = sorted(choices, key=lambda estate: estate.name)
    buttons = [
        Button(estate.name[:60], callback_data=callbacks.cb(SCOPE, action, str(estate.id)))
        for estate in ordered
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def ask(turn: Turn, choices: list[Estate], action: str = PICK) -> None:
    await turn.reply(
        turn.t("Which estate do you live in (or keep your shop in)? Please choose:"),
        picker(turn, choices, action),
    )


async def bind(turn: Turn, estate: Estate) -> None:
    await complainants.set_estate(turn.user_id, estate.id, turn.locale, turn.ctx.clock.now())
    if turn.complainant is not None:
        turn.complainant.estate_id = estate.id


async def on_start(turn: Turn) -> Estate | None:
    """`/start CODE`: the estate of the link, bound to the tenant (None: no code, or an unknown one —
    then the tenant was asked to choose)."""
    code = start_parameter(turn.message.text or "")
    if code is None:
        return None
    estate = await estate_by_code(code)
    if estate is not None and estate.active:
        await bind(turn, estate)
        return estate
    choices = await estates(active_only=True)
    if len(choices) == 1:
        await bind(turn, choices[0])
        return choices[0]
    await turn.reply(turn.t("I could not find the estate of this link ({code}).", code=code[:32]))
    if choices:
        await ask(turn, choices)
    return None


async def on_callback(turn: Turn, callback: Callback) -> bool:
    """A press on the estate list. True when the tenant is to go on to a new case."""
    estate_id = callbacks.number(callback.argument)
    estate = await estate_by_id(estate_id) if estate_id is not None else None
    if estate is None or not estate.active or callback.action not in (PICK, PICK_THEN_FILE):
        await turn.answer(
            turn.plain("This button is no longer active. Please use the latest message.")
        )
        return False
    await bind(turn, estate)
    await turn.answer()
    await turn.reply(
        turn.t(
            "Thank you. Your cases will go to the management office of {estate}.",
            estate=estate.name,
        )
    )
    return callback.action == PICK_THEN_FILE


async def change(turn: Turn) -> None:
    """/estate: choose another estate (a tenant who moved)."""
    choices = await estates(active_only=True)
    if len(choices) <= 1:
        await turn.reply(turn.t("This service desk serves one estate: there is nothing to choose."))
        return
    current = next(
        (e for e in choices if turn.complainant and e.id == turn.complainant.estate_id), None
    )
    if current is not None:
        await turn.reply(turn.t("Your estate now: {estate}.", estate=current.name))
    await ask(turn, choices)
