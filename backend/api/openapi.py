"""The OpenAPI 3 document, built from the same route table the app serves."""

from typing import Any

from ..config import Settings
from ..domain import Channel, Kind, Severity, Status
from ..inputs import day_range_text

ERROR = {"$ref": "#/components/schemas/Error"}
RANGE = day_range_text()


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _action_body() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "Fields by action: assign {staff_id | department, note}; start {note}; "
        "note {note, to_tenant}; resolve {resolution}; reopen {reason}; "
        "close {reason: confirmed|no_response|manual, satisfaction 1-5, comment}; invalid {reason}; "
        "cancel {reason}; escalate {reason}; recategorize {category, reason}; change_severity {severity, reason}.",
        "properties": {
            "note": {"type": "string"}, "reason": {"type": "string"}, "resolution": {"type": "string"},
            "staff_id": {"type": "integer"}, "department": {"type": "string"},
            "to_tenant": {"type": "boolean"}, "satisfaction": {"type": "integer", "minimum": 1, "maximum": 5},
            "comment": {"type": "string"}, "category": {"type": "string"},
            "severity": {"type": "string", "enum": [s.value for s in Severity]},
        },
    }


def openapi_document(routes: Any, settings: Settings) -> dict[str, Any]:
    categories = list(settings.policy.category_codes)
    case_ref = {"$ref": "#/components/schemas/Case"}
    operations: dict[tuple[str, str], dict[str, Any]] = {
        ("GET", "/healthz"): {"responses": {"200": _json("Healthy", {"type": "object"}), "503": _json("Database unavailable", {"type": "object"})}},
        ("GET", "/api/v1/openapi.json"): {"responses": {"200": _json("OpenAPI document", {"type": "object"})}},
        ("GET", "/readyz"): {"responses": {"200": _json("Ready", {"type": "object"}), "503": _json("Not ready", {"type": "object"})}},
        ("GET", "/metrics"): {"responses": {"200": {"description": "Prometheus text format",
                                                    "content": {"text/plain": {"schema": {"type": "string"}}}}}},
        ("POST", "/api/v1/cases"): {
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewCase"}}}},
            "responses": {
                "201": _json("Created; the same client_key with the same body returns the first case again", case_ref),
                "400": _error("Bad input"),
                "409": _error("client_key was already used for another case with a different body "
                              "(code client_key_reused; details name the key and the case)"),
                "413": _error("Body too large"),
            },
        },
        ("GET", "/api/v1/cases"): {
            "parameters": [
                _query("status", {"type": "string"}, "comma-separated: " + ", ".join(s.value for s in Status)),
                _query("category", {"type": "string"}, "comma-separated: " + ", ".join(categories)),
                _query("severity", {"type": "string"}, "comma-separated: " + ", ".join(s.value for s in Severity)),
                _query("overdue", {"type": "boolean"}, "only open cases past a promise"),
                _query("q", {"type": "string", "maxLength": 100}, "text in number, description or unit"),
                _query("page", {"type": "integer", "minimum": 1}, "page number"),
                _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "page size"),
            ],
            "responses": {"200": _json("A page of cases", {"$ref": "#/components/schemas/CasePage"}), "400": _error("Bad filter")},
        },
        ("GET", "/api/v1/cases/{number}"): {
            "parameters": [_path("number")],
            "responses": {"200": _json("The case with its timeline", case_ref), "404": _error("No such case")},
        },
        ("POST", "/api/v1/cases/{number}/actions/{action}"): {
            "parameters": [_path("number"), {**_path("action"), "schema": {"type": "string", "enum": [
                "claim", "assign", "start", "note", "resolve", "reopen", "close", "invalid", "cancel",
                "escalate", "recategorize", "change_severity"]}}],
            "requestBody": {"content": {"application/json": {"schema": _action_body()}}},
            "responses": {
                "200": _json("The changed case and the event written", case_ref),
                "400": _error("Bad input"), "404": _error("No such case or action"),
                "409": _error("Not allowed in the case's current status"),
            },
        },
        ("GET", "/api/v1/stats"): {
            "parameters": [
                _query("from", {"type": "string", "format": "date"},
                       f"first local day, {RANGE} (default: 29 days before to)"),
                _query("to", {"type": "string", "format": "date"}, f"last local day, {RANGE} (default: today)"),
            ],
            "responses": {"200": _json("Statistics", {"type": "object"}),
                          "400": _error(f"Bad period: a date outside {RANGE}, from after to, or more than 366 days")},
        },
    }
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        operation = dict(operations[(route.method, route.path)])
        operation["summary"] = route.summary
        operation["operationId"] = f"{route.method.lower()}_{route.path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}"
        if route.public:
            operation["security"] = []
        else:
            operation["responses"] = {**operation["responses"], "401": _error("No or unknown token"), "403": _error("Role too low")}
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "qingchu API", "version": "1", "description": "Complaint desk for property management."},
        "paths": paths,
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                        "code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}}}},
                },
                "NewCase": {
                    "type": "object", "required": ["description"],
                    "properties": {
                        "description": {"type": "string", "minLength": 1, "maxLength": 10000},
                        "channel": {"type": "string", "enum": [c.value for c in Channel]},
                        "kind": {"type": "string", "enum": [k.value for k in Kind]},
                        "category": {"type": "string", "enum": categories},
                        "severity": {"type": "string", "enum": [s.value for s in Severity]},
                        "location": {"type": "string", "maxLength": 200},
                        "unit": {"type": "string", "maxLength": 64},
                        "expectation": {"type": "string"},
                        "subject": {"type": "string", "maxLength": 200},
                        "contact_name": {"type": "string", "maxLength": 100},
                        "contact_phone": {"type": "string", "maxLength": 32},
                        "locale": {"type": "string", "enum": ["zh_CN", "zh_TW", "en"]},
                        "client_key": {
                            "type": "string", "minLength": 1, "maxLength": 80,
                            "description": "the client's own id of this case: sending it again returns the same "
                            "case (201), with a different body it is refused (409 client_key_reused)",
                        },
                    },
                },
                "Case": {"type": "object", "properties": {
                    "number": {"type": "string"}, "status": {"type": "string", "enum": [s.value for s in Status]},
                    "category": {"type": "string"}, "severity": {"type": "string"}, "kind": {"type": "string"},
                    "description": {"type": "string"}, "contact_phone": {"type": "string"},
                    "overdue": {"type": "boolean"}, "due": {"type": "object"}, "timeline": {"type": "array", "items": {"type": "object"}},
                }},
                "CasePage": {"type": "object", "properties": {
                    "items": {"type": "array", "items": case_ref}, "page": {"type": "integer"},
                    "per_page": {"type": "integer"}, "total": {"type": "integer"}, "pages": {"type": "integer"},
                }},
            },
        },
    }


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
