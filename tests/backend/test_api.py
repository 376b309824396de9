"""HTTP API contract: routes, auth, roles, every error status, and the OpenAPI document."""

import pytest

from backend.api.app import ROUTES
from backend.api.openapi import ACTION_TEMPLATE, action_paths
from backend.api.routes import ACTIONS
from backend.domain import Role
from backend.services.tokens import create_token
from tests.factories import make_staff

NEW_CASE = {
    "description": "电话报修：2栋门禁刷卡没反应",
    "channel": "phone",
    "unit": "2-1-301",
    "contact_name": "李先生",
    "contact_phone": "13912345678",
}


async def create(api, headers, **extra):
    response = await api.post("/api/v1/cases", json={**NEW_CASE, **extra}, headers=headers)
    assert response.status == 201, await response.text()
    return await response.json()


async def test_healthz_needs_no_token(api):
    response = await api.get("/healthz")
    assert response.status == 200
    assert (await response.json())["database"] == "ok"


async def test_missing_and_unknown_tokens_are_401(api):
    assert (await api.get("/api/v1/cases")).status == 401
    response = await api.get("/api/v1/cases", headers={"Authorization": "Bearer qc_nope"})
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"


async def test_token_is_stored_hashed(api, clock):
    from backend.models import ApiToken

    plaintext, token = await create_token("ops", Role.ADMIN, clock.now())
    stored = await ApiToken.get(id=token.id)
    assert plaintext not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64


async def test_revoked_token_is_refused(api, clock):
    from backend.services.tokens import revoke_token

    plaintext, token = await create_token("old", Role.AGENT, clock.now())
    await revoke_token(token.id, clock.now())
    assert (
        await api.get("/api/v1/cases", headers={"Authorization": f"Bearer {plaintext}"})
    ).status == 401


async def test_register_list_and_fetch_a_phone_case(api):
    headers = await api.auth()
    created = await create(api, headers)
    assert created["number"] == "QC-20261123-0001" and created["channel"] == "phone"
    listing = await (await api.get("/api/v1/cases", headers=headers)).json()
    assert listing["total"] == 1 and listing["items"][0]["contact_phone"] == "+86 139****5678"
    one = await (await api.get(f"/api/v1/cases/{created['number']}", headers=headers)).json()
    assert [e["action"] for e in one["timeline"]] == ["submit"]
    assert one["contact_phone"] == "+86 139****5678"  # an agent token sees it masked
    supervisor = await api.auth(Role.SUPERVISOR)
    one = await (await api.get(f"/api/v1/cases/{created['number']}", headers=supervisor)).json()
    assert one["contact_phone"] == "+8613912345678"  # E.164


@pytest.mark.parametrize(
    ("locale", "typed", "stored"),
    [
        ("zh_TW", "0988-123-456", "+886988123456"),
        ("zh_TW", "(02) 2345-6789", "+886223456789"),
        ("zh_TW", "9123 4567", "+85291234567"),
        ("zh_CN", "+852 9123 4567", "+85291234567"),
        ("zh_CN", "021-1234 5678", "+862112345678"),
    ],
)
async def test_a_phone_case_from_taiwan_or_hong_kong_is_stored_in_e164(api, locale, typed, stored):
    body = {**NEW_CASE, "locale": locale, "contact_phone": typed}
    response = await api.post("/api/v1/cases", json=body, headers=await api.auth(Role.SUPERVISOR))
    assert response.status == 201, await response.text()
    assert (await response.json())["contact_phone"] == stored


async def test_lower_case_number_in_url_is_accepted(api):
    headers = await api.auth()
    created = await create(api, headers)
    response = await api.get(f"/api/v1/cases/{created['number'].lower()}", headers=headers)
    assert response.status == 200


