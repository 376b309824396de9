"""Photos on the case page come from Telegram through the bot (getFile), once, then from the cache."""

import pytest
from telegram import Bot

from backend.domain import Role
from backend.services.drafts import AttachmentDraft
from backend.web.files import CACHE_DIR, FILE_BOT
from bot.fake_telegram import FakeBotApi

pytestmark = pytest.mark.filterwarnings("ignore:Changing state of started:DeprecationWarning")


async def test_photo_is_fetched_once_and_shown_to_staff(board, tmp_path):
    fake = FakeBotApi()
    photo = fake.add_file("photo", b"\xff\xd8\xff a real tenant photo")
    app = board.client.server.app
    app[FILE_BOT] = Bot(fake.token, request=fake.request())
    app[CACHE_DIR] = tmp_path / "cache"
    case = await board.new_case(
        attachments=[AttachmentDraft(photo.file_id, "photo", photo.file_unique_id, "渗水处")]
    )
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
    assert (
        await board.client.get(f"/dashboard/cases/{case.number}/files/1")
    ).status == 404  # Telegram lost it


async def test_without_telegram_the_page_says_why(board):
    case = await board.new_case(attachments=[AttachmentDraft("some-file", "photo")])
    await board.sign_in(Role.AGENT)
    page = await board.page(f"/dashboard/cases/{case.number}")
    assert "Files are fetched through the Telegram bot, which is not configured." in page


async def test_the_cache_keeps_under_its_cap_and_refetches_what_it_dropped(board, tmp_path):
    from backend.web.files import CACHE_BYTES

    fake = FakeBotApi()
    first = fake.add_file("photo", b"a" * 25)
    second = fake.add_file("photo", b"b" * 25)
    app = board.client.server.app
    app[FILE_BOT] = Bot(fake.token, request=fake.request())
    app[CACHE_DIR], app[CACHE_BYTES] = tmp_path / "cache", 30  # room for one of them
    case = await board.new_case(
        attachments=[AttachmentDraft(f.file_id, "photo", f.file_unique_id) for f in (first, second)]
    )
    await board.sign_in(Role.AGENT)
    page = await board.page(f"/dashboard/cases/{case.number}")
    url = f"/dashboard/cases/{case.number}/files/"
    first_url, second_url = list(
        dict.fromkeys(part.split('"', 1)[0] for part in page.split(url)[1:])
    )[:2]
    for part, body in ((first_url, b"a" * 25), (second_url, b"b" * 25), (first_url, b"a" * 25)):
        response = await board.client.get(url + part)
        assert response.status == 200 and await response.read() == body
        assert sum(f.stat().st_size for f in (tmp_path / "cache").iterdir()) <= 30
    assert (
        len(fake.calls_for("getFile")) == 3
    )  # the first was dropped for the second, then fetched again


def test_prune_removes_the_oldest_first_and_keeps_the_new_file(tmp_path):
    import os

    from backend.web.files import prune_cache

    paths = []
    for i in range(4):
        path = tmp_path / f"f{i}"
        path.write_bytes(b"x" * 10)
        os.utime(path, (1000 + i, 1000 + i))
        paths.append(path)
    os.utime(paths[3], (1, 1))  # the file just stored may look oldest (a copied mtime): it stays
    assert prune_cache(tmp_path, 25, keep=paths[3]) == [paths[0], paths[1]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f2", "f3"]
    assert prune_cache(tmp_path, 1000, keep=paths[3]) == []


def test_the_cache_lives_under_the_data_directory(settings, clock, tmp_path):
    from dataclasses import replace

    from aiohttp import web

    from backend.context import AppContext
    from backend.web import setup_dashboard
    from backend.web.files import CACHE_BYTES

    app = web.Application()
    setup_dashboard(
        app, AppContext.build(replace(settings, data_dir=tmp_path, file_cache_mb=7), clock)
    )
    assert app[CACHE_DIR] == tmp_path / "file-cache" and app[CACHE_BYTES] == 7 * 1024 * 1024
