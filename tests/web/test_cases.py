"""The case list, the case page, exports and actions: through the case service and its role rules."""

import csv
import io

from openpyxl import load_workbook

from backend.domain import Role, Status
from backend.domain.commands import Assign, Claim
from backend.models import CaseEvent, Department, OutboxMessage, TriageCorrection
from backend.services.outbox import OutboxKind
from tests.factories import actor_for, make_staff

XSS = "<img src=x onerror=alert(1)>"


async def test_tenant_text_is_escaped_everywhere(board):
    await board.sign_in(Role.SUPERVISOR)
    case = await board.new_case(
        text=f"{XSS} 漏水", unit="<b>3-1</b>", contact_name="<script>x</script>"
    )
    for path in (f"/dashboard/cases/{case.number}", "/dashboard/cases"):
        page = await board.page(path)
        assert XSS not in page and "<script>x" not in page and "<b>3-1</b>" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
    await board.post(f"/dashboard/cases/{case.number}/note", {"note": XSS})
    assert XSS not in await board.page(f"/dashboard/cases/{case.number}")
    assert "<script" not in await board.page("/dashboard/")  # no inline script anywhere


async def test_phone_is_masked_for_an_agent_and_full_for_owner_and_supervisor(board):
    case = await board.new_case()
    agent = await board.sign_in(Role.AGENT)
    page = await board.page(f"/dashboard/cases/{case.number}")
    assert "138****5678" in page and "1234 5678" not in page
    await board.ctx.cases.handle(Claim(ref=case.number), actor_for(agent))
    # the owner sees it whole, as people of the deployment's region write it
    assert "138 1234 5678" in await board.page(f"/dashboard/cases/{case.number}")
    other = await board.new_case(telegram_id=778, contact_phone="13900001111")
    assert "139 0000 1111" not in await board.page(f"/dashboard/cases/{other.number}")
    await board.sign_in(Role.SUPERVISOR)
    assert "139 0000 1111" in await board.page(f"/dashboard/cases/{other.number}")


async def test_case_page_shows_the_five_clears_clocks_and_timeline(board):
    await board.sign_in(Role.MANAGER, name="钱经理")
    case = await board.new_case(expectation="尽快上门维修", location="卫生间")
    page = await board.page(f"/dashboard/cases/{case.number}")
    for expected in (
        "尽快上门维修",
        "卫生间",
        "3-1-1202",
        "王女士",
        "2026-11-23 10:00",
        "due in 10 min",
    ):
        assert expected in page, expected
    board.ctx.clock.advance(minutes=15)
    assert "overdue by 5 min" in await board.page(f"/dashboard/cases/{case.number}")
    for label in ("Assign", "Add note", "Escalate", "Change category", "Mark invalid"):
        assert f">{label}</button>" in page, label


async def test_note_to_the_tenant_end_to_end(board):
    staff = await board.sign_in(Role.AGENT, name="孙客服")
    case = await board.new_case()
    before = await OutboxMessage.filter(kind=OutboxKind.TENANT_UPDATE).count()
    response = await board.post(
        f"/dashboard/cases/{case.number}/note", {"note": "师傅下午三点上门", "audience": "tenant"}
    )
    assert response.status == 303
    assert response.headers["Location"] == f"/dashboard/cases/{case.number}?done=note"
    rows = await OutboxMessage.filter(kind=OutboxKind.TENANT_UPDATE).order_by("id")
    assert len(rows) == before + 1 and rows[-1].payload["note"] == "师傅下午三点上门"
    event = await CaseEvent.filter(case_id=case.id, action="note").first()
    assert event.public and event.actor_id == staff.id and event.actor_name == "孙客服"
    page = await board.page(response.headers["Location"])
    assert "师傅下午三点上门" in page and "Done: Note" in page
    internal = await board.post(
        f"/dashboard/cases/{case.number}/note", {"note": "内部备注", "audience": "internal"}
    )
    assert internal.status == 303
    assert await OutboxMessage.filter(kind=OutboxKind.TENANT_UPDATE).count() == before + 1


