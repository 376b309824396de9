"""Administration in the dashboard: staff, invite codes, departments and API tokens, for admins only."""

import re

import pytest

from backend.domain import Role
from backend.models import ApiToken, Department, Staff, StaffInvite, WebSession
from backend.services.staff import add_department, redeem_invite
from backend.services.tokens import hash_token
from backend.web.auth import COOKIE
from tests.factories import make_staff

STAFF = "/dashboard/admin/staff"
INVITES = "/dashboard/admin/invites"
DEPARTMENTS = "/dashboard/admin/departments"
TOKENS = "/dashboard/admin/tokens"
PAGES = ("/dashboard/admin", STAFF, INVITES, DEPARTMENTS, TOKENS)
INVITE_CODE = re.compile(r"\b[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}\b")
TOKEN = re.compile(r"qc_[A-Za-z0-9_-]{20,}")


def session_cookie(board) -> str:
    return next(c.value for c in board.client.session.cookie_jar if c.key == COOKIE)


def use_cookie(board, value: str) -> None:
    board.client.session.cookie_jar.clear()
    board.client.session.cookie_jar.update_cookies({COOKIE: value})


async def test_admin_sees_the_navigation_entry_and_every_page(board):
    await board.sign_in(Role.ADMIN)
    overview = await board.page("/dashboard/")
    assert 'href="/dashboard/admin"' in overview and ">Administration</a>" in overview
    home = await board.client.get("/dashboard/admin", allow_redirects=False)
    assert home.status == 303 and home.headers["Location"] == STAFF
    for path in (STAFF, INVITES, DEPARTMENTS, TOKENS):
        page = await board.page(path)
        assert 'aria-current="page">Administration</a>' in page, path
        assert f'href="{path}" aria-current="page"' in page, path


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.MANAGER])
async def test_other_roles_get_403_on_every_admin_page_and_form(board, role):
    target = await make_staff(Role.AGENT, name="被保护的人")
    department = await add_department("eng", "工程部")
    token = await ApiToken.create(
        name="t",
        role=Role.AGENT,
        token_hash="x" * 64,
        prefix="qc_x",
        created_at=board.ctx.clock.now(),
    )
    await board.sign_in(role)
    overview = await board.page("/dashboard/")
    assert "/dashboard/admin" not in overview and "Administration" not in overview
    for path in PAGES:
        response = await board.client.get(path, allow_redirects=False)
        assert response.status == 403, (role, path)
        assert "Administration is for administrators." in await response.text()
    token_field = await board.csrf()
    posts = {
        STAFF: {"telegram_id": "42", "name": "x", "role": "admin"},
        f"{STAFF}/{target.id}/update": {"role": "admin"},
        f"{STAFF}/{target.id}/deactivate": {},
        INVITES: {"name": "x", "role": "admin"},
        DEPARTMENTS: {"code": "x", "name": "x"},
        f"{DEPARTMENTS}/{department.id}/deactivate": {},
        TOKENS: {"name": "x", "role": "admin"},
        f"{TOKENS}/{token.id}/revoke": {},
    }
    for path, data in posts.items():
        response = await board.post(path, data, token=token_field)
        assert response.status == 403, (role, path)
    assert await Staff.filter(telegram_id=42).count() == 0
    assert (await Staff.get(id=target.id)).role == Role.AGENT and (
        await Staff.get(id=target.id)
    ).active
    assert await StaffInvite.all().count() == 0
    assert not await Department.exists(code="x") and (await Department.get(id=department.id)).active
    assert (
        await ApiToken.all().count() == 1 and (await ApiToken.get(id=token.id)).revoked_at is None
    )


async def test_every_admin_form_needs_the_csrf_token(board):
    await board.sign_in(Role.ADMIN)
    for path, data in (
        (STAFF, {"telegram_id": "42", "name": "x", "role": "agent"}),
        (INVITES, {"name": "x", "role": "agent"}),
        (DEPARTMENTS, {"code": "x", "name": "x"}),
        (TOKENS, {"name": "x", "role": "agent"}),
    ):
        missing = await board.client.post(path, data=data, allow_redirects=False)
        assert missing.status == 403, path
        wrong = await board.post(path, data, token="not-the-token")
        assert wrong.status == 403, path
    assert await Staff.filter(telegram_id=42).count() == 0
    assert await StaffInvite.all().count() == 0 and await ApiToken.all().count() == 0
    assert not await Department.exists(code="x")


