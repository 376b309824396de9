"""The case list's filters, sorting and page, read from and written back to the URL."""

import re
from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import urlencode

from multidict import MultiMapping

from ..config import Settings
from ..domain import Severity, Status
from ..inputs import FIRST_DAY, LAST_DAY, whole_number
from ..services.queries import OPEN_STATUSES, CaseFilter, local_day_bounds
from ..services.staff_queries import department_by_code

OPEN = "open"  # a pseudo-status for "new, assigned or in progress"
PER_PAGE = 25
MAX_TEXT = 100
MAX_DATE_TEXT = 20
SORTS = {  # URL value → ORM order (queries.list_cases adds the id as tie-break)
    "-received": "-received_at",
    "received": "received_at",
    "-updated": "-updated_at",
    "updated": "updated_at",
    "-severity": "-severity",  # general < important < major, also as text
    "severity": "severity",
    "number": "number",
    "-number": "-number",
    "status": "status",
}
DEFAULT_SORT = "-received"


def _values(query: MultiMapping[str], name: str) -> list[str]:
    """Repeated parameters and comma-separated lists both work: ?status=new&status=assigned."""
    return [
        part.strip() for raw in query.getall(name, []) for part in raw.split(",") if part.strip()
    ]


# The date fields are text (see templates/cases.html): 2026-11-23, also 2026-11-5, 2026/11/05, 2026.11.05,
# 2026年11月5日 and 20261105, as people type them.
DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{4})(\d{2})(\d{2})"
)


def _date(text: str) -> date | None:
    match = DATE_TEXT.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups() if part is not None))
    except ValueError:
        return None


def _outside_calendar(**dates: date | None) -> tuple[str, ...]:
    """The names of the dates beyond the supported calendar (they cannot be filtered on)."""
    return tuple(
        name for name, day in dates.items() if day is not None and not FIRST_DAY <= day <= LAST_DAY
    )


def _int(text: str, default: int | None = None) -> int | None:
    number = whole_number(text)
    return default if number is None else number


@dataclass(frozen=True)
class ListQuery:
    """What the reader asked for. Unknown values are dropped rather than refused: it is a view."""

    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    department: str = ""
    owner: str = ""  # a staff id, or "me"
    overdue: bool = False
    unclaimed: bool = False
    date_from: date | None = None
    date_to: date | None = None
    text: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1
    problems: tuple[str, ...] = field(default=(), compare=False)  # parameters that cannot be served
    date_texts: tuple[str, str] = field(
        default=("", ""), compare=False
    )  # the from/to fields as typed

    @classmethod
    def from_query(cls, query: MultiMapping[str], settings: Settings) -> "ListQuery":
        statuses = tuple(
            s for s in _values(query, "status") if s == OPEN or s in Status.__members__.values()
        )
        categories = tuple(
            c for c in _values(query, "category") if c in settings.policy.category_codes
        )
        severities = tuple(
            s for s in _values(query, "severity") if s in Severity.__members__.values()
        )
        owner = query.get("owner", "").strip()
        sort = query.get("sort", DEFAULT_SORT)
        texts = [query.get(name, "").strip()[:MAX_DATE_TEXT] for name in ("from", "to")]
        date_from, date_to = (_date(text) for text in texts)
        return cls(
            statuses=statuses,
            categories=categories,
            severities=severities,
            department=query.get("department", "").strip()[:32],
            owner=owner if owner == "me" or whole_number(owner) is not None else "",
            overdue=query.get("overdue", "") in ("1", "true", "on"),
            unclaimed=query.get("unclaimed", "") in ("1", "true", "on"),
            date_from=date_from,
            date_to=date_to,
            text=query.get("q", "").strip()[:MAX_TEXT],
            sort=sort if sort in SORTS else DEFAULT_SORT,
            page=max(1, _int(query.get("page", ""), 1) or 1),
            problems=_outside_calendar(**{"from": date_from, "to": date_to}),
            date_texts=(texts[0], texts[1]),
        )

    @property
    def unreadable(self) -> list[str]:
        """The typed dates that are no date: shown back with a hint, and not filtered on."""
        days = (self.date_from, self.date_to)
        return [
            text for text, day in zip(self.date_texts, days, strict=True) if text and day is None
        ]

    def date_field(self, index: int) -> str:
        """The value of the from (0) or to (1) field: the date as YYYY-MM-DD, or what was typed."""
        day = (self.date_from, self.date_to)[index]
        return day.isoformat() if day else self.date_texts[index]

    @property
    def order(self) -> str:
        return SORTS[self.sort]

    async def case_filter(
        self, settings: Settings, staff_id: int, estate_ids: frozenset[int] | None
    ) -> CaseFilter | None:
        """The query's CaseFilter within the viewer's estates (`Viewer.estates`; None: every estate);
        None when it cannot match anything (an unknown department)."""
        statuses: list[Status] = []
        for value in self.statuses:
            statuses.extend(OPEN_STATUSES if value == OPEN else [Status(value)])
        department_id = None
        if self.department:
            department = await department_by_code(self.department)
            if department is None:
                return None
            department_id = department.id
        owner_id = (
            staff_id if self.owner == "me" else whole_number(self.owner) if self.owner else None
        )
        lower = upper = None
        if self.date_from or self.date_to:
            first = self.date_from or FIRST_DAY
            last = self.date_to or LAST_DAY
            lower, upper = local_day_bounds(first, last, settings.timezone)  # UTC, as queries need
            lower = lower if self.date_from else None
            upper = upper if self.date_to else None
        return CaseFilter(
            statuses=list(dict.fromkeys(statuses)),
            categories=list(self.categories),
            severities=[Severity(s) for s in self.severities],
            department_id=department_id,
            owner_id=owner_id,
            overdue=self.overdue,
            unclaimed=self.unclaimed,
            text=self.text,
            received_from=lower,
            received_to=upper,
            estate_ids=estate_ids,
        )

    def params(self) -> list[tuple[str, str]]:
        """The query as URL parameters, without defaults, so links stay short."""
        pairs: list[tuple[str, str]] = [("status", s) for s in self.statuses]
        pairs += [("category", c) for c in self.categories]
        pairs += [("severity", s) for s in self.severities]
        optional = {
            "department": self.department,
            "owner": self.owner,
            "overdue": "1" if self.overdue else "",
            "unclaimed": "1" if self.unclaimed else "",
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "q": self.text,
            "sort": "" if self.sort == DEFAULT_SORT else self.sort,
            "page": "" if self.page == 1 else str(self.page),
        }
        pairs += [(k, v) for k, v in optional.items() if v]
        return pairs

    def url(self, path: str, **changes: object) -> str:
        query = replace(self, **changes) if changes else self  # type: ignore[arg-type]
        encoded = urlencode(query.params())
        return f"{path}?{encoded}" if encoded else path
