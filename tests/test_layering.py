"""Writes only through services: the bot, the dashboard and the API change the database by calling
backend/services, never by writing with the ORM themselves. Reads through query modules: they read by
calling backend/services too (queries.py, staff_queries.py, tenant_queries.py, …), never the ORM.

The scan reads the source (AST), so it needs no database. A call is an ORM write when it is one of the write
methods below and its receiver is ORM: a model class imported from backend.models, or a chain that starts at
one (`Case.filter(...).update(...)`, `(await Case.get(...)).save()`), or a name bound to such a value (an
assignment, a `for` over rows, a parameter annotated with a model, `async with in_transaction() as conn`).
An attribute of a row is a field value, not ORM: `dialog.data.update(...)` is a dict's update, as are
`headers.update(...)` and `workbook.save(...)`, whose receivers never start at a model.

A call is an ORM read when it is a query method (READ_METHODS) on such a receiver, a method only the ORM
has (ORM_ONLY_READS: `fetch_related`, `values_list`, …) on any receiver, or a raw connection
(`connections.get`, `Tortoise.get_connection`, `get_connection`). An awaited attribute of a row
(`await case.owner`) loads a relation: a read too. A chain (`Case.filter(...).order_by(...).first()`) is
one read, reported at its start.
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# bot/fake_telegram (the fake Telegram) is scanned too: it has no database, so it can have no ORM write.
SCANNED = ("bot", "backend/web", "backend/api")
MODELS_MODULE = "backend.models"
WRITE_METHODS = frozenset(
    {
        "create",
        "save",
        "delete",
        "update",
        "bulk_create",
        "bulk_update",
        "get_or_create",
        "update_or_create",
        "select_for_update",
    }
)
# Only database clients have these: a call of one is a write whatever the receiver.
CLIENT_METHODS = frozenset({"execute_query", "execute_script"})
TRANSACTIONS = frozenset({"in_transaction", "atomic"})  # tortoise.transactions
TORTOISE_ROOTS = frozenset({"Tortoise", "connections"})  # `from tortoise import ...`: connections
# Query methods whose result is plain data (dicts, tuples), not rows: a dict from `.values()` may be updated.
PLAIN_RESULTS = frozenset({"values", "values_list"})

# The bot, the dashboard and the API read through backend/services.
READ_SCANNED = SCANNED
# Query methods: a read when called on ORM (`dict.get`, `request.query.get` are not).
READ_METHODS = frozenset(
    {
        "get",
        "first",
        "last",
        "all",
        "filter",
        "exclude",
        "exists",
        "count",
        "values",
        "annotate",
        "group_by",
        "order_by",
        "limit",
        "offset",
        "distinct",
        "only",
        "using_db",
        "raw",
        "latest",
        "earliest",
        "get_connection",
    }
)
# Only the ORM has these: a call of one is a read whatever the receiver (a row a service returned).
ORM_ONLY_READS = frozenset(
    {
        "get_or_none",
        "values_list",
        "prefetch_related",
        "select_related",
        "fetch_related",
        "fetch_for_list",
        "refresh_from_db",
        "in_bulk",
        "execute_query_dict",
    }
)
CONNECTION_MODULES = frozenset({"tortoise", "tortoise.connection"})  # where get_connection lives


@dataclass(frozen=True)
class OrmCall:
    """A write or a read, where it is."""

    path: str
    line: int
    function: str
    call: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} in {self.function}: {self.call}"


class _Imports:
    """What a module's imports make ORM: model classes, a models module alias, tortoise's roots."""

    def __init__(self, tree: ast.Module, package: str) -> None:
        self.models: set[str] = set()  # names bound to a model class
        self.model_modules: set[str] = set()  # names bound to backend.models itself
        self.transactions: set[str] = set()
        self.connection_getters: set[str] = set()  # `get_connection` imported from tortoise
        self.connection_roots: set[str] = set()  # `connections` from tortoise.connection
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = _absolute(node.module, node.level, package)
                for alias in node.names:
                    bound = alias.asname or alias.name
                    if module == MODELS_MODULE:
                        self.models.add(bound)
                    elif f"{module}.{alias.name}" == MODELS_MODULE:
                        self.model_modules.add(bound)
                    elif module == "tortoise" and alias.name in TORTOISE_ROOTS:
                        self.models.add(bound)
                    elif module == "tortoise.transactions" and alias.name in TRANSACTIONS:
                        self.transactions.add(bound)
                    if module in CONNECTION_MODULES and alias.name == "get_connection":
                        self.connection_getters.add(bound)
                    if module == "tortoise.connection" and alias.name == "connections":
                        self.connection_roots.add(bound)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == MODELS_MODULE and alias.asname:
                        self.model_modules.add(alias.asname)


SERVICES_PACKAGE = "backend.services"


def _query_factories(module: str) -> frozenset[str]:
    """The functions of a backend.services module annotated to return a QuerySet (`queries.filtered`):
    what they return is still to be read from the database."""
    path = ROOT / (module.replace(".", "/") + ".py")
    if not module.startswith(SERVICES_PACKAGE) or not path.is_file():
        return frozenset()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in tree.body
        if isinstance(node, FUNCTIONS) and node.returns and "QuerySet" in ast.unparse(node.returns)
    )


class _QueryFactories:
    """The service functions a module imports that return a QuerySet, by name or through their module."""

    def __init__(self, tree: ast.Module, package: str) -> None:
        self.functions: set[str] = set()
        self.modules: dict[str, frozenset[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = _absolute(node.module, node.level, package)
                for alias in node.names:
                    bound = alias.asname or alias.name
                    if alias.name in _query_factories(module):
                        self.functions.add(bound)
                    elif factories := _query_factories(f"{module}.{alias.name}"):
                        self.modules[bound] = factories

    def called(self, func: ast.expr) -> bool:
        match func:
            case ast.Name(id=name):
                return name in self.functions
            case ast.Attribute(value=ast.Name(id=module), attr=name):
                return name in self.modules.get(module, ())
        return False


def _absolute(module: str | None, level: int, package: str) -> str:
    if level == 0:
        return module or ""
    parts = package.split(".")[: len(package.split(".")) - (level - 1)]
    return ".".join([*parts, module] if module else parts)


class _Scope:
    """The names of one function (or the module) that hold ORM values, found by following bindings."""

    def __init__(self, imports: _Imports, inherited: frozenset[str] = frozenset()) -> None:
        self.imports = imports
        self.names: set[str] = set(inherited)

    def is_orm(self, node: ast.expr) -> bool:
        match node:
            case ast.Name(id=name):
                return name in self.names or name in self.imports.models
            case ast.Attribute(value=ast.Name(id=module)) if module in self.imports.model_modules:
                return True  # models.Case
            case ast.Call(func=ast.Attribute(value=receiver, attr=method)):
                return method not in PLAIN_RESULTS and self.is_orm(receiver)
            case ast.Call(func=func):
                return _called_name(func) in self.imports.transactions
            case ast.Await(value=value) | ast.Subscript(value=value):
                return self.is_orm(value)
            case ast.IfExp(body=body, orelse=orelse):
                return self.is_orm(body) or self.is_orm(orelse)
            case ast.BoolOp(values=values):
                return any(self.is_orm(value) for value in values)
        return False

    def annotated_model(self, annotation: ast.expr | None) -> bool:
        if annotation is None:
            return False
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            annotation = ast.parse(annotation.value, mode="eval").body
        if isinstance(annotation, ast.Subscript) and _called_name(annotation.value) in MAPPINGS:
            return False  # a dict of rows: its .get() and .values() are the dict's
        return any(
            isinstance(node, ast.Name) and node.id in self.imports.models
            for node in ast.walk(annotation)
        )

    def bind(self, target: ast.expr) -> bool:
        """Mark every name in `target` ORM; True when one is new."""
        new = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} - self.names
        self.names |= new
        return bool(new)

    def learn(self, statements: list[ast.stmt]) -> None:
        """Follow the bindings of the function body until nothing new is learned."""
        changed = True
        while changed:
            changed = False
            for node in _own_nodes(statements):
                for target, value in _bindings(node):
                    if self.is_orm(value):
                        changed |= self.bind(target)
                if isinstance(node, ast.AnnAssign) and self.annotated_model(node.annotation):
                    changed |= self.bind(node.target)


class _ReadScope(_Scope):
    """For reads, a QuerySet is ORM too: one a service's query factory returns, or a parameter
    annotated as one."""

    def __init__(
        self,
        imports: _Imports,
        inherited: frozenset[str] = frozenset(),
        factories: _QueryFactories | None = None,
    ) -> None:
        super().__init__(imports, inherited)
        self.factories = factories

    def is_orm(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Call) and self.factories and self.factories.called(node.func):
            return True
        return super().is_orm(node)

    def annotated_model(self, annotation: ast.expr | None) -> bool:
        if annotation is not None and "QuerySet" in ast.unparse(annotation):
            return True
        return super().annotated_model(annotation)


def _bindings(node: ast.AST) -> Iterator[tuple[ast.expr, ast.expr]]:
    match node:
        case ast.Assign(targets=targets, value=value):
            yield from ((target, value) for target in targets)
        case ast.AnnAssign(target=target, value=value) if value is not None:
            yield target, value
        case ast.NamedExpr(target=target, value=value):
            yield target, value
        case ast.For(target=target, iter=value) | ast.AsyncFor(target=target, iter=value):
            yield target, value
        case ast.comprehension(target=target, iter=value):
            yield target, value
        case ast.withitem(context_expr=value, optional_vars=target) if target is not None:
            yield target, value


FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
MAPPINGS = frozenset({"dict", "Mapping", "MutableMapping"})


def _own_nodes(statements: list[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes of a body, without the bodies of functions defined in it (they are scopes of their own;
    their decorators belong to this one)."""
    stack: list[ast.AST] = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, FUNCTIONS):
            stack.extend(node.decorator_list)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _inner_functions(
    statements: list[ast.stmt],
) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The functions defined in a body (methods of its classes included), not those inside them."""
    stack: list[ast.AST] = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, FUNCTIONS):
            yield node
        else:
            stack.extend(ast.iter_child_nodes(node))


def _called_name(func: ast.expr) -> str:
    match func:
        case ast.Name(id=name) | ast.Attribute(attr=name):
            return name
    return ""


def _writes_in(
    statements: list[ast.stmt], scope: _Scope, path: str, function: str
) -> Iterator[OrmCall]:
    scope.learn(statements)
    for node in _own_nodes(statements):
        if isinstance(node, ast.Call) and _is_write(node, scope):
            yield OrmCall(path, node.lineno, function, ast.unparse(node.func)[:80])
    for inner in _inner_functions(statements):
        yield from _writes_in(inner.body, _parameters(inner, scope), path, inner.name)


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef, outer: _Scope) -> _Scope:
    """The scope of `function`: what it sees of the enclosing one, and its parameters typed as models."""
    scope = (
        _ReadScope(outer.imports, frozenset(outer.names), outer.factories)
        if isinstance(outer, _ReadScope)
        else _Scope(outer.imports, frozenset(outer.names))
    )
    arguments = function.args
    for argument in [
        *arguments.posonlyargs,
        *arguments.args,
        *arguments.kwonlyargs,
        *filter(None, [arguments.vararg, arguments.kwarg]),
    ]:
        if scope.annotated_model(argument.annotation):
            scope.names.add(argument.arg)
    return scope


def _is_write(call: ast.Call, scope: _Scope) -> bool:
    func = call.func
    if _called_name(func) in TRANSACTIONS and (
        isinstance(func, ast.Attribute) or _called_name(func) in scope.imports.transactions
    ):
        return True
    if isinstance(func, ast.Attribute):
        if func.attr in CLIENT_METHODS:
            return True
        return func.attr in WRITE_METHODS and scope.is_orm(func.value)
    return False


def _is_read(call: ast.Call, scope: _Scope) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        if func.attr in ORM_ONLY_READS:
            return True
        if isinstance(func.value, ast.Name) and func.value.id in scope.imports.connection_roots:
            return True
        return func.attr in READ_METHODS and scope.is_orm(func.value)
    return _called_name(func) in scope.imports.connection_getters


def _is_relation_load(node: ast.AST, scope: _Scope) -> bool:
    """`await case.owner`: an awaited attribute of a row (not of a model class) fetches the related row."""
    match node:
        case ast.Await(value=ast.Attribute(value=ast.Name(id=name) as row)):
            return name not in scope.imports.models and scope.is_orm(row)
    return False


def _reads_in(
    statements: list[ast.stmt], scope: _Scope, path: str, function: str
) -> Iterator[OrmCall]:
    scope.learn(statements)
    reads = [
        node
        for node in _own_nodes(statements)
        if (isinstance(node, ast.Call) and _is_read(node, scope)) or _is_relation_load(node, scope)
    ]
    # The receivers of a chain's later calls are its earlier calls: report the chain once.
    inner = {
        id(read.func.value)
        for read in reads
        if isinstance(read, ast.Call) and isinstance(read.func, ast.Attribute)
    }
    for node in reads:
        if id(node) not in inner:
            call = node.func if isinstance(node, ast.Call) else node
            yield OrmCall(path, node.lineno, function, ast.unparse(call)[:80])
    for inner_function in _inner_functions(statements):
        yield from _reads_in(
            inner_function.body, _parameters(inner_function, scope), path, inner_function.name
        )


def orm_reads(source: str, path: str) -> list[OrmCall]:
    """The ORM reads in one module's source; `path` is relative to the repository root."""
    tree = ast.parse(source)
    package = ".".join(Path(path).with_suffix("").parts[:-1])
    scope = _ReadScope(_Imports(tree, package), factories=_QueryFactories(tree, package))
    found = _reads_in(tree.body, scope, path, "<module>")
    return sorted(found, key=lambda read: read.line)