async def test_filters_and_pagination(api, clock):
    headers = await api.auth()
    for i in range(5):
        await create(
            api, headers, description=f"第{i}个问题", category="noise" if i % 2 else "facility"
        )
    page = await (
        await api.get("/api/v1/cases?category=noise&per_page=1&page=2", headers=headers)
    ).json()
    assert (page["total"], page["pages"], len(page["items"])) == (2, 2, 1)
    found = await (await api.get("/api/v1/cases?q=第3个", headers=headers)).json()
    assert [c["description"] for c in found["items"]] == ["第3个问题"]
    clock.advance(minutes=11)  # nobody claimed anything: every case is past its assignment promise
    overdue = await (await api.get("/api/v1/cases?overdue=true", headers=headers)).json()
    assert overdue["total"] == 5 and all(c["overdue"] for c in overdue["items"])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("category=weather", "category"),
        ("severity=urgent", "severity"),
        ("page=0", "page"),
        ("per_page=1000", "per_page"),
        ("page=abc", "page"),
        ("overdue=maybe", "overdue"),
    ],
)
async def test_bad_filters_are_400_naming_the_field(api, query, field):
    response = await api.get(f"/api/v1/cases?{query}", headers=await api.auth())
    assert response.status == 400
    assert (await response.json())["error"]["details"]["field"] == field


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "description"),
        ({"description": "   "}, "description"),
        ({"description": 42}, "description"),
        ({"description": "x", "channel": "pigeon"}, "channel"),
        ({"description": "x", "category": "weather"}, "category"),
        ({"description": "x", "contact_phone": "12"}, "contact_phone"),
        (
            {"description": "x", "contact_phone": "0988-123-45"},
            "contact_phone",
        ),  # a digit short anywhere
        ({"description": "x", "contact_phone": "138 1234 5678 ext 5"}, "contact_phone"),
        ({"description": "x", "unit": "9" * 65}, "unit"),
    ],
)
async def test_bad_new_case_is_400(api, body, field):
    response = await api.post("/api/v1/cases", json=body, headers=await api.auth())
    assert response.status == 400
    assert (await response.json())["error"]["details"]["field"] == field


async def test_malformed_json_is_400(api):
    headers = {**await api.auth(), "Content-Type": "application/json"}
    response = await api.post("/api/v1/cases", data=b"{not json", headers=headers)
    assert response.status == 400
    response = await api.post("/api/v1/cases", data=b"[1, 2]", headers=headers)
    assert (await response.json())["error"]["details"]["field"] == "body"


async def test_oversized_body_is_413(api):
    response = await api.post(
        "/api/v1/cases",
        data=b'{"description": "' + b"x" * 2_000_000 + b'"}',
        headers=await api.auth(),
    )
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "too_large"


async def test_unknown_case_and_action_are_404(api):
    headers = await api.auth()
    assert (await api.get("/api/v1/cases/QC-20200101-0001", headers=headers)).status == 404
    assert (await api.get("/api/v1/cases/<script>", headers=headers)).status == 404
    created = await create(api, headers)
    response = await api.post(f"/api/v1/cases/{created['number']}/actions/explode", headers=headers)
    assert response.status == 404
    assert (await api.get("/api/v1/nothing-here")).status == 404


async def test_actions_through_the_api(api):
    headers = await api.auth()
    supervisor = await api.auth(Role.SUPERVISOR)
    agent = await make_staff()
    number = (await create(api, headers))["number"]

    async def act(action, body=None, who=headers):
        return await api.post(
            f"/api/v1/cases/{number}/actions/{action}", json=body or {}, headers=who
        )

    response = await act("resolve", {"resolution": "done"})
    assert response.status == 409  # nobody has started it
    assert (await response.json())["error"]["code"] == "illegal_transition"
    assert (await act("assign", {"staff_id": agent.id})).status == 200
    assert (await act("note", {"note": "已联系维修师傅"})).status == 200
    assert (await act("resolve", {"resolution": ""})).status == 400
    response = await act("resolve", {"resolution": "更换了读卡器"}, who=supervisor)
    body = await response.json()
    assert (
        response.status == 200
        and body["status"] == "resolved"
        and body["event"]["action"] == "resolve"
    )
    response = await act("close", {"reason": "confirmed", "satisfaction": 9}, who=supervisor)
    assert response.status == 400
    assert (await act("reopen", {"reason": "又坏了"})).status == 403  # an agent may not reopen
    assert (await act("reopen", {"reason": "又坏了"}, who=supervisor)).status == 200


CATEGORIES = (
    "facility, environment, noise, security, parking, service, billing, neighbor, utilities, other"
)


