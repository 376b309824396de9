"""Staff commands: /queue, /mine, /overdue, /case NUMBER — for registered staff only."""

from backend.domain import Role, normalize_case_number
from backend.labels import role_in_sentence
from backend.services import queries
from backend.services.staff import redeem_invite, set_on_duty, staff_actor

from ..render import case_line, more_in_dashboard
from ..text import esc
from ..turn import Turn
from .card import card_keyboard, card_text

LIMIT = 15


async def _listing(turn: Turn, title: str, criteria: queries.CaseFilter, order: str) -> None:
    page = await queries.list_cases(criteria, turn.ctx.clock.now(), per_page=LIMIT, order=order)
    if not page.items:
        await turn.reply(turn.t("Nothing here right now."))
        return
    policy, tz = turn.ctx.settings.policy, turn.ctx.settings.timezone
    lines = [f"{title} ({page.total})"] + [
        esc(case_line(c, policy, turn.locale, tz, for_staff=True)) for c in page.items
    ]
    await turn.reply(
        "\n".join(lines), more=more_in_dashboard(turn.ctx.settings, turn.locale, "/cases")
    )


async def run(turn: Turn, command: str, args: list[str]) -> None:
    actor = await staff_actor(turn.user_id)
    if actor is None:
        await turn.reply(
            turn.t("Only registered staff can do this. Ask an administrator to add you.")
        )
        return
    if command == "queue":
        await _listing(
            turn,
            turn.t("Unclaimed cases, oldest first"),
            queries.CaseFilter(unclaimed=True, estate_ids=actor.estates),
            "received_at",
        )
    elif command == "mine":
        await _listing(
            turn,
            turn.t("Your open cases"),
            queries.CaseFilter(
                owner_id=actor.id, statuses=list(queries.OPEN_STATUSES), estate_ids=actor.estates
            ),
            "received_at",
        )
    elif command == "overdue":
        await _listing(
            turn,
            turn.t("Overdue cases"),
            queries.CaseFilter(overdue=True, estate_ids=actor.estates),
            "received_at",
        )
    elif command == "case":
        number = normalize_case_number(args[0]) if args else None
        found = await queries.case_with_timeline(number) if number else None
        if found is None or not actor.sees_estate(found[0].estate_id):
            await turn.reply(turn.t("No case with that number."))
            return
        case, _ = found
        await turn.reply(await card_text(turn.ctx, case), card_keyboard(turn.ctx, case))


async def join(turn: Turn, args: list[str]) -> None:
    """/join CODE: a new colleague registers with the code an administrator gave them."""
    if not args:
        await turn.reply(
            turn.t("Please send the code you were given, for example /join ABCDE-FGHJK.")
        )
        return
    staff = await redeem_invite(args[0], turn.user_id, turn.ctx.clock.now())
    if staff is None:
        await turn.reply(
            turn.t(
                "This code is unknown, already used or expired. Please ask your administrator for a new one."
            )
        )
        return
    await turn.reply(
        turn.t(
            "Welcome, {name}! You are registered as {role}. Send /queue to see unclaimed cases.",
            name=staff.name,
            role=role_in_sentence(staff.role, turn.locale),
        )
    )


async def duty(turn: Turn, args: list[str]) -> None:
    """/duty on|off: take or hand over the duty outside business hours (supervisors and up)."""
    actor = await staff_actor(turn.user_id)
    if actor is None:
        await turn.reply(
            turn.t("Only registered staff can do this. Ask an administrator to add you.")
        )
        return
    if actor.role is None or not actor.role.at_least(Role.SUPERVISOR):
        await turn.reply(turn.t("Your role does not allow this."))
        return
    on = (args[0].lower() if args else "on") not in ("off", "0", "no")
    await set_on_duty(turn.user_id, on)
    await turn.reply(
        turn.t("You are on duty: cases outside business hours come to you here.")
        if on
        else turn.t("You are off duty.")
    )


async def dashboard(turn: Turn) -> None:
    """/dashboard in a private chat: a one-time sign-in link for registered, active staff."""
    from backend.services.signin import create_sign_in_link
    from backend.services.staff_queries import active_staff_by_telegram_id

    if turn.chat.type != "private":
        await turn.reply(turn.t("Please ask for the sign-in link in a private chat with me."))
        return
    staff = await active_staff_by_telegram_id(turn.user_id)
    if staff is None:
        await turn.reply(
            turn.t("Only registered staff can do this. Ask an administrator to add you.")
        )
        return
    link = await create_sign_in_link(staff, turn.ctx.settings, turn.ctx.clock.now())
    await turn.reply(
        turn.t("Your sign-in link for the dashboard (valid for 10 minutes, works once):")
        + f"\n{link}"
    )
