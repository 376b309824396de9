"""The OpenAPI 3 document, built from the same route table, limits and rules the app serves.

It describes exactly what the handlers accept (routes.py reads every value through params.py with the
limits named there), so generated clients and tests/backend/test_openapi_fuzz.py (schemathesis) agree
with the server:

- one operation per case action (`/api/v1/cases/{number}/actions/assign`, …) with its own body, built
  from the inputs of the action's command as command_body.py reads them;
- enums for status, category (from the running policy), severity, kind, channel, locale, close reason;
- patterns and length limits wherever the server refuses a value (no NUL in any text, the characters
  of a phone number `normalize_phone` reads (whether it is a valid number only the description can
  say), dates within the supported calendar);
- every response: the case, its timeline, the event an action wrote, statistics, the probes, and the
  error envelope {"error": {"code", "message", "details"}} with the statuses each operation can answer.
"""

from typing import Any

from ..config import Settings
from ..domain import Action, ActorKind, Channel, Kind, Role, Severity, Status
from ..domain.commands import Command, Input, InputKind
from ..domain.contact import PHONE_SHAPE
from ..domain.permissions import OWNER_ONLY_BELOW, STAFF_MINIMUM_ROLE, STATUS_MINIMUM_ROLE
from ..domain.transitions import TRANSITIONS
from ..inputs import FIRST_DAY, LAST_DAY, MAX_INT_DIGITS, MAX_JSON_DEPTH, day_range_text
from ..services.queries import MAX_PER_PAGE
from . import command_body, routes
from .openapi_incidents import incident_operations, incident_schemas

RANGE = day_range_text()
CASE_PATH = "/api/v1/cases/{number}"
ACTION_TEMPLATE = "/api/v1/cases/{number}/actions/{action}"

# Text: anything but NUL (PostgreSQL cannot store it). A lone surrogate (a JSON escape like "\ud800"
# without its pair) is refused too; a pattern cannot say so portably, the descriptions do.
NO_NUL = "^[^\\u0000]*$"
# Required text: not blank after trimming whitespace, and no NUL.
NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
# The characters backend.domain.contact.normalize_phone reads a phone number from (digits, also
# full-width, spaces, brackets, dots, dashes, one leading +), or "" for none. Whether the digits are a
# valid number (phonenumbers' metadata, in the regions of the locale) no pattern can say: 400 otherwise.
PHONE = f"^(|{PHONE_SHAPE})$"
# A day within the supported calendar (FIRST_DAY … LAST_DAY: the years 2000–2999).
DAY = "^2[0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
assert (FIRST_DAY.isoformat(), LAST_DAY.isoformat()) == ("2000-01-01", "2999-12-31"), "update DAY"

REF = "#/components/schemas/"
RESPONSES = "#/components/responses/"


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": REF + name}


def _response(name: str) -> dict[str, Any]:
    return {"$ref": RESPONSES + name}


def _json(description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
        **extra,
    }


def _text(
    max_length: int, description: str = "", *, required: bool = False, nullable: bool = True
) -> dict[str, Any]:
    """A text field read by `params.text`: null counts as absent unless the field is required."""
    schema: dict[str, Any] = {
        "type": "string",
        "maxLength": max_length,
        "pattern": NOT_BLANK if required else NO_NUL,
    }
    if required:
        schema["minLength"] = 1
    elif nullable:
        schema["nullable"] = True
    if description:
        schema["description"] = description
    return schema


def _enum(values: Any, description: str = "", *, nullable: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "enum": [getattr(v, "value", v) for v in values]}
    if nullable:  # OpenAPI 3.0.3: null must be one of the enum's values too
        schema["nullable"] = True
        schema["enum"].append(None)
    if description:
        schema["description"] = description
    return schema


def _object(
    properties: dict[str, Any], required: tuple[str, ...] = (), description: str = "", **extra: Any
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = list(required)
    if description:
        schema["description"] = description
    return schema


def _query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
        **extra,
    }


def _list_query(name: str, values: list[str], description: str) -> dict[str, Any]:
    """?status=new,assigned: comma-separated (repeating the parameter works too)."""
    return _query(
        name,
        {"type": "array", "items": {"type": "string", "enum": values}},
        description,
        style="form",
        explode=False,
    )


NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "example": "QC-20261123-0001"},
    "description": "the case number PREFIX-YYYYMMDD-NNNN; lower case, spaces and full-width dashes are "
    "accepted; anything that cannot be a case number is simply not found (404)",
}


# ---- case actions --------------------------------------------------------------------------------

# What each action does, for its summary and description: every action the API serves has one.
ACTION_TEXT: dict[Action, str] = {
    Action.CLAIM: "Staff only: an API token is always refused (403).",
    Action.ASSIGN: "Give the case to a staff member and/or a department.",
    Action.START: "Work has started.",
    Action.NOTE: "A progress note, to the tenant unless to_tenant is false.",
    Action.RESOLVE: "The problem is solved; the follow-up survey is scheduled.",
    Action.REOPEN: "Back to work, one escalation level higher.",
    Action.CLOSE: "Close a resolved case.",
    Action.INVALID: "Not a case (spam, duplicate, not ours).",
    Action.CANCEL: "Withdrawn before work started.",
    Action.ESCALATE: "One escalation level up (409 at the top).",
    Action.RECATEGORIZE: "Correct the category (kept as a triage correction).",
    Action.CHANGE_SEVERITY: "Correct the severity; a higher one tightens the open promises.",
}
# What an input means, by its name, or by (action, name) where one action means more by it.
INPUT_TEXT: dict[str | tuple[Action, str], str] = {
    "reason": "why (shown in the timeline)",
    "staff_id": "an active staff member (400 when there is none with this id)",
    "department_code": "code of an active department (400 when unknown)",
    "category": "400 when the case already has it",
    "severity": "400 when the case already has it",
    "to_tenant": "false: an internal note",
    (Action.ASSIGN, "note"): "told to the tenant with the assignment",
    (Action.START, "note"): "kept in the timeline (not sent to the tenant)",
    (Action.RESOLVE, "resolution"): "what was done",
    (Action.CLOSE, "reason"): "how the case ended",
    (Action.CLOSE, "comment"): "the tenant's comment",
}
# Rules about the body as a whole that no single input states.
BODY_RULES: dict[Action, dict[str, Any]] = {
    Action.ASSIGN: {
        "description": "Name a staff member, a department or both.",
        "anyOf": [{"required": ["staff_id"]}, {"required": ["department"]}],
    },
}


def _input_schema(action: Action, spec: Input, default: Any, settings: Settings) -> dict[str, Any]:
    """The schema of one input as command_body reads it."""
    text = INPUT_TEXT.get((action, spec.name)) or INPUT_TEXT.get(spec.name, "")
    match spec.kind:
        case InputKind.INTEGER:
            low, high = command_body.RANGES[spec.name]
            schema: dict[str, Any] = {
                "type": "integer",
                "minimum": low,
                "maximum": high,
                "nullable": True,
            }
        case InputKind.BOOLEAN:
            schema = {"type": "boolean", "default": bool(default), "nullable": True}
        case InputKind.CHOICE:
            choice = command_body.CHOICES[spec.name]
            if choice.options is None:
                return _text(choice.max_length, text)
            schema = _enum(choice.options(settings), nullable=not spec.required)
            if choice.default is not None:
                schema["default"] = str(choice.default)
                text = "; ".join(filter(None, (text, f"default {choice.default}")))
        case _:
            return _text(command_body.MAX_TEXT, text, required=spec.required)
    if text:
        schema["description"] = text
    return schema


def _action_body(command: type[Command], settings: Settings) -> dict[str, Any] | None:
    """The body of an action from its command's inputs (None: the action takes no body)."""
    if not command.inputs:
        return None
    given = command_body.defaults(command)
    properties = {
        command_body.body_name(spec): _input_schema(
            command.action, spec, given.get(spec.name), settings
        )
        for spec in command.inputs
    }
    required = tuple(command_body.body_name(spec) for spec in command.inputs if spec.required)
    return _object(properties, required, **BODY_RULES.get(command.action, {}))


