"""The service policy (taxonomy, time limits, business hours, escalation) as plain data.

Loaded from a TOML file (see backend/default_policy.toml); every number of docs/domain.md#policy-file lives there.
"""

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from .enums import Role, Severity

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent.parent / "default_policy.toml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class PolicyError(ValueError):
    """The policy file is wrong; the message names the key."""


def parse_duration(value: Any, key: str) -> timedelta:
    """'10m', '24h', '3d', '30s' → timedelta."""
    match = _DURATION.match(str(value)) if isinstance(value, str) else None
    if not match:
        raise PolicyError(f"{key}: expected a duration like '10m', '24h' or '3d', got {value!r}")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


@dataclass(frozen=True)
class Category:
    code: str
    names: dict[str, str]
    department: str = ""  # code of the department that usually handles it (routing); "" for none

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names.get("en") or self.code


@dataclass(frozen=True)
class SlaClocks:
    assign: timedelta
    first_feedback: timedelta
    resolve: timedelta
    followup_after: timedelta
    followup_by: Role


@dataclass(frozen=True)
class BusinessHours:
    start: time = time(8, 30)
    end: time = time(18, 0)
    days: frozenset[int] = frozenset(range(7))  # 0 = Monday
    holidays: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        return day.weekday() in self.days and day not in self.holidays


@dataclass(frozen=True)
class Policy:
    categories: tuple[Category, ...]
    sla: dict[Severity, SlaClocks]
    business_hours: BusinessHours = field(default_factory=BusinessHours)
    escalation_levels: tuple[Role, ...] = (Role.AGENT, Role.SUPERVISOR, Role.MANAGER)
    hard_limit_working_days: int = 10
    major_after_days: int = 30
    repeat_window_days: int = 30
    survey_reminder_after: timedelta = timedelta(hours=24)
    survey_close_after: timedelta = timedelta(days=3)
    collective_households: int = 3
    collective_window: timedelta = timedelta(hours=72)
    retention_years: int = 3
    survey_months: tuple[int, ...] = (1, 7)
    survey_sample_size: int = 100

    @property
    def category_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.categories)

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    def department_for(self, category: str) -> str:
        """The code of the department that usually handles this category ("" when the policy names none)."""
        found = self.category(category)
        return found.department if found else ""

    @property
    def top_level(self) -> int:
        return len(self.escalation_levels)

    def level_role(self, level: int) -> Role:
        return self.escalation_levels[max(1, min(level, self.top_level)) - 1]


def load_policy(path: Path | None = None) -> Policy:
    """Read and validate a policy file (the shipped default when `path` is None)."""
    path = path or DEFAULT_POLICY_PATH
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"policy file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"policy file {path} is not valid TOML: {exc}") from None
    return policy_from_dict(raw)


def policy_from_dict(raw: dict[str, Any]) -> Policy:
    categories = _categories(raw.get("categories"))
    sla = {sev: _sla(raw.get("sla", {}).get(sev.value), f"sla.{sev.value}") for sev in Severity}
    limits = raw.get("limits", {})
    followup = raw.get("followup", {})
    collective = raw.get("collective", {})
    levels = raw.get("escalation", {}).get("levels", ["agent", "supervisor", "manager"])
    return Policy(
        categories=categories,
        sla=sla,
        business_hours=_business_hours(raw.get("business_hours", {})),
        escalation_levels=tuple(_role(v, "escalation.levels") for v in levels),
        hard_limit_working_days=_positive_int(
            limits.get("hard_limit_working_days", 10), "limits.hard_limit_working_days"
        ),
        major_after_days=_positive_int(
            limits.get("major_after_days", 30), "limits.major_after_days"
        ),
        repeat_window_days=_positive_int(
            limits.get("repeat_window_days", 30), "limits.repeat_window_days"
        ),
        survey_reminder_after=parse_duration(
            followup.get("reminder_after", "24h"), "followup.reminder_after"
        ),
        survey_close_after=parse_duration(
            followup.get("close_after", "3d"), "followup.close_after"
        ),
        collective_households=_positive_int(
            collective.get("households", 3), "collective.households"
        ),
        collective_window=parse_duration(collective.get("window", "72h"), "collective.window"),
        retention_years=_positive_int(raw.get("retention", {}).get("years", 3), "retention.years"),
        survey_months=_months(raw.get("satisfaction_survey", {}).get("months", [1, 7])),
        survey_sample_size=_positive_int(
            raw.get("satisfaction_survey", {}).get("sample_size", 100),
            "satisfaction_survey.sample_size",
        ),
    )


