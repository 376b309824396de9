"""Estates: codes and links, each estate's office over the deployment's settings, the CLI contract, and
cases filed, timed and routed by their estate."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from backend import cli
from backend.domain.enums import ResidentRole
from backend.domain.estates import (
    EstateError,
    business_hours_over,
    check_code,
    deep_link,
    office_of,
    start_parameter,
)
from backend.domain.policy import BusinessHours
from backend.models import Case, Estate, OutboxMessage, Resident
from backend.services.actors import Actor
from backend.services.drafts import CaseDraft
from tests.backend.test_cli_residents import _restore_logging  # noqa: F401 (an autouse fixture)

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("HY01", True),
        ("hua-yuan_2", True),
        ("x" * 32, True),
        ("", False),
        ("华苑", False),
        ("a b", False),
        ("x" * 33, False),
        ("a/b", False),
    ],
)
def test_an_estate_code_must_work_as_a_start_parameter(code, ok):
    if ok:
        assert check_code(f" {code} ") == code
    else:
        with pytest.raises(EstateError):
            check_code(code)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("/start HY01", "HY01"),
        ("/start@qc_bot HY01", "HY01"),
        ("/start", None),
        ("/start  ", None),
        ("hello", None),
        ("/startHY01", None),
    ],
)
def test_the_start_parameter_is_read_from_the_deep_link_message(text, code):
    assert start_parameter(text) == code


def test_the_deep_link_opens_the_bot_with_the_code():
    assert deep_link("@qc_bot", "HY01") == "https://t.me/qc_bot?start=HY01"


def test_an_estate_sets_only_what_it_overrides():
    base = BusinessHours()
    hours = business_hours_over(base, {"start": "07:00", "holidays": ["2027-01-01"]})
    assert hours.start == time(7, 0) and hours.end == base.end
    assert hours.is_working_day(datetime(2027, 1, 1).date()) is False
    with pytest.raises(EstateError):
        business_hours_over(base, {"start": "19:00"})  # after the policy's end
    with pytest.raises(EstateError):
        business_hours_over(base, {"days": ["monday"]})


def test_an_office_falls_back_to_the_deployment():
    shanghai = ZoneInfo("Asia/Shanghai")
    default = Estate(
        id=1,
        code="default",
        name="x",
        staff_chat_id=None,
        duty_phone="",
        timezone="",
        business_hours={},
    )
    office = office_of(
        default,
        staff_chat_id=-1,
        duty_phone="400",
        timezone=shanghai,
        business_hours=BusinessHours(),
    )
    assert (office.staff_chat_id, office.duty_phone, office.timezone) == (-1, "400", shanghai)
    own = Estate(
        id=2,
        code="HK",
        name="y",
        staff_chat_id=-2,
        duty_phone="2345 6789",
        timezone="Asia/Hong_Kong",
        business_hours={"end": "20:00"},
    )
    office = office_of(
        own, staff_chat_id=-1, duty_phone="400", timezone=shanghai, business_hours=BusinessHours()
    )
    assert (office.staff_chat_id, office.duty_phone, office.timezone.key) == (
        -2,
        "2345 6789",
        "Asia/Hong_Kong",
    )
    assert office.business_hours.end == time(20, 0)


async def _estate(code: str, **values) -> Estate:
    return await Estate.create(
        code=code, name=f"{code} 小区", created_at=NOW, updated_at=NOW, **values
    )


async def test_a_case_goes_to_its_estates_group_with_its_hours(service, clock):
    default = await _estate("default")  # as migration 0022 makes it: the first estate
    evening = await _estate("EVE", staff_chat_id=-2002, business_hours={"end": "23:00"})
    clock.set(
        datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    )  # 20:00 in Shanghai: after the policy's 18:00
    case = await service.submit(
        CaseDraft(description="大堂灯不亮", telegram_id=42, estate_id=evening.id), Actor.tenant(42)
    )
    assert case.estate_id == evening.id and case.off_hours is False  # the estate is open till 23:00
    cards = await OutboxMessage.filter(kind="staff_card").values_list("chat_id", flat=True)
    assert cards == [-2002]
    other = await service.submit(
        CaseDraft(description="大堂灯不亮", telegram_id=43), Actor.tenant(43)
    )
    assert other.off_hours is True and other.estate_id == default.id
    cards = await OutboxMessage.filter(kind="staff_card", case_id=other.id).values_list(
        "chat_id", flat=True
    )
    assert cards == [service.settings.staff_chat_id]


async def test_a_registered_phone_fills_the_unit_and_name_and_verifies(service):
    estate = await _estate("REG")
    await Resident.create(
        estate=estate,
        building="5",
        unit="801",
        name="李娜",
        phone="+8613812345678",
        role=ResidentRole.OWNER,
        created_at=NOW,
        updated_at=NOW,
    )
    case = await service.submit(
        CaseDraft(description="厨房水管漏水", contact_phone="13812345678", estate_id=estate.id),
        Actor.system("desk"),
    )
    assert (case.resident_verified, case.unit, case.building, case.contact_name) == (
        True,
        "5-801",
        "5",
        "李娜",
    )
    stranger = await service.submit(
        CaseDraft(description="厨房水管漏水", contact_phone="13912345678", estate_id=estate.id),
        Actor.system("desk"),
    )
    assert stranger.resident_verified is False and stranger.unit == ""


async def test_incidents_do_not_mix_estates(service):
    """Three households of building 3 — two in one estate, one in another — are no incident."""
    first, second = await _estate("ONE"), await _estate("TWO")
    for i, estate in enumerate((first, first, second)):
        await service.submit(
            CaseDraft(
                description="3栋停水了",
                unit=f"3-{i + 1}01",
                telegram_id=100 + i,
                estate_id=estate.id,
            ),
            Actor.tenant(100 + i),
        )
    assert await Case.filter(incident_id__not_isnull=True).count() == 0


def test_estate_cli_contract(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite://{tmp_path}/estates.sqlite3")
    assert cli.main(["migrate"]) == 0
    capsys.readouterr()
    assert (
        cli.main(
            ["estate", "add", "--code", "HY01", "--name", "华苑小区", "--staff-chat-id", "-1001234"]
        )
        == 0
    )
    assert cli.main(["estate", "add", "--code", "hy01", "--name", "again"]) == 2
    assert "taken" in capsys.readouterr().err
    assert (
        cli.main(
            [
                "estate",
                "edit",
                "--code",
                "HY01",
                "--duty-phone",
                "0755-1234567",
                "--hours",
                "08:00-20:00",
            ]
        )
        == 0
    )
    assert cli.main(["estate", "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert any(line.startswith("HY01\t华苑小区\tactive\tstaff group -1001234") for line in listing)
    assert any(line.startswith("default\t") for line in listing)
    assert (
        cli.main(
            ["estate", "poster", "--code", "HY01", "--bot-username", "qc_bot", "--out", "p.png"]
        )
        == 0
    )
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert cli.main(["estate", "poster", "--code", "NOPE", "--bot-username", "qc_bot"]) == 2


@pytest.mark.parametrize(
    ("role", "member_of", "estates", "sees"),
    [
        ("agent", {1}, 3, {1}),
        ("supervisor", {1, 2}, 3, {1, 2}),
        ("manager", {2}, 3, {2}),  # a manager named for estates sees those
        ("manager", set(), 3, None),  # head office
        ("admin", set(), 3, None),
        ("agent", set(), 1, None),  # a single-estate deployment: everyone sees it
        ("agent", set(), 3, set()),  # nobody said where they work: nothing
        ("supervisor", set(), 2, set()),
    ],
)
def test_who_sees_which_estates(role, member_of, estates, sees):
    from backend.domain import Role
    from backend.domain.permissions import estate_scope

    scope = estate_scope(Role(role), frozenset(member_of), estates)
    assert scope == (None if sees is None else frozenset(sees))


async def test_an_agent_cannot_act_on_another_estates_case(service):
    from backend.domain import NotFound, Role
    from backend.domain.commands import Claim
    from backend.services.staff import staff_actor
    from tests.factories import make_staff

    first, second = await _estate("A1"), await _estate("B1")
    agent = await make_staff(Role.AGENT, name="小李", telegram_id=501)
    from backend.services.estates import set_staff_estates

    await set_staff_estates(agent.id, [first.id])
    theirs = await service.submit(
        CaseDraft(description="楼道灯坏了", telegram_id=9, estate_id=second.id), Actor.tenant(9)
    )
    ours = await service.submit(
        CaseDraft(description="楼道灯坏了", telegram_id=8, estate_id=first.id), Actor.tenant(8)
    )
    actor = await staff_actor(501)
    assert actor is not None and actor.estates == frozenset({first.id})
    with pytest.raises(NotFound):
        await service.handle(Claim(ref=theirs.id), actor)
    assert (await Case.get(id=theirs.id)).owner_id is None
    await service.handle(Claim(ref=ours.id), actor)
    assert (await Case.get(id=ours.id)).owner_id == agent.id


def test_staff_cli_names_the_estates_they_work_for(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite://{tmp_path}/staff.sqlite3")
    assert cli.main(["migrate"]) == 0
    assert cli.main(["estate", "add", "--code", "HY01", "--name", "华苑"]) == 0
    assert (
        cli.main(
            [
                "staff",
                "add",
                "--telegram-id",
                "77",
                "--name",
                "小李",
                "--role",
                "agent",
                "--estate",
                "HY01",
                "--estate",
                "default",
            ]
        )
        == 0
    )
    assert (
        cli.main(
            [
                "staff",
                "add",
                "--telegram-id",
                "78",
                "--name",
                "小王",
                "--role",
                "agent",
                "--estate",
                "NOPE",
            ]
        )
        == 2
    )
    capsys.readouterr()
    assert cli.main(["staff", "list"]) == 0
    (line,) = [row for row in capsys.readouterr().out.splitlines() if row.startswith("77\t")]
    assert line.endswith("\tHY01,default")


async def test_an_invite_names_the_estates_the_colleague_joins(database_url):
    from backend.domain import Role
    from backend.services.estates import staff_estate_ids
    from backend.services.staff import create_invite, redeem_invite

    estate = await _estate("INV")
    code = await create_invite("小周", Role.AGENT, NOW, estate_codes=["inv"])
    staff = await redeem_invite(code, 6001, NOW)
    assert staff is not None and await staff_estate_ids(staff.id) == [estate.id]


async def test_alerts_go_to_the_estates_own_managers_and_head_office(service):
    from backend.domain import Role, Severity
    from backend.services.estates import set_staff_estates
    from tests.factories import make_staff

    first, second = await _estate("M1"), await _estate("M2")
    theirs = await make_staff(Role.MANAGER, name="甲经理", telegram_id=7001)
    ours = await make_staff(Role.MANAGER, name="乙经理", telegram_id=7002)
    head = await make_staff(Role.MANAGER, name="总部", telegram_id=7003)
    await set_staff_estates(theirs.id, [first.id])
    await set_staff_estates(ours.id, [second.id])
    case = await service.submit(
        CaseDraft(
            description="地库水管爆了", severity=Severity.MAJOR, estate_id=second.id, telegram_id=55
        ),
        Actor.tenant(55),
    )
    alerted = set(
        await OutboxMessage.filter(case_id=case.id, kind="manager_alert").values_list(
            "chat_id", flat=True
        )
    )
    assert alerted == {ours.telegram_id, head.telegram_id}
