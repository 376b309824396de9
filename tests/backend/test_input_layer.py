"""The rule: no route can answer 500 for input it could have validated (issue 14).

All parsing of request input goes through one validated-input layer — `backend.inputs` (text the
databases cannot store, JSON limits, the calendar, whole numbers, credentials), `backend.api.params`
(the API's typed readers: a wrong value is 400 naming its field) and, for the dashboard's list view,
`backend.web.filters.ListQuery` (unknown values are dropped) — so a value no handler foresaw is refused
there, never turned into a 500 by a handler's own int(), fromisoformat() or .encode().

What this test checks, statically, by walking the route tables and following the request object:

1. API (`backend.api.app.ROUTES`, the webhook handler and the auth middleware): a handler, and every
   function of ours it hands the request to (followed recursively, across modules), uses the request
   only as an argument to the layer, for context (`ctx_of`, `actor_of`, `request.app`,
   `request[KEY]`) or for what is no input (`request.method`, `request.path` in messages). It never
   reads `request.query`, `.match_info`, `.headers`, `.cookies` or the body itself, hands the request to
   no code outside ours, and the handler modules call none of the raw converters (int(), float(),
   json.loads(), fromisoformat(), strptime(), Decimal()): turning text into values is the layer's job.
2. Dashboard (`backend.web.routes.ROUTES`): its pipeline (`backend.web.middleware._dispatch`) runs
   `inputs.check_request` before every handler and `inputs.check_form` on every form. The same walk
   applies; a direct read of request input outside the layer must be one of DASHBOARD_READS, each
   listed with the reason it cannot fail. A new read fails this test until it goes through the layer or
   is listed with its reason.

It does not prove a handler correct: the fuzzers (test_openapi_fuzz.py, test_api_fuzz.py) and
test_hostile_input.py try the values. It keeps every new way of reading input in one place.
"""

import ast
import importlib
import inspect
import textwrap
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from backend.api import app as api_app
from backend.api import routes as api_routes
from backend.web import middleware
from backend.web import routes as web_routes

LAYER_MODULES = frozenset({"backend.inputs", "backend.api.params", "backend.web.filters"})
# Functions outside those modules that read a value and cannot fail on any text they are given.
LAYER_FUNCTIONS = frozenset({"backend.domain.numbering.normalize_case_number"})
INPUT = frozenset(
    {
        "query",
        "match_info",
        "headers",
        "cookies",
        "post",
        "read",
        "text",
        "json",
        "content",
        "multipart",
        "query_string",
        "raw_path",
        "raw_headers",
        "body",
        "has_body",
        "can_read_body",
        "forwarded",
    }
)
NOT_INPUT = frozenset(
    {"app", "get", "method", "path", "path_qs", "host", "url", "rel_url", "transport"}
)
ROUTING = frozenset({"route", "http_exception", "handler", "apps", "current_app", "expect_handler"})
CONVERTERS = frozenset(
    {"int", "float", "Decimal", "loads", "fromisoformat", "strptime", "literal_eval"}
)

