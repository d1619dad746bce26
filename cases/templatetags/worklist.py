"""`{% todays_work %}`: the lists of cases/admin/worklist.py on the admin index, each shown only
to users who may read what it lists."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django import template
from django.contrib import admin
from django.urls import reverse

from cases.admin import worklist
from cases.admin.filters import ChildrenStuckInChinaFilter
from cases.models import Consent, DetainedPerson, Petition, PetitionStatus, Relative

register = template.Library()


@dataclass
class WorkList:
    """Up to LIST_LENGTH rows of one list, and where to see them all when there are more."""

    rows: list
    all_url: str = ""
    more: bool = False


def first_rows(queryset, all_url: str = "") -> WorkList:
    # One row more than shown tells whether there are more, in the same query.
    rows = list(queryset[: worklist.LIST_LENGTH + 1])
    more = len(rows) > worklist.LIST_LENGTH
    return WorkList(rows=rows[: worklist.LIST_LENGTH], all_url=all_url, more=more)


def changelist(model, **params) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}"


def unanswered_url() -> str:
    """The petition changelist filtered as unanswered_petitions() filters."""
    waiting = [s for s in PetitionStatus.values if s not in worklist.NO_ANSWER_EXPECTED]
    return changelist(
        Petition,
        submitted_on__lt=worklist.unanswered_cutoff().isoformat(),
        response_received_on__isnull="True",
        status__in=",".join(waiting),
    )


def may_read(request, model) -> bool:
    return admin.site.get_model_admin(model).has_view_or_change_permission(request)


@register.inclusion_tag("admin/cases/worklist.html", takes_context=True)
def todays_work(context) -> dict:
    request = context["request"]
    lists = {}
    # The user's own work comes first: the cases assigned to them and their overdue follow-ups.
    if may_read(request, DetainedPerson):
        lists["mine"] = first_rows(
            worklist.my_cases(request.user), changelist(DetainedPerson, assignee="me")
        )
    if may_read(request, Petition):
        lists["my_overdue"] = first_rows(
            worklist.my_overdue_petitions(request.user), changelist(Petition, follow_up="mine")
        )
    if may_read(request, Petition):
        lists["overdue"] = first_rows(
            worklist.overdue_petitions(), changelist(Petition, follow_up="overdue")
        )
        lists["unanswered"] = first_rows(worklist.unanswered_petitions(), unanswered_url())
        lists["unanswered_days"] = worklist.unanswered_days()
    if may_read(request, DetainedPerson):
        lists["no_petition"] = first_rows(
            worklist.held_without_petition(),
            changelist(DetainedPerson, held="yes", petitions="none"),
        )
    if may_read(request, Consent):
        lists["consents_expiring"] = first_rows(
            worklist.consents_expiring(), changelist(Consent, state=Consent.State.EXPIRES_SOON)
        )
        lists["consent_warning_days"] = worklist.consent_expiry_warning_days()
    if may_read(request, DetainedPerson) and may_read(request, Consent):
        lists["no_consent"] = first_rows(
            worklist.cases_needing_consent(), changelist(DetainedPerson, consent="none")
        )
        lists["consent_withdrawn"] = first_rows(
            worklist.cases_consent_withdrawn(), changelist(DetainedPerson, consent="withdrawn")
        )
    if may_read(request, DetainedPerson):
        lists["recent"] = worklist.recent_case_changes()
        lists["recent_days"] = worklist.RECENT_DAYS
    if may_read(request, Relative):
        lists["stuck_children"] = worklist.children_stuck_in_china()
        lists["stuck_children_url"] = changelist(
            Relative, **{ChildrenStuckInChinaFilter.parameter_name: ChildrenStuckInChinaFilter.YES}
        )
    return lists
