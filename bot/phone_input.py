"""A phone number typed or shared as a contact in a dialog (the tenant's intake, a staff member's /new)."""

from telegram import Message

from backend.domain.contact import example_phone, normalize_phone

from .turn import Turn


def phone_in(message: Message, regions: tuple[str, ...]) -> str | None:
    """The number in E.164, or None when the message holds none. Telegram sends a shared contact's number
    in international form, usually without the "+"."""
    if message.contact is not None:
        raw = message.contact.phone_number or ""
        return normalize_phone("+" + raw.lstrip("+"), regions) or normalize_phone(raw, regions)
    return normalize_phone(message.text or "", regions)


def contact_name(message: Message) -> str:
    """The name on a shared contact ("" for typed text)."""
    contact = message.contact
    if contact is None:
        return ""
    return " ".join(p for p in (contact.first_name, contact.last_name) if p)


async def ask_again(turn: Turn, regions: tuple[str, ...]) -> None:
    await turn.reply(
        turn.t(
            "That does not look like a phone number. Please type it again, for example {example}, "
            "or with + and the country code.",
            example=example_phone(regions[0]),
        )
    )