def _who_may(action: Action) -> str:
    minimum = STAFF_MINIMUM_ROLE.get(action, Role.AGENT)
    parts = [f"needs the {minimum.value} role"]
    parts += [
        f"on a {status.value} case the {role.value} role"
        for (a, status), role in STATUS_MINIMUM_ROLE.items()
        if a is action
    ]
    if action in OWNER_ONLY_BELOW:
        parts.append(f"on a case someone else owns the {OWNER_ONLY_BELOW[action].value} role")
    return "; ".join(parts)


def _from_statuses(action: Action) -> str:
    moves = TRANSITIONS[action]
    return ", ".join(f"{a.value} → {b.value}" if a is not b else a.value for a, b in moves.items())


def _action_operations(settings: Settings) -> dict[str, dict[str, Any]]:
    operations: dict[str, dict[str, Any]] = {}
    for command in routes.ACTIONS.values():
        action, what = command.action, ACTION_TEXT[command.action]
        body = _action_body(command, settings)
        operation: dict[str, Any] = {
            "operationId": f"{action.value}_case",
            "summary": f"{action.value}: {what}",
            "description": f"{what} Allowed from: {_from_statuses(action)} (else 409 illegal_transition). "
            f"Who: {_who_may(action)} (else 403).",
            "parameters": [NUMBER],
            "responses": {
                "200": _json(
                    "The changed case and the event written",
                    _ref("ChangedCase"),
                    links=_case_links(),
                ),
                "400": _response("BadRequest"),
                "401": _response("Unauthorized"),
                "403": _response("Forbidden"),
                "404": _response("NotFound"),
                "409": _response("Conflict"),
                "413": _response("TooLarge"),
            },
        }
        if body is not None:
            required = bool(body.get("required")) or "anyOf" in body
            operation["requestBody"] = {
                "required": required,
                "content": {"application/json": {"schema": body}},
            }
        operations[ACTION_TEMPLATE.replace("{action}", action.value)] = operation
    return operations


def action_paths() -> list[str]:
    """The documented paths of the one served action route (tests compare them with the routes)."""
    return [ACTION_TEMPLATE.replace("{action}", name) for name in routes.ACTIONS]


def _case_links() -> dict[str, Any]:
    """From a case in a response to every operation on it (schemathesis follows these statefully)."""
    links = {
        "get_case": {"operationId": "get_case", "parameters": {"number": "$response.body#/number"}}
    }
    for name in routes.ACTIONS:
        links[name] = {
            "operationId": f"{name}_case",
            "parameters": {"number": "$response.body#/number"},
        }
    return links


# ---- the other operations ------------------------------------------------------------------------


