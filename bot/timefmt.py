"""Times as people read them: local time zone, in their language."""

from datetime import datetime, tzinfo


def local_time(moment: datetime | None, tz: tzinfo, locale: str) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(tz)
    if locale == "en":
        return local.strftime("%d %b %H:%M")
    return f"{local.month}月{local.day}日 {local:%H:%M}"