async def test_actions_go_through_the_service(board):
    await board.sign_in(Role.SUPERVISOR)
    department = await Department.create(code="eng", name="工程部")
    worker = await make_staff(Role.AGENT, name="周师傅")
    case = await board.new_case()
    steps = [
        ("assign", {"department": "eng", "staff_id": str(worker.id)}),
        ("start", {"note": "已出发"}),
        ("recategorize", {"category": "environment", "reason": "其实是清洁问题"}),
        ("change_severity", {"severity": "important", "reason": "影响营业"}),
        ("escalate", {"reason": "需要主管"}),
        ("resolve", {"resolution": "已疏通"}),
        ("reopen", {"reason": "业主说还漏"}),
    ]
    for action, data in steps:
        response = await board.post(f"/dashboard/cases/{case.number}/{action}", data)
        assert response.status == 303, (action, await response.text())
    await case.refresh_from_db()
    assert (
        case.status is Status.IN_PROGRESS
        and case.department_id == department.id
        and case.owner_id == worker.id
    )
    assert case.category == "environment" and case.reopen_count == 1
    assert await TriageCorrection.filter(case_id=case.id, corrected="environment").exists()
    other = await board.new_case(telegram_id=901)
    assert (
        await board.post(f"/dashboard/cases/{other.number}/invalid", {"reason": "无法联系"})
    ).status == 303
    await other.refresh_from_db()
    assert other.status is Status.INVALID


async def test_refusals_are_friendly_pages_never_500(board):
    case = await board.new_case()
    owner = await make_staff(Role.AGENT, name="吴客服")
    await board.ctx.cases.handle(Claim(ref=case.number), actor_for(owner))
    await board.sign_in(Role.AGENT)
    page_path = f"/dashboard/cases/{case.number}"
    refused = await board.post(f"{page_path}/start", {})  # someone else's case
    assert (
        refused.status == 403
        and "Your role does not allow this on this case." in await refused.text()
    )
    illegal = await board.post(f"{page_path}/reopen", {"reason": "x"})  # agents may not reopen
    assert illegal.status == 403
    missing = await board.post(f"{page_path}/note", {"note": "  "})
    assert missing.status == 400 and "Please write the text first" in await missing.text()
    wrong_state = await board.post(f"{page_path}/resolve", {"resolution": "x"})
    assert wrong_state.status == 403  # not the owner
    await board.sign_in(Role.SUPERVISOR)
    not_now = await board.post(f"{page_path}/reopen", {"reason": "x"})
    assert not_now.status == 409 and "not possible while the case is" in await not_now.text()
    assert (await board.post(f"{page_path}/fly", {})).status == 404
    assert (await board.post("/dashboard/cases/QC-20200101-0001/note", {"note": "x"})).status == 404
    assert (await board.client.get("/dashboard/cases/QC-20200101-0001")).status == 404


async def test_a_refused_choice_is_explained_in_place_and_only_the_pages_forms_are_served(board):
    await board.sign_in(Role.SUPERVISOR)
    case = await board.new_case()
    path = f"/dashboard/cases/{case.number}"
    refusals = [
        ("assign", {"department": "nowhere"}, "Choose an active department or staff member."),
        ("assign", {"staff_id": "abc"}, "Choose an active department or staff member."),
        ("recategorize", {"category": case.category, "reason": "x"}, "Choose a category other"),
        ("change_severity", {"severity": "", "reason": "x"}, "Choose a severity other"),
        ("escalate", {"reason": ""}, "Please give a reason"),
    ]
    for action, data, explained in refusals:
        refused = await board.post(f"{path}/{action}", data)
        assert refused.status == 400 and explained in await refused.text(), action
    for action in ("close", "cancel", "supplement"):  # no form on the page: not served either
        assert (await board.post(f"{path}/{action}", {})).status == 404


async def test_agent_does_not_get_forms_the_service_would_refuse(board):
    case = await board.new_case()
    await board.sign_in(Role.AGENT)
    page = await board.page(f"/dashboard/cases/{case.number}")
    assert ">Reopen</button>" not in page and ">Claim</button>" in page


async def _cases_for_filters(board):
    await Department.create(code="eng", name="工程部")
    first = await board.new_case(
        text="电梯故障 一号梯", unit="1-1-101", telegram_id=1, category="facility"
    )
    board.ctx.clock.advance(days=1)
    second = await board.new_case(
        text="楼下装修噪音", unit="2-1-202", telegram_id=2, category="noise"
    )
    board.ctx.clock.advance(hours=1)
    third = await board.new_case(
        text="垃圾没清", unit="3-1-303", telegram_id=3, category="environment"
    )
    return first, second, third