def orm_writes(source: str, path: str) -> list[OrmCall]:
    """The ORM writes in one module's source; `path` is relative to the repository root."""
    tree = ast.parse(source)
    package = ".".join(Path(path).with_suffix("").parts[:-1])
    found = _writes_in(tree.body, _Scope(_Imports(tree, package)), path, "<module>")
    return sorted(found, key=lambda write: write.line)


def _scanned_modules(folders: tuple[str, ...] = SCANNED) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def test_the_bot_the_dashboard_and_the_api_write_only_through_services():
    writes = [
        write
        for path in _scanned_modules()
        for write in orm_writes(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not writes, "ORM writes outside backend/services:\n" + "\n".join(map(str, writes))


def test_the_bot_the_dashboard_and_the_api_read_only_through_query_modules():
    reads = [
        read
        for path in _scanned_modules(READ_SCANNED)
        for read in orm_reads(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not reads, "ORM reads outside backend/services (move them to a query module):\n" + (
        "\n".join(map(str, reads))
    )


# ---- the scan itself ------------------------------------------------------------------------------

WRITES = """
from backend.models import Case, InboxUpdate as Row
from backend import models
from tortoise import connections
from tortoise.transactions import in_transaction


async def chain(case_id):
    await Case.filter(id=case_id).update(staff_thread_id=1)


async def instance(row: Row, rows: "list[Case]"):
    await row.save()
    for case in rows:
        await case.delete()


async def fetched():
    case = await Case.get(id=1)
    case.number = "x"
    await case.save(update_fields=["number"])
    person, created = await models.Complainant.get_or_create(telegram_id=1)
    await person.save()


async def unit_of_work():
    async with in_transaction() as conn:
        await conn.execute_query("SELECT 1")
        await Case.filter(id=1).using_db(conn).select_for_update().first()
    await connections.get("default").execute_script("DELETE FROM case")


def nested():
    async def inner(case: Case):
        await case.save()
"""

NOT_WRITES = """
from backend.models import Case, Dialog


async def plain(response, workbook, buffer, dialog: Dialog):
    response.headers.update({"X": "1"})
    workbook.save(buffer)
    dialog.data.update({"step": "unit"})
    values = {}
    values.update(flow="intake")
    for row in await Case.filter(id=1).values("id", "number"):
        row.update(number="x")
    count = await Case.filter(id=1).count()
    return count
"""


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            WRITES,
            [
                (9, "chain"),
                (13, "instance"),
                (15, "instance"),
                (21, "fetched"),
                (22, "fetched"),
                (23, "fetched"),
                (27, "unit_of_work"),
                (28, "unit_of_work"),
                (29, "unit_of_work"),
                (30, "unit_of_work"),
                (35, "inner"),
            ],
        ),
        (NOT_WRITES, []),
    ],
    ids=["writes", "not-writes"],
)
def test_the_scan_tells_orm_writes_from_other_calls(source, expected):
    found = [(write.line, write.function) for write in orm_writes(source, "bot/example.py")]
    assert found == expected


def test_relative_imports_of_the_models_count():
    source = "from ..models import WebSession\n\n\nasync def f(i):\n    await WebSession.filter(id=i).delete()\n"
    assert [w.line for w in orm_writes(source, "backend/web/example.py")] == [5]
    assert orm_writes(source, "bot/staff/example.py") == []  # bot.models is not backend.models


def test_the_scan_finds_the_writes_of_the_services():
    """The scan does not go blind (models moved, imports written another way): it sees the writes the
    bot's were moved to."""
    path = ROOT / "backend/services/inbox.py"
    found = {
        w.function
        for w in orm_writes(path.read_text(encoding="utf-8"), "backend/services/inbox.py")
    }
    assert {"record_update", "record_seen", "claim", "mark_processed", "hold"} <= found


READS = """
from backend.models import Case, Staff
from backend.services import queries
from backend.services.queries import filtered
from tortoise import Tortoise
from tortoise.connection import connections, get_connection


async def model(number):
    case = await Case.get_or_none(number=number)
    total = await Case.filter(status="new").count()
    return case, total, await Case.exists(number=number)


async def chain():
    return await (
        Case.filter(status="new")
        .order_by("-received_at")
        .values("id")
    )


async def rows(case: Case, people: "list[Staff]"):
    owner = await case.owner
    await case.fetch_related("department")
    for person in people:
        await person.refresh_from_db()
    return owner


async def factories(criteria, now):
    await filtered(criteria, now).count()
    return await queries.filtered(criteria, now).limit(10)


async def anything(row, query: "QuerySet[Case]"):
    await row.fetch_related("owner")
    return await query.first()


async def raw():
    get_connection("default")
    connections.get("default")
    await Tortoise.get_connection("default").execute_query_dict("SELECT 1")
"""

NOT_READS = """
from backend.models import Case
from backend.services import queries


async def plain(request, form, case: Case, stats: dict):
    request.query.get("page", "")
    form.get("name")
    request.app.get("bot")
    case.triage.get("reasons")
    stats.get("sla")
    names = {1: "a"}
    names.get(case.owner_id, "")
    await request.post()
    page = await queries.list_cases(queries.CaseFilter(), None)
    firsts: dict[int, Case] = {}
    firsts.get(1)
    return [c for c in page.items if c.status], case.number.count("-"), firsts.values()
"""


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            READS,
            [
                (10, "model"),
                (11, "model"),
                (12, "model"),
                (17, "chain"),
                (24, "rows"),
                (25, "rows"),
                (27, "rows"),
                (32, "factories"),
                (33, "factories"),
                (37, "anything"),
                (38, "anything"),
                (42, "raw"),
                (43, "raw"),
                (44, "raw"),
            ],
        ),
        (NOT_READS, []),
    ],
    ids=["reads", "not-reads"],
)
def test_the_scan_tells_orm_reads_from_other_calls(source, expected):
    found = [(read.line, read.function) for read in orm_reads(source, "backend/web/example.py")]
    assert found == expected


def test_the_scan_finds_the_reads_of_the_query_modules():
    """The read scan does not go blind: it sees the reads the dashboard's were moved to."""
    found = {
        read.function
        for name in ("staff_queries", "access_queries", "queries", "tenant_queries")
        for read in orm_reads(
            (ROOT / f"backend/services/{name}.py").read_text(encoding="utf-8"),
            f"backend/services/{name}.py",
        )
    }
    assert {
        "staff_by_id",
        "staff_directory",
        "active_staff_per_department",
        "open_invites",
        "api_token_exists",
        "case_with_timeline",
        "oldest_received_at",
        "own_case_by_number",
    } <= found
