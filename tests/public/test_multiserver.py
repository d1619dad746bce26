"""Several app servers, or workers: a change made through one shows at the next request of
every other, with the same numbers and the same ETag.

Each gunicorn here runs one worker, so a request to a server is a request to that worker: two
of them are two workers that keep their caches apart, as `gunicorn -w 2` without Redis does.
They serve one database, migrated here once and copied for each test: a SQLite file, or on
PostgreSQL (when the suite runs on it, DATABASE_URL) a database of this run's own, dropped
afterwards. Without Redis each worker caches in its own memory; with Redis (REDIS_URL; database
15 under a key prefix of this run's own, removed afterwards; skipped when no Redis answers on
127.0.0.1:6379) they share it.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings

from tests.public.publishing import exact_key

# Under `make test` (pytest-xdist) the module's tests stay on one worker, so that its database
# is migrated once, not once per worker.
pytestmark = pytest.mark.xdist_group("multiserver")

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.getenv("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PERSONS = 12


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def setup_code() -> str:
    """Twelve cases and a signed-in coordinator. The second case carries all the record keys
    (the others have 0), chosen so that the 12 cases, and the 11 left once the first is deleted,
    are published exactly as counted."""
    key = exact_key(PERSONS, PERSONS - 1)
    return f"""
from django.contrib.auth.models import User
from django.test import Client
from cases.models import DetainedPerson
for n in range({PERSONS}):
    DetainedPerson.objects.create(
        full_name=f"Test Person {{n}}", status="camp", record_key={key} if n == 1 else 0
    )
user = User.objects.create_superuser("coordinator", password=None)
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(user)
print(client.cookies["{settings.SESSION_COOKIE_NAME}"].value)
"""


class Site:
    def __init__(self, env: dict, session: str) -> None:
        self.env = env
        self.session = session
        self.servers: list[tuple[subprocess.Popen, str]] = []

    def start_server(self) -> str:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        # gunicorn serves a socket bound here to a port the system picks: no other process (a
        # live server, a gunicorn of another test worker) can take the port in between.
        with socket.create_server(("127.0.0.1", 0)) as listener:
            port = listener.getsockname()[1]
            fd = listener.fileno()
            process = subprocess.Popen(
                [str(gunicorn), "casetracker.wsgi", f"--bind=fd://{fd}", "--workers=1"],
                cwd=ROOT,
                env=self.env,
                pass_fds=[fd],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        url = f"http://127.0.0.1:{port}"
        self.servers.append((process, url))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                urllib.request.urlopen(url + "/statistics.json", timeout=5)
                return url
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn on port {port} did not start")

    def stop(self) -> None:
        for process, _url in self.servers:
            process.terminate()
            process.wait(timeout=20)


class Databases:
    """A migrated database with the twelve cases, and a copy of it for each test."""

    def __init__(self, tmp_path: Path) -> None:
        configured = os.getenv("DATABASE_URL", "")
        self.postgresql = configured.startswith(("postgres://", "postgresql://"))
        self.tmp_path = tmp_path
        self.copies: list[str] = []
        if self.postgresql:
            self.parts = urllib.parse.urlsplit(configured)
            self.base = f"ct_servers_{uuid.uuid4().hex[:8]}"
            self._sql(f"CREATE DATABASE {self.base} ENCODING 'UTF8' TEMPLATE template0")
            self.url = self._url(self.base)
        else:
            self.url = f"sqlite:///{tmp_path / 'db.sqlite3'}"

    def _url(self, name: str) -> str:
        return urllib.parse.urlunsplit(self.parts._replace(path=f"/{name}"))

    def _sql(self, statement: str) -> None:
        with psycopg.connect(self._url("postgres"), autocommit=True) as connection:
            connection.execute(statement)

    def copy(self) -> str:
        name = f"copy{len(self.copies)}"
        if self.postgresql:
            self._sql(f"CREATE DATABASE {self.base}_{name} TEMPLATE {self.base}")
            self.copies.append(f"{self.base}_{name}")
            return self._url(f"{self.base}_{name}")
        shutil.copy(self.tmp_path / "db.sqlite3", self.tmp_path / f"{name}.sqlite3")
        self.copies.append(name)
        return f"sqlite:///{self.tmp_path / f'{name}.sqlite3'}"

    def drop(self) -> None:
        if self.postgresql:
            for name in [*self.copies, self.base]:
                self._sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def site_env(database_url: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        # The admin pages read static files from the source tree, as in `make run`.
        "DEBUG": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "ERROR",
    }
    for name in ("DJANGO_SETTINGS_MODULE", "REDIS_URL", "CACHE_KEY_PREFIX"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    """Migrated once, with the cases and a signed-in coordinator: (databases, session)."""
    databases = Databases(tmp_path_factory.mktemp("servers"))
    env = site_env(databases.url)
    manage = [sys.executable, "manage.py"]
    try:
        subprocess.run(
            [*manage, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        setup = subprocess.run(
            [*manage, "shell", "-c", setup_code()],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        yield databases, setup.stdout.decode().strip().splitlines()[-1]
    finally:
        databases.drop()


@pytest.fixture
def site(databases):
    """Servers sharing a copy of the database, each with its own memory cache."""
    copies, session = databases
    site = Site(site_env(copies.copy()), session)
    yield site
    site.stop()


@pytest.fixture
def redis_site(site):
    """The same servers sharing a cache in Redis."""
    if not redis_answers():
        pytest.skip(f"Redis does not answer at {REDIS_URL}: start redis-server")
    prefix = f"test-multiserver-{uuid.uuid4().hex[:8]}"
    site.env |= {"REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": prefix}
    yield site
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def statistics(server: str, etag: str = "") -> tuple[int, int | None, str]:
    """The HTTP status, the persons counted and the ETag of the server's /statistics.json."""
    request = urllib.request.Request(server + "/statistics.json")
    if etag:
        request.add_header("If-None-Match", etag)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            persons = json.load(response)["totals"]["persons"]
            return response.status, persons, response.headers["ETag"]
    except urllib.error.HTTPError as error:  # urllib raises on a 304
        return error.code, None, error.headers["ETag"]


