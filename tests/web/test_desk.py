"""The front desk: the form, the caller lookup, live triage and saving (through the case service)."""

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer

from backend.api.app import create_app
from backend.context import AppContext
from backend.domain import Channel, Role, Severity, Status
from backend.domain.commands import Claim, Resolve
from backend.models import Attachment, Case, CaseEvent, Complainant, OutboxMessage, TriageCorrection
from backend.services.actors import Actor
from backend.web.views_desk import UPLOAD_LIMIT
from tests.conftest import FakeTriage
from tests.factories import actor_for, make_staff, tenant_draft
from tests.web.conftest import Board

FIRE = "3栋楼道着火了，有很多烟"
KEY = re.compile(r'name="client_key" value="([^"]+)"')
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def triage_for(text: str) -> FakeTriage:
    """Fire is an emergency; noise is noise; anything else a facility repair."""
    if "着火" in text:
        return FakeTriage("security", "major", "complaint", emergency=True, triggers=("fire",))
    if "吵" in text:
        return FakeTriage("noise", "general", "complaint")
    if "煤气" in text:
        return FakeTriage("security", "important", "complaint", safety_check="gas")
    return FakeTriage()


@pytest.fixture
async def desk(settings, clock, tmp_path):
    ctx = AppContext.build(replace(settings, data_dir=tmp_path), clock, classify=triage_for)
    client = TestClient(TestServer(create_app(ctx)))
    await client.start_server()
    try:
        yield Board(client, ctx)
    finally:
        await client.close()


async def form_of(board: Board) -> dict[str, str]:
    page = await board.page("/dashboard/cases/new")
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "client_key": KEY.search(page).group(1),
    }


async def save(board: Board, hidden: dict[str, str], **values: str):
    data = {"channel": "phone", "locale": "zh_CN", **hidden, **values}
    return await board.client.post("/dashboard/cases/new", data=data, allow_redirects=False)


async def filed(board: Board, **values: str) -> Case:
    response = await save(board, await form_of(board), **values)
    assert response.status == 303, await response.text()
    number = response.headers["Location"].split("/")[-2]
    return await Case.get(number=number)


# ---- the form ------------------------------------------------------------------------------------


async def test_the_form_has_the_contract_fields_and_the_nav_link(desk):
    await desk.sign_in(Role.AGENT, locale="zh_CN")
    page = await desk.page("/dashboard/cases/new")
    for name in ("phone", "description", "location", "name"):
        assert f'name="{name}"' in page, name
    assert re.search(r'<select name="channel"[^>]*>\s*<option value="phone" selected', page)
    assert "登记工单" in page and 'href="/dashboard/cases/new"' in page
    assert re.search(r'name="phone"[^>]*autofocus', page)
    assert 'enctype="multipart/form-data"' in page and "/dashboard/static/desk.js" in page
    assert "<script>" not in page  # the script is a static file (CSP: script-src 'self')


async def test_anonymous_is_asked_to_sign_in_everywhere(desk):
    for path in (
        "/dashboard/cases/new",
        "/dashboard/callers?phone=13812345678",
        "/dashboard/triage?text=漏水",
    ):
        response = await desk.client.get(path)
        assert response.status == 401, path
    response = await desk.client.post("/dashboard/cases/new", data={"description": "漏水"})
    assert response.status == 401
    assert await Case.all().count() == 0


async def test_a_deactivated_staff_member_is_refused(desk):
    staff = await desk.sign_in(Role.AGENT)
    staff.active = False
    await staff.save()
    assert (await desk.client.get("/dashboard/cases/new")).status == 401


async def test_a_post_without_the_forms_token_is_refused(desk):
    await desk.sign_in(Role.AGENT)
    hidden = await form_of(desk)
    response = await save(
        desk, {**hidden, "csrf_token": "forged"}, description="漏水", phone="13812345678"
    )
    assert response.status == 403
    assert await Case.all().count() == 0


# ---- the caller lookup ---------------------------------------------------------------------------