# Direct reads of request input in dashboard code, outside the layer: (function, what) → why it cannot
# fail. Query, path and form text has passed inputs.check_request / check_form in the pipeline.
DASHBOARD_READS: dict[tuple[str, str], str] = {
    ("backend.web.views_desk.desk_save", "post"): "the form the pipeline read and checked; files "
    "are checked by their first bytes (services.desk_uploads)",
    (
        "backend.web.views_desk.filed_page",
        "match_info",
    ): "the case number is looked up (404 otherwise)",
    ("backend.web.views_desk.filed_page", "query"): "?added= is only compared with '1'",
    (
        "backend.web.views_desk_lookup.caller_lookup",
        "query",
    ): "the phone goes through normalize_phone "
    "(400 when it is none), the locale is one of SUPPORTED or ignored",
    (
        "backend.web.views_desk_lookup.live_triage",
        "post",
    ): "the form the pipeline read and checked; "
    "the text is only classified, never stored, and its length is checked",
    ("backend.web.views_desk_lookup.live_triage", "query"): "the text is only classified, never "
    "stored, and its length is checked",
    ("backend.web.admin.admin_page", "query"): "?done= is looked up in a dict of messages",
    ("backend.web.auth.sign_in", "headers"): "User-Agent is only searched for preview-bot names",
    (
        "backend.web.auth.sign_in",
        "match_info",
    ): "the link token is hashed after a length check; text checked",
    (
        "backend.web.case_actions.case_action",
        "match_info",
    ): "the action is looked up in FORM_ACTIONS (404 otherwise)",
    (
        "backend.web.case_actions.case_action",
        "post",
    ): "the form the pipeline read and checked (cached)",
    (
        "backend.web.render.request_locale",
        "headers",
    ): "Accept-Language only selects one of the catalogs",
    (
        "backend.web.views_admin_access.invite_create",
        "post",
    ): "the form the pipeline read and checked",
    (
        "backend.web.views_admin_access.token_create",
        "post",
    ): "the form the pipeline read and checked",
    (
        "backend.web.views_admin_departments.department_save",
        "post",
    ): "the form the pipeline read and checked",
    ("backend.web.views_admin_staff.staff_add", "post"): "the form the pipeline read and checked",
    (
        "backend.web.views_admin_staff.staff_update",
        "post",
    ): "the form the pipeline read and checked",
    (
        "backend.web.views_admin_estates._estate_or_404",
        "match_info",
    ): "the estate code is looked up (404 otherwise)",
    (
        "backend.web.views_admin_estates.estate_add",
        "post",
    ): "the form the pipeline read and checked",
    (
        "backend.web.views_admin_estates.estate_edit",
        "post",
    ): "the form the pipeline read and checked",
    (
        "backend.web.views_admin_estates.render_estates",
        "query",
    ): "?saved= is only shown escaped, after a successful save of that code",
    (
        "backend.web.views_admin_estates._poster",
        "query",
    ): "?locale= is only compared with SUPPORTED (the viewer's language otherwise)",
    (
        "backend.web.views_admin_estates.residents_upload",
        "post",
    ): "the form the pipeline read and checked; the file is read by resident_files, which refuses "
    "anything but CSV or XLSX",
    (
        "backend.web.views_estates_compared._month",
        "query",
    ): "?month= goes through month_from_text (400 for anything else)",
    ("backend.web.views_case.case_page", "query"): "?done= is cut to 32 characters and looked up",
    (
        "backend.web.views_incidents._filters",
        "query",
    ): "the status is looked up in STATUS_NAMES; building and category are cut to 32 and only compared",
    (
        "backend.web.views_incidents.incident_action",
        "match_info",
    ): "the action is looked up in ACTIONS (404 otherwise)",
    (
        "backend.web.views_incidents.incident_action",
        "post",
    ): "the form the pipeline read and checked",
    ("backend.web.views_incidents.render_incident", "query"): "?done= is looked up in a dict",
    (
        "backend.web.views_preferences.set_language",
        "post",
    ): "the form the pipeline read and checked",
    (
        "backend.web.views_reports._report",
        "match_info",
    ): "month_from_text: out of range 400, else 404",
}


