"""Free-text case search (the `q` filter): an index lookup for candidates, exact LIKE semantics.

The meaning of `q` is the old one: the case number, unit or description contains the text, case-insensitive
as the database's UPPER() is (ASCII on SQLite; what the collation says on PostgreSQL). The index only makes
finding those cases fast; migration 0012_case_search builds and maintains it.

- **SQLite**: the FTS5 table `case_search` (trigram tokenizer, case-sensitive) holds `lower(column) || "\\x01\\x01"`
  of the three columns, kept current by triggers on "case". A text of 3+ characters is one FTS phrase of its
  trigrams, i.e. exactly "this column contains the text". A text of 1-2 characters cannot be tokenized into
  trigrams; the 2-character pad makes every occurrence the start of an indexed trigram, so the phrases are
  the trigrams that start with the text, read from the `case_search_vocab` (fts5vocab) table.
- **PostgreSQL**: the table `case_search` holds, per case, its text `UPPER(number) LF UPPER(unit) LF
  UPPER(description)` and the characters and character pairs of it (GIN index), kept current by triggers.
  The candidates hold the text's pairs (a 1-2 character text: the text itself, exact); `strpos` on the stored
  text checks longer ones exactly, in the same subquery.

Where the index lookup is not exact by construction, the old LIKE condition is added to it, so the result is
always the LIKE result. User text only ever travels as a bound parameter; the FTS query string is built from
it inside SQL, every phrase quoted with its double quotes doubled.
"""

from collections.abc import Iterator
from typing import Any

from pypika_tortoise.context import SqlContext
from pypika_tortoise.terms import Criterion, NodeT, Term, ValueWrapper
from tortoise.expressions import Q, ResolveContext
from tortoise.query_utils import QueryModifier

# SQLite: the character of the pad appended to every indexed column (twice; see the module docstring).
SQLITE_PAD_CHAR = "\x01"
# PostgreSQL: the character between the columns in the indexed text.
PG_SEPARATOR = "\n"


def like_q(text: str) -> Q:
    """The reference semantics, and the exact check of the candidates where the index is not exact."""
    return Q(number__icontains=text) | Q(description__icontains=text) | Q(unit__icontains=text)


def text_q(text: str, dialect: str) -> Q:
    """The condition of `q=text` (already stripped, non-empty) for the database dialect."""
    if "\x00" in text:
        # Neither FTS5 (an unterminated string) nor PostgreSQL (no NUL in text) takes it, and no stored
        # text holds it (backend.inputs refuses it): such a text matches nothing.
        return Q(id__in=[])
    if dialect == "sqlite":
        exact = SQLITE_PAD_CHAR not in text  # the pad could complete such a text: a false candidate
        return (
            _IndexQ(_sqlite_parts, text) if exact else _IndexQ(_sqlite_parts, text) & like_q(text)
        )
    if dialect == "postgres":
        exact = PG_SEPARATOR not in text  # could span two columns in the stored text
        return (
            _IndexQ(_postgres_parts, text)
            if exact
            else _IndexQ(_postgres_parts, text) & like_q(text)
        )
    return like_q(text)


# ---- SQL -----------------------------------------------------------------------------------------------
# A part is a str (SQL text), a column name (_Column) or a parameter value (_Param).


class _Column(str):
    """A column of the case table, rendered qualified as the query names the table."""


class _Param(str):
    """A bound parameter."""


# The rows (rowids = case ids) of the FTS table containing the text. `+` keeps SQLite from driving the
# query by the candidate ids: looking up thousands of rows by id and sorting them for the page costs more
# than walking the list's own index and checking each id against the (hashed) candidate list.
_SQLITE_PHRASE = "SELECT rowid FROM case_search WHERE case_search MATCH '\"' || replace(lower({p}), '\"', '\"\"') || '\"'"
_SQLITE_PREFIX = (
    "SELECT rowid FROM case_search WHERE case_search MATCH ("
    "SELECT coalesce(group_concat('\"' || replace(term, '\"', '\"\"') || '\"', ' OR '), '\"\"') "
    "FROM case_search_vocab WHERE term >= lower({p}) AND term <= lower({p}) || char(1114111, 1114111))"
)


def _sqlite_parts(text: str) -> list[str]:
    template = _SQLITE_PHRASE if len(text) >= 3 else _SQLITE_PREFIX
    head, *rest = template.split("{p}")
    parts: list[str] = ["+", _Column("id"), " IN (", head]
    for tail in rest:
        parts += [_Param(text), tail]
    return [*parts, ")"]


# PostgreSQL plans the list's ORDER BY received_at LIMIT 20 from its estimate of how many cases match, and
# that estimate cannot be good (pairs are not adjacency; the plan is cached for every text). So the shape is
# chosen by the length of the text: a 1-2 character word may match a tenth of all cases (漏水), where walking
# the list's index and probing the candidates finds a page at once; a longer text (a unit, a case number, a
# phrase) matches few, and its candidates are collected first (an array, which the planner cannot turn into
# that walk: it would read most of the table for a rare text).
def _postgres_parts(text: str) -> list[str]:
    keys = ["case_search_keys(UPPER(", _Param(text), "::text))"]
    exact = ["strpos(body, UPPER(", _Param(text), "::text)) > 0"]
    if len(text) <= 2:  # one key: exact unless UPPER() changed the length of the text
        return [
            _Column("id"),
            " IN (SELECT id FROM case_search WHERE grams @> ",
            *keys,
            " AND (length(UPPER(",
            _Param(text),
            "::text)) <= 2 OR ",
            *exact,
            "))",
        ]
    return [
        _Column("id"),
        " = ANY(ARRAY(SELECT id FROM case_search WHERE grams @> ",
        *keys,
        " AND ",
        *exact,
        "))",
    ]


class _RawCriterion(Criterion):
    def __init__(self, parts: list[Any]) -> None:
        super().__init__()
        self.parts = parts

    def nodes_(self) -> Iterator[NodeT]:  # pypika's signature: NodeT is bound to nothing here
        yield self  # type: ignore[misc]  # as in pypika's own nodes_ (third-party typing gap)
        for part in self.parts:
            if isinstance(part, Term):
                yield from part.nodes_()

    def get_sql(self, ctx: SqlContext) -> str:
        ctx = ctx.copy(with_alias=False)
        return "".join(part if isinstance(part, str) else part.get_sql(ctx) for part in self.parts)


class _IndexQ(Q):
    """A Q node whose condition is SQL of its own (Tortoise has no filter for an index lookup)."""

    def __init__(self, build: Any, text: str) -> None:
        super().__init__()
        self.build = build
        self.text = text

    def __invert__(self) -> Q:
        negated = _IndexQ(self.build, self.text)
        negated._is_negated = not self._is_negated
        return negated

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _IndexQ) and (self.build, self.text, self._is_negated) == (
            other.build,
            other.text,
            other._is_negated,
        )

    __hash__ = None  # type: ignore[assignment]  # as Q: mutable, compared by value

    def resolve(self, resolve_context: ResolveContext) -> QueryModifier:
        table = resolve_context.table
        parts: list[Any] = []
        for part in self.build(self.text):
            if isinstance(part, _Column):
                parts.append(table[str(part)])
            elif isinstance(part, _Param):
                parts.append(ValueWrapper(str(part)))
            else:
                parts.append(part)
        modifier = QueryModifier(where_criterion=_RawCriterion(parts))
        return ~modifier if self._is_negated else modifier
