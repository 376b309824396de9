"""The monthly report: the numbers a manager checks, the month in local time, the workbook."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from backend.clock import FrozenClock
from backend.domain import Kind, Severity, Status
from backend.domain.commands import Assign, Cancel, Claim, Close, MarkInvalid, Reopen, Resolve
from backend.models import Case, Department, Staff
from backend.reports_xlsx import MAX_SUMMARY_CHARS, summary_text, write_monthly_xlsx
from backend.services.actors import Actor
from backend.services.cases import CaseService
from backend.services.reports import (
    MonthlyReport,
    ReportRow,
    month_from_text,
    monthly_report,
    previous_month,
)
from tests.factories import actor_for, make_staff, tenant_draft

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORT_TIME = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI).astimezone(UTC)
LONG_TEXT = (
    "3栋地下室配电房冒烟，整栋楼突然停电，电梯里有人被困，住户在群里说闻到焦糊味，"
    "物业值班电话一直占线，大家都很着急，希望马上派人处理并说明原因和恢复供电的时间。"
    "另外请检查地下车库的排风系统。"
)
_tenants = count(30_000)


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment given in Shanghai wall-clock time (2026), as UTC like the service stores it."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


@dataclass
class Desk:
    service: CaseService
    clock: FrozenClock
    agent: Staff

    async def file(
        self,
        when: datetime,
        category: str,
        *,
        severity: Severity = Severity.GENERAL,
        subject: str = "",
        text: str = "需要处理",
    ) -> Case:
        self.clock.set(when)
        draft = tenant_draft(
            text,
            telegram_id=next(_tenants),
            category=category,
            kind=Kind.COMPLAINT,
            severity=severity,
            subject=subject,
        )
        return await self.service.submit(draft, Actor.system())

    async def resolve(self, case: Case, after_hours: float, department: str | None = None) -> None:
        if case.status is Status.NEW:
            await self.service.handle(Claim(ref=case.number), actor_for(self.agent))
            case.status = Status.ASSIGNED
        if department:
            await self.service.handle(
                Assign(ref=case.number, department_code=department), actor_for(self.agent)
            )
        self.clock.set(case.received_at + timedelta(hours=after_hours))
        await self.service.handle(
            Resolve(ref=case.number, resolution="已处理"), actor_for(self.agent)
        )

    async def close(self, case: Case, satisfaction: int) -> None:
        tenant = Actor.tenant(case.complainant_id)
        await self.service.handle(
            Close(ref=case.number, reason="confirmed", satisfaction=satisfaction), tenant
        )


@pytest.fixture
async def cases(service, clock) -> dict[str, Case]:
    """October 2026 with its neighbours. Times are local (Shanghai); general cases promise 24 h, major 12 h.

    S  09-30 23:50 facility               September, open
    A  10-01 00:10 facility, engineering  resolved in 3 h (on time), closed ★5
    B  10-03 10:00 facility, engineering  resolved in 30 h (late), closed ★3, against 工程部 李师傅
    C  10-07 10:00 noise                  resolved in 2 h, reopened, resolved again at 4 h (on time)
    D  10-10 20:00 security, major        resolved in 5 h (on time), closed ★4, against 保安小王
    E  10-12 10:00 service                still new: past its promise, against 保安小王
    F  10-15 10:00 parking                invalid
    K  10-16 10:00 parking                cancelled by the tenant, against 保安小王 (does not count)
    G  10-31 23:30 facility               still new: past its promise; 15:30 UTC on the 31st
    H  11-01 00:30 noise                  November, although 16:30 UTC on 10-31; against 保安小王
    """
    await Department.create(code="engineering", name="工程部")
    desk = Desk(service, clock, await make_staff(name="小李"))
    made = {"S": await desk.file(local(9, 30, 23, 50), "facility")}

    made["A"] = await desk.file(local(10, 1, 0, 10), "facility")
    await desk.resolve(made["A"], 3, department="engineering")
    await desk.close(made["A"], 5)

    made["B"] = await desk.file(local(10, 3, 10), "facility", subject="工程部 李师傅")
    await desk.resolve(made["B"], 30, department="engineering")
    await desk.close(made["B"], 3)

    made["C"] = await desk.file(local(10, 7, 10), "noise")
    await desk.resolve(made["C"], 2)
    clock.set(made["C"].received_at + timedelta(hours=3))
    await service.handle(
        Reopen(ref=made["C"].number, reason="晚上还是很吵"), Actor.tenant(made["C"].complainant_id)
    )
    made["C"].status = Status.IN_PROGRESS
    await desk.resolve(made["C"], 4)

    made["D"] = await desk.file(
        local(10, 10, 20), "security", severity=Severity.MAJOR, subject="保安小王", text=LONG_TEXT
    )
    await desk.resolve(made["D"], 5)
    await desk.close(made["D"], 4)

    made["E"] = await desk.file(local(10, 12, 10), "service", subject="保安小王")
    made["F"] = await desk.file(local(10, 15, 10), "parking")
    await service.handle(
        MarkInvalid(ref=made["F"].number, reason="重复提交"), actor_for(desk.agent)
    )
    made["K"] = await desk.file(local(10, 16, 10), "parking", subject="保安小王")
    await service.handle(
        Cancel(ref=made["K"].number, reason="已自行解决"), Actor.tenant(made["K"].complainant_id)
    )
    made["G"] = await desk.file(local(10, 31, 23, 30), "facility")
    made["H"] = await desk.file(local(11, 1, 0, 30), "noise", subject="保安小王")
    clock.set(REPORT_TIME)
    return made


@pytest.fixture
async def october(cases, settings) -> MonthlyReport:
    return await monthly_report(2026, 10, settings, REPORT_TIME, locale="en")


def row(rows: list[ReportRow], key: str) -> ReportRow:
    return next(r for r in rows if r.key == key)


# ---- numbers ------------------------------------------------------------------------------------


async def test_totals_of_the_month(october):
    totals = october.totals
    assert (october.first_day, october.last_day) == (date(2026, 10, 1), date(2026, 10, 31))
    assert (
        totals.received,
        totals.open,
        totals.resolved,
        totals.closed,
        totals.invalid,
        totals.cancelled,
    ) == (
        8,
        2,
        4,
        3,
        1,
        1,
    )
    assert totals.received == totals.open + totals.resolved + totals.invalid + totals.cancelled


async def test_overall_service_level_counts_like_statistics(october, settings):
    from backend.services.queries import local_day_bounds, statistics

    overall = october.overall
    assert (overall.resolved_on_time, overall.resolved_late, overall.open_past_promise) == (3, 1, 2)
    assert overall.sla_compliance == 0.5
    assert overall.mean_hours_to_resolve == 10.5  # (3 + 30 + 4 + 5) / 4
    assert (overall.mean_satisfaction, overall.satisfaction_answers) == (4.0, 3)
    assert (overall.reopened, overall.reopen_rate) == (1, 0.25)
    start, end = local_day_bounds(date(2026, 10, 1), date(2026, 10, 31), settings.timezone)
    stats = await statistics(start.astimezone(UTC), end.astimezone(UTC), REPORT_TIME)
    assert stats["total"] == overall.received
    assert stats["sla"]["compliance"] == overall.sla_compliance
    assert stats["mean_hours_to_resolve"] == overall.mean_hours_to_resolve
    assert stats["satisfaction"]["mean"] == overall.mean_satisfaction


async def test_month_boundary_is_local_time(cases, settings):
    assert cases["G"].received_at == datetime(2026, 10, 31, 15, 30, tzinfo=UTC)
    assert cases["H"].received_at == datetime(
        2026, 10, 31, 16, 30, tzinfo=UTC
    )  # UTC says October …
    october = await monthly_report(2026, 10, settings, REPORT_TIME)
    november = await monthly_report(2026, 11, settings, REPORT_TIME)
    september = await monthly_report(2026, 9, settings, REPORT_TIME)
    assert row(october.by_category, "facility").received == 3  # A, B and G at 23:30 on the 31st
    assert row(october.by_category, "noise").received == 1  # C only
    assert (
        november.totals.received == 1 and row(november.by_category, "noise").received == 1
    )  # … H is November
    assert september.totals.received == 1  # S at 23:50 on 30 September, not A at 00:10 on 1 October
    assert [(s.subject, s.complaints) for s in november.subjects] == [("保安小王", 1)]


async def test_rows_per_category(october):
    assert [r.key for r in october.by_category] == [
        "facility",
        "environment",
        "noise",
        "security",
        "parking",
        "service",
        "billing",
        "neighbor",
        "utilities",
        "other",
    ]
    facility = row(october.by_category, "facility")
    assert (facility.label, facility.received, facility.resolved) == ("Facilities", 3, 2)
    assert (facility.resolved_on_time, facility.resolved_late, facility.open_past_promise) == (
        1,
        1,
        1,
    )
    assert facility.sla_compliance == 0.3333
    assert (facility.mean_hours_to_resolve, facility.mean_satisfaction) == (16.5, 4.0)
    assert facility.reopen_rate == 0.0
    noise = row(october.by_category, "noise")
    assert (noise.sla_compliance, noise.reopened, noise.reopen_rate, noise.mean_satisfaction) == (
        1.0,
        1,
        1.0,
        None,
    )
    assert row(october.by_category, "service").sla_compliance == 0.0  # open past its promise
    parking = row(october.by_category, "parking")
    assert (parking.received, parking.sla_compliance, parking.reopen_rate) == (
        2,
        None,
        None,
    )  # invalid, cancelled
    empty = row(october.by_category, "environment")
    assert (empty.received, empty.sla_compliance, empty.mean_hours_to_resolve) == (0, None, None)


async def test_rows_per_severity_and_department(october):
    assert [(r.key, r.label, r.received) for r in october.by_severity] == [
        ("general", "general", 6),
        ("important", "important", 1),
        ("major", "major", 1),
    ]
    assert (
        row(october.by_severity, "general").sla_compliance == 0.25
    )  # A on time; B late; E, G past promise
    assert row(october.by_severity, "important").reopened == 1  # the reopen raised C to important
    engineering, nobody = october.by_department
    assert (engineering.key, engineering.label, engineering.received, engineering.resolved) == (
        "engineering",
        "工程部",
        2,
        2,
    )
    assert (engineering.sla_compliance, engineering.mean_satisfaction) == (0.5, 4.0)
    assert (nobody.key, nobody.label, nobody.received) == ("", "No department", 6)


async def test_complaints_against_staff_and_major_cases(october, cases):
    assert [(s.subject, s.complaints) for s in october.subjects] == [
        ("保安小王", 2),
        ("工程部 李师傅", 1),
    ]
    (major,) = october.major_cases
    assert major.number == cases["D"].number
    assert (major.received_text, major.resolved_text) == ("2026-10-10 20:00", "2026-10-11 01:00")
    assert (major.category, major.status) == ("Safety & security", "Closed")
    assert len(major.description) == 80 and major.description.endswith("…")
    assert LONG_TEXT.startswith(major.description[:-1])


async def test_labels_follow_the_locale(cases, settings):
    report = await monthly_report(
        2026, 10, settings, REPORT_TIME.astimezone(SHANGHAI), locale="zh_CN"
    )
    assert report.overall.sla_compliance == 0.5  # a local `now` counts the same as UTC
    assert report.generated_at == datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
    assert row(report.by_category, "facility").label == "设施设备"
    assert row(report.by_severity, "general").label == "一般"
    assert report.major_cases[0].status == "已办结"
    default = await monthly_report(2026, 10, settings, REPORT_TIME)
    assert default.locale == settings.default_locale


async def test_open_major_case_has_no_resolved_time(service, clock, settings):
    desk = Desk(service, clock, await make_staff())
    await desk.file(local(10, 5, 9), "facility", severity=Severity.MAJOR, text="电梯困人\n请快来")
    report = await monthly_report(2026, 10, settings, REPORT_TIME, locale="en")
    (major,) = report.major_cases
    assert (major.resolved_at, major.resolved_text, major.status) == (None, "—", "Received")
    assert major.description == "电梯困人 请快来"


async def test_an_empty_month(settings):
    report = await monthly_report(2026, 2, settings, REPORT_TIME, locale="en")
    assert (report.first_day, report.last_day) == (date(2026, 2, 1), date(2026, 2, 28))
    assert report.totals.received == 0 and report.overall.sla_compliance is None
    assert report.by_department == [] and report.subjects == [] and report.major_cases == []
    stream = BytesIO()
    write_monthly_xlsx(report, stream, "en")
    assert load_workbook(BytesIO(stream.getvalue()))["Major cases"].max_row == 1
    assert "SLA compliance: —" in summary_text(report, "en")


# ---- workbook and message -----------------------------------------------------------------------


async def test_workbook(october, cases, tmp_path):
    path = tmp_path / "report-2026-10.xlsx"
    write_monthly_xlsx(october, path, "en")
    book = load_workbook(path)
    assert book.sheetnames == [
        "Summary",
        "By category",
        "By severity",
        "By department",
        "Complaints against staff",
        "Major cases",
    ]
    summary = {r[0].value: r[1] for r in book["Summary"].iter_rows(min_row=2)}
    assert summary["Month"].value == "2026-10"
    assert summary["Received"].value == 8 and summary["Major cases"].value == 1
    assert (
        summary["SLA compliance"].value == 0.5 and summary["SLA compliance"].number_format == "0.0%"
    )
    assert summary["Reopen rate"].value == 0.25

    sheet = book["By category"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["Category", "Received", "Resolved"]
    facility = dict(zip(headers, (c.value for c in sheet[2]), strict=True))
    assert (facility["Category"], facility["Received"], facility["SLA compliance"]) == (
        "Facilities",
        3,
        0.3333,
    )
    assert sheet.cell(2, headers.index("SLA compliance") + 1).number_format == "0.0%"
    assert (
        sheet["B3"].value == 0 and sheet.cell(3, headers.index("SLA compliance") + 1).value == "—"
    )
    assert (
        sheet.cell(sheet.max_row, 1).value == "All cases" and sheet.cell(sheet.max_row, 1).font.bold
    )
    assert sheet.column_dimensions["A"].width >= 8

    assert [c.value for c in book["By department"]["A"]][1:] == [
        "工程部",
        "No department",
        "All cases",
    ]
    assert [[c.value for c in r] for r in book["Complaints against staff"].iter_rows()] == [
        ["Complained about", "Complaints"],
        ["保安小王", 2],
        ["工程部 李师傅", 1],
    ]
    major = [c.value for c in book["Major cases"][2]]
    assert major[0] == cases["D"].number
    assert major[1] == datetime(2026, 10, 10, 20, 0) and major[4] == datetime(2026, 10, 11, 1, 0)
    assert major[2:4] == ["Safety & security", "Closed"]


async def test_workbook_to_a_stream_in_chinese(cases, settings):
    report = await monthly_report(2026, 10, settings, REPORT_TIME, locale="zh_CN")
    stream = BytesIO()
    write_monthly_xlsx(report, stream, "zh_CN")
    book = load_workbook(BytesIO(stream.getvalue()))
    assert len(book.sheetnames) == 6 and all(len(name) <= 31 for name in book.sheetnames)
    category_sheet = book.worksheets[1]
    assert category_sheet["A2"].value == "设施设备"


async def test_summary_text(october):
    text = summary_text(october, "en")
    assert len(text) <= MAX_SUMMARY_CHARS
    lines = text.splitlines()
    assert lines[0] == "Monthly report 2026-10 (2026-10-01 – 2026-10-31)"
    assert "Received 8 · open 2 · resolved 4 · closed 3 · invalid 1 · cancelled 1" in lines
    assert "SLA compliance: 50.0%" in lines
    assert "Mean satisfaction: 4.0 (3 answers)" in lines
    assert "Reopen rate: 25.0%" in lines
    assert (
        "Top categories: Facilities 3 · Parking 2 · Noise 1" in lines
    )  # ties keep the policy's order
    assert lines[-1] == "Major cases: 1"


# ---- months -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10", (2026, 10)),
        (" 2026-01 ", (2026, 1)),
        ("2026-1", (2026, 1)),
        ("2025-12", (2025, 12)),
    ],
)
def test_month_from_text(text, expected):
    assert month_from_text(text) == expected


@pytest.mark.parametrize(
    "text", ["", "2026", "2026-13", "2026-00", "26-10", "2026/10", "2026-10-01", "十月", "0000-05"]
)
def test_month_from_text_refuses(text):
    with pytest.raises(ValueError, match="2026-10"):
        month_from_text(text)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 1), (2026, 10)),
        (date(2026, 11, 30), (2026, 10)),
        (date(2026, 1, 15), (2025, 12)),
        (date(2026, 3, 31), (2026, 2)),
    ],
)
def test_previous_month(today, expected):
    assert previous_month(today) == expected