def _months(value: Any) -> tuple[int, ...]:
    if (
        not isinstance(value, list)
        or not value
        or any(not isinstance(m, int) or not 1 <= m <= 12 for m in value)
    ):
        raise PolicyError(
            "satisfaction_survey.months: expected a list of month numbers such as [1, 7]"
        )
    return tuple(sorted(set(value)))


def _categories(raw: Any) -> tuple[Category, ...]:
    if not isinstance(raw, list) or not raw:
        raise PolicyError("categories: at least one [[categories]] entry is required")
    seen: set[str] = set()
    result = []
    for i, entry in enumerate(raw):
        code = entry.get("code") if isinstance(entry, dict) else None
        if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", code):
            raise PolicyError(
                f"categories[{i}].code: expected a short lower-case code, got {code!r}"
            )
        if code in seen:
            raise PolicyError(f"categories[{i}].code: {code!r} appears twice")
        seen.add(code)
        department = entry.get("department", "")
        if not isinstance(department, str) or (
            department and not re.fullmatch(r"[^\sA-Z/\\?#%]{1,32}", department)
        ):
            raise PolicyError(
                f"categories[{i}].department: expected a department code such as 'engineering', "
                f"got {department!r}"
            )
        names = {k: str(v) for k, v in entry.items() if k not in ("code", "department")}
        result.append(Category(code=code, names=names, department=department))
    if "other" not in seen:
        raise PolicyError("categories: an 'other' category is required as the fallback")
    return tuple(result)


def _sla(raw: Any, key: str) -> SlaClocks:
    if not isinstance(raw, dict):
        raise PolicyError(f"{key}: section is missing")
    return SlaClocks(
        assign=parse_duration(raw.get("assign"), f"{key}.assign"),
        first_feedback=parse_duration(raw.get("first_feedback"), f"{key}.first_feedback"),
        resolve=parse_duration(raw.get("resolve"), f"{key}.resolve"),
        followup_after=parse_duration(raw.get("followup_after"), f"{key}.followup_after"),
        followup_by=_role(raw.get("followup_by", "agent"), f"{key}.followup_by"),
    )


def _business_hours(raw: dict[str, Any]) -> BusinessHours:
    start = _clock_time(raw.get("start", "08:30"), "business_hours.start")
    end = _clock_time(raw.get("end", "18:00"), "business_hours.end")
    if end <= start:
        raise PolicyError("business_hours.end: must be later than business_hours.start")
    days = raw.get("days", list(WEEKDAYS))
    if not isinstance(days, list) or any(d not in WEEKDAYS for d in days):
        raise PolicyError(f"business_hours.days: expected a list of {', '.join(WEEKDAYS)}")
    return BusinessHours(
        start=start,
        end=end,
        days=frozenset(WEEKDAYS.index(d) for d in days),
        holidays=_dates(raw.get("holidays", []), "business_hours.holidays"),
        extra_working_days=_dates(
            raw.get("extra_working_days", []), "business_hours.extra_working_days"
        ),
    )


def _clock_time(value: Any, key: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise PolicyError(f"{key}: expected a time like '08:30', got {value!r}") from None


def _dates(values: Any, key: str) -> frozenset[date]:
    if not isinstance(values, list):
        raise PolicyError(f"{key}: expected a list of dates like 2026-10-01")
    try:
        return frozenset(v if isinstance(v, date) else date.fromisoformat(str(v)) for v in values)
    except ValueError as exc:
        raise PolicyError(f"{key}: {exc}") from None


def _role(value: Any, key: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise PolicyError(f"{key}: unknown role {value!r}") from None


def _positive_int(value: Any, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise PolicyError(f"{key}: expected a positive whole number, got {value!r}")
    return value
