"""Where in a building the reports come from: floors × flat positions, for an incident's page.

A room number of three or more digits is floor + position ("1202": floor 12, position 02); a unit without
one ("Block 3 12/F Flat B", a shop) is listed beside the grid. Several entrances (单元) of one building
share a cell: the cell counts households, not cases.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from .units import find_unit

MAX_FLOORS = 80  # a taller span is cut to the floors nearest the reports' top


@dataclass(frozen=True)
class UnitGrid:
    floors: tuple[int, ...]  # top floor first, every floor between the lowest and highest report
    positions: tuple[str, ...]  # "01", "02", … as reported
    households: dict[tuple[int, str], int]  # (floor, position) -> distinct units reporting
    others: tuple[str, ...]  # units that give no floor

    def count(self, floor: int, position: str) -> int:
        return self.households.get((floor, position), 0)

    @property
    def empty(self) -> bool:
        return not self.households


def unit_grid(units: Iterable[str]) -> UnitGrid:
    cells: dict[tuple[int, str], set[str]] = {}
    others: list[str] = []
    for unit in dict.fromkeys(u.strip() for u in units if u and u.strip()):
        found = find_unit(unit)
        room = found.room if found else ""
        if len(room) >= 3 and room.isdigit() and int(room[:-2]) > 0:
            cells.setdefault((int(room[:-2]), room[-2:]), set()).add(unit)
        else:
            others.append(unit)
    if not cells:
        return UnitGrid((), (), {}, tuple(others))
    top = max(floor for floor, _ in cells)
    bottom = max(min(floor for floor, _ in cells), top - MAX_FLOORS + 1)
    return UnitGrid(
        floors=tuple(range(top, bottom - 1, -1)),
        positions=tuple(sorted({position for _, position in cells})),
        households={cell: len(found) for cell, found in cells.items() if cell[0] >= bottom},
        others=tuple(others),
    )