async def test_lookup_lists_the_callers_cases_open_ones_marked_and_the_repeat_count(desk):
    first = await desk.new_case(contact_phone="13812345678")  # a Telegram tenant with that phone
    done = await desk.new_case(text="门禁坏了", telegram_id=778, contact_phone="+86 138 1234 5678")
    worker = actor_for(await make_staff(Role.AGENT))
    await desk.ctx.cases.handle(Claim(ref=done.number), worker)
    await desk.ctx.cases.handle(Resolve(ref=done.number, resolution="修好了"), worker)
    stranger = await desk.new_case(text="别人的事", telegram_id=779, contact_phone="13900001111")
    await desk.sign_in(Role.SUPERVISOR)
    response = await desk.client.get("/dashboard/callers", params={"phone": "138-1234-5678"})
    assert response.status == 200
    body = await response.json()
    numbers = [c["number"] for c in body["cases"]]
    assert set(numbers) == {first.number, done.number} and stranger.number not in numbers
    by_number = {c["number"]: c for c in body["cases"]}
    assert by_number[first.number]["open"] is True and by_number[done.number]["open"] is False
    assert body["repeats"][0]["category"] == "facility" and body["repeats"][0]["count"] == 2
    assert "case no. 3" in body["repeats"][0]["text"]
    assert body["phone"] == "138 1234 5678"  # a supervisor sees whole numbers
    assert "别人的事" not in await response.text()


async def test_lookup_masks_phones_for_an_agent(desk):
    await desk.new_case(contact_phone="13812345678")
    await desk.sign_in(Role.AGENT)
    response = await desk.client.get("/dashboard/callers", params={"phone": "13812345678"})
    text = await response.text()
    assert "138****5678" in text and "1234 5678" not in text and "13812345678" not in text


async def test_lookup_counts_only_the_repeat_window(desk):
    await desk.new_case()
    desk.ctx.clock.advance(days=31)
    await desk.sign_in(Role.AGENT)
    body = await (await desk.client.get("/dashboard/callers?phone=13812345678")).json()
    assert len(body["cases"]) == 1 and body["repeats"] == []


@pytest.mark.parametrize("phone", ["", "12", "abc", "138123456789999", "1" * 500])
async def test_a_bad_phone_is_a_clear_400_in_json(desk, phone):
    await desk.sign_in(Role.AGENT)
    response = await desk.client.get("/dashboard/callers", params={"phone": phone})
    assert response.status == 400
    body = await response.json()
    assert body["error"] == "phone" and "not a valid phone number" in body["message"]


# ---- live triage ---------------------------------------------------------------------------------


async def test_triage_reads_category_severity_and_the_emergency(desk):
    await desk.sign_in(Role.AGENT)
    body = await (await desk.client.get("/dashboard/triage", params={"text": FIRE})).json()
    assert (body["category"], body["severity"], body["emergency"]) == ("security", "major", True)
    assert body["triggers"] == ["fire"] and body["trigger"] == "fire"
    quiet = await (await desk.client.get("/dashboard/triage", params={"text": "楼上好吵"})).json()
    assert (quiet["category"], quiet["emergency"], quiet["trigger"]) == ("noise", False, "")
    ask = await (await desk.client.get("/dashboard/triage", params={"text": "有点煤气味"})).json()
    assert (
        ask["safety_check"] == "gas"
        and ask["safety_question"] == "Can you still smell gas right now?"
    )


async def test_triage_by_post_with_the_token(desk):
    await desk.sign_in(Role.AGENT)
    token = await desk.csrf("/dashboard/cases/new")
    response = await desk.client.post("/dashboard/triage", data={"csrf_token": token, "text": FIRE})
    assert response.status == 200 and (await response.json())["emergency"] is True
    refused = await desk.client.post("/dashboard/triage", data={"text": FIRE})
    assert refused.status == 403


@pytest.mark.parametrize(("text", "status"), [("", 400), ("   ", 400), ("漏" * 10_001, 413)])
async def test_triage_refuses_empty_and_huge_text_in_json(desk, text, status):
    await desk.sign_in(Role.AGENT)
    token = await desk.csrf("/dashboard/cases/new")
    response = await desk.client.post("/dashboard/triage", data={"csrf_token": token, "text": text})
    assert response.status == status
    assert (await response.json())["error"] == "text"


