"""The order of the intake questions ("five clears": hear it fully, then ask what is missing).

Pure: given what the dialog knows, which question comes next.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .draft import IntakeDraft


class Step(StrEnum):
    """Where an intake dialog is (the `Dialog.state` column); the values are stored, never rename them."""

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


ORDER = (
    Step.DESCRIBE,
    Step.CONFIRM,
    Step.UNIT,
    Step.PHONE,
    Step.NAME,
    Step.EVIDENCE,
    Step.EXPECT,
    Step.SUMMARY,
)
# An emergency is filed at once; afterwards only where and how to reach the tenant are asked.
EMERGENCY_ORDER = (Step.UNIT, Step.PHONE, Step.NAME, Step.DONE)
EDITABLE = (
    Step.DESCRIBE,
    Step.CONFIRM,
    Step.UNIT,
    Step.PHONE,
    Step.NAME,
    Step.EVIDENCE,
    Step.EXPECT,
)


def next_step(current: Step, draft: IntakeDraft) -> Step:
    """The step after `current`, skipping what is already answered."""
    if draft.return_to == Step.SUMMARY and current != Step.SUMMARY:
        return Step.SUMMARY
    order = EMERGENCY_ORDER if draft.case_number else ORDER
    index = order.index(current) + 1 if current in order else 0
    for step in order[index:]:
        if not _answered(step, draft):
            return step
    return order[-1]


def _answered(step: Step, draft: IntakeDraft) -> bool:
    if step == Step.UNIT:
        return bool(draft.unit)
    if step == Step.PHONE:
        return bool(draft.phone)
    if step == Step.NAME:
        return bool(draft.name)
    if step == Step.CONFIRM:
        return bool(draft.category)
    return False
