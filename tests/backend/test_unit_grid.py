"""The floors × positions picture of an incident's reports (backend/domain/unit_grid.py)."""

import pytest

from backend.domain.unit_grid import MAX_FLOORS, unit_grid


@pytest.mark.parametrize(
    ("units", "floors", "positions", "households", "others"),
    [
        ([], (), (), {}, ()),
        (["12-1-101"], (1,), ("01",), {(1, "01"): 1}, ()),
        (
            [
                "12-1-302",
                "12-2-302",
                "12栋502",
                "12-1-302",
            ],  # two entrances share a cell; a repeat once
            (5, 4, 3),
            ("02",),
            {(3, "02"): 2, (5, "02"): 1},
            (),
        ),
        (
            ["3-1-1202", "3-1-1201", "Block 3 12/F Flat B", "商铺"],
            (12,),
            ("01", "02"),
            {(12, "01"): 1, (12, "02"): 1},
            ("Block 3 12/F Flat B", "商铺"),
        ),
        (["", "  "], (), (), {}, ()),
    ],
)
def test_reports_become_floors_and_positions(units, floors, positions, households, others):
    grid = unit_grid(units)
    assert (grid.floors, grid.positions, grid.households, grid.others) == (
        floors,
        positions,
        households,
        others,
    )


def test_a_huge_span_keeps_the_top_floors():
    grid = unit_grid(["1-1-101", "1-1-9901"])  # floor 99 (a typo or a tower): the top is kept
    assert len(grid.floors) == MAX_FLOORS and grid.floors[0] == 99
    assert grid.count(99, "01") == 1 and grid.count(1, "01") == 0
