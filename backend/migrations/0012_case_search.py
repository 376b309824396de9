"""The search index of the `q` filter (backend/services/search.py), built from the cases already there.

SQLite: an FTS5 table (trigram tokenizer) fed by triggers on "case", and its fts5vocab table.
PostgreSQL: the table case_search (case id, the characters and character pairs of number, unit and description)
with a GIN index, fed by triggers on "case"; deleted and truncated with the case through its foreign key.
No model changes: the index is invisible to Tortoise. Statements run one by one through the migration's own
connection (a script would commit the migration's transaction on SQLite).
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

# lower() is ASCII-only in SQLite, like its LIKE/UPPER; the pad makes every character start a trigram.
_SQLITE_VALUES = "lower({t}.number) || char(1, 1), lower({t}.unit) || char(1, 1), lower({t}.description) || char(1, 1)"
_SQLITE_INSERT = f"INSERT INTO case_search(rowid, number, unit, description) VALUES (new.id, {_SQLITE_VALUES.format(t='new')});"
# A contentless FTS5 table forgets a row when told exactly what was indexed for it.
_SQLITE_DELETE = (
    "INSERT INTO case_search(case_search, rowid, number, unit, description) "
    f"VALUES ('delete', old.id, {_SQLITE_VALUES.format(t='old')});"
)

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE case_search USING fts5("
    "number, unit, description, content='', columnsize=0, tokenize='trigram case_sensitive 1')",
    "CREATE VIRTUAL TABLE case_search_vocab USING fts5vocab(case_search, 'row')",
    f'CREATE TRIGGER case_search_insert AFTER INSERT ON "case" BEGIN {_SQLITE_INSERT} END',
    f'CREATE TRIGGER case_search_delete AFTER DELETE ON "case" BEGIN {_SQLITE_DELETE} END',
    # Tortoise's save() writes every column: only a real change of the text is re-indexed.
    'CREATE TRIGGER case_search_update AFTER UPDATE OF id, number, unit, description ON "case" '
    "WHEN old.id IS NOT new.id OR old.number IS NOT new.number OR old.unit IS NOT new.unit "
    f"OR old.description IS NOT new.description BEGIN {_SQLITE_DELETE} {_SQLITE_INSERT} END",
    "INSERT INTO case_search(rowid, number, unit, description) "
    f'SELECT id, {_SQLITE_VALUES.format(t=chr(34) + "case" + chr(34))} FROM "case"',
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS case_search_update",
    "DROP TRIGGER IF EXISTS case_search_delete",
    "DROP TRIGGER IF EXISTS case_search_insert",
    "DROP TABLE IF EXISTS case_search_vocab",
    "DROP TABLE IF EXISTS case_search",
]

# The searched text of a case: what UPPER() of each column gives, one line each.
_PG_BODY = "UPPER({t}\"number\") || E'\\n' || COALESCE(UPPER({t}\"unit\"), '') || E'\\n' || UPPER({t}\"description\")"
POSTGRES_FORWARD = [
    # Every character and every pair of neighbouring characters of a text.
    """CREATE FUNCTION case_search_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
    SELECT ch AS g FROM unnest(string_to_array(t, NULL)) AS c(ch)
    UNION ALL
    SELECT p FROM (
      SELECT ch || lead(ch) OVER (ORDER BY n) AS p
      FROM unnest(string_to_array(t, NULL)) WITH ORDINALITY AS c(ch, n)
    ) pairs WHERE p IS NOT NULL
  ) grams
$$""",
    # What a search text must find among them: itself if 1-2 characters (exact), else its pairs.
    """CREATE FUNCTION case_search_keys(q text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN length(q) <= 2 THEN ARRAY[q]
    ELSE ARRAY(SELECT DISTINCT substr(q, i, 2) FROM generate_series(1, length(q) - 1) AS s(i)) END
$$""",
    # Per case its text and the grams of it, stored: computing the grams costs ~60 us a row, too much to let
    # a plan compute them while scanning; the text is there for the exact check next to the candidates.
    # Deleted (and truncated, with CASCADE) with the case.
    'CREATE TABLE case_search (id integer PRIMARY KEY REFERENCES "case" (id) ON DELETE CASCADE ON UPDATE CASCADE, '
    "body text NOT NULL, grams text[] NOT NULL)",
    "CREATE INDEX case_search_grams_gin ON case_search USING gin (grams)",
    f"""CREATE FUNCTION case_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  b text := {_PG_BODY.format(t="NEW.")};
BEGIN
  INSERT INTO case_search (id, body, grams) VALUES (NEW.id, b, case_search_grams(b))
  ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body, grams = EXCLUDED.grams;
  RETURN NULL;
END
$$""",
    'CREATE TRIGGER case_search_insert AFTER INSERT ON "case" FOR EACH ROW EXECUTE FUNCTION case_search_sync()',
    # Tortoise's save() writes every column: only a real change of the text is re-indexed.
    'CREATE TRIGGER case_search_update AFTER UPDATE OF "number", "unit", "description" ON "case" FOR EACH ROW '
    'WHEN (OLD."number" IS DISTINCT FROM NEW."number" OR OLD."unit" IS DISTINCT FROM NEW."unit" '
    'OR OLD."description" IS DISTINCT FROM NEW."description") EXECUTE FUNCTION case_search_sync()',
    "INSERT INTO case_search (id, body, grams) SELECT id, b, case_search_grams(b) "
    f'FROM (SELECT id, {_PG_BODY.format(t="")} AS b FROM "case") AS texts',
]
POSTGRES_BACKWARD = [
    'DROP TRIGGER IF EXISTS case_search_update ON "case"',
    'DROP TRIGGER IF EXISTS case_search_insert ON "case"',
    "DROP FUNCTION IF EXISTS case_search_sync()",
    "DROP TABLE IF EXISTS case_search",
    "DROP FUNCTION IF EXISTS case_search_keys(text)",
    "DROP FUNCTION IF EXISTS case_search_grams(text)",
]


async def _run(schema_editor, statements: dict[str, list[str]]) -> None:
    client = schema_editor.client
    dialect = client.capabilities.dialect
    if dialect not in statements:  # other databases keep the plain LIKE search
        return
    for sql in statements[dialect]:
        await client.execute_query(sql)


async def forward(apps, schema_editor) -> None:
    await _run(schema_editor, {"sqlite": SQLITE_FORWARD, "postgres": POSTGRES_FORWARD})


async def backward(apps, schema_editor) -> None:
    await _run(schema_editor, {"sqlite": SQLITE_BACKWARD, "postgres": POSTGRES_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [('models', '0011_webhook_inbox')]

    initial = False

    operations = [
        ops.RunPython(forward, backward),
    ]