async def test_admin_adds_staff_and_changes_role_and_department(board):
    await add_department("eng", "工程部")
    await add_department("clean", "保洁部")
    await board.sign_in(Role.ADMIN)
    response = await board.post(
        STAFF,
        {
            "telegram_id": "123456789",
            "name": "钱师傅",
            "role": "agent",
            "department": "eng",
            "phone": "138-1234-5678",
        },
    )
    assert response.status == 303 and response.headers["Location"] == f"{STAFF}?done=saved"
    person = await Staff.get(telegram_id=123456789).prefetch_related("department")
    assert person.name == "钱师傅" and person.role == Role.AGENT and person.department.code == "eng"
    assert person.phone == "+8613812345678" and person.active  # E.164
    page = await board.page(f"{STAFF}?done=saved")
    assert "Saved." in page and "钱师傅" in page and "123456789" in page
    assert "+86 138****5678" in page and "13812345678" not in page  # phones are masked

    response = await board.post(
        f"{STAFF}/{person.id}/update", {"role": "supervisor", "department": "clean"}
    )
    assert response.status == 303
    person = await Staff.get(id=person.id).prefetch_related("department")
    assert person.role == Role.SUPERVISOR and person.department.code == "clean"
    await board.post(f"{STAFF}/{person.id}/update", {"role": "supervisor", "department": ""})
    assert (await Staff.get(id=person.id)).department_id is None


async def test_invalid_staff_input_is_a_friendly_message(board):
    await board.sign_in(Role.ADMIN)
    cases = (
        ({"telegram_id": "abc", "name": "x", "role": "agent"}, "Telegram id: digits only"),
        ({"telegram_id": "77", "name": " ", "role": "agent"}, "Please enter a name"),
        ({"telegram_id": "77", "name": "x" * 101, "role": "agent"}, "Please enter a name"),
        ({"telegram_id": "77", "name": "x", "role": "boss"}, "Choose a role."),
        (
            {"telegram_id": "77", "name": "x", "role": "agent", "department": "nowhere"},
            "Choose an active department.",
        ),
        (
            {"telegram_id": "77", "name": "x", "role": "agent", "phone": "call me"},
            "phone number that can be dialled",
        ),
        (
            {"telegram_id": "77", "name": "x", "role": "agent", "phone": "138 1234 567"},
            "phone number that can be dialled",
        ),
    )
    for data, sentence in cases:
        response = await board.post(STAFF, data)
        text = await response.text()
        assert response.status == 400, (data, text)
        assert sentence in text and 'role="alert"' in text, data
    assert await Staff.filter(telegram_id=77).count() == 0
    typed = await (
        await board.post(STAFF, {"telegram_id": "77", "name": "周师傅", "role": "boss"})
    ).text()
    assert 'value="周师傅"' in typed  # what was typed stays in the form
    person = await make_staff(Role.AGENT)
    response = await board.post(f"{STAFF}/{person.id}/update", {"role": "boss"})
    assert response.status == 400 and "Choose a role." in await response.text()
    assert (await board.post(f"{STAFF}/999999/update", {"role": "agent"})).status == 404
    assert (await board.post(f"{STAFF}/999999/deactivate", {})).status == 404


async def test_staff_names_are_escaped(board):
    await board.sign_in(Role.ADMIN)
    await board.post(
        STAFF, {"telegram_id": "31337", "name": "<script>alert(1)</script>", "role": "agent"}
    )
    await board.post(INVITES, {"name": "<b>bold</b>", "role": "agent"})
    staff_page = await board.page(STAFF)
    assert "<script>alert(1)</script>" not in staff_page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in staff_page
    invites_page = await board.page(INVITES)
    assert "<b>bold</b>" not in invites_page and "&lt;b&gt;bold&lt;/b&gt;" in invites_page


async def test_deactivation_ends_the_persons_sessions(board):
    person = await board.sign_in(Role.AGENT)
    their_cookie = session_cookie(board)
    assert (await board.client.get("/dashboard/")).status == 200
    admin = await board.sign_in(Role.ADMIN)
    admin_cookie = session_cookie(board)
    response = await board.post(f"{STAFF}/{person.id}/deactivate", {})
    assert response.status == 303 and response.headers["Location"] == f"{STAFF}?done=deactivated"
    person = await Staff.get(id=person.id)
    assert not person.active and not person.on_duty
    assert await WebSession.filter(staff_id=person.id, ended_at=None).count() == 0
    use_cookie(board, their_cookie)
    assert (await board.client.get("/dashboard/")).status == 401  # their next request is refused
    use_cookie(board, admin_cookie)
    page = await board.page(STAFF)
    assert "Inactive" in page and admin.name in page


async def test_an_admin_cannot_deactivate_or_demote_themselves(board):
    admin = await board.sign_in(Role.ADMIN)
    page = await board.page(STAFF)
    assert f"{STAFF}/{admin.id}/deactivate" not in page  # not offered …
    response = await board.post(f"{STAFF}/{admin.id}/deactivate", {})  # … and refused when forged
    assert response.status == 400 and "You cannot deactivate yourself" in await response.text()
    response = await board.post(f"{STAFF}/{admin.id}/update", {"role": "agent"})
    assert response.status == 400
    response = await board.post(
        STAFF, {"telegram_id": str(admin.telegram_id), "name": "x", "role": "agent"}
    )
    assert response.status == 400
    admin = await Staff.get(id=admin.id)
    assert admin.active and admin.role == Role.ADMIN and admin.name != "x"
    assert (await board.client.get("/dashboard/")).status == 200


