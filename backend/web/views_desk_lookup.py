"""The front desk's JSON for static/desk.js: the caller lookup and live triage (views_desk.py is the form)."""

import logging
from typing import Any

from aiohttp import web

from ..domain import Severity
from ..domain.contact import normalize_phone, regions_for
from ..i18n import N_, SUPPORTED
from ..labels import trigger_name
from ..models import Case
from ..services import desk_queries
from ..services.drafts import MAX_DESCRIPTION, Triage
from .format import Formatter
from .render import formatter
from .state import PREFIX, ctx_of, viewer_of

log = logging.getLogger(__name__)

PHONE_INVALID = N_("This is not a valid phone number.")
DESCRIPTION_PROBLEM = N_("Please describe the problem (at most 10000 characters).")
# Triage's safety checks (nlp.SAFETY_CHECKS): the question the operator asks the caller.
SAFETY_QUESTIONS = {
    "lift_trapped": N_("Is anyone trapped in the lift right now?"),
    "fire": N_("Can you see flames or thick smoke right now?"),
    "gas": N_("Can you still smell gas right now?"),
    "flood": N_("Is water still pouring out?"),
    "danger": N_("Is anyone in danger or hurt right now?"),
}


def classify(request: web.Request, text: str) -> Triage | None:
    """The app's classifier, as the case service uses it: advice, so a failure is no triage."""
    try:
        return ctx_of(request).cases.classify(text)
    except Exception:
        log.exception("triage failed on the desk")
        return None


def text_field(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _json_error(fmt: Formatter, field_name: str, text: str, status: int = 400) -> web.Response:
    return web.json_response(
        {"error": field_name, "message": fmt.t(text)},
        status=status,
        headers={"Cache-Control": "no-store"},
    )


async def caller_lookup(request: web.Request) -> web.Response:
    """GET /dashboard/callers?phone=…: the caller's earlier cases and the repeat rule per category."""
    ctx, viewer, fmt = ctx_of(request), viewer_of(request), formatter(request)
    locale = request.query.get("locale", ctx.settings.default_locale)
    regions = regions_for(locale if locale in SUPPORTED else "", ctx.settings.phone_region)
    phone = normalize_phone(request.query.get("phone", ""), regions)
    if phone is None:
        return _json_error(fmt, "phone", PHONE_INVALID)
    window = ctx.settings.policy.repeat_window_days
    cases = await desk_queries.caller_cases(phone, estate_ids=viewer.estates)
    counts = await desk_queries.repeat_counts(phone, fmt.now, window)
    important = fmt.severity(Severity.IMPORTANT)
    repeats = [
        {
            "category": code,
            "category_name": fmt.category(code),
            "count": count,
            "text": fmt.t(
                "Within {days} days: case no. {n}: {severity}",
                days=window,
                n=count + 1,
                severity=important,
            ),
        }
        for code, count in sorted(counts.items(), key=lambda item: -item[1])
    ]
    return web.json_response(
        {
            "phone": fmt.phone(phone, full=viewer.sees_all_phones),
            "window_days": window,
            "cases": [_case_json(case, fmt, full=viewer.sees_phone_of(case)) for case in cases],
            "repeats": repeats,
        },
        headers={"Cache-Control": "no-store"},
    )


def _case_json(case: Case, fmt: Formatter, *, full: bool) -> dict[str, Any]:
    summary = " ".join(case.description.split())
    return {
        "number": case.number,
        "received": fmt.when(case.received_at),
        "category": case.category,
        "category_name": fmt.category(case.category),
        "status": str(case.status),
        "status_name": fmt.status(case.status),
        "open": desk_queries.is_open(case),
        "summary": summary[:80] + ("…" if len(summary) > 80 else ""),
        "contact_phone": fmt.phone(case.contact_phone, full=full),
        "url": f"{PREFIX}/cases/{case.number}",
    }


async def live_triage(request: web.Request) -> web.Response:
    """/dashboard/triage: what triage reads in a description (GET ?text=…, or POST text=… with the
    form's token for long texts)."""
    ctx, fmt = ctx_of(request), formatter(request)
    if request.method == "POST":
        text = text_field(await request.post(), "text")
    else:
        text = request.query.get("text", "").strip()
    if not text:
        return _json_error(fmt, "text", N_("Type the description first."))
    if len(text) > MAX_DESCRIPTION:
        return _json_error(fmt, "text", DESCRIPTION_PROBLEM, status=413)
    triage = classify(request, text)
    if triage is None:
        return _json_error(fmt, "text", N_("Triage is not available right now."), status=503)
    category = triage.category if ctx.settings.policy.category(triage.category) else "other"
    record = triage.to_dict()
    triggers = [str(t) for t in record.get("triggers") or ()]
    check = str(record.get("safety_check") or "")
    evidence = record.get("evidence") or {}
    return web.json_response(
        {
            "category": category,
            "category_name": fmt.category(category),
            "kind": triage.kind,
            "kind_name": fmt.kind(triage.kind),
            "severity": triage.severity,
            "severity_name": fmt.severity(triage.severity),
            "evidence": sorted({str(w) for words in evidence.values() for w in words}),
            "emergency": bool(record.get("emergency")),
            "triggers": triggers,
            "trigger": trigger_name(triggers[0], fmt.locale) if triggers else "",
            "trigger_names": [trigger_name(t, fmt.locale) for t in triggers],
            "safety_check": check,
            "safety_question": fmt.t(SAFETY_QUESTIONS[check]) if check in SAFETY_QUESTIONS else "",
        },
        headers={"Cache-Control": "no-store"},
    )
