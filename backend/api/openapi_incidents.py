"""The incidents' part of the OpenAPI document (backend/api/incidents.py serves it)."""

from typing import Any

from . import incidents

REF = "#/components/schemas/"
RESPONSES = "#/components/responses/"
INCIDENT_PATH = "/api/v1/incidents/{incident_id}"


def _json(description: str, name: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF + name}}},
    }


def _error(name: str) -> dict[str, Any]:
    return {"$ref": RESPONSES + name}


def incident_operations() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        ("GET", "/api/v1/incidents"): {
            "operationId": "list_incidents",
            "parameters": [
                {
                    "name": "status",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "enum": list(incidents.STATUSES)},
                    "description": "open (not resolved), proposed, confirmed or resolved",
                },
                {
                    "name": "building",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "maxLength": incidents.MAX_BUILDING},
                    "description": "the building as read from the units (3 for 3-1-1202)",
                },
                {
                    "name": "category",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "maxLength": 32},
                    "description": "a category code of the policy",
                },
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": incidents.MAX_LIMIT,
                        "default": incidents.DEFAULT_LIMIT,
                    },
                    "description": "at most this many, newest first",
                },
            ],
            "responses": {
                "200": _json("Incidents, newest first", "IncidentList"),
                "400": _error("BadRequest"),
                "401": _error("Unauthorized"),
            },
        },
        ("GET", INCIDENT_PATH): {
            "operationId": "get_incident",
            "parameters": [
                {
                    "name": "incident_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1, "example": "12"},
                    "description": "the incident's number; anything else is not found (404)",
                }
            ],
            "responses": {
                "200": _json("The incident with its timeline", "IncidentWithTimeline"),
                "400": _error("BadRequest"),
                "401": _error("Unauthorized"),
                "404": _error("NotFound"),
            },
        },
    }


def incident_schemas() -> dict[str, Any]:
    string, integer = {"type": "string"}, {"type": "integer"}
    moment = {"type": "string", "format": "date-time", "nullable": True}
    incident = {
        "type": "object",
        "properties": {
            "id": integer,
            "status": {"type": "string", "enum": list(incidents.STATUSES[1:])},
            "category": string,
            "building": string,
            "keywords": {"type": "array", "items": string},
            "households": {"type": "integer", "minimum": 0},
            "open_cases": {"type": "integer", "minimum": 0},
            "created_at": {"type": "string", "format": "date-time"},
            "first_report_at": moment,
            "latest_report_at": moment,
            "resolved_at": moment,
            "resolution": string,
            "cases": {
                "type": "array",
                "items": string,
                "description": "the numbers of its cases, in the order they came",
            },
        },
        "required": ["id", "status", "category", "building", "households", "cases"],
    }
    note = {
        "type": "object",
        "properties": {
            "at": {"type": "string", "format": "date-time"},
            "kind": {"type": "string", "description": "note, resolve, confirm, add or remove"},
            "text": string,
            "actor": string,
            "cases": {"type": "integer", "minimum": 0, "description": "how many cases it reached"},
        },
        "required": ["at", "kind", "text"],
    }
    return {
        "Incident": incident,
        "IncidentNote": note,
        "IncidentList": {
            "type": "object",
            "properties": {"items": {"type": "array", "items": {"$ref": REF + "Incident"}}},
            "required": ["items"],
        },
        "IncidentWithTimeline": {
            "allOf": [
                {"$ref": REF + "Incident"},
                {
                    "type": "object",
                    "properties": {
                        "timeline": {"type": "array", "items": {"$ref": REF + "IncidentNote"}}
                    },
                    "required": ["timeline"],
                },
            ]
        },
    }
