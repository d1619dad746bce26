"""Run a piece of the project in a process whose memory is capped, to prove that hostile input
is refused in bounded memory (a test that blew the cap would take the test runner down)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from django.conf import settings


def run_with_memory_cap(code: str, scratch: Path, headroom_mb: int = 256):
    """Run `code` after django.setup() with the address space capped `headroom_mb` above what
    Django itself takes; return the finished process (its output as text)."""
    script = textwrap.dedent(
        f"""
        import resource
        import django
        django.setup()
        used = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
        cap = used + {headroom_mb} * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, resource.RLIM_INFINITY))
        """
    ) + textwrap.dedent(code)
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "casetracker.settings",
        # Never the project's own database, whatever the code does.
        "DATABASE_URL": f"sqlite:///{scratch / 'scratch.sqlite3'}",
    }
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
