"""Names of the case vocabulary for people: one msgid table per concern and one function to read it.

The bot, the dashboard, the reports and the exports name every status, category, severity, kind, channel,
action, actor, role, triage trigger, alert reason and language through here, so one value reads the same
wherever it is shown. Tables hold msgids (translated when read); a value a table does not know is shown as
it is rather than failing a page or a message.
"""

from collections.abc import Mapping
from typing import Any

from .domain import Action, ActorKind, Channel, Kind, Policy, Role, Severity, Status
from .i18n import N_, _

KIND_NAMES = {
    Kind.COMPLAINT: N_("Complaint"),
    Kind.REPAIR: N_("Repair request"),
    Kind.INQUIRY: N_("Inquiry"),
    Kind.SUGGESTION: N_("Suggestion"),
}
SEVERITY_NAMES = {
    Severity.GENERAL: N_("general"),
    Severity.IMPORTANT: N_("important"),
    Severity.MAJOR: N_("major"),
}
# Staff words (dashboard, reports, exports, the bot's staff lists).
STAFF_STATUS_NAMES = {
    Status.NEW: N_("Received"),
    Status.ASSIGNED: N_("Assigned"),
    Status.IN_PROGRESS: N_("Being handled"),
    Status.RESOLVED: N_("Resolved"),
    Status.CLOSED: N_("Closed"),
    Status.INVALID: N_("Invalid"),
    Status.CANCELLED: N_("Cancelled"),
}
# What a tenant reads about their own case: a resolved case waits for them, an invalid one was not accepted.
TENANT_STATUS_NAMES = {
    **STAFF_STATUS_NAMES,
    Status.RESOLVED: N_("Resolved, awaiting your confirmation"),
    Status.INVALID: N_("Not accepted"),
}
CHANNEL_NAMES = {
    Channel.CHAT: N_("Chat"),
    Channel.PHONE: N_("Phone"),
    Channel.WALK_IN: N_("Walk-in"),
    Channel.LETTER: N_("Letter"),
    Channel.EMAIL: N_("Email"),
    Channel.SUGGESTION_BOX: N_("Suggestion box"),
    Channel.OTHER: N_("Other channel"),
}
# What was done to a case, as the timeline names it.
ACTION_NAMES = {
    Action.SUBMIT: N_("Submitted"),
    Action.CLAIM: N_("Claimed"),
    Action.ASSIGN: N_("Assigned"),
    Action.START: N_("Work started"),
    Action.NOTE: N_("Note"),
    Action.RESOLVE: N_("Resolved"),
    Action.REOPEN: N_("Case reopened"),  # "Reopened" alone is the count of reopenings
    Action.CLOSE: N_("Closed"),
    Action.INVALID: N_("Marked invalid"),
    Action.CANCEL: N_("Cancelled"),
    Action.ESCALATE: N_("Escalated"),
    Action.RECATEGORIZE: N_("Category changed"),
    Action.CHANGE_SEVERITY: N_("Severity changed"),
    Action.SUPPLEMENT: N_("Details added"),
    Action.COMMENT: N_("Tenant comment"),
}
ACTOR_KIND_NAMES = {
    ActorKind.TENANT: N_("Tenant"),
    ActorKind.STAFF: N_("Staff"),
    ActorKind.API: N_("API client"),
    ActorKind.SYSTEM: N_("System"),
}
# A role on its own (a column, a choice) and inside a sentence ("You are registered as agent").
ROLE_NAMES = {
    Role.AGENT: N_("Agent"),
    Role.SUPERVISOR: N_("Supervisor"),
    Role.MANAGER: N_("Manager"),
    Role.ADMIN: N_("Administrator"),
}
ROLE_IN_SENTENCE = {
    Role.AGENT: N_("agent"),
    Role.SUPERVISOR: N_("supervisor"),
    Role.MANAGER: N_("manager"),
    Role.ADMIN: N_("administrator"),
}
# Why a manager or the next level is alerted (the reason of an alert in the outbox).
ALERT_REASON_NAMES = {
    "major": N_("major case"),
    "escalated": N_("escalated"),
    "reopened": N_("tenant not satisfied"),
    "collective": N_("several households report the same problem"),
    "unresolved_long": N_("unresolved for a long time"),
    "assign_overdue": N_("nobody took it on in time"),
    "resolve_overdue": N_("not resolved in time"),
}
# What triage saw (nlp triggers): shown to staff beside the words that decided.
TRIGGER_NAMES = {
    "fire": N_("fire"),
    "smoke": N_("smoke"),
    "explosion": N_("explosion"),
    "gas": N_("gas"),
    "lift_trapped": N_("people trapped in a lift"),
    "lift_fault": N_("dangerous lift fault"),
    "flood": N_("flooding or burst pipe"),
    "power_cut": N_("building power cut"),
    "structural": N_("structural damage"),
    "plant_failure": N_("main plant failure"),
    "crime": N_("crime"),
    "injury": N_("injury"),
    "financial_loss": N_("serious financial loss"),
    "collective": N_("3 or more households"),
    "plural": N_("several residents"),
    "repeat": N_("raised before"),
    "promise": N_("promise not kept"),
    "trade": N_("shop cannot trade"),
    "media": N_("government or media"),
    "hazard": N_("safety hazard"),
    "danger": N_("someone in danger (the tenant said yes)"),
    "distress": N_("a cry for help"),
}
# Each language in its own words, whatever language the page or chat is in (not translated).
LANGUAGE_NAMES = {
    "zh_CN": "简体中文",
    "zh_TW": "繁體中文",
    "en": "English",
}


