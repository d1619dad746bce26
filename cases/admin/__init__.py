"""Data entry. Django's autodiscover imports this package; importing its modules registers
each model's admin."""

from django.contrib import admin

from cases.admin import persons, users  # noqa: F401
from cases.admin.readlog import ReadEventAdmin
from cases.models import ReadEvent

admin.site.register(ReadEvent, ReadEventAdmin)
