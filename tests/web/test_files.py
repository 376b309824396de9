"""Photos on the case page come from Telegram through the bot (getFile), once, then from the cache."""

import pytest
from telegram import Bot

from backend.domain import Role
from backend.services.drafts import AttachmentDraft
from backend.web.files import CACHE_DIR, FILE_BOT
from bot.transport import FakeBotApi

pytestmark = pytest.mark.filterwarnings("ignore:Changing state of started:DeprecationWarning")


async def test_photo_is_fetched_once_and_shown_to_staff(board, tmp_path):
    fake = FakeBotApi()
    photo = fake.add_file("photo", b"\xff\xd8\xff a real tenant photo")
    app = board.client.server.app
    app[FILE_BOT] = Bot(fake.token, request=fake.request())
    app[CACHE_DIR] = tmp_path / "cache"
    case = await board.new_case(attachments=[AttachmentDraft(photo.file_id, "photo", photo.file_unique_id, "渗水处")])
    await board.sign_in(Role.AGENT)
    page = await board.page(f"/dashboard/cases/{case.number}")
    url = f"/dashboard/cases/{case.number}/files/"
    assert url in page and 'alt="渗水处"' in page
    attachment_url = page.split(url, 1)[1].split('"', 1)[0]
    for _ in range(2):
        response = await board.client.get(url + attachment_url)
        assert response.status == 200 and response.headers["Content-Type"] == "image/jpeg"
        assert await response.read() == b"\xff\xd8\xff a real tenant photo"
    assert len(fake.calls_for("getFile")) == 1  # the second came from the cache


async def test_files_need_a_session_and_an_existing_attachment(board, tmp_path):
    fake = FakeBotApi()
    board.client.server.app[FILE_BOT] = Bot(fake.token, request=fake.request())
    board.client.server.app[CACHE_DIR] = tmp_path / "cache"
    case = await board.new_case(attachments=[AttachmentDraft("unknown-file", "photo")])
    response = await board.client.get(f"/dashboard/cases/{case.number}/files/1")
    assert response.status == 401  # not signed in
    await board.sign_in(Role.AGENT)
    assert (await board.client.get(f"/dashboard/cases/{case.number}/files/999")).status == 404
    assert (await board.client.get(f"/dashboard/cases/{case.number}/files/1")).status == 404  # Telegram lost it


async def test_without_telegram_the_page_says_why(board):
    case = await board.new_case(attachments=[AttachmentDraft("some-file", "photo")])
    await board.sign_in(Role.AGENT)
    page = await board.page(f"/dashboard/cases/{case.number}")
    assert "Files are fetched through the Telegram bot, which is not configured." in page
