"""What staff feel: the clinic served by gunicorn over HTTP, under concurrent clients, beside a floor.

``make bench-http`` (or ``.venv/bin/python bench/http/run.py``):

1. creates and seeds the PostgreSQL database ``kap_bench_http`` once (``bench/http/seed.py``,
   minutes; later runs reuse it) and ANALYZEs it;
2. serves the project with gunicorn (2 sync workers, production settings, Redis cache) and the
   bench-only floor project (``bench/http/floor``: a one-query page over the 10,000 patients, and
   Django admin's changelist over the same table) with gunicorn (2 workers) on the same server;
3. signs the demo personas in, requests every page once with both caches cold (Redis flushed,
   workers fresh), then drives each page with ``hey`` at ``--clients`` concurrent clients for
   ``--seconds``, and prints p50/p95/throughput and each page's p95 as a multiple of the floor's p95
   (the floor is measured before and after the pages; the mean of the two is the divisor);
4. with ``--mix``, runs ``--mix-clients`` clients across all pages at once for ``--mix-seconds``
   and prints each page's p95 beside its figure from step 3 and the error count.

Any answer other than 200 from a timed page fails the run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLOOR_DIR = Path(__file__).resolve().parent / "floor"
PY = sys.executable
PG = "postgres://postgres@127.0.0.1:5432"
APP_PORT, FLOOR_PORT = 8710, 8711


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="kap_bench_http")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="comma-separated page names to time")
    parser.add_argument("--mix", action="store_true", help="also run the mixed-load concurrency test")
    parser.add_argument("--mix-clients", type=int, default=50)
    parser.add_argument("--mix-seconds", type=int, default=120)
    parser.add_argument(
        "--mix-rate", type=float, default=0.2, help="pages a second each mixed-load client asks for at most"
    )
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--profile", help="profile these pages in-process (queries, EXPLAIN) instead of timing")
    parser.add_argument("--cprofile", action="store_true", help="with --profile: also a Python profile")
    parser.add_argument("--reseed", action="store_true", help="drop the bench database and seed it again")
    return parser.parse_args()


def app_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="kap_clinic.settings.production",
        DATABASE_URL=f"{PG}/{args.database}",
        REDIS_URL=args.redis_url,
        DJANGO_SECRET_KEY="bench-http-" + "k" * 60,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        AUDIT_HMAC_KEY="bench-http-audit-" + "h" * 40,
        EMAIL_URL="consolemail://",
        STAFF_MFA_REQUIRED="false",
        DJANGO_SECURE_SSL_REDIRECT="false",
        PYTHONPATH=str(ROOT),
    )
    return env


def floor_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="floor_settings",
        FLOOR_DATABASE_URL=f"{PG}/{args.database}_floor",
        FLOOR_CLINIC_DATABASE_URL=f"{PG}/{args.database}",
        PYTHONPATH=str(FLOOR_DIR),
    )
    return env


def ensure_database(name: str, *, drop: bool = False) -> None:
    import psycopg2

    conn = psycopg2.connect(f"{PG}/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        if drop:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def marked(name: str) -> bool:
    """Whether the bench seed has finished in this database (its marker table has a row)."""
    import psycopg2

    conn = psycopg2.connect(f"{PG}/{name}")
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_http_seed') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute("SELECT count(*) FROM bench_http_seed")
            return cursor.fetchone()[0] > 0
    finally:
        conn.close()


def run(cmd: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=kwargs.pop("cwd", ROOT), check=True, **kwargs)


def prepare(args: argparse.Namespace) -> dict:
    """Database, schema, static files, seed, and one signed-in session per persona (JSON from a child)."""
    ensure_database(args.database, drop=args.reseed)
    ensure_database(f"{args.database}_floor", drop=args.reseed)
    env = app_env(args)
    run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    if not marked(args.database):
        # The demo personas and today's demo clinic; seed_demo refuses production settings on purpose.
        print("seeding the demo clinic …", flush=True)
        run([PY, "manage.py", "seed_demo"], {**env, "DJANGO_SETTINGS_MODULE": "kap_clinic.settings.local"})
    out = run([PY, str(Path(__file__).with_name("prepare.py"))], env, stdout=subprocess.PIPE, text=True)
    info = json.loads(out.stdout.strip().splitlines()[-1])
    fenv = floor_env(args)
    run([PY, "-m", "django", "migrate", "--noinput", "-v", "0"], fenv, cwd=FLOOR_DIR)
    code = (
        "from django.contrib.auth.models import User; from django.test import Client; "
        "u = User.objects.filter(username='bench').first() or "
        "User.objects.create_superuser('bench', 'bench@example.com', 'bench-password'); "
        "c = Client(); c.force_login(u); print(c.cookies['sessionid'].value)"
    )
    out = run([PY, "-m", "django", "shell", "-c", code], fenv, cwd=FLOOR_DIR, capture_output=True, text=True)
    info["floor_cookie"] = out.stdout.strip().splitlines()[-1]
    return info


class Server:
    def __init__(self, name: str, port: int, env: dict[str, str], cwd: Path, app: str, workers: int) -> None:
        self.name, self.port, self.env, self.cwd, self.app, self.workers = name, port, env, cwd, app, workers
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        cmd = [PY, "-m", "gunicorn", self.app, "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}"]
        cmd += ["--log-level", "warning", "--timeout", "120"]
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=self.cwd, start_new_session=True)
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2)  # noqa: S310 - loopback
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{self.name} did not start on port {self.port}")

    def stop(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
            self.proc = None


def pages(info: dict) -> list[dict]:
    """Every timed page: name, URL, who asks (a cookie name), and the budget (× floor p95)."""
    app = f"http://127.0.0.1:{APP_PORT}"
    q = info["search"]
    return [
        {"name": "patient list with a search", "url": f"{app}/patients/?q={q}", "as": "prescriber", "budget": 3},
        {
            "name": "API patient list with a search",
            "url": f"{app}/api/v1/patients/?search={q}",
            "as": "prescriber",
            "budget": 3,
        },
        {
            "name": "API sessions list (this week)",
            "url": f"{app}/api/v1/sessions/?start={info['week_start']}&end={info['week_end']}",
            "as": "prescriber",
            "budget": 3,
        },
        {"name": "patient chart", "url": f"{app}/patients/{info['patient_id']}/", "as": "prescriber", "budget": 4},
        {"name": "chart, 500 results", "url": f"{app}/patients/{info['heavy_id']}/", "as": "prescriber", "budget": 4},
        {"name": "today (clinic)", "url": f"{app}/sessions/today/", "as": "admin", "budget": 4},
        {"name": "today (one clinician)", "url": f"{app}/sessions/today/", "as": "prescriber", "budget": 4},
        {
            "name": "week calendar events",
            "url": f"{app}/sessions/events/?start={info['week_start']}&end={info['week_end_exclusive']}",
            "as": "admin",
            "budget": 4,
        },
        {"name": "dashboard (admin)", "url": f"{app}/dashboard/", "as": "admin", "budget": 4},
        {"name": "dashboard (prescriber)", "url": f"{app}/dashboard/", "as": "prescriber", "budget": 4},
        {"name": "dashboard (nurse)", "url": f"{app}/dashboard/", "as": "nurse", "budget": 4},
        {"name": "dashboard (therapist)", "url": f"{app}/dashboard/", "as": "therapist", "budget": 4},
        {"name": "dosing page", "url": f"{app}/sessions/{info['dosing_id']}/dosing/", "as": "prescriber", "budget": 3},
        {"name": "portal home", "url": f"{app}/portal/", "as": "patient", "budget": 3},
    ]


FLOOR = {"name": "floor (one query, 10,000 rows)", "url": f"http://127.0.0.1:{FLOOR_PORT}/floor/", "as": "floor"}


def admin_changelist(info: dict) -> dict:
    return {
        "name": "Django admin changelist with a search",
        "url": f"http://127.0.0.1:{FLOOR_PORT}/admin/floor/patient/?q={info['search']}",
        "as": "floor",
    }


def cookie(info: dict, who: str) -> str:
    return f"sessionid={info['floor_cookie']}" if who == "floor" else f"sessionid={info['cookies'][who]}"


def fetch_once(url: str, cookie_header: str) -> tuple[int, float]:
    request = urllib.request.Request(url, headers={"Cookie": cookie_header})  # noqa: S310 - loopback
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - loopback
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, (time.perf_counter() - started) * 1000


HEY_LINE = re.compile(r"^\s+(\d+)%+ in ([\d.]+) secs", re.M)


def hey_figures(out: str) -> tuple[dict[int, float], dict[int, int]]:
    """Latency percentiles (ms) and answers per status code from hey's report."""
    percentiles = {int(p): float(s) * 1000 for p, s in HEY_LINE.findall(out)}
    codes = {int(c): int(n) for c, n in re.findall(r"\[(\d+)\]\s+(\d+) responses", out)}
    return percentiles, codes


