"""The shape of the app code: small modules and functions, names from the domain, no blanket catches in
request handlers. Import directions are checked by import-linter (contracts in pyproject.toml, `make lint`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("kap_clinic", "patients", "consent", "sessions_app")
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
HISTORY_NAME = re.compile(r"issue\s*#?\d+", re.IGNORECASE)


def app_modules() -> list[Path]:
    return sorted(
        path for app in APPS for path in (ROOT / app).rglob("*.py") if "migrations" not in path.relative_to(ROOT).parts
    )


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_no_app_module_is_longer_than_600_lines() -> None:
    long = {rel(p): n for p in app_modules() if (n := p.read_text().count("\n")) > MAX_MODULE_LINES}
    assert long == {}


def test_no_app_function_is_longer_than_80_lines() -> None:
    long = []
    for path in app_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{rel(path)}:{node.lineno} {node.name} ({length} lines)")
    assert long == []


def test_no_module_is_named_by_a_suffix_instead_of_a_package() -> None:
    suffixed = [rel(p) for p in app_modules() if re.search(r"_(clinical|reports)\.py$", p.name)]
    assert suffixed == []


@pytest.mark.parametrize("top", [*APPS, "tests", "bench"])
def test_no_code_comment_or_test_path_is_named_after_an_issue_number(top: str) -> None:
    found = []
    for path in sorted((ROOT / top).rglob("*.py")):
        if HISTORY_NAME.search(rel(path)):
            found.append(rel(path))
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if HISTORY_NAME.search(line) and path != Path(__file__).resolve():
                found.append(f"{rel(path)}:{number}")
    assert found == []


def _catches_everything(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(n, ast.Name) and n.id in ("Exception", "BaseException") for n in names)


def test_request_handlers_do_not_swallow_every_exception() -> None:
    """A database failure in a page or API view must surface (500, logged), never become a form message."""
    handler_modules = [
        p
        for p in app_modules()
        if re.match(r"(views|api|forms|portal_views)(_\w+)?\.py$", p.name) or p.parent.name in ("views", "api")
    ]
    assert handler_modules
    found = [
        f"{rel(path)}:{node.lineno}"
        for path in handler_modules
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ExceptHandler) and _catches_everything(node)
    ]
    assert found == []


def test_no_one_letter_aliases_or_renamed_module_imports_in_sessions_app() -> None:
    found = []
    for path in (ROOT / "sessions_app").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign) and node.col_offset == 0:
                for target in node.targets:
                    names = target.elts if isinstance(target, ast.Tuple) else [target]
                    found += [
                        f"{rel(path)}:{node.lineno} {n.id}" for n in names if isinstance(n, ast.Name) and len(n.id) == 1
                    ]
            if isinstance(node, ast.ImportFrom):
                found += [
                    f"{rel(path)}:{node.lineno} {a.name} as {a.asname}"
                    for a in node.names
                    if a.asname and len(a.asname) <= 3
                ]
    assert found == []