@pytest.mark.parametrize(
    ("action", "body", "field", "message"),
    [
        (
            "assign",
            {"staff_id": 0},
            "staff_id",
            "staff_id must be a whole number from 1 to 2147483647",
        ),
        (
            "assign",
            {"staff_id": True},
            "staff_id",
            "staff_id must be a whole number from 1 to 2147483647",
        ),
        (
            "assign",
            {"department": "x" * 33},
            "department",
            "department is longer than 32 characters",
        ),
        ("assign", {"department": 7}, "department", "department must be a string"),
        ("note", {}, "note", "note is required"),
        ("note", {"note": " "}, "note", "note must not be empty"),
        ("note", {"note": "x", "to_tenant": "yes"}, "to_tenant", "to_tenant must be true or false"),
        ("start", {"note": "x" * 4001}, "note", "note is longer than 4000 characters"),
        (
            "close",
            {"reason": "cancelled"},
            "reason",
            "reason must be one of confirmed, no_response, manual",
        ),
        (
            "close",
            {"satisfaction": 6},
            "satisfaction",
            "satisfaction must be a whole number from 1 to 5",
        ),
        ("recategorize", {"reason": "x"}, "category", f"category must be one of {CATEGORIES}"),
        ("recategorize", {"category": "noise"}, "reason", "reason is required"),
        (
            "change_severity",
            {"severity": "huge", "reason": "x"},
            "severity",
            "severity must be one of general, important, major",
        ),
        ("escalate", {"reason": 1}, "reason", "reason must be a string"),
    ],
)
async def test_a_wrong_action_body_is_400_naming_the_field(api, action, body, field, message):
    headers = await api.auth()
    number = (await create(api, headers))["number"]
    response = await api.post(
        f"/api/v1/cases/{number}/actions/{action}", json=body, headers=headers
    )
    error = (await response.json())["error"]
    assert response.status == 400 and error["details"]["field"] == field
    assert error["message"] == message


async def test_action_bodies_take_their_defaults_and_the_departments_code(api):
    from backend.models import Case, CaseEvent, Department

    headers = await api.auth(Role.MANAGER)
    number = (await create(api, headers))["number"]

    async def act(action, body):
        response = await api.post(
            f"/api/v1/cases/{number}/actions/{action}", json=body, headers=headers
        )
        assert response.status == 200, await response.text()

    await Department.create(code="engineering", name="工程部")
    await act("assign", {"department": "engineering", "staff_id": None})
    await act("note", {"note": "内部记录", "to_tenant": False})
    await act("note", {"note": "师傅下午到", "to_tenant": None})  # null: the default, to the tenant
    await act("start", {})
    await act("resolve", {"resolution": "修好了"})
    await act("close", {"reason": None})
    case = await Case.get(number=number)
    assert case.department_id is not None and case.close_reason == "manual"
    notes = await CaseEvent.filter(case_id=case.id, action="note").order_by("id")
    assert [(e.note, e.public) for e in notes] == [("内部记录", False), ("师傅下午到", True)]


async def test_api_token_cannot_claim(api):
    headers = await api.auth(Role.ADMIN)
    number = (await create(api, headers))["number"]
    response = await api.post(f"/api/v1/cases/{number}/actions/claim", headers=headers)
    assert response.status == 403


async def test_stats_count_the_period(api, clock):
    headers = await api.auth()
    await create(api, headers, category="noise")
    await create(api, headers, category="noise")
    await create(api, headers, category="billing")
    stats = await (
        await api.get("/api/v1/stats?from=2026-11-01&to=2026-11-30", headers=headers)
    ).json()
    assert stats["total"] == 3
    assert stats["by_category"] == {"noise": 2, "billing": 1}
    assert stats["by_status"] == {"new": 3}
    empty = await (
        await api.get("/api/v1/stats?from=2026-10-01&to=2026-10-31", headers=headers)
    ).json()
    assert empty["total"] == 0 and empty["sla"]["compliance"] is None


@pytest.mark.parametrize(
    "query", ["from=2026-13-01", "from=2026-11-30&to=2026-11-01", "from=2020-01-01&to=2026-01-01"]
)
async def test_bad_stats_period_is_400(api, query):
    response = await api.get(f"/api/v1/stats?{query}", headers=await api.auth())
    assert response.status == 400


async def test_openapi_document_matches_the_routes(api):
    from openapi_spec_validator import validate

    document = await (await api.get("/api/v1/openapi.json")).json()
    validate(document)
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    served = {
        (r.method, r.resource.canonical)
        for r in api.server.app.router.routes()
        if r.method != "HEAD"
        and not r.resource.canonical.startswith("/dashboard")  # pages, not the API
    }
    assert served == {(r.method, r.path) for r in ROUTES}
    # The one action route is documented as one operation per action, each with its own body.
    expanded = {("POST", path) for path in action_paths()}
    assert documented == (served - {("POST", ACTION_TEMPLATE)}) | expanded
    assert len(expanded) == len(ACTIONS) == 12


async def test_stats_period_is_the_local_calendar_day(api, clock):
    from datetime import UTC, datetime

    headers = await api.auth()
    clock.set(datetime(2026, 10, 31, 16, 30, tzinfo=UTC))  # 1 November 00:30 in Shanghai
    await create(api, headers)
    october = await (
        await api.get("/api/v1/stats?from=2026-10-01&to=2026-10-31", headers=headers)
    ).json()
    november = await (
        await api.get("/api/v1/stats?from=2026-11-01&to=2026-11-30", headers=headers)
    ).json()
    assert (october["total"], november["total"]) == (0, 1)