async def test_triage_survives_a_failing_classifier(desk):
    def broken(text: str):
        raise RuntimeError("model missing")

    desk.ctx.cases.classify = broken
    await desk.sign_in(Role.AGENT)
    response = await desk.client.get("/dashboard/triage", params={"text": "漏水"})
    assert response.status == 503 and (await response.json())["error"] == "text"


# ---- saving --------------------------------------------------------------------------------------


async def test_saving_files_a_phone_case_and_shows_the_number_and_promises(desk):
    agent = await desk.sign_in(Role.AGENT)
    case = await filed(
        desk,
        phone="138 1234 5678",
        name="李先生",
        unit="5-2-301",
        location="厨房",
        description="厨房水龙头一直滴水",
        expectation="明天上午来修",
    )
    assert case.channel is Channel.PHONE or case.channel == "phone"
    assert (case.contact_phone, case.contact_name, case.unit, case.location) == (
        "+8613812345678",
        "李先生",
        "5-2-301",
        "厨房",
    )
    assert case.category == "facility" and case.expectation == "明天上午来修"
    event = await CaseEvent.get(case_id=case.id, action="submit")
    assert (event.actor_kind, event.actor_id) == ("staff", agent.id)
    page = await desk.page(f"/dashboard/cases/{case.number}/filed")
    assert case.number in page and "2026-11-23 10:10" in page  # owner promised within 10 min
    # The read-back is in the caller's language (zh_CN), whatever the operator reads.
    assert f"您的工单号是 {case.number}" in page
    api = await desk.page(f"/dashboard/cases/{case.number}")
    assert "Phone" in api


async def test_a_desk_case_finds_the_complainant_by_phone_and_counts_as_a_repeat(desk):
    await desk.sign_in(Role.AGENT)
    first = await filed(desk, phone="13812345678", description="水龙头滴水")
    desk.ctx.clock.advance(days=3)
    await desk.sign_in(Role.AGENT)  # the session of three days ago has ended
    second = await filed(
        desk, phone="+86 138-1234-5678", description="水龙头又滴水", channel="walk_in"
    )
    assert first.complainant_id == second.complainant_id
    assert await Complainant.filter(phone="+8613812345678").count() == 1
    assert first.severity is Severity.GENERAL and second.severity is Severity.IMPORTANT
    assert second.channel == "walk_in"
    other = await filed(desk, phone="13812345678", description="楼上好吵")  # another category
    assert other.severity is Severity.GENERAL


async def test_a_telegram_tenants_cases_count_but_the_desk_case_is_not_theirs(desk):
    telegram = await desk.new_case(contact_phone="13812345678")
    await desk.sign_in(Role.AGENT)
    case = await filed(desk, phone="13812345678", description="卫生间又漏水")
    assert case.severity is Severity.IMPORTANT  # the same caller, same category, within 30 days
    assert case.complainant_id != telegram.complainant_id
    assert not await OutboxMessage.filter(case_id=case.id, kind="receipt").exists()


async def test_an_override_of_the_category_is_recorded_as_a_correction(desk):
    await desk.sign_in(Role.AGENT)
    case = await filed(
        desk,
        phone="13812345678",
        description="门口的水管破了",
        category="environment",
        category_auto="facility",
    )
    assert case.category == "environment" and case.category_suggested == "facility"
    correction = await TriageCorrection.get(case_id=case.id)
    assert (correction.suggested, correction.corrected, correction.actor_kind) == (
        "facility",
        "environment",
        "staff",
    )


async def test_keeping_triages_category_records_no_correction(desk):
    await desk.sign_in(Role.AGENT)
    case = await filed(
        desk, phone="13812345678", description="楼上好吵", category="noise", category_auto="noise"
    )
    assert case.category == "noise"
    assert not await TriageCorrection.exists()


async def test_a_severity_chosen_by_the_operator_is_kept(desk):
    await desk.sign_in(Role.AGENT)
    case = await filed(desk, phone="13812345678", description="漏水", severity="important")
    assert case.severity is Severity.IMPORTANT


