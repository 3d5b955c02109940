"""Walk every URL name × persona × method and assert the status (see tests/matrix/)."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import PERSONA_NAMES
from tests.matrix import all_cases

CASES = all_cases()


def _url_names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":  # Django's own admin has its own permission system
                continue
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names |= _url_names(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(prefix + entry.name)
    return names


def test_every_url_name_has_a_matrix_case() -> None:
    covered = {c.url_name for c in CASES}
    missing = sorted(_url_names() - covered)
    assert not missing, f"URL names without a permission-matrix case: {missing}"


@pytest.mark.parametrize("persona", PERSONA_NAMES)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_permission_matrix(case, persona, personas, client, api_client) -> None:
    user = personas.user(persona)
    http = api_client if case.api else client
    if user is not None:
        http.force_login(user)
    url = reverse(case.url_name, kwargs=case.kwargs(personas))
    data = case.data(personas) if case.data else None
    kwargs = {"format": "json"} if case.api and data is not None else {}
    response = getattr(http, case.method)(url, data, **kwargs) if data is not None else getattr(http, case.method)(url)
    assert response.status_code == case.status_for(persona), (
        f"{case.id} as {persona}: got {response.status_code}, expected {case.status_for(persona)}"
    )
