"""Every hand-over to the broker goes through kap_clinic/common/jobs.py, the helper that never raises
into a request and logs what the sweep will catch up on. A bare ``.delay()`` somewhere else would
turn a broker outage into an error page after the user's work was saved, so this fails naming it.

Tests may still call tasks directly (they drive a worker or check a task's own result).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HELPER = ROOT / "kap_clinic" / "common" / "jobs.py"
BROKER_METHODS = frozenset({"delay", "apply_async", "send_task"})
# Not the project's source: tests, benchmarks, front-end tooling and collected or uploaded files.
NOT_SOURCE = frozenset({"tests", "bench", "frontend", "node_modules", "static", "staticfiles", "media", "templates"})


def project_sources(root: Path = ROOT) -> list[Path]:
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [
            name
            for name in subfolders
            if not name.startswith((".", "__pycache__")) and not (Path(folder) == root and name in NOT_SOURCE)
        ]
        found += [Path(folder, name) for name in files if name.endswith(".py")]
    return sorted(found)


def broker_calls(source: str) -> list[int]:
    """Lines that touch ``.delay``, ``.apply_async`` or ``.send_task`` (called or passed along)."""
    return sorted(
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr in BROKER_METHODS
    )


def test_only_the_jobs_helper_hands_tasks_to_the_broker() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in project_sources()
        if path != HELPER
        for line in broker_calls(path.read_text())
    ]
    assert found == [], "enqueue with kap_clinic.common.jobs.enqueue_after_commit (or publish) instead"


def test_the_walk_covers_the_apps_and_the_helper_but_not_the_tests() -> None:
    sources = project_sources()
    assert HELPER in sources and broker_calls(HELPER.read_text())  # the scanner sees the one real call
    assert ROOT / "manage.py" in sources
    assert {p.relative_to(ROOT).parts[0] for p in sources} >= {"kap_clinic", "patients", "consent", "sessions_app"}
    assert not any(p.relative_to(ROOT).parts[0] in ("tests", "bench") for p in sources)


def test_the_scanner_finds_each_way_of_enqueueing() -> None:
    snippet = """
from django.db import transaction

def book(session):
    reminder_task.delay(session.pk)
    transaction.on_commit(lambda: report_task.apply_async(args=[session.pk], countdown=5))
    app.send_task("consent.tasks.consent_pdf_render_task", args=[1, "signed"])
    later = pdf_task.delay
    # a comment about .delay() is not code
    return "task.delay(1)"
"""
    assert broker_calls(snippet) == [5, 6, 7, 8]
    assert broker_calls("enqueue_after_commit(reminder_task, 7)\nrun.apply(throw=True)\n") == []


def test_the_walk_skips_what_is_not_project_source(tmp_path: Path) -> None:
    for name in ("app/services.py", "tests/test_x.py", "bench/run.py", ".venv/lib/celery.py", "manage.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("task.delay(1)\n")
    assert [p.relative_to(tmp_path).as_posix() for p in project_sources(tmp_path)] == ["app/services.py", "manage.py"]
