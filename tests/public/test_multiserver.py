"""Several app servers: a change made through one shows at once in the statistics of another.

Two gunicorn processes serve one SQLite file, migrated here, and share the cache in Redis
(REDIS_URL; database 15 under a key prefix of this run's own, removed afterwards). Skipped when
no Redis answers on 127.0.0.1:6379.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests.public.publishing import exact_key

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.getenv("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PERSONS = 12


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(
    not redis_answers(), reason=f"Redis does not answer at {REDIS_URL}: start redis-server"
)


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Site:
    def __init__(self, env: dict, session: str) -> None:
        self.env = env
        self.session = session
        self.servers: list[tuple[subprocess.Popen, str]] = []

    def start_server(self) -> str:
        port = free_port()
        gunicorn = Path(sys.executable).with_name("gunicorn")
        process = subprocess.Popen(
            [str(gunicorn), "casetracker.wsgi", f"--bind=127.0.0.1:{port}", "--workers=1"],
            cwd=ROOT,
            env=self.env,
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


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    prefix = f"test-multiserver-{uuid.uuid4().hex[:8]}"
    database = tmp_path_factory.mktemp("multiserver") / "db.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": prefix,
        # The admin pages read static files from the source tree, as in `make run`.
        "DEBUG": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    setup = subprocess.run(
        [*manage, "shell", "-c", setup_code()], cwd=ROOT, env=env, check=True, capture_output=True
    )
    site = Site(env, setup.stdout.decode().strip().splitlines()[-1])
    yield site
    site.stop()
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def persons_counted(server: str) -> int:
    with urllib.request.urlopen(server + "/statistics.json", timeout=30) as response:
        return json.load(response)["totals"]["persons"]


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


def test_case_deleted_through_one_server_leaves_the_other_servers_count_at_once(site):
    first = site.start_server()
    second = site.start_server()
    # The second server now holds the numbers in the shared cache.
    assert persons_counted(second) == PERSONS
    assert persons_counted(second) == PERSONS

    assert delete_case_in_admin(first, site.session, "C-00001") == 302

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
