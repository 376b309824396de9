"""Logs: JSON lines with the update id and case number they concern (LOG_FORMAT=json)."""

import json
import logging

from backend.logs import ContextFilter, JsonFormatter, TextFormatter, log_context


def render(formatter: logging.Formatter, message: str, **context) -> str:
    record = logging.LogRecord("qingchu.test", logging.WARNING, __file__, 1, message, (), None)
    with log_context(**context):
        ContextFilter().filter(record)
    return formatter.format(record)


def test_json_line_names_update_and_case():
    line = json.loads(
        render(JsonFormatter(), "claim refused", update_id=1234, case="QC-20261123-0001")
    )
    assert line["message"] == "claim refused" and line["level"] == "WARNING"
    assert (line["update_id"], line["case"]) == (1234, "QC-20261123-0001")


def test_context_does_not_leak():
    render(JsonFormatter(), "x", case="QC-1")
    line = json.loads(render(JsonFormatter(), "later"))
    assert "case" not in line and "update_id" not in line


def test_text_format_appends_tags():
    assert render(TextFormatter("%(message)s"), "sent", case="QC-1").endswith("sent [case=QC-1]")


async def test_case_service_sets_the_case_for_log_lines(service):
    from backend.services.actors import Actor
    from tests.factories import tenant_draft

    case = await service.submit(tenant_draft(), Actor.system())
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "after submit", (), None)
    ContextFilter().filter(record)
    assert record.case == case.number