def persons_counted(server: str) -> int:
    return statistics(server)[1]


def delete_case_in_admin(server: str, session: str, case_number: str) -> int:
    """Select the case on the persons changelist and confirm "delete selected", as a
    coordinator would. Returns the HTTP status of the confirmation."""
    changelist = server + "/admin/cases/detainedperson/"
    cookies = {settings.SESSION_COOKIE_NAME: session}

    def send(url: str, data: dict | None = None):
        request = urllib.request.Request(url, data=data and urllib.parse.urlencode(data).encode())
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            cookies[name] = value
        return response.status, response.read().decode()

    status, page = send(f"{changelist}?q={case_number}")
    assert status == 200, status
    pk = re.search(r'name="_selected_action" value="(\d+)"', page)[1]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    status, _page = send(
        changelist,
        {
            "csrfmiddlewaretoken": token,
            "action": "delete_selected",
            "_selected_action": pk,
            "post": "yes",
        },
    )
    return status


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.parametrize(
    "state_file",
    [None, ""],
    ids=["workers-told-by-the-state-file", "row-read-on-every-request"],
)
def test_without_redis_every_worker_shows_a_change_at_its_next_request(site, state_file):
    if state_file is not None:
        site.env["PUBLIC_STATE_FILE"] = state_file
    first = site.start_server()
    second = site.start_server()
    # Each worker renders and keeps the page in its own memory.
    _status, persons, tag = statistics(first)
    assert statistics(second) == (200, persons, tag) == (200, PERSONS, tag)
    assert statistics(first) == statistics(second) == (200, PERSONS, tag)
    # The same data state gives the same ETag: a copy from one worker is valid at the other.
    assert statistics(second, etag=tag)[0] == 304

    assert delete_case_in_admin(first, site.session, "C-00001") == 302

    status, persons, new_tag = statistics(second)
    assert (status, persons) == (200, PERSONS - 1) and new_tag != tag
    assert statistics(first) == (200, PERSONS - 1, new_tag)
    assert statistics(first, etag=tag)[:2] == (200, PERSONS - 1)
    assert statistics(first, etag=new_tag)[0] == statistics(second, etag=new_tag)[0] == 304


def test_a_change_made_on_the_command_line_shows_at_the_next_request_of_every_worker(site):
    first = site.start_server()
    second = site.start_server()
    _status, persons, tag = statistics(first)
    assert statistics(second) == (200, persons, tag)

    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", DELETE_FIRST_CASE],
        cwd=ROOT,
        env=site.env,
        check=True,
    )

    assert statistics(first)[:2] == statistics(second)[:2] == (200, PERSONS - 1)
    assert statistics(first)[2] == statistics(second)[2] != tag


DELETE_FIRST_CASE = """
from cases.models import DetainedPerson
DetainedPerson.objects.get(case_number="C-00001").delete()
"""


def test_with_redis_a_case_deleted_through_one_server_shows_at_once_in_the_other(redis_site):
    first = redis_site.start_server()
    second = redis_site.start_server()
    # The second server now holds the numbers in the shared cache.
    assert persons_counted(second) == PERSONS
    assert persons_counted(second) == PERSONS

    assert delete_case_in_admin(first, redis_site.session, "C-00001") == 302

    assert persons_counted(second) == PERSONS - 1
    assert persons_counted(first) == PERSONS - 1


def test_db_pool_gives_postgresql_a_connection_pool():
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], sorted(d['OPTIONS']['pool']))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://bench@127.0.0.1:5432/nowhere",
        "DB_POOL": "1",
        "DJANGO_SETTINGS_MODULE": "casetracker.settings",
    }
    output = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert output.split() == ["0", "['max_size',", "'min_size',", "'timeout']"]
