"""Run every bench/bench_*.py in turn (``make bench``); extra arguments go to each bench.

Each bench creates and drops its own throwaway database (SQLite in /tmp, or ``test_<name>`` on the
PostgreSQL server named by DATABASE_URL) and prints its figures.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for bench in sorted(HERE.glob("bench_*.py")):
        print(f"==== {bench.name} ====", flush=True)
        result = subprocess.run([sys.executable, str(bench), *sys.argv[1:]], check=False)  # noqa: S603
        if result.returncode != 0:
            failed.append(bench.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
