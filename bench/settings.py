"""The app's settings with the bench's URLconf, which adds a bare view to compare against."""

import os

from casetracker.settings import *  # noqa: F403
from casetracker.settings import STATIC_ROOT

ROOT_URLCONF = "bench.urls"
# DEBUG off serves hashed static files: bench/run.py collects them into a folder of its own.
STATIC_ROOT = os.getenv("BENCH_STATIC_ROOT", STATIC_ROOT)
