"""Read side of a case's photos and documents."""

from ..models import Attachment


async def attachments_of(case_id: int) -> list[Attachment]:
    """The files of a case, in the order they came."""
    return list(await Attachment.filter(case_id=case_id).order_by("id"))


async def photos_of(case_id: int) -> list[Attachment]:
    """The photos of a case, in the order they came."""
    return list(await Attachment.filter(case_id=case_id, kind="photo").order_by("id"))


async def attachment_of_case(attachment_id: int, number: str) -> Attachment | None:
    """The file, if it belongs to the case with this number (a file is only shown with its case)."""
    return await Attachment.get_or_none(id=attachment_id, case__number=number)


async def attachment_count(case_id: int) -> int:
    """How many files a case has."""
    return await Attachment.filter(case_id=case_id).count()