def _operations(categories: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
    statuses = [s.value for s in Status]
    return {
        ("GET", "/healthz"): {
            "operationId": "healthz",
            "responses": {
                "200": _json("The database answers", _ref("Health")),
                "503": _json("The database does not answer", _ref("Health")),
            },
        },
        ("GET", "/readyz"): {
            "operationId": "readyz",
            "responses": {
                "200": _json("Ready", _ref("Readiness")),
                "503": _json("Not ready: what is wrong", _ref("Readiness")),
            },
        },
        ("GET", "/metrics"): {
            "operationId": "metrics",
            "responses": {
                "200": {
                    "description": "Prometheus text format",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
            },
        },
        ("GET", "/api/v1/openapi.json"): {
            "operationId": "openapi",
            "responses": {
                "200": _json("This document", {"type": "object"}),
            },
        },
        ("POST", "/api/v1/cases"): {
            "operationId": "create_case",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("NewCase")}},
            },
            "responses": {
                "201": _json(
                    "Created; the same client_key with the same body returns the first case again",
                    _ref("Case"),
                    links=_case_links(),
                ),
                "400": _response("BadRequest"),
                "401": _response("Unauthorized"),
                "409": _json(
                    "client_key was already used for another case with a different body "
                    "(code client_key_reused; details name the key and the case)",
                    _ref("Error"),
                ),
                "413": _response("TooLarge"),
            },
        },
        ("GET", "/api/v1/cases"): {
            "operationId": "list_cases",
            "parameters": [
                _list_query("status", statuses, "comma-separated statuses"),
                _list_query("category", categories, "comma-separated category codes of the policy"),
                _list_query("severity", [s.value for s in Severity], "comma-separated severities"),
                _query(
                    "overdue",
                    {"type": "boolean", "default": False},
                    "only open cases past a promise",
                ),
                _query(
                    "q",
                    {"type": "string", "maxLength": routes.MAX_QUERY_TEXT, "pattern": NO_NUL},
                    "text in number, description or unit (trimmed)",
                ),
                _query(
                    "page",
                    {"type": "integer", "minimum": 1, "maximum": routes.MAX_PAGE, "default": 1},
                    "page number",
                ),
                _query(
                    "per_page",
                    {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_PER_PAGE,
                        "default": routes.DEFAULT_PER_PAGE,
                    },
                    "page size",
                ),
            ],
            "responses": {
                "200": _json("A page of cases, newest first", _ref("CasePage")),
                "400": _response("BadRequest"),
                "401": _response("Unauthorized"),
            },
        },
        ("GET", CASE_PATH): {
            "operationId": "get_case",
            "parameters": [NUMBER],
            "responses": {
                "200": _json("The case with its timeline", _ref("CaseWithTimeline")),
                "400": _response("BadRequest"),
                "401": _response("Unauthorized"),
                "404": _response("NotFound"),
            },
        },
        ("GET", "/api/v1/stats"): {
            "operationId": "stats",
            "description": f"Cases received in the local days from … to (both included, at most "
            f"{routes.STATS_MAX_DAYS} days, within {RANGE}). 400 when a date is outside the calendar, "
            f"from is after to, or the period is longer.",
            "parameters": [
                _query(
                    "from",
                    {"type": "string", "format": "date", "pattern": DAY},
                    f"first local day, {RANGE} (default: {routes.STATS_DEFAULT_DAYS - 1} days before to)",
                ),
                _query(
                    "to",
                    {"type": "string", "format": "date", "pattern": DAY},
                    f"last local day, {RANGE} (default: today)",
                ),
            ],
            "responses": {
                "200": _json("Statistics of the period", _ref("Statistics")),
                "400": _response("BadRequest"),
                "401": _response("Unauthorized"),
            },
            "x-max-period-days": routes.STATS_MAX_DAYS,
        },
    }


# ---- schemas -------------------------------------------------------------------------------------


def _moment(nullable: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "format": "date-time"}
    if nullable:
        schema["nullable"] = True
    return schema