def hey(url: str, cookie_header: str, clients: int, seconds: int) -> dict:
    out = subprocess.run(
        ["hey", "-z", f"{seconds}s", "-c", str(clients), "-disable-redirects", "-H", f"Cookie: {cookie_header}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    percentiles, codes = hey_figures(out)
    errors = re.search(r"Error distribution:(.*)", out, re.S)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return {
        "p50": percentiles.get(50, float("nan")),
        "p95": percentiles.get(95, float("nan")),
        "rps": float(rps.group(1)) if rps else 0.0,
        "codes": codes,
        "errors": errors.group(1).strip() if errors else "",
    }


def timed(page: dict, info: dict, args: argparse.Namespace) -> dict:
    header = cookie(info, page["as"])
    for _ in range(10):  # warm both workers
        status, _ms = fetch_once(page["url"], header)
        if status != 200:
            raise SystemExit(f"{page['name']}: {page['url']} answered {status} during warm-up")
    figures = hey(page["url"], header, args.clients, args.seconds)
    bad = {c: n for c, n in figures["codes"].items() if c != 200}
    if bad or figures["errors"]:
        raise SystemExit(f"{page['name']}: answers other than 200: {bad} {figures['errors']}")
    return figures


def cold(targets: list[dict], info: dict, args: argparse.Namespace, servers: list[Server]) -> dict[str, float]:
    """One request per page with Redis flushed and fresh workers (first request of each page)."""
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    for server in servers:
        server.stop()
        server.start()
    result = {}
    for page in targets:
        status, ms = fetch_once(page["url"], cookie(info, page["as"]))
        if status != 200:
            raise SystemExit(f"{page['name']}: {page['url']} answered {status} with a cold cache")
        result[page["name"]] = ms
    return result


def mix(targets: list[dict], info: dict, args: argparse.Namespace) -> dict[str, dict]:
    """``--mix-clients`` staff spread over the pages (the first pages get one more when it does not divide),
    each asking at most ``--mix-rate`` pages a second: people read a page before they ask for the next."""
    base, extra = divmod(args.mix_clients, len(targets))
    procs = []
    # hey's rate limit ticks for all of a process's clients at once: stagger the processes over one
    # period so the pages' requests arrive spread out, as separate people's do, not in one burst.
    stagger = 1 / args.mix_rate / len(targets)
    for i, page in enumerate(targets):
        share = base + (1 if i < extra else 0)
        if share == 0:
            continue
        time.sleep(stagger)
        cmd = ["hey", "-z", f"{args.mix_seconds}s", "-c", str(share), "-q", str(args.mix_rate), "-disable-redirects"]
        cmd += ["-H", f"Cookie: {cookie(info, page['as'])}", page["url"]]
        procs.append((page, subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)))
    result = {}
    for page, proc in procs:
        out, _ = proc.communicate()
        percentiles, codes = hey_figures(out)
        result[page["name"]] = {
            "p95": percentiles.get(95, float("nan")),
            "requests": sum(codes.values()),
            "errors": sum(n for c, n in codes.items() if c != 200) + ("Error distribution" in out),
        }
    return result


def report(figures: dict, floor_p95: float, changelist: dict, cold_ms: dict, targets: list[dict]) -> bool:
    ok = True
    print(f"\nfloor p95 {floor_p95:.1f} ms (before {figures['_floor'][0]:.1f}, after {figures['_floor'][1]:.1f})")
    print(f"Django admin changelist with a search: p50 {changelist['p50']:.1f} / p95 {changelist['p95']:.1f} ms")
    print("\n| page | cold ms | p50 ms | p95 ms | req/s | × floor p95 | budget |")
    print("|---|---|---|---|---|---|---|")
    for page in targets:
        f = figures[page["name"]]
        ratio = f["p95"] / floor_p95
        held = ratio <= page["budget"]
        ok &= held
        print(
            f"| {page['name']} | {cold_ms.get(page['name'], float('nan')):.0f} | {f['p50']:.1f} | {f['p95']:.1f} "
            f"| {f['rps']:.1f} | {ratio:.2f} | ≤ {page['budget']} {'✓' if held else '✗'} |"
        )
    lst = figures.get("patient list with a search")
    if lst:
        vs = lst["p95"] / changelist["p95"]
        ok &= vs <= 1
        print(f"\npatient list p95 / admin changelist p95 = {vs:.2f} (budget ≤ 1 {'✓' if vs <= 1 else '✗'})")
    return ok


def main() -> int:
    args = parse_args()
    if shutil.which("hey") is None:
        print("installing hey (Debian package) …", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "hey"], check=True)
    info = prepare(args)
    targets = pages(info)
    if args.only or args.profile:
        wanted_text = args.profile or args.only
        wanted = {n.strip() for n in wanted_text.split(",")}
        targets = [p for p in targets if p["name"] in wanted or any(w in p["name"] for w in wanted)]
    if args.profile:
        for page in targets:
            cmd = [PY, str(Path(__file__).with_name("page_profile.py")), page["url"], page["as"]]
            print(f"\n=== {page['name']} ===", flush=True)
            run(cmd + (["--cprofile"] if args.cprofile else []), app_env(args))
        return 0
    app = Server("clinic", APP_PORT, app_env(args), ROOT, "kap_clinic.wsgi:application", args.workers)
    floor = Server("floor", FLOOR_PORT, floor_env(args), FLOOR_DIR, "floor_wsgi:application", args.workers)
    servers = [app, floor]
    try:
        for server in servers:
            server.start()
        cold_ms = cold(targets, info, args, servers)
        load_before = os.getloadavg()
        figures: dict = {}
        floor_before = timed(FLOOR, info, args)["p95"]
        changelist = timed(admin_changelist(info), info, args)
        for page in targets:
            figures[page["name"]] = timed(page, info, args)
            print(f"  {page['name']}: p95 {figures[page['name']]['p95']:.1f} ms", flush=True)
        floor_after = timed(FLOOR, info, args)["p95"]
        figures["_floor"] = (floor_before, floor_after)
        floor_p95 = (floor_before + floor_after) / 2
        print(f"\n{info['counts']}")
        print(
            f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}; "
            f"{args.clients} clients × {args.seconds} s per page; gunicorn {args.workers} workers"
        )
        ok = report(figures, floor_p95, changelist, cold_ms, targets)
        mixed = None
        if args.mix:
            print(
                f"\nmixed load: {args.mix_clients} clients over {len(targets)} pages for {args.mix_seconds} s, "
                f"each at most {args.mix_rate:g} pages/s …"
            )
            mixed = mix(targets, info, args)
            print("| page | p95 ms at mix | × its own p95 | requests | errors |")
            print("|---|---|---|---|---|")
            for page in (p for p in targets if p["name"] in mixed):
                m, own = mixed[page["name"]], figures[page["name"]]["p95"]
                held = m["p95"] <= 2 * own and m["errors"] == 0
                ok &= held
                print(
                    f"| {page['name']} | {m['p95']:.1f} | {m['p95'] / own:.2f} {'✓' if held else '✗'} "
                    f"| {m['requests']} | {m['errors']} |"
                )
        if args.json:
            Path(args.json).write_text(
                json.dumps(
                    {
                        "figures": figures,
                        "floor_p95": floor_p95,
                        "changelist": changelist,
                        "cold": cold_ms,
                        "mix": mixed,
                        "load": [load_before, os.getloadavg()],
                    },
                    indent=2,
                    default=str,
                )
            )
        return 0 if ok else 1
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
