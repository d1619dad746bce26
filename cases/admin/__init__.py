"""Data entry: one page holds a whole family case; changelists answer how advocates ask.

Django's autodiscover imports this package; importing its modules registers each model's admin:
persons (a case with its relatives, consents, petitions, outcomes and evidence on one page,
and the outcomes' list), consents (their own list and export), relatives, petitions (with the
follow-up page), reference (evidence and the reference lists), users (staff accounts and their
invitations) and, last, the read log. The other modules are what these share: filters, search,
rows, lookups, history, concurrency, paginator, worklist.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cases.admin import (  # noqa: F401
    consents,
    letters,
    persons,
    petitions,
    reference,
    relatives,
    users,
)
from cases.admin.readlog import ReadEventAdmin
from cases.models import ReadEvent

admin.site.site_header = _("casetracker: case register")
admin.site.site_title = _("casetracker")
admin.site.index_title = _("Cases, relatives and petitions")

admin.site.register(ReadEvent, ReadEventAdmin)
