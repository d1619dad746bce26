"""The benchmark at scale: `make bench` (or `.venv/bin/python bench/run.py [--fresh]`).

On PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/casetracker_bench) it
loads 100,000 generated cases once (--fresh loads them anew) and a second database of 1,000
(<name>_small), serves the app under gunicorn with production settings and no Redis (each
worker caches in its own memory), and measures:

- throughput of the dashboard and /statistics.json beside a truly bare Django application
  (bench/bare/: the security and common middleware, the same bytes served from memory), under
  the same gunicorn, in the same run;
- the statistics computed with an empty cache;
- admin changelists, change page and name search: latency, and queries at both sizes;
- a 10,000-row spreadsheet import, and the loading of the generated cases;
- 64 connections on the public pages for 60 s while an advocate saves a case every second
  through the admin: errors, latency, and whether every number served is one of a committed
  state;
- two single-worker servers without a shared cache: an edit through one shows at the next
  request of the other, with the same ETag.

It prints the table and writes it to bench/results.md. Only databases whose name contains
"bench" are written to, and only 127.0.0.1 is loaded.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.timing import summary  # noqa: E402
from bench.web import (  # noqa: E402
    Browser,
    Server,
    change_status,
    current_status,
    ensure_wrk,
    python_throughput,
    wrk_throughput,
)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULTS = ROOT / "bench" / "results.md"
# Kept between runs, not committed: the load measure and the servers' logs.
WORK = ROOT / "bench" / "results"
LAST_LOAD = WORK / "last-load.json"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/casetracker_bench"

# Targets of the issues "Speed at scale" and "Public pages as fast as a bare Django view"
# (2-core machine, 100,000 cases, PostgreSQL).
BARE_RATIO = 0.8
COLD_STATS_P95_MS = 500
ADMIN_P95_MS = 250
CHANGE_PAGE_P95_MS = 150
IMPORT_ROWS_PER_SECOND = 1000
NAME_SEARCH_P95_MS = 200
LOAD_CONNECTIONS = 64
LOAD_SECONDS = 60


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


# --- Databases ---------------------------------------------------------------------------------


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql"):
            sys.exit(f"The bench runs on PostgreSQL: DATABASE_URL is {url!r}.")
        self.name = parts.path.lstrip("/")
        if "bench" not in self.name:
            sys.exit(
                f"Refusing to load generated cases into {self.name!r}: the bench writes only "
                "to a database whose name contains 'bench'."
            )
        self.server_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))

    def sibling(self, suffix: str) -> "Database":
        parts = urllib.parse.urlsplit(self.url)
        return Database(urllib.parse.urlunsplit(parts._replace(path=f"/{self.name}{suffix}")))

    def _admin(self, sql: str) -> None:
        with psycopg.connect(self.server_url, autocommit=True) as connection:
            connection.execute(sql)

    def exists(self) -> bool:
        with psycopg.connect(self.server_url) as connection:
            found = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self.name]
            ).fetchone()
        return found is not None

    def create(self) -> None:
        # UTF-8 whatever template1 has: Cyrillic case folding and trigrams need it.
        self._admin(f"CREATE DATABASE \"{self.name}\" ENCODING 'UTF8' TEMPLATE template0")

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def cases(self) -> int:
        with psycopg.connect(self.url) as connection:
            try:
                query = "SELECT count(*) FROM cases_detainedperson"
                return connection.execute(query).fetchone()[0]
            except psycopg.errors.UndefinedTable:
                return 0

    def describe(self) -> str:
        with psycopg.connect(self.url) as connection:
            return connection.execute("SHOW server_version").fetchone()[0]


def django(env: dict, *args: str) -> dict | None:
    """Run bench/inprocess.py (JSON result) or manage.py (no result) with `env`."""
    if args[0] == "manage.py":
        subprocess.run([PYTHON, *args], cwd=ROOT, env=env, check=True)
        return None
    output = subprocess.run(
        [PYTHON, "bench/inprocess.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def prepare(database: Database, cases: int, env: dict, fresh: bool) -> dict | None:
    """Create, migrate and load `database` unless it already holds `cases`; the load measure."""
    if fresh:
        database.drop()
    if not database.exists():
        database.create()
    env = {**env, "DATABASE_URL": database.url}
    django(env, "manage.py", "migrate", "--no-input", "-v", "0")
    missing = cases - database.cases()
    if missing <= 0:
        print(f"  {database.name}: {database.cases():,} cases already loaded")
        return None
    print(f"  {database.name}: loading {missing:,} generated cases…", flush=True)
    return django(env, "load", str(missing))


# --- Measures ----------------------------------------------------------------------------------


PUBLIC_PAGES = {"dashboard": "/", "statistics.json": "/statistics.json"}


def wsgi_loop(env: dict) -> dict:
    """bench/wsgi_loop.py: warm public requests through the WSGI application, in process."""
    output = subprocess.run(
        [PYTHON, "bench/wsgi_loop.py"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def bare_pages(server: Server, folder: Path) -> None:
    """What the bare application serves: the bytes the app answers for its public pages."""
    folder.mkdir(exist_ok=True)
    browser = Browser(server.url)
    (folder / "dashboard.html").write_bytes(browser.get("/").body)
    (folder / "statistics.json").write_bytes(browser.get("/statistics.json").body)


def throughput(servers: dict[str, Server], args, wrk: str | None) -> dict:
    """Requests per second of each public page on each server (the app; the bare application's
    copy of it, "bare"; ...): the best of `args.rounds` rounds, each URL in turn in every round,
    so that a burst of other work on the machine (it shares its cores) slows one round of each
    rather than all of one URL."""
    urls = {}
    for label, path in PUBLIC_PAGES.items():
        for prefix, server in servers.items():
            urls[f"{prefix} {label}".strip()] = server.url + path
    for url in urls.values():
        parts = urllib.parse.urlsplit(url)
        browser = Browser(f"{parts.scheme}://{parts.netloc}")
        for _ in range(args.workers * 2):  # warm the cache and every worker
            browser.get(parts.path)
    results: dict[str, dict] = {}
    for round_number in range(1, args.rounds + 1):
        for label, url in urls.items():
            if wrk:
                result = wrk_throughput(wrk, url, args.duration, args.connections, 2)
            else:
                result = python_throughput(url, args.duration, args.connections)
            rate = result["requests_per_second"]
            print(f"  round {round_number}: {label:<22} {rate:8.1f} req/s", flush=True)
            if label not in results or rate > results[label]["requests_per_second"]:
                results[label] = result
    return results


def admin_latency(server: Server, admin: dict, runs: int) -> dict:
    browser = Browser(server.url, admin["session"])
    results = {}
    for label, path in admin["pages"].items():
        for _ in range(3):
            browser.timed_get(path)
        results[label] = summary([browser.timed_get(path) for _ in range(runs)])
        print(
            f"  {label:<32} median {results[label]['median_ms']:6.1f} ms"
            f"  p95 {results[label]['p95_ms']:6.1f} ms",
            flush=True,
        )
    return results


def status_counts(browser: Browser) -> tuple[dict[str, int | None], str]:
    """The published statuses and the ETag of the data state they come from."""
    response = browser.get("/statistics.json")
    assert response.status == 200, response.status
    cells = json.loads(response.body)["breakdowns"]["status"]
    return {cell["key"]: cell["count"] for cell in cells}, response.headers.get("ETag", "")


def two_workers(first: Server, second: Server, admin: dict) -> dict:
    """Edit a case through `first`; read the statistics from `second` at once, then undo. Each
    server is one worker with its own memory cache: no Redis."""
    change_url = admin["pages"]["person change page"]
    editor = Browser(first.url, admin["session"])
    reader = Browser(second.url)
    current = current_status(editor, change_url)
    other = "released" if current != "released" else "left_china"
    before, before_tag = status_counts(reader)  # the second worker now keeps these numbers
    assert status_counts(reader) == (before, before_tag)
    assert status_counts(Browser(first.url)) == (before, before_tag)
    started = time.perf_counter()
    change_status(editor, change_url, other)
    after, after_tag = status_counts(reader)
    seconds = time.perf_counter() - started
    # The counts are perturbed (docs/public-statistics.md): one case more or fewer may leave a
    # published number as it was. Seen at once means: a new data state (ETag), the numbers and
    # the ETag the first worker publishes for it, and, once undone, exactly the numbers of
    # before (the same cases give the same numbers).
    published_by_first, first_tag = status_counts(Browser(first.url))
    change_status(editor, change_url, current)
    restored, _tag = status_counts(reader)
    return {
        "change": f"{current} → {other}",
        "before": {current: before[current], other: before[other]},
        "after": {current: after[current], other: after[other]},
        "seen_at_once": after_tag != before_tag
        and after == published_by_first
        and restored == before,
        "same_etag": after_tag == first_tag,
        "seconds": seconds,
    }


def load_test(server: Server, admin: dict, env: dict, wrk: str) -> dict:
    """LOAD_CONNECTIONS connections on the public pages for LOAD_SECONDS while an advocate saves
    a case through the admin every second; then every distinct body served is checked against
    what the committed states publish (counted afresh by the advocate after each save)."""
    bodies = WORK / "load-bodies"
    shutil.rmtree(bodies, ignore_errors=True)
    bodies.mkdir()
    Browser(server.url).get("/")
    load = subprocess.Popen(
        [
            wrk,
            "--threads=2",
            f"--connections={LOAD_CONNECTIONS}",
            f"--duration={LOAD_SECONDS}s",
            "--timeout=10s",
            f"--script={ROOT / 'bench' / 'load.lua'}",
            server.url + "/",
        ],
        env={**os.environ, "BENCH_BODIES": str(bodies)},
        stdout=subprocess.PIPE,
        text=True,
    )
    saved = django(
        env,
        "advocate",
        server.url,
        admin["pages"]["person change page"],
        json.dumps(admin["session"]),
        str(LOAD_SECONDS - 2),
    )
    output = load.communicate()[0]
    (WORK / "load-wrk.txt").write_text(output)
    summary_lines = (bodies / "summary.txt").read_text().split("\n")
    statuses = {}
    latency = {}
    for line in summary_lines:
        words = line.split()
        if words[:1] == ["status"]:
            statuses[int(words[1])] = int(words[2])
        elif words[:1] == ["latency_ms"]:
            latency[words[1]] = float(words[2])
        elif words[:1] == ["errors"]:
            kinds = ("connect", "read", "write", "status", "timeout")
            errors = dict(zip(kinds, map(int, words[1:]), strict=True))
        elif words[:1] == ["requests"]:
            requests = int(words[1])
    checked, unmatched = check_bodies(bodies, saved["states"])
    return {
        "requests": requests,
        "requests_per_second": requests / LOAD_SECONDS,
        "statuses": statuses,
        "errors": errors,
        "latency_ms": latency,
        "saves": saved["saves"],
        "save": saved["save"],
        "states": len(saved["states"]),
        "bodies_checked": checked,
        "bodies_unmatched": unmatched,
    }


def headline(html: str) -> dict[str, str]:
    """The dashboard's headline cards: name → the digits shown."""
    cards = re.findall(r'card-(\w+)"><dt>[^<]*</dt><dd>([^<]*)</dd>', html)
    return {name: re.sub(r"\D", "", value) for name, value in cards if re.search(r"\d", value)}