def _schemas(categories: list[str]) -> dict[str, Any]:
    string, integer, boolean = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
    counts = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
    case_properties: dict[str, Any] = {
        "number": {"type": "string", "example": "QC-20261123-0001"},
        "kind": _enum(Kind),
        "category": {
            "type": "string",
            "description": "a category code of the policy "
            "(when the case was filed): " + ", ".join(categories),
        },
        "category_suggested": {
            "type": "string",
            "description": 'what triage suggested; "" when nothing',
        },
        "severity": _enum(Severity),
        "status": _enum(Status),
        "channel": _enum(Channel),
        **{
            name: string
            for name in (
                "description",
                "location",
                "unit",
                "expectation",
                "subject",
                "contact_name",
            )
        },
        "contact_phone": {
            "type": "string",
            "description": "E.164 (+8613912345678); masked "
            '(+86 139****5678) for agent tokens; "" when none',
        },
        "owner_id": integer | {"nullable": True},
        "department_id": integer | {"nullable": True},
        "escalation_level": integer,
        "reopen_count": integer,
        "off_hours": boolean,
        "estate_id": integer
        | {
            "nullable": True,
            "description": "the estate the case belongs to (`qingchu estate list`)",
        },
        "resident_verified": boolean
        | {"description": "the contact phone is in the estate's resident register"},
        "overdue": boolean,
        "resolution": string,
        "invalid_reason": string,
        "close_reason": {
            "type": "string",
            "description": '"", confirmed, no_response, manual or cancelled',
        },
        "satisfaction": {"type": "integer", "minimum": 1, "maximum": 5, "nullable": True},
        "due": _object(
            {k: _moment() for k in ("assign", "feedback", "resolve", "hard", "followup")},
            ("assign", "feedback", "resolve", "hard", "followup"),
            "the scheduler's clocks (UTC)",
        ),
        "promised": _object(
            {k: _moment(False) for k in ("assign", "feedback", "resolve")},
            ("assign", "feedback", "resolve"),
            "the promises told to the tenant (UTC)",
        ),
        "received_at": _moment(False),
        **{
            name: _moment()
            for name in ("assigned_at", "first_feedback_at", "resolved_at", "closed_at")
        },
        "updated_at": _moment(False),
    }
    error_details = _object(
        {
            "field": {
                "type": "string",
                "description": "400: the field, parameter or header that was wrong",
            },
            "action": string,
            "status": string,
            "client_key": string,
            "case": string,
            "owner": string,
        },
        description="what the error concerns; absent when there is nothing more to say",
    )
    return {
        "Error": _object(
            {
                "error": _object(
                    {
                        "code": {
                            "type": "string",
                            "description": "invalid_input, unauthorized, forbidden, not_found, "
                            "method_not_allowed, illegal_transition, conflict, client_key_reused, too_large",
                        },
                        "message": string,
                        "details": error_details,
                    },
                    ("code", "message"),
                )
            },
            ("error",),
        ),
        "NewCase": _object(
            {
                "description": _text(routes.MAX_DESCRIPTION, required=True),
                "channel": _enum(Channel, "how the case came in (default phone)", nullable=True)
                | {"default": "phone"},
                "kind": _enum(Kind, "default: what triage reads", nullable=True),
                "category": _enum(
                    categories,
                    "a category code of the policy; default: what triage reads",
                    nullable=True,
                ),
                "severity": _enum(Severity, "default: what triage reads", nullable=True),
                **{
                    name: _text(limit)
                    for name, limit in routes.NEW_CASE_TEXT.items()
                    if name != "contact_phone"
                },
                "contact_phone": {
                    "type": "string",
                    "maxLength": routes.NEW_CASE_TEXT["contact_phone"],
                    "pattern": PHONE,
                    "nullable": True,
                    "example": "139 1234 5678",
                    "description": "a phone number as people write it: +country code and number "
                    "(+86 139 1234 5678, +852 9123 4567), or without + a number of the server's PHONE_REGION "
                    "or of CN, HK, TW or MO: 139-1234-5678, 021-12345678, (02) 2345-6789, 0988-123-456, "
                    "9123 4567. 400 when it is no valid number there. Empty for none. Stored and returned "
                    "in E.164 (+8613912345678).",
                },
                "locale": _enum(
                    routes.LOCALES, "the tenant's language (default DEFAULT_LOCALE)", nullable=True
                ),
                "estate": {
                    "type": "string",
                    "maxLength": 32,
                    "nullable": True,
                    "example": "HY01",
                    "description": "the estate's code (`qingchu estate list`); default: the first "
                    "estate. 400 when no estate has that code.",
                },
                "client_key": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": routes.MAX_CLIENT_KEY,
                    "pattern": NO_NUL,
                    "nullable": True,
                    "description": "the client's own id of this case: sending it again returns the same "
                    "case (201), with a different body it is refused (409 client_key_reused)",
                },
            },
            ("description",),
            description="Text must not contain NUL or lone UTF-16 surrogates (\\ud800); JSON may nest at "
            f"most {MAX_JSON_DEPTH} levels, numbers at most {MAX_INT_DIGITS} digits, no NaN or Infinity. "
            "Unknown fields are ignored.",
        ),
        "Case": _object(case_properties, tuple(case_properties)),
        "Event": _object(
            {
                "at": _moment(False),
                "actor": _object({"kind": _enum(ActorKind), "name": string}, ("kind", "name")),
                "action": {
                    "type": "string",
                    "description": "submit, claim, assign, …, or a scheduler action",
                },
                "from": {"type": "string", "description": 'the status before ("" when none)'},
                "to": {"type": "string", "description": 'the status after ("" when none)'},
                "note": string,
                "public": {"type": "boolean", "description": "shown to the tenant"},
                "data": {"type": "object"},
            },
            ("at", "actor", "action", "from", "to", "note", "public", "data"),
        ),
        "CaseWithTimeline": {
            "allOf": [
                _ref("Case"),
                _object({"timeline": {"type": "array", "items": _ref("Event")}}, ("timeline",)),
            ]
        },
        "ChangedCase": {"allOf": [_ref("Case"), _object({"event": _ref("Event")}, ("event",))]},
        "CasePage": _object(
            {
                "items": {"type": "array", "items": _ref("Case")},
                "page": integer,
                "per_page": integer,
                "total": {"type": "integer", "minimum": 0},
                "pages": {"type": "integer", "minimum": 0},
            },
            ("items", "page", "per_page", "total", "pages"),
        ),
        "Statistics": _object(
            {
                "from": _moment(False),
                "to": _moment(False),
                "total": {"type": "integer", "minimum": 0},
                "by_status": counts,
                "by_category": counts,
                "by_severity": counts,
                "sla": _object(
                    {
                        "resolved_on_time": integer,
                        "resolved_late": integer,
                        "open_past_promise": integer,
                        "compliance": {
                            "type": "number",
                            "minimum": 0,
                            "maximum": 1,
                            "nullable": True,
                        },
                    },
                    ("resolved_on_time", "resolved_late", "open_past_promise", "compliance"),
                ),
                "mean_hours_to_first_feedback": {"type": "number", "nullable": True},
                "mean_hours_to_resolve": {"type": "number", "nullable": True},
                "satisfaction": _object(
                    {
                        "answers": integer,
                        "mean": {"type": "number", "nullable": True},
                        "distribution": _object(
                            {str(n): integer for n in range(1, 6)},
                            tuple(str(n) for n in range(1, 6)),
                        ),
                    },
                    ("answers", "mean", "distribution"),
                ),
                "reopened": integer,
            },
            (
                "from",
                "to",
                "total",
                "by_status",
                "by_category",
                "by_severity",
                "sla",
                "mean_hours_to_first_feedback",
                "mean_hours_to_resolve",
                "satisfaction",
                "reopened",
            ),
            description="from/to: the period's bounds in UTC, [from, to)",
        ),
        "Health": _object(
            {"status": _enum(["ok", "degraded"]), "database": _enum(["ok", "unavailable"])},
            ("status", "database"),
        ),
        "Readiness": _object(
            {
                "status": _enum(["ready", "not ready"]),
                "database": _enum(["ok", "unavailable"]),
                "migrations": _enum(
                    ["current", "pending"], "absent when the database does not answer"
                ),
                "bot": _enum(["ok", "unreachable", "off"]),
            },
            ("status", "database", "bot"),
        ),
    }


