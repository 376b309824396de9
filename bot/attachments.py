"""A file sent in a dialog (photo, document, video) as an attachment of the case being filed."""

from telegram import Message

from backend.services.drafts import AttachmentDraft


def attachment_in(message: Message) -> AttachmentDraft | None:
    """The message's file (the largest size of a photo), with its caption; None without one."""
    caption = message.caption or ""
    if message.photo:
        photo = message.photo[-1]
        return AttachmentDraft(photo.file_id, "photo", photo.file_unique_id, caption)
    if message.document:
        document = message.document
        return AttachmentDraft(document.file_id, "document", document.file_unique_id, caption)
    if message.video:
        return AttachmentDraft(
            message.video.file_id, "video", message.video.file_unique_id, caption
        )
    return None