def check_bodies(folder: Path, states: list[dict]) -> tuple[int, list[str]]:
    """How many distinct bodies were checked, and those whose numbers are no committed state's."""
    unmatched = []
    checked = 0
    for path in sorted(folder.iterdir()):
        if path.name == "summary.txt":
            continue
        body = path.read_bytes()
        checked += 1
        if body.startswith(b"{"):
            data = json.loads(body)
            data.pop("generated_at", None)
            matched = any(data == state["data"] for state in states)
        elif body.startswith(b'"breakdown"'):
            matched = any(body.decode() == state["csv"] for state in states)
        else:
            shown = headline(body.decode())
            matched = bool(shown) and any(
                shown == {name: str(state["data"]["totals"][name]) for name in shown}
                for state in states
            )
        if not matched:
            unmatched.append(path.name)
    return checked, unmatched


# --- The report --------------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{memory_kb / 1024 / 1024:.0f} GB RAM"
    except OSError:
        memory = "unknown RAM"
    return f"{os.cpu_count()} cores ({cpu}), {memory}, {platform.system()} {platform.release()}"


def load_average() -> str:
    """The 1-minute load average: other work on the machine slows every measure."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def verdict(ok: bool) -> str:
    return "ok" if ok else "**missed**"


def report(r: dict) -> str:
    rows = []

    def row(measure: str, value: str, target: str = "", ok: bool | None = None) -> None:
        rows.append(f"| {measure} | {value} | {target} | {'' if ok is None else verdict(ok)} |")

    t = r["throughput"]
    for label, path in PUBLIC_PAGES.items():
        rate, bare = t[label]["requests_per_second"], t[f"bare {label}"]["requests_per_second"]
        row(
            f"{label} `{path}`, warm, against the bare app serving the same bytes",
            f"{rate:.0f} req/s against {bare:.0f} req/s = **{rate / bare:.2f}** × bare",
            f"≥ {BARE_RATIO} × bare",
            rate / bare >= BARE_RATIO,
        )
    for label, path in PUBLIC_PAGES.items():
        rate, bare = (
            t[f"row read {label}"]["requests_per_second"],
            t[f"bare {label}"]["requests_per_second"],
        )
        row(
            f'{label} `{path}` with `PUBLIC_STATE_FILE=""` (the state row read on every request, '
            "as several app machines need)",
            f"{rate:.0f} req/s = {rate / bare:.2f} × bare",
        )
    for path, app_time in r["in_process"]["app"].items():
        bare_time = r["in_process"]["bare"][path]
        row(
            f"`{path}` in process, warm (the WSGI application called in a loop, no server)",
            f"{app_time['cpu_us']:.0f} µs of CPU a request against the bare app's "
            f"{bare_time['cpu_us']:.0f} µs (wall {app_time['wall_us']:.0f} against "
            f"{bare_time['wall_us']:.0f} µs)",
        )
    for label, s in r["cold_statistics"].items():
        row(
            f"statistics cold ({label}), {s['runs']} runs",
            f"median {s['median_ms']:.0f} ms, p95 **{s['p95_ms']:.0f}** ms",
            f"p95 < {COLD_STATS_P95_MS} ms",
            s["p95_ms"] < COLD_STATS_P95_MS,
        )
    change, rebuilt = r["tallies"]["status_change"], r["tallies"]["rebuild"]
    row(
        f"a case's status changed and saved, with its public counts, {change['runs']} runs",
        f"median {change['median_ms']:.0f} ms, p95 {change['p95_ms']:.0f} ms",
    )
    row(
        "public counts counted afresh (`rebuild_tallies`)",
        f"{rebuilt['records']:,} records in {rebuilt['seconds']:.0f} s",
    )
    small, large = r["admin_small"]["queries"], r["admin"]["queries"]
    small_size, large_size = r["admin_small"]["cases"], r["admin"]["cases"]
    for label, s in r["admin_latency"].items():
        same = small[label] == large[label]
        limit = CHANGE_PAGE_P95_MS if label == "person change page" else ADMIN_P95_MS
        row(
            f"admin: {label}, {s['runs']} runs",
            f"median {s['median_ms']:.0f} ms, p95 **{s['p95_ms']:.0f}** ms; "
            f"queries {small[label]} at {small_size:,} cases, {large[label]} at {large_size:,}",
            f"p95 < {limit} ms, same queries",
            s["p95_ms"] < limit and same,
        )
    names = r.get("names")
    if names:
        timing, every = names["timing"], names["categories"]["all"]
        row(
            f"name search (ranked, any spelling), {timing['runs']} labelled queries",
            f"median {timing['median_ms']:.0f} ms, p95 **{timing['p95_ms']:.0f}** ms",
            f"p95 < {NAME_SEARCH_P95_MS} ms",
            timing["p95_ms"] < NAME_SEARCH_P95_MS,
        )
        full, recall = names["full_names"], names["categories"]["all"]["recall"]
        row(
            f"name search at {names['cases']:,} cases, full names: recall@5, wrong person first",
            f"{full['recall']:.1%}, {full['wrong_first']:.1%} "
            f"(every query: {recall:.1%}, {every['wrong_first']:.1%})",
            "≥ 95 %, ≤ 1 %",
            full["recall"] >= 0.95 and full["wrong_first"] <= 0.01,
        )
    i = r["import"]
    if i is None:
        row("spreadsheet import", "TODO: import service not available", "≥ 1,000 rows/s", False)
    else:
        row(
            f"spreadsheet import, {i['rows']:,} rows (persons with {i['relatives']:,} relatives)",
            f"{i['seconds']:.1f} s = **{i['rows_per_second']:,.0f}** rows/s",
            f"≥ {IMPORT_ROWS_PER_SECOND:,} rows/s",
            i["rows_per_second"] >= IMPORT_ROWS_PER_SECOND,
        )
    load = r["load"]
    if load:
        when = "this run" if load.get("this_run") else f"when loaded, {load['on']}"
        row(
            f"loading {load['cases']:,} generated cases (load_demo --synthetic)",
            f"{load['rows']:,} rows in {load['seconds']:.0f} s = "
            f"{load['rows_per_second']:,.0f} rows/s ({when})",
        )
    lt = r["load_test"]
    if "skipped" in lt:
        row("public pages under load while an advocate saves", f"not run: {lt['skipped']}")
    else:
        errors = sum(lt["errors"].values()) + sum(
            count for status, count in lt["statuses"].items() if status >= 400
        )
        consistent = not lt["bodies_unmatched"]
        latency = lt["latency_ms"]
        row(
            f"{LOAD_CONNECTIONS} connections on `/`, `/statistics.json`, `/statistics.csv` in "
            f"turn for {LOAD_SECONDS} s while an advocate saves a case through the admin every "
            "second",
            f"{lt['requests']:,} requests ({lt['requests_per_second']:.0f}/s), "
            f"**{errors} errors** (statuses {lt['statuses']}); latency p50 "
            f"{latency['50']:.0f} ms, p90 {latency['90']:.0f} ms, **p99 {latency['99']:.0f} ms**, "
            f"max {latency['max']:.0f} ms; "
            f"{lt['saves']} saves (p95 {lt['save']['p95_ms']:.0f} ms), {lt['states']} committed "
            f"states: {lt['bodies_checked']} distinct bodies served, "
            + (
                "**each with the numbers of a committed state**"
                if consistent
                else f"**{len(lt['bodies_unmatched'])} with numbers of no committed state**"
            ),
            "0 errors, every number a committed state's, p99 reported",
            errors == 0 and consistent,
        )
    m = r["two_workers"]
    row(
        "two workers without Redis (two single-worker gunicorns, each its own memory cache): a "
        "case's status changed in the first one's admin, /statistics.json read from the second "
        "right after",
        f"{m['change']}: {m['before']} → {m['after']}, "
        f"{'**seen at once**' if m['seen_at_once'] else '**NOT seen**'}, "
        f"{'**same ETag** from both' if m['same_etag'] else '**different ETags**'} (change and "
        f"fresh read {m['seconds']:.1f} s: the second worker rendered the new state)",
        "change seen at the next request, one ETag",
        m["seen_at_once"] and m["same_etag"],
    )
    header = [
        "# Benchmark results",
        "",
        f"Last run: {r['started']} ({r['minutes']:.1f} min), `make bench`.",
        "",
        f"- Data: {r['admin']['cases']:,} cases in `{r['database']}` (PostgreSQL "
        f"{r['postgresql']}); query counts also at {small_size:,} cases.",
        f"- Machine: {r['machine']}; load average {r['load_before']} at the start, "
        f"{r['load_after']} at the end (2.0 means both cores busy before the bench adds any).",
        f"- Servers: gunicorn, {r['workers']} sync workers, DEBUG off, no Redis (each worker "
        "caches in its own memory); the bare app (bench/bare/: security and common middleware, "
        "the app's bytes served from memory) under the same gunicorn settings; "
        f"load: {r['load_tool']}, {r['connections']} connections, {r['duration']} s per URL "
        f"in each of {r['rounds']} rounds (URLs in turn; the best round counts), "
        "on the same machine.",
        "",
        "| measure | result | target | |",
        "|---|---|---|---|",
    ]
    footer = [
        "",
        "What bounds the missed targets, with the profiles and the changes that remove it: "
        "`bench/NOTES.md`.",
    ]
    return "\n".join(header + rows + footer) + "\n"


# --- Main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="drop and reload both databases")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--small-cases", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers per server")
    parser.add_argument("--connections", type=int, default=12)
    parser.add_argument("--duration", type=int, default=6, help="seconds of load per URL")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of load per URL, the best one counts"
    )
    parser.add_argument("--runs", type=int, default=30, help="timed runs per measure")
    parser.add_argument("--import-rows", type=int, default=10_000)
    args = parser.parse_args()
    started = time.monotonic()
    WORK.mkdir(exist_ok=True)

    database = Database(os.getenv("DATABASE_URL", DEFAULT_DATABASE_URL))
    small = database.sibling("_small")
    static_root = tempfile.mkdtemp(prefix="casetracker-bench-static-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database.url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "REQUIRE_2FA": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "BENCH_STATIC_ROOT": static_root,
        "LOG_LEVEL": "ERROR",
    }
    # No shared cache: every worker keeps its own copies, and must still serve the current state.
    env.pop("REDIS_URL", None)
    r: dict = {
        "started": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "database": database.name,
        "postgresql": "",
        "machine": machine(),
        "load_before": load_average(),
        "workers": args.workers,
        "connections": args.connections,
        "duration": args.duration,
        "rounds": args.rounds,
    }

    step(f"{args.cases:,} cases in {database.name}, {args.small_cases:,} in {small.name}")
    load = prepare(database, args.cases, env, args.fresh)
    prepare(small, args.small_cases, env, args.fresh)
    loads = json.loads(LAST_LOAD.read_text()) if LAST_LOAD.exists() else {}
    if load:
        load |= {"on": r["started"]}
        loads[database.name] = load
        LAST_LOAD.write_text(json.dumps(loads, indent=1) + "\n")
        load = {**load, "this_run": True}
    r["load"] = load or loads.get(database.name)
    r["postgresql"] = database.describe()
    # DEBUG off serves hashed static files, as in production: the admin pages need them.
    django(env, "manage.py", "collectstatic", "--no-input", "-v", "0")

    step("statistics computed with an empty cache (in process)")
    r["cold_statistics"] = django(env, "stats", str(args.runs))
    for label, s in r["cold_statistics"].items():
        print(f"  {label:<20} median {s['median_ms']:6.1f} ms  p95 {s['p95_ms']:6.1f} ms")

    step("keeping the public counts current (in process, rolled back)")
    r["tallies"] = django(env, "tallies", str(args.runs))
    change, rebuilt = r["tallies"]["status_change"], r["tallies"]["rebuild"]
    median, p95 = change["median_ms"], change["p95_ms"]
    print(f"  status change saved  median {median:6.1f} ms  p95 {p95:6.1f} ms")
    print(f"  counted afresh       {rebuilt['records']:,} records in {rebuilt['seconds']:.1f} s")

    step("admin pages: queries at both sizes (in process)")
    r["admin"] = django(env, "admin")
    r["admin_small"] = django({**env, "DATABASE_URL": small.url}, "admin")
    for label, count in r["admin"]["queries"].items():
        print(f"  {label:<32} {r['admin_small']['queries'][label]:3d} / {count:3d} queries")

    step("name search: the labelled variants among the register (in process, rolled back)")
    r["names"] = django(env, "names")
    names = r["names"]["timing"]
    print(f"  median {names['median_ms']:6.1f} ms  p95 {names['p95_ms']:6.1f} ms")
    for label, figures in sorted(r["names"]["categories"].items()):
        recall, wrong = figures["recall"], figures["wrong_first"]
        print(f"  {label:<20} recall@5 {recall:6.1%}  wrong first {wrong:5.1%}")

    step(f"spreadsheet import of {args.import_rows:,} rows (in process, rolled back)")
    try:
        r["import"] = django(env, "import", str(args.import_rows))
        print(f"  {r['import']['rows_per_second']:,.0f} rows/s")
    except subprocess.CalledProcessError:
        r["import"] = None
        print("  TODO: import service not available")

    step("gunicorn")
    wrk = ensure_wrk()
    r["load_tool"] = "wrk" if wrk else "Python threads (wrk not available)"
    servers = [Server(env, args.workers, "app", WORK)]
    try:
        pages = WORK / "bare-pages"
        bare_pages(servers[0], pages)
        bare = {"DJANGO_SETTINGS_MODULE": "bench.bare.settings", "BARE_PAGES": str(pages)}
        servers.append(Server(env | bare, args.workers, "bare", WORK, app="bench.bare.wsgi"))
        # As on several app machines: no state file, the state row read on every request.
        every = {"PUBLIC_STATE_FILE": ""}
        servers.append(Server(env | every, args.workers, "row-read", WORK))
        step("in process: warm public requests through each WSGI application, no server")
        r["in_process"] = {"app": wsgi_loop(env), "bare": wsgi_loop(env | bare)}
        for path, app_time in r["in_process"]["app"].items():
            bare_time = r["in_process"]["bare"][path]
            app_us, bare_us = app_time["cpu_us"], bare_time["cpu_us"]
            print(f"  {path:<18} app {app_us:5.0f} µs  bare {bare_us:5.0f} µs")
        step("throughput, warm: the public pages and the bare app's copies of them")
        measured = {"": servers[0], "bare": servers[1], "row read": servers[2]}
        r["throughput"] = throughput(measured, args, wrk)
        while len(servers) > 1:
            servers.pop().stop()
        step("admin latency over HTTP, signed in")
        r["admin_latency"] = admin_latency(servers[0], r["admin"], args.runs)
        step(f"load test: {LOAD_CONNECTIONS} connections for {LOAD_SECONDS} s, an advocate saving")
        if wrk:
            r["load_test"] = load_test(servers[0], r["admin"], env, wrk)
            shown = {k: v for k, v in r["load_test"].items() if k != "bodies_unmatched"}
            print(f"  {shown}", flush=True)
        else:
            r["load_test"] = {"skipped": "wrk not available"}
        step("two workers without Redis, each its own memory cache")
        servers[0].stop()
        servers = [Server(env, 1, "worker-1", WORK), Server(env, 1, "worker-2", WORK)]
        r["two_workers"] = two_workers(servers[0], servers[1], r["admin"])
        print(f"  {r['two_workers']}")
    finally:
        for server in servers:
            server.stop()

    r["minutes"] = (time.monotonic() - started) / 60
    r["load_after"] = load_average()
    table = report(r)
    RESULTS.write_text(table)
    step(f"results (also in {RESULTS.relative_to(ROOT)})")
    print(table)


if __name__ == "__main__":
    main()
