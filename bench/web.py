"""HTTP for the bench: gunicorn servers on 127.0.0.1, a load generator, a small browser.

Every request goes to 127.0.0.1 only, and every load is bounded in time and connections.
"""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving the app (with bench/urls.py), or the bare app (`bench.bare.wsgi`), on a
    free port of 127.0.0.1."""

    def __init__(
        self, env: dict, workers: int, label: str, log_dir: Path, app: str = "casetracker.wsgi"
    ) -> None:
        self.port = free_port()
        self.label = label
        self.log = open(log_dir / f"gunicorn-{label}.log", "wb")  # noqa: SIM115
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                app,
                f"--bind={HOST}:{self.port}",
                f"--workers={workers}",
                "--worker-class=sync",
                "--keep-alive=5",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.label} exited; see {self.log.name}")
            try:
                if Browser(self.url).get("/bench/bare/").status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.label} did not answer in {timeout} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class Response:
    def __init__(self, status: int, headers, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class Browser:
    """Keeps one connection and the cookies, as a browser would, for one server."""

    def __init__(self, base_url: str, cookies: dict | None = None) -> None:
        parts = urllib.parse.urlsplit(base_url)
        assert parts.hostname == HOST, "the bench talks to 127.0.0.1 only"
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.cookies = dict(cookies or {})

    def request(self, method: str, path: str, data: dict | list | None = None) -> Response:
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            raw = self.connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed a kept-alive connection: open a new one, once.
            self.connection.close()
            self.connection.request(method, path, body=body, headers=headers)
            raw = self.connection.getresponse()
        response = Response(raw.status, raw.headers, raw.read())
        for header in raw.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict | list) -> Response:
        return self.request("POST", path, data)

    def timed_get(self, path: str) -> float:
        started = time.perf_counter()
        response = self.get(path)
        seconds = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}")
        return seconds


class FormReader(HTMLParser):
    """The fields a browser would send when submitting the form with id `form_id` unchanged."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "__prefix__" in attrs.get("name", ""):
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
                return
            self.fields.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select, self._options = name, []
            self._multiple = "multiple" in attrs
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and self._options and not self._multiple:
                chosen = [self._options[0][0]]
            self.fields.extend((self._select, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the one newline that follows <textarea>.
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    reader = FormReader(form_id)
    reader.feed(html)
    return reader.fields


def change_status(browser: Browser, change_url: str, status: str) -> None:
    """Submit the person's admin change form as a browser would, with another status."""
    page = browser.get(change_url)
    assert page.status == 200, page.status
    fields = [(k, v) for k, v in form_fields(page.text, "detainedperson_form") if k != "status"]
    fields += [("status", status), ("_save", "Save")]
    response = browser.post(change_url, fields)
    if response.status != 302:
        raise RuntimeError(f"the admin refused the change ({response.status})")


def current_status(browser: Browser, change_url: str) -> str:
    page = browser.get(change_url)
    return dict(form_fields(page.text, "detainedperson_form"))["status"]


# --- Load generation ---------------------------------------------------------------------------


def ensure_wrk() -> str | None:
    """wrk from Debian's packages, installed if missing and we may; None if it cannot be had."""
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("  installing wrk (apt-get install -y wrk)…", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", "wrk"]
        if subprocess.run(install, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
            subprocess.run(install, env=env, capture_output=True)
    return shutil.which("wrk")


def wrk_throughput(wrk: str, url: str, seconds: int, connections: int, threads: int) -> dict:
    """Requests per second that wrk gets from `url` over `seconds`."""
    output = subprocess.run(
        [
            wrk,
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={seconds}s",
            "--timeout=10s",
            "--header=Accept-Language: en",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{url}: {errors[1]} error responses under load\n{output}")
    return {"requests_per_second": rate, "tool": "wrk"}


def python_throughput(url: str, seconds: int, connections: int) -> dict:
    """The same measure without wrk: `connections` threads with kept-alive connections. Python's
    own overhead caps it lower than wrk, but bare view and page share that cap."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    deadline = time.monotonic() + seconds
    counts = [0] * connections
    failures: list[str] = []

    def worker(index: int) -> None:
        browser = Browser(f"{parts.scheme}://{parts.netloc}")
        while time.monotonic() < deadline:
            response = browser.get(path)
            if response.status != 200:
                failures.append(f"{path}: {response.status}")
                return
            browser.cookies.clear()  # like wrk: every request without cookies
            counts[index] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(failures[0])
    return {
        "requests_per_second": sum(counts) / (time.monotonic() - started),
        "tool": "python",
    }
