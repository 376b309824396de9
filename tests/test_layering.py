"""Writes only through services: the bot, the dashboard and the API change the database by calling
backend/services, never by writing with the ORM themselves.

The scan reads the source (AST), so it needs no database. A call is an ORM write when it is one of the write
methods below and its receiver is ORM: a model class imported from backend.models, or a chain that starts at
one (`Case.filter(...).update(...)`, `(await Case.get(...)).save()`), or a name bound to such a value (an
assignment, a `for` over rows, a parameter annotated with a model, `async with in_transaction() as conn`).
An attribute of a row is a field value, not ORM: `dialog.data.update(...)` is a dict's update, as are
`headers.update(...)` and `workbook.save(...)`, whose receivers never start at a model.
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


@dataclass(frozen=True)
class Write:
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
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == MODELS_MODULE and alias.asname:
                        self.model_modules.add(alias.asname)


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
) -> Iterator[Write]:
    scope.learn(statements)
    for node in _own_nodes(statements):
        if isinstance(node, ast.Call) and _is_write(node, scope):
            yield Write(path, node.lineno, function, ast.unparse(node.func)[:80])
    for inner in _inner_functions(statements):
        yield from _writes_in(inner.body, _parameters(inner, scope), path, inner.name)


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef, outer: _Scope) -> _Scope:
    """The scope of `function`: what it sees of the enclosing one, and its parameters typed as models."""
    scope = _Scope(outer.imports, frozenset(outer.names))
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


def orm_writes(source: str, path: str) -> list[Write]:
    """The ORM writes in one module's source; `path` is relative to the repository root."""
    tree = ast.parse(source)
    package = ".".join(Path(path).with_suffix("").parts[:-1])
    found = _writes_in(tree.body, _Scope(_Imports(tree, package)), path, "<module>")
    return sorted(found, key=lambda write: write.line)


def _scanned_modules() -> list[Path]:
    return sorted(p for folder in SCANNED for p in (ROOT / folder).rglob("*.py"))


def test_the_bot_the_dashboard_and_the_api_write_only_through_services():
    writes = [
        write
        for path in _scanned_modules()
        for write in orm_writes(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not writes, "ORM writes outside backend/services:\n" + "\n".join(map(str, writes))


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
