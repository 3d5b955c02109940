"""The permission matrix: every URL name × persona × method, with the status each persona gets.

Each app adds a module here defining ``CASES``; ``tests/test_permissions_matrix.py`` runs them all
and fails when a URL name has no case, so a new page cannot ship without its access rules.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ANON_HTML = 302  # login_required pages redirect anonymous users to the login page
ANON_API = 401


@dataclass(frozen=True)
class Case:
    url_name: str
    expected: dict[str, int]
    method: str = "get"
    kwargs: Callable[[Any], dict] = field(default=lambda p: {})
    data: Callable[[Any], dict] | None = None
    api: bool = False
    default: int | None = None  # status for personas not listed in ``expected``

    def status_for(self, persona: str) -> int:
        if persona in self.expected:
            return self.expected[persona]
        if persona == "anonymous":
            return ANON_API if self.api else ANON_HTML
        if self.default is None:
            raise KeyError(f"{self.url_name} {self.method}: no expected status for {persona}")
        return self.default

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.url_name}"


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for module in pkgutil.iter_modules(__path__):
        cases.extend(importlib.import_module(f"{__name__}.{module.name}").CASES)
    return cases