def _error_responses() -> dict[str, Any]:
    def error(description: str, **extra: Any) -> dict[str, Any]:
        return _json(description, _ref("Error"), **extra)

    return {
        "BadRequest": error(
            "Bad input (code invalid_input): details.field names the field, parameter or header"
        ),
        "Unauthorized": error("No or unknown token (code unauthorized)"),
        "Forbidden": error("The token's role may not do this (code forbidden)"),
        "NotFound": error("No such case (code not_found)"),
        "MethodNotAllowed": error(
            "Any path answers 405 for a method it does not take (code method_not_allowed)",
            headers={
                "Allow": {"schema": {"type": "string"}, "description": "the methods it takes"}
            },
        ),
        "Conflict": error(
            "Not allowed in the case's current status (illegal_transition) or lost a race (conflict)"
        ),
        "TooLarge": error("The body is larger than MAX_BODY_BYTES (code too_large)"),
    }


def openapi_document(routes_table: Any, settings: Settings) -> dict[str, Any]:
    categories = list(settings.policy.category_codes)
    operations = _operations(categories) | incident_operations()
    paths: dict[str, dict[str, Any]] = {}
    for route in routes_table:
        if route.path == ACTION_TEMPLATE:
            documented = _action_operations(settings)
        else:
            documented = {
                route.path: {"summary": route.summary, **operations[(route.method, route.path)]}
            }
        for path, operation in documented.items():
            operation = dict(operation)
            if route.public:
                operation["security"] = []
            paths.setdefault(path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "qingchu API",
            "version": "1",
            "description": "Complaint desk for property management. Every error is "
            '{"error": {"code", "message", "details"}}; any path answers 405 with Allow for a method '
            "it does not take. Text must not contain NUL or lone UTF-16 surrogates; JSON bodies nest at most "
            f"{MAX_JSON_DEPTH} levels, numbers have at most {MAX_INT_DIGITS} digits; dates lie within {RANGE}.",
        },
        "paths": paths,
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _schemas(categories) | incident_schemas(),
            "responses": _error_responses(),
        },
    }
