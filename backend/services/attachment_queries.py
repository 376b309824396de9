"""Read side of a case's photos and documents."""

from ..models import Attachment


async def attachments_of(case_id: int) -> list[Attachment]:
    """The files of a case, in the order they came."""
    return list(await Attachment.filter(case_id=case_id).order_by("id"))


async def photos_of(case_id: int) -> list[Attachment]:
    """The photos of a case, in the order they came."""
    return list(await Attachment.filter(case_id=case_id, kind="photo").order_by("id"))


async def attachment_of_case(
    attachment_id: int, number: str, estate_ids: frozenset[int] | None = None
) -> Attachment | None:
    """The file, if it belongs to the case with this number (a file is only shown with its case) of
    one of `estate_ids` (None: any estate)."""
    query = Attachment.filter(id=attachment_id, case__number=number)
    if estate_ids is not None:
        query = query.filter(case__estate_id__in=sorted(estate_ids))
    return await query.first()


async def attachment_count(case_id: int) -> int:
    """How many files a case has."""
    return await Attachment.filter(case_id=case_id).count()
