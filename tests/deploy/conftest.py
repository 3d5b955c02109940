"""The deploy tests' own Redis (tests/brokers.py): started on a free port, never the machine's."""

from tests.brokers import own_redis  # noqa: F401 - fixture