@dataclass
class Walk:
    """Where a request object goes inside our code, and what of it is read outside the layer."""

    reads: set[tuple[str, str]] = field(default_factory=set)  # (function, input attribute)
    problems: list[str] = field(default_factory=list)
    seen: set[tuple[str, str]] = field(default_factory=set)

    def function(self, func: Callable, param: str) -> None:
        func = inspect.unwrap(func)
        name = qualified(func)
        if (name, param) in self.seen or is_layer(func):
            return
        self.seen.add((name, param))
        try:
            source = textwrap.dedent(inspect.getsource(func))
        except (OSError, TypeError):
            self.problems.append(f"{name}: no source to check")
            return
        tree = ast.parse(source)
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        module = importlib.import_module(func.__module__)
        local_callables = set(inspect.signature(func).parameters) - {
            param
        }  # a middleware's next handler
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == param and isinstance(node.ctx, ast.Load):
                self._use(node, parents, module, name, local_callables)

    def _use(
        self,
        node: ast.Name,
        parents: dict,
        module: types.ModuleType,
        where: str,
        local_callables: set[str],
    ) -> None:
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute):
            if parent.attr in NOT_INPUT or _is_routing(parent, parents):
                return
            if parent.attr in INPUT:
                if not self._inside_layer_call(parent, parents, module):
                    self.reads.add((where, parent.attr))
                return
            self.problems.append(f"{where}: reads request.{parent.attr}")
            return
        if isinstance(parent, ast.Subscript) and parent.value is node:
            return  # request[KEY]: state the middlewares stored
        if isinstance(parent, ast.Call) and node in parent.args + [
            k.value for k in parent.keywords
        ]:
            if isinstance(parent.func, ast.Name) and parent.func.id in local_callables:
                return  # a middleware passing the request on: the handler is walked on its own
            callee = resolve(parent.func, module)
            if callee is None:
                self.problems.append(
                    f"{where}: hands the request to {ast.unparse(parent.func)}, which this test cannot follow"
                )
                return
            if is_layer(callee):
                return
            if not is_ours(callee):
                self.problems.append(
                    f"{where}: hands the request to {qualified(callee)}, outside our code"
                )
                return
            receiving = receiving_parameter(callee, parent, node)
            if receiving is None:
                self.problems.append(
                    f"{where}: cannot tell which parameter of {qualified(callee)} gets the request"
                )
                return
            self.function(callee, receiving)
            return
        self.problems.append(
            f"{where}: uses the request in `{ast.unparse(parent) if parent else node.id}`"
        )

    @staticmethod
    def _inside_layer_call(expression: ast.AST, parents: dict, module: types.ModuleType) -> bool:
        """The read is (part of) an argument of a call to the layer: ListQuery.from_query(request.query, …)."""
        node = expression
        while node in parents:
            parent = parents[node]
            if isinstance(parent, ast.Call) and node is not parent.func:
                callee = resolve(parent.func, module)
                return callee is not None and is_layer(callee)
            if isinstance(parent, ast.stmt):
                return False
            node = parent
        return False


def _is_routing(attribute: ast.Attribute, parents: dict) -> bool:
    """request.match_info.route / .http_exception: what the router matched, not a value to read."""
    outer = parents.get(attribute)
    return (
        attribute.attr == "match_info"
        and isinstance(outer, ast.Attribute)
        and outer.attr in ROUTING
    )


def qualified(obj: object) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def is_layer(obj: object) -> bool:
    return getattr(obj, "__module__", "") in LAYER_MODULES or qualified(obj) in LAYER_FUNCTIONS


def is_ours(obj: object) -> bool:
    return getattr(obj, "__module__", "").split(".")[0] in ("backend", "bot", "scheduler")


def resolve(expression: ast.AST, module: types.ModuleType) -> object | None:
    """The object a call's function expression names in `module` (names and dotted attributes)."""
    if isinstance(expression, ast.Name):
        return vars(module).get(
            expression.id,
            getattr(__builtins__, expression.id, None)
            if not isinstance(__builtins__, dict)
            else __builtins__.get(expression.id),
        )
    if isinstance(expression, ast.Attribute):
        base = resolve(expression.value, module)
        return getattr(base, expression.attr, None) if base is not None else None
    return None


def receiving_parameter(callee: object, call: ast.Call, argument: ast.AST) -> str | None:
    try:
        parameters = list(inspect.signature(callee).parameters)
    except (TypeError, ValueError):
        return None
    for keyword in call.keywords:
        if keyword.value is argument:
            return keyword.arg
    index = call.args.index(argument)
    return parameters[index] if index < len(parameters) else None


def converter_calls(module: types.ModuleType) -> Iterator[str]:
    """Raw converter calls that may fail on text and are not guarded by an `except ValueError` around them.

    Not counted: a database row (`row[...]`) or seconds (`….total_seconds()`), which are no text.
    """
    tree = ast.parse(inspect.getsource(module))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        if (
            name in CONVERTERS
            and not all(_no_text(argument) for argument in node.args)
            and not _guarded(node, parents)
        ):
            function = node
            while function in parents and not isinstance(
                function, ast.FunctionDef | ast.AsyncFunctionDef
            ):
                function = parents[function]
            yield f"{module.__name__}.{getattr(function, 'name', '<module>')}: {ast.unparse(node)}"


def _guarded(node: ast.AST, parents: dict) -> bool:
    """Inside the body of a `try` that catches ValueError (or Exception)."""
    while node in parents:
        parent = parents[node]
        if isinstance(parent, ast.Try) and node in parent.body:
            caught = {
                ast.unparse(handler.type) for handler in parent.handlers if handler.type is not None
            }
            if any(name in text for text in caught for name in ("ValueError", "Exception")):
                return True
        node = parent
    return False