async def test_filters_sorting_and_pages_in_the_url(board):
    first, second, third = await _cases_for_filters(board)
    staff = await board.sign_in(Role.SUPERVISOR)
    await board.ctx.cases.handle(
        Assign(ref=second.number, department_code="eng", staff_id=staff.id), actor_for(staff)
    )
    page = await board.page("/dashboard/cases?category=noise")
    assert second.number in page and first.number not in page and "Cases 1–1 of 1" in page
    page = await board.page("/dashboard/cases?q=2-1-202")
    assert second.number in page and third.number not in page
    page = await board.page("/dashboard/cases?department=eng")
    assert second.number in page and first.number not in page
    page = await board.page("/dashboard/cases?owner=me")
    assert second.number in page and third.number not in page
    page = await board.page("/dashboard/cases?from=2026-11-24&to=2026-11-24")
    assert first.number not in page and second.number in page and third.number in page
    board.ctx.clock.advance(
        minutes=11
    )  # past the 10-minute assignment promise, except the assigned one
    page = await board.page("/dashboard/cases?overdue=1")
    assert first.number in page and third.number in page and second.number not in page
    page = await board.page("/dashboard/cases?sort=received")
    assert page.index(first.number) < page.index(third.number)
    page = await board.page("/dashboard/cases")
    assert page.index(third.number) < page.index(first.number)
    page = await board.page("/dashboard/cases?status=open&department=nope")
    assert "No cases match these filters." in page
    for i in range(30):
        await board.new_case(text=f"第{i}个", telegram_id=100 + i)
    page = await board.page("/dashboard/cases?category=facility")
    assert "Cases 1–25 of 31" in page and "page=2" in page and "category=facility" in page
    page2 = await board.page("/dashboard/cases?category=facility&page=2")
    assert "Cases 26–31 of 31" in page2


async def test_csv_and_xlsx_export_the_filtered_list(board):
    first, second, third = await _cases_for_filters(board)
    await board.sign_in(Role.AGENT)
    await board.new_case(text='=HYPERLINK("http://evil")', telegram_id=55, category="noise")
    response = await board.client.get("/dashboard/cases.csv?category=noise&sort=received")
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[0] == "Case number" and len(body) == 2
    assert body[0][0] == second.number and "楼下装修噪音" in body[0]
    # masked for an agent; E.164 starts with + and a spreadsheet would read that as a formula
    assert body[0][header.index("Contact phone")] == "'+86 138****5678"
    assert body[1][header.index("Description")].startswith("'=")  # never a formula
    xlsx = await board.client.get("/dashboard/cases.xlsx?category=noise&sort=received")
    sheet = load_workbook(io.BytesIO(await xlsx.read())).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Case number" and [r[0] for r in values[1:]] == [
        second.number,
        body[1][0],
    ]
    await board.sign_in(Role.SUPERVISOR)
    response = await board.client.get("/dashboard/cases.csv?q=2-1-202")
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert rows[1][rows[0].index("Contact phone")] == "138 1234 5678"


async def test_a_refused_action_keeps_what_was_typed(board):
    case = await board.new_case()
    await board.sign_in(Role.SUPERVISOR)
    typed = "<b>已联系</b>维修班组，" + "明天上午上门。" * 600  # over 4000 characters: refused
    refused = await board.post(f"/dashboard/cases/{case.number}/note", {"note": typed})
    page = await refused.text()
    assert refused.status == 400 and "Please write the text first" in page
    kept = typed.replace("<b>", "&lt;b&gt;").replace("</b>", "&lt;/b&gt;")
    assert page.count(kept) == 1  # back in the note form only, as text
    assert "<b>已联系</b>" not in page


async def test_case_page_shows_what_triage_read(board):
    await board.sign_in(Role.SUPERVISOR)
    case = await board.new_case()
    case.triage = {
        "triggers": ["flood"],
        "evidence": {"severity": ["水管爆了"], "category": ["水管"]},
    }
    await case.save(update_fields=["triage"])
    page = await board.page(f"/dashboard/cases/{case.number}")
    assert "Triage read" in page
    assert "flooding or burst pipe · “水管爆了”“水管”" in page
