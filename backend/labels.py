"""Names of the case vocabulary for people, shared by the bot, reports and the dashboard."""

from .domain import Kind, Severity
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


def kind_name(kind: Kind | str, locale: str) -> str:
    return _(KIND_NAMES.get(Kind(kind), KIND_NAMES[Kind.COMPLAINT]), locale)


def severity_name(severity: Severity | str, locale: str) -> str:
    return _(SEVERITY_NAMES[Severity(severity)], locale)


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
}
MAX_WORDS = 6


def trigger_name(trigger: str, locale: str) -> str:
    return _(TRIGGER_NAMES[trigger], locale) if trigger in TRIGGER_NAMES else trigger


def triage_reasons(record: dict | None, locale: str) -> str:
    """One line for staff: what triage read in the tenant's words ("" when it said nothing).

    ``record`` is what the case keeps of the classifier's answer (``Case.triage``).
    """
    if not isinstance(record, dict):
        return ""
    evidence = record.get("evidence") if isinstance(record.get("evidence"), dict) else {}
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