def _no_text(argument: ast.AST) -> bool:
    if (
        isinstance(argument, ast.Subscript)
        and isinstance(argument.value, ast.Name)
        and argument.value.id == "row"
    ):
        return True  # a value the database returned
    return any(
        isinstance(n, ast.Attribute) and n.attr == "total_seconds" for n in ast.walk(argument)
    )


def first_parameter(handler: Callable) -> str:
    return next(iter(inspect.signature(inspect.unwrap(handler)).parameters))


# ---- the API --------------------------------------------------------------------------------------


def api_handlers() -> list[Callable]:
    handlers = [route.handler for route in api_app.ROUTES if route.handler is not None]
    return [*handlers, api_routes.telegram_webhook, api_app.auth_middleware]


def test_api_handlers_read_their_request_only_through_the_layer():
    walk = Walk()
    for handler in api_handlers():
        walk.function(handler, first_parameter(handler))
    assert not walk.problems, "\n".join(walk.problems)
    assert not walk.reads, "read request input outside backend.api.params:\n" + "\n".join(
        f"{where}: request.{what}" for where, what in sorted(walk.reads)
    )


def test_api_handler_modules_convert_no_text_themselves():
    modules = {importlib.import_module(inspect.unwrap(h).__module__) for h in api_handlers()}
    found = [
        call
        for module in sorted(modules, key=lambda m: m.__name__)
        for call in converter_calls(module)
    ]
    assert not found, "convert through backend.api.params / backend.inputs instead:\n" + "\n".join(
        found
    )


def test_the_api_checks_query_and_path_of_every_request_before_its_handler():
    app_source = inspect.getsource(api_app)
    assert "inputs.check_request(request.query, request.match_info)" in inspect.getsource(
        api_app.input_middleware
    )
    assert "middlewares=[error_middleware, auth_middleware, input_middleware]" in app_source


# ---- the dashboard --------------------------------------------------------------------------------


def test_the_dashboard_pipeline_checks_every_request_before_its_handler():
    dispatch = inspect.getsource(middleware._dispatch)
    # Public and signed-in handlers both run after the query and path check; forms after the form check.
    assert dispatch.count("_check(inputs.check_request, request.query, match_info)") == 2
    assert "_check(inputs.check_form, form)" in dispatch
    handler_calls = dispatch.count("await match_info.handler(request)")
    checks_before = [
        dispatch.rfind("check_request", 0, at)
        for at in _positions(dispatch, "match_info.handler(request)")
    ]
    assert handler_calls == 2 and all(position >= 0 for position in checks_before)
    for _method, path, _handler in web_routes.ROUTES:
        assert middleware.is_dashboard_path(path), f"{path} would bypass the dashboard pipeline"


def _positions(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def test_dashboard_handlers_read_their_request_only_through_the_layer_or_a_listed_read():
    walk = Walk()
    for _method, _path, handler in web_routes.ROUTES:
        walk.function(handler, first_parameter(handler))
    assert not walk.problems, "\n".join(walk.problems)
    unlisted = sorted(walk.reads - DASHBOARD_READS.keys())
    assert not unlisted, (
        "read through the layer, or list in DASHBOARD_READS with the reason it cannot fail:\n"
        + "\n".join(f"{where}: request.{what}" for where, what in unlisted)
    )
    stale = sorted(DASHBOARD_READS.keys() - walk.reads)
    assert not stale, f"no longer read; remove from DASHBOARD_READS: {stale}"


WEB_MODULES = sorted(
    f"backend.web.{path.stem}"
    for path in Path(middleware.__file__).parent.glob("*.py")
    if path.stem != "__init__"
)


@pytest.mark.parametrize("module_name", WEB_MODULES)
def test_dashboard_modules_convert_text_only_through_the_layer(module_name):
    """int() of typed text is where "²" (str.isdigit() but not int()) became a 500: inputs.whole_number."""
    module = importlib.import_module(module_name)
    found = list(converter_calls(module))
    assert not found, "use inputs.whole_number / the layer:\n" + "\n".join(found)
