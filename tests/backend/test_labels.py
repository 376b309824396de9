"""What staff are shown of triage's reasons (backend.labels.triage_reasons)."""

import pytest

from backend.labels import triage_reasons


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (None, ""),
        ({}, ""),
        ("not a dict", ""),
        ({"evidence": {"category": ["电梯"], "severity": ["困人"]}, "triggers": ["lift_trapped"]},
         "people trapped in a lift · “困人”“电梯”"),
        ({"evidence": {"category": ["漏水"]}}, "“漏水”"),
        ({"evidence": "garbage", "triggers": ["unknown_trigger", 3]}, "unknown_trigger"),
        ({"evidence": {"severity": ["a", "b", "c", "d", "e", "f", "g"]}}, "“a”“b”“c”“d”“e”“f”"),
    ],
)  # fmt: skip
def test_triage_reasons(record, expected):
    assert triage_reasons(record, "en") == expected
