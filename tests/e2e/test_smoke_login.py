from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_prescriber_logs_in_and_sees_the_staff_dashboard(personas, login, screenshot) -> None:  # noqa: ANN001
    page = login("prescriber@demo.clinic")
    assert page.locator("[data-testid=whoami]").inner_text().startswith("Dr. Priya Raman")
    screenshot("dashboard-prescriber")
