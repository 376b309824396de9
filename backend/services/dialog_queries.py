"""Read side of the chats' dialogs (written by backend.services.dialogs)."""

from ..models import Dialog


async def dialog_row(key: str) -> Dialog | None:
    """The stored dialog with this key (backend.services.dialogs.dialog_key)."""
    return await Dialog.get_or_none(key=key)
