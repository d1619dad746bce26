"""Warm public requests through a WSGI application in a loop, in this process: the time of the
application's own work per request, without a server or a network. `make bench` runs it for the
app and for the bare application (BARE=1) and reports both.

    python bench/wsgi_loop.py [REQUESTS]   → one JSON line: {path: {"wall_us", "cpu_us"}}
"""

import io
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault(
    "DJANGO_SETTINGS_MODULE", "bench.bare.settings" if os.getenv("BARE") else "bench.settings"
)

import django  # noqa: E402

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

PATHS = ["/", "/statistics.json"]


def request(application: WSGIHandler, path: str) -> str:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    status = []
    b"".join(application(environ, lambda line, headers: status.append(line)))
    return status[0]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    application = WSGIHandler()
    results = {}
    for path in PATHS:
        for _ in range(3):  # rendered, kept, warm
            assert request(application, path).startswith("200"), path
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(count):
            request(application, path)
        results[path] = {
            "wall_us": (time.perf_counter() - wall) / count * 1e6,
            "cpu_us": (time.process_time() - cpu) / count * 1e6,
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