async def test_invite_code_is_shown_once_and_works_with_join(board):
    await add_department("eng", "工程部")
    await board.sign_in(Role.ADMIN)
    response = await board.post(
        INVITES, {"name": "孙师傅", "role": "supervisor", "department": "eng"}
    )
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    text = await response.text()
    code = INVITE_CODE.search(text).group(0)
    assert f"/join {code}" in text and "shown only now" in text
    invite = await StaffInvite.get(name="孙师傅")
    assert code not in invite.code_hash and code.replace("-", "") not in invite.code_hash
    listing = await board.page(INVITES)
    assert "孙师傅" in listing and code not in listing and not INVITE_CODE.search(listing)
    assert board.ctx.clock.now().strftime("%Y-") in listing  # created and expiry times

    staff = await redeem_invite(code, 555001, board.ctx.clock.now())
    assert staff is not None and staff.role == Role.SUPERVISOR and staff.name == "孙师傅"
    assert (
        await Staff.get(telegram_id=555001).prefetch_related("department")
    ).department.code == "eng"
    assert "No open invites." in await board.page(INVITES)  # a used code is no longer open


async def test_invalid_invite_input_is_a_friendly_message(board):
    await board.sign_in(Role.ADMIN)
    for data, sentence in (
        ({"name": "", "role": "agent"}, "Please enter a name"),
        ({"name": "x", "role": "root"}, "Choose a role."),
        ({"name": "x", "role": "agent", "department": "nope"}, "Choose an active department."),
    ):
        response = await board.post(INVITES, data)
        assert response.status == 400 and sentence in await response.text(), data
    assert await StaffInvite.all().count() == 0


async def test_departments_add_rename_and_deactivate(board):
    await board.sign_in(Role.ADMIN)
    response = await board.post(DEPARTMENTS, {"code": "ENG", "name": "工程部"})
    assert response.status == 303 and response.headers["Location"] == f"{DEPARTMENTS}?done=saved"
    department = await Department.get(code="eng")
    assert department.name == "工程部" and department.active
    await board.post(DEPARTMENTS, {"code": "eng", "name": "工程维修部"})
    assert (
        await Department.get(code="eng")
    ).name == "工程维修部" and await Department.all().count() == 1
    assert "工程维修部" in await board.page(DEPARTMENTS)
    for data in (
        {"code": "", "name": "x"},
        {"code": "a b", "name": "x"},
        {"code": "x", "name": ""},
        {"code": "x" * 33, "name": "x"},
    ):
        response = await board.post(DEPARTMENTS, data)
        assert response.status == 400 and "A department needs a code" in await response.text(), data
    response = await board.post(f"{DEPARTMENTS}/{department.id}/deactivate", {})
    assert response.status == 303
    assert not (await Department.get(id=department.id)).active
    assert 'value="eng"' not in await board.page(STAFF)  # no longer offered for new staff
    await board.post(DEPARTMENTS, {"code": "eng", "name": "工程部"})
    assert (await Department.get(id=department.id)).active  # saving again reactivates it


async def test_token_is_shown_once_stored_hashed_works_and_can_be_revoked(board):
    await board.sign_in(Role.ADMIN)
    response = await board.post(TOKENS, {"name": "weekly export", "role": "manager"})
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    text = await response.text()
    plaintext = TOKEN.search(text).group(0)
    assert "shown only once" in text
    token = await ApiToken.get(name="weekly export")
    assert token.token_hash == hash_token(plaintext) and token.role == Role.MANAGER
    assert token.prefix == plaintext[:10]
    row = await ApiToken.filter(id=token.id).values()
    assert all(plaintext not in str(value) for value in row[0].values())  # only the hash is stored
    listing = await board.page(TOKENS)
    assert "weekly export" in listing and plaintext[:10] in listing and plaintext not in listing
    assert "Never" in listing

    api = await board.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {plaintext}"})
    assert api.status == 200
    assert (await ApiToken.get(id=token.id)).last_used_at == board.ctx.clock.now()
    assert "Never" not in await board.page(TOKENS)

    response = await board.post(f"{TOKENS}/{token.id}/revoke", {})
    assert response.status == 303 and response.headers["Location"] == f"{TOKENS}?done=revoked"
    assert (await ApiToken.get(id=token.id)).revoked_at == board.ctx.clock.now()
    api = await board.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {plaintext}"})
    assert api.status == 401
    listing = await board.page(f"{TOKENS}?done=revoked")
    assert "Token revoked." in listing and f"{TOKENS}/{token.id}/revoke" not in listing
    assert (await board.post(f"{TOKENS}/999999/revoke", {})).status == 404


async def test_invalid_token_input_is_a_friendly_message(board):
    await board.sign_in(Role.ADMIN)
    for data, sentence in (
        ({"name": "", "role": "agent"}, "Please enter a name"),
        ({"name": "x" * 101, "role": "agent"}, "Please enter a name"),
        ({"name": "x", "role": "superuser"}, "Choose a role."),
    ):
        response = await board.post(TOKENS, data)
        text = await response.text()
        assert response.status == 400 and sentence in text and not TOKEN.search(text), data
    assert await ApiToken.all().count() == 0