async def test_adding_to_an_open_case_files_no_new_case(desk):
    await desk.sign_in(Role.AGENT)
    first = await filed(desk, phone="13812345678", description="水龙头滴水")
    hidden = await form_of(desk)
    response = await save(
        desk,
        hidden,
        phone="13812345678",
        description="现在滴得更厉害了",
        expectation="今天就来",
        supplement_to=first.number,
    )
    assert response.status == 303
    assert response.headers["Location"] == f"/dashboard/cases/{first.number}/filed?added=1"
    assert await Case.all().count() == 1
    note = await CaseEvent.get(case_id=first.id, action="note")
    assert "现在滴得更厉害了" in note.note and note.public is False
    assert await CaseEvent.filter(case_id=first.id, action="supplement").exists()
    assert (await Case.get(id=first.id)).expectation == "今天就来"
    assert "Added to the open case" in await desk.page(response.headers["Location"])


async def test_adding_to_someone_elses_case_is_refused(desk):
    other = await desk.new_case(telegram_id=779, contact_phone="13900001111")
    await desk.sign_in(Role.AGENT)
    response = await save(
        desk,
        await form_of(desk),
        phone="13812345678",
        description="补充一下",
        supplement_to=other.number,
    )
    assert response.status == 400
    assert "not an open case of this caller" in await response.text()
    assert not await CaseEvent.filter(case_id=other.id, action="note").exists()


async def test_a_validation_error_keeps_every_value_in_place(desk):
    await desk.sign_in(Role.AGENT)
    hidden = await form_of(desk)
    response = await save(
        desk,
        hidden,
        phone="12345",
        name="张<b>三</b>",
        unit="7-1-101",
        location="大堂",
        description="电梯按钮失灵",
        expectation="尽快",
        channel="letter",
        locale="zh_TW",
    )
    assert response.status == 400
    page = await response.text()
    assert re.search(r'name="phone" value="12345"[^>]*aria-invalid="true"', page)
    assert 'id="error-phone"' in page and "not a valid phone number" in page
    for kept in ("张&lt;b&gt;三&lt;/b&gt;", "7-1-101", "大堂", "电梯按钮失灵", "尽快"):
        assert kept in page, kept
    assert '<option value="letter" selected' in page and '<option value="zh_TW" selected' in page
    assert f'name="client_key" value="{hidden["client_key"]}"' in page  # the same case on retry
    assert await Case.all().count() == 0


async def test_a_call_without_a_phone_or_description_is_marked(desk):
    await desk.sign_in(Role.AGENT)
    page = await (await save(desk, await form_of(desk), description="")).text()
    assert 'id="error-phone"' in page and 'id="error-description"' in page
    letter = await filed(desk, channel="letter", description="来信反映垃圾未清运", name="赵女士")
    assert letter.channel == "letter" and letter.contact_phone == ""


async def test_a_double_submit_files_one_case(desk):
    await desk.sign_in(Role.AGENT)
    hidden = await form_of(desk)
    values = {"phone": "13812345678", "description": "水管漏水"}
    first = await save(desk, hidden, **values)
    second = await save(desk, hidden, **values)
    assert first.status == second.status == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert await Case.all().count() == 1
    assert KEY.search(await desk.page("/dashboard/cases/new")).group(1) != hidden["client_key"]


async def test_an_emergency_alerts_the_managers_at_once(desk):
    manager = await make_staff(Role.MANAGER)
    await desk.sign_in(Role.AGENT)
    case = await filed(desk, phone="13812345678", description=FIRE)
    assert case.severity is Severity.MAJOR and case.triage["emergency"] is True
    alerts = await OutboxMessage.filter(case_id=case.id, kind="manager_alert")
    assert manager.telegram_id in [a.chat_id for a in alerts]
    page = await desk.page(f"/dashboard/cases/{case.number}/filed")
    assert "Emergency (fire)" in page


async def test_an_emergency_after_hours_alerts_the_duty_officer_as_in_the_chat(desk):
    officer = await make_staff(Role.SUPERVISOR, on_duty=True)
    desk.ctx.clock.set(datetime(2026, 11, 23, 14, 0, tzinfo=UTC))  # 22:00 in Shanghai
    await desk.sign_in(Role.AGENT)
    case = await filed(desk, phone="13812345678", description=FIRE)
    duty = await OutboxMessage.filter(case_id=case.id, kind="duty_alert")
    assert [d.chat_id for d in duty] == [officer.telegram_id]
    # The same as a chat emergency filed at that time.
    chat = await desk.ctx.cases.submit(
        tenant_draft(FIRE, telegram_id=901, severity=Severity.MAJOR), Actor.system()
    )
    assert await OutboxMessage.filter(case_id=chat.id, kind="duty_alert").count() == len(duty)


