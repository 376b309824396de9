"""Sign-in by one-time link, sessions, sign-out, CSRF and the security headers."""

from datetime import timedelta

from backend.domain import Role
from backend.models import WebSession
from backend.web.auth import COOKIE
from tests.factories import make_staff


async def test_sign_in_sets_a_safe_cookie_and_opens_the_overview(board):
    staff = await make_staff(Role.MANAGER, name="赵经理")
    response = await board.client.get(await board.link_for(staff), allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/dashboard/"
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/dashboard"
    assert not cookie["secure"]  # http base URL
    assert int(cookie["max-age"]) == board.ctx.settings.session_hours * 3600
    assert "赵经理" in await board.page("/dashboard/")


async def test_a_used_link_is_refused_and_opens_no_session(board):
    staff = await make_staff(Role.AGENT)
    link = await board.link_for(staff)
    assert (await board.client.get(link, allow_redirects=False)).status == 303
    board.client.session.cookie_jar.clear()
    again = await board.client.get(link, allow_redirects=False)
    assert again.status == 410 and COOKIE not in again.cookies
    assert "/dashboard" in await again.text()
    assert await WebSession.filter(staff_id=staff.id).count() == 1


async def test_an_expired_link_is_refused(board):
    staff = await make_staff(Role.AGENT)
    link = await board.link_for(staff)
    board.ctx.clock.advance(minutes=11)
    response = await board.client.get(link, allow_redirects=False)
    assert response.status == 410 and COOKIE not in response.cookies
    assert await WebSession.filter(staff_id=staff.id).count() == 0


async def test_link_previews_do_not_use_up_the_link(board):
    staff = await make_staff(Role.AGENT)
    link = await board.link_for(staff)
    preview = await board.client.get(link, headers={"User-Agent": "TelegramBot (like TwitterBot)"})
    assert preview.status == 200 and COOKIE not in preview.cookies
    assert (await board.client.get(link, allow_redirects=False)).status == 303


async def test_secure_cookie_behind_https(board):
    from dataclasses import replace

    board.ctx.settings = replace(board.ctx.settings, public_base_url="https://desk.example.com")
    staff = await make_staff(Role.AGENT)
    link = await board.link_for(staff)
    response = await board.client.get(link, allow_redirects=False)
    assert response.cookies[COOKIE]["secure"]


async def test_every_page_needs_a_session(board):
    for path in (
        "/dashboard",
        "/dashboard/",
        "/dashboard/cases",
        "/dashboard/cases.csv",
        "/dashboard/reports",
        "/dashboard/cases/QC-20261123-0001",
    ):
        response = await board.client.get(path, allow_redirects=False)
        assert response.status == 401, path
        assert "/dashboard" in await response.text()  # tells to send /dashboard to the bot
    board.client.session.cookie_jar.update_cookies({COOKIE: "forged"})
    assert (await board.client.get("/dashboard/")).status == 401


async def test_session_expires(board):
    await board.sign_in(Role.AGENT)
    board.ctx.clock.advance(hours=board.ctx.settings.session_hours, seconds=1)
    assert (await board.client.get("/dashboard/")).status == 401


async def test_deactivated_staff_lose_the_dashboard(board):
    from backend.models import Staff

    staff = await board.sign_in(Role.AGENT)
    await Staff.filter(id=staff.id).update(active=False)
    assert (await board.client.get("/dashboard/")).status == 401


async def test_post_without_or_with_a_wrong_csrf_token_is_403(board):
    await board.sign_in(Role.AGENT)
    case = await board.new_case()
    path = f"/dashboard/cases/{case.number}/note"
    missing = await board.client.post(path, data={"note": "hi"}, allow_redirects=False)
    assert missing.status == 403
    wrong = await board.post(path, {"note": "hi"}, token="not-the-token")
    assert wrong.status == 403
    cross_site = await board.client.post(
        path,
        data={"note": "hi", "csrf_token": await board.csrf()},
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
    )
    assert cross_site.status == 403
    ok = await board.post(path, {"note": "hi"})
    assert ok.status == 303


async def test_sign_out_ends_the_session_and_needs_the_token(board):
    staff = await board.sign_in(Role.AGENT)
    assert (await board.client.post("/dashboard/logout", allow_redirects=False)).status == 403
    response = await board.post("/dashboard/logout", {})
    assert response.status == 200
    session = await WebSession.get(staff_id=staff.id)
    assert session.ended_at == board.ctx.clock.now()
    assert (await board.client.get("/dashboard/")).status == 401


async def test_security_headers_on_every_dashboard_response(board):
    await board.sign_in(Role.AGENT)
    for path in (
        "/dashboard/",
        "/dashboard/static/app.css",
        "/dashboard/nowhere",
        "/dashboard/sign-in/x",
    ):
        response = await board.client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert (
            "script-src 'self'" in csp
            and "frame-ancestors 'none'" in csp
            and "'unsafe-inline'" not in csp
        ), path
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert (await board.client.get("/dashboard/nowhere")).status == 404


async def test_the_api_is_untouched_by_the_dashboard(board):
    await board.sign_in(Role.ADMIN)  # a dashboard cookie is no API credential
    assert (await board.client.get("/api/v1/cases")).status == 401
    assert (await board.client.get("/healthz")).status == 200


async def test_language_switch_is_kept_on_the_session(board):
    staff = await board.sign_in(Role.AGENT)
    response = await board.post("/dashboard/language", {"locale": "en", "next": "/dashboard/cases"})
    assert response.status == 303 and response.headers["Location"] == "/dashboard/cases"
    assert (await WebSession.get(staff_id=staff.id)).locale == "en"
    page = await board.page("/dashboard/cases")
    assert '<html lang="en">' in page and "Cases" in page
    evil = await board.post(
        "/dashboard/language", {"locale": "zh_TW", "next": "https://evil.example/"}
    )
    assert evil.headers["Location"] == "/dashboard/"
    assert '<html lang="zh-TW">' in await board.page("/dashboard/")


async def test_session_lifetime_comes_from_the_session(board):
    staff = await board.sign_in(Role.AGENT)
    session = await WebSession.get(staff_id=staff.id)
    assert session.expires_at - session.created_at == timedelta(
        hours=board.ctx.settings.session_hours
    )