def label(table: Mapping[Any, str], value: str, locale: str) -> str:
    """The name of `value` from one of the tables above, in `locale`; an unknown value as it is."""
    msgid = table.get(value)
    return _(msgid, locale) if msgid else str(value)


def kind_name(kind: Kind | str, locale: str) -> str:
    return label(KIND_NAMES, kind, locale)


def severity_name(severity: Severity | str, locale: str) -> str:
    return label(SEVERITY_NAMES, severity, locale)


def staff_status_name(status: Status | str, locale: str) -> str:
    return label(STAFF_STATUS_NAMES, status, locale)


def tenant_status_name(status: Status | str, locale: str) -> str:
    return label(TENANT_STATUS_NAMES, status, locale)


def category_name(policy: Policy, code: str, locale: str) -> str:
    """Categories are the deployment's own (policy.toml names them in each language)."""
    category = policy.category(code)
    return category.name(locale) if category else code


def channel_name(channel: Channel | str, locale: str) -> str:
    return label(CHANNEL_NAMES, channel, locale)


def action_name(action: Action | str, locale: str) -> str:
    return label(ACTION_NAMES, action, locale)


def actor_kind_name(kind: ActorKind | str, locale: str) -> str:
    return label(ACTOR_KIND_NAMES, kind, locale)


def role_name(role: Role | str, locale: str) -> str:
    return label(ROLE_NAMES, role, locale)


def role_in_sentence(role: Role | str, locale: str) -> str:
    return label(ROLE_IN_SENTENCE, role, locale)


def alert_reason_name(reason: str, locale: str) -> str:
    return label(ALERT_REASON_NAMES, reason, locale)


def trigger_name(trigger: str, locale: str) -> str:
    return label(TRIGGER_NAMES, trigger, locale)


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


MAX_WORDS = 6


def triage_reasons(record: dict | None, locale: str) -> str:
    """One line for staff: what triage read in the tenant's words ("" when it said nothing).

    ``record`` is what the case keeps of the classifier's answer (``Case.triage``).
    """
    if not isinstance(record, dict):
        return ""
    evidence = record.get("evidence")
    if not isinstance(evidence, dict):
        evidence = {}
    words: list[str] = []
    for key in ("severity", "category"):
        for word in evidence.get(key) or ():
            if isinstance(word, str) and word not in words:
                words.append(word)
    triggers = [t for t in record.get("triggers") or () if isinstance(t, str)]
    parts = []
    if triggers:
        parts.append("、".join(trigger_name(t, locale) for t in triggers[:3]))
    if words:
        parts.append("“" + "”“".join(words[:MAX_WORDS]) + "”")
    return " · ".join(parts)
