"""WSGI entry point: `gunicorn casetracker.wsgi`."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casetracker.settings")

application = get_wsgi_application()

# An admin page makes a few hundred thousand short-lived objects: with Python's default
# thresholds the collector runs hundreds of times a page and now and then scans the whole heap.
# What is loaded by now lives as long as the process: frozen, no collection scans it again; and
# the youngest objects are collected every 50,000 allocations instead of 700. Measured on a case
# page at 100,000 cases, in process, 30 requests: median 145 → 131 ms, slowest 255 → 189 ms.
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 100)
