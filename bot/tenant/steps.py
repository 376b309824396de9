"""The order of the intake questions ("five clears": hear it fully, then ask what is missing).

Pure: given what the dialog knows, which question comes next.
"""

from typing import Any

# Free text sent outside a dialog: kept, with the offer to file it as a case.
OFFER = "offer"
DESCRIBE = "describe"
# Between description parts: the one yes/no safety question, asked when triage suspects an emergency.
SAFETY = "safety"
CONFIRM = "confirm"
UNIT = "unit"
PHONE = "phone"
NAME = "name"
EVIDENCE = "evidence"
EXPECT = "expect"
SUMMARY = "summary"
DONE = "done"

ORDER = (DESCRIBE, CONFIRM, UNIT, PHONE, NAME, EVIDENCE, EXPECT, SUMMARY)
# An emergency is filed at once; afterwards only where and how to reach the tenant are asked.
EMERGENCY_ORDER = (UNIT, PHONE, NAME, DONE)
EDITABLE = (DESCRIBE, CONFIRM, UNIT, PHONE, NAME, EVIDENCE, EXPECT)


def next_step(current: str, data: dict[str, Any]) -> str:
    """The step after `current`, skipping what is already answered."""
    if data.get("return_to") == SUMMARY and current != SUMMARY:
        return SUMMARY
    order = EMERGENCY_ORDER if data.get("case") else ORDER
    index = order.index(current) + 1 if current in order else 0
    for step in order[index:]:
        if not _answered(step, data):
            return step
    return order[-1]


def _answered(step: str, data: dict[str, Any]) -> bool:
    if step == UNIT:
        return bool(data.get("unit"))
    if step == PHONE:
        return bool(data.get("phone"))
    if step == NAME:
        return bool(data.get("name"))
    if step == CONFIRM:
        return bool(data.get("category"))
    return False