async def test_a_photo_is_stored_and_a_wrong_type_refused_politely(desk):
    await desk.sign_in(Role.AGENT)
    hidden = await form_of(desk)
    data = FormData({"channel": "letter", "locale": "zh_CN", **hidden, "description": "来信附照片"})
    data.add_field("files", b"MZ\x90\x00 not a picture", filename="virus.exe")
    refused = await desk.client.post("/dashboard/cases/new", data=data, allow_redirects=False)
    page = await refused.text()
    assert refused.status == 400 and "Only photos" in page and "Files must be chosen again" in page
    assert "来信附照片" in page and await Case.all().count() == 0
    data = FormData({"channel": "letter", "locale": "zh_CN", **hidden, "description": "来信附照片"})
    data.add_field("files", PNG, filename="scan.png", content_type="image/png")
    response = await desk.client.post("/dashboard/cases/new", data=data, allow_redirects=False)
    assert response.status == 303
    attachment = await Attachment.get()
    assert attachment.file_id.startswith("desk:") and attachment.caption == "scan.png"
    case = await Case.get(id=attachment.case_id)
    served = await desk.client.get(f"/dashboard/cases/{case.number}/files/{attachment.id}")
    assert served.status == 200 and await served.read() == PNG
    assert served.headers["Content-Type"] == "image/png"


async def test_the_operator_can_claim_a_desk_case_afterwards(desk):
    agent = await desk.sign_in(Role.AGENT)
    case = await filed(desk, phone="13812345678", description="漏水")
    change = await desk.ctx.cases.handle(Claim(ref=case.number), actor_for(agent))
    assert change.case.status is Status.ASSIGNED


async def test_a_scan_larger_than_other_requests_may_be_is_kept(desk):
    """MAX_BODY_BYTES (1 MB by default) limits the API; a scanned letter of a few MB is normal here."""
    await desk.sign_in(Role.AGENT)
    hidden = await form_of(desk)
    data = FormData({"channel": "letter", "locale": "zh_CN", **hidden, "description": "信函扫描件"})
    data.add_field("files", PNG + b"\0" * 3_000_000, filename="scan.png", content_type="image/png")
    response = await desk.client.post("/dashboard/cases/new", data=data, allow_redirects=False)
    assert response.status == 303 and await Attachment.exists()
    other = FormData({**hidden, "locale": "en"})
    other.add_field("files", PNG + b"\0" * 2_000_000, filename="scan.png")
    language = await desk.client.post("/dashboard/language", data=other, allow_redirects=False)
    assert language.status == 413  # every other form keeps MAX_BODY_BYTES


async def test_files_too_large_together_are_refused_and_the_text_kept(desk):
    await desk.sign_in(Role.AGENT)
    hidden = await form_of(desk)
    data = FormData({"channel": "letter", "locale": "zh_CN", **hidden, "description": "信函扫描件"})
    data.add_field("files", PNG + b"\0" * (UPLOAD_LIMIT + 1), filename="big.png")
    response = await desk.client.post("/dashboard/cases/new", data=data, allow_redirects=False)
    page = await response.text()
    assert response.status == 400 and "too large" in page and "信函扫描件" in page
    assert await Case.all().count() == 0 and not await Attachment.exists()


async def test_adding_the_same_words_twice_adds_one_note(desk):
    await desk.sign_in(Role.AGENT)
    first = await filed(desk, phone="13812345678", description="水龙头滴水")
    hidden = await form_of(desk)
    values = {"phone": "13812345678", "description": "又滴了", "supplement_to": first.number}
    assert (await save(desk, hidden, **values)).status == 303
    assert (await save(desk, hidden, **values)).status == 303
    assert await CaseEvent.filter(case_id=first.id, action="note").count() == 1
