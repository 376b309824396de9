"""A case's own forum topic in the staff group (STAFF_TOPICS=on): created once by the bot when the card is
first sent, then every card, photo and reply of the case goes into it."""

from ..models import Case


async def set_staff_thread(case_id: int, thread_id: int) -> None:
    """Remember the topic that was created for the case."""
    await Case.filter(id=case_id).update(staff_thread_id=thread_id)
