"""The people who complain through the bot, as far as the bot keeps anything about them before a case."""

from datetime import datetime

from ..models import Complainant


async def set_language(telegram_id: int, locale: str, now: datetime) -> None:
    """The language the person chose (/language): a person not yet known is recorded with it."""
    complainant, created = await Complainant.get_or_create(
        telegram_id=telegram_id, defaults={"locale": locale, "created_at": now, "updated_at": now}
    )
    if not created:
        complainant.locale, complainant.updated_at = locale, now
        await complainant.save(update_fields=["locale", "updated_at"])


async def set_estate(telegram_id: int, estate_id: int, locale: str, now: datetime) -> None:
    """The estate the person lives in (/start CODE, or picked from the list): their cases go there."""
    complainant, created = await Complainant.get_or_create(
        telegram_id=telegram_id,
        defaults={"locale": locale, "estate_id": estate_id, "created_at": now, "updated_at": now},
    )
    if not created and complainant.estate_id != estate_id:
        complainant.estate_id, complainant.updated_at = estate_id, now
        await complainant.save(update_fields=["estate_id", "updated_at"])
