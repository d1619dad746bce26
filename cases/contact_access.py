"""Who may read and who may enter relatives' contact details (privacy rule 5): one rule.

The permission reads every relative's; the advocate assigned to a case reads those of its
relatives, one record at a time (the case page's inline, the relative's page), and nothing
that spans records: filtering, ordering and exporting by them need the permission; a search by
phone looks only among the cases the user may read them in (searchable_kinships).

Every path that shows, filters, orders, searches, exports or imports relatives asks here: the
changelists' URL lookups and ordering (cases.admin.lookups), search, list filters and
autocomplete, the forms and inlines, the history pages, the exports and the persons import.
A field hidden from a user is hidden whole: its value, and whatever a filter, an order or a
comparison with it would tell.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP

from cases.models import DetainedPerson, Kinship, Relative
from cases.roles import APP_LABEL, CONTACT_DETAILS

CONTACT_PERMISSION = f"{APP_LABEL}.{CONTACT_DETAILS}"
ADD_RELATIVE_PERMISSION = f"{APP_LABEL}.add_relative"
CHANGE_RELATIVE_PERMISSION = f"{APP_LABEL}.change_relative"

# Each model's fields that only holders of CONTACT_PERMISSION may read.
RESTRICTED_FIELDS: dict[type[models.Model], frozenset[str]] = {
    Relative: frozenset(Relative.CONTACT_FIELDS),
}


def restricted_fields(model: type[models.Model]) -> frozenset[str]:
    """The fields of `model` readable only with the permission, whoever asks."""
    # simple-history's copy of a model (Relative.history.model) holds the same values.
    model = getattr(model, "instance_type", model)
    return RESTRICTED_FIELDS.get(model._meta.concrete_model, frozenset())


def may_read_contact_details(
    user, relative: Relative | None = None, *, person: DetainedPerson | None = None
) -> bool:
    """Whether `user` may read relatives' phone, email and address: those of every relative
    with the permission (nobody signed in: no); without it, those of one recorded `relative`,
    or of `person`'s relatives, when the user is assigned to the relative's (or that) case.

    Asked without a relative or a person, it answers for every relative at once: the question
    lists, lookups, search, ordering and exports ask, which only the permission answers yes.
    """
    if user is None or not user.is_authenticated:
        return False
    if user.has_perm(CONTACT_PERMISSION):
        return True
    if person is not None:
        return person.pk is not None and person.assigned_to_id == user.pk
    if relative is not None and relative.pk is not None:
        return Kinship.objects.filter(relative=relative, person__assigned_to=user).exists()
    return False


def searchable_kinships(user) -> "models.QuerySet[Kinship] | None":
    """The kinships whose relatives' contact details a search may match for `user`: every one
    with the permission; without it, those of the cases assigned to the user (whose relatives'
    details the user reads anyway), so that a match tells nothing new; None for nobody."""
    if user is None or not user.is_authenticated:
        return None
    if may_read_contact_details(user):
        return Kinship.objects.all()
    return Kinship.objects.filter(person__assigned_to=user)


def hidden_fields(user, model: type[models.Model]) -> frozenset[str]:
    """The fields of `model` that `user` may not read in every record (history pages)."""
    if may_read_contact_details(user):
        return frozenset()
    return restricted_fields(model)


def may_enter_contact_details(user, relative: Relative | None = None) -> bool:
    """Whether a form or a sheet may take (and show back) a relative's contact details.

    A new relative's, from anyone who may add relatives: they are the ones typing them. A
    recorded relative's, only from those who may read them (the advocate assigned to the case
    included): showing the recorded value back would read it. Those who may change a recorded
    relative without reading it replace its details blind (may_replace_contact_details).
    """
    if relative is None or relative.pk is None:
        return user is not None and user.has_perm(ADD_RELATIVE_PERMISSION)
    return may_read_contact_details(user, relative)


def may_replace_contact_details(user, relative: Relative | None) -> bool:
    """Whether `user` may replace a recorded relative's contact details without reading them:
    anyone who may change relatives. The form shows what is recorded masked ("•••• 8877",
    mask_contact) and takes a new value, never giving the old one back."""
    return (
        relative is not None
        and relative.pk is not None
        and user is not None
        and user.has_perm(CHANGE_RELATIVE_PERMISSION)
    )


def mask_contact(field: str, value: str) -> str:
    """How a recorded contact detail shows to someone who may replace but not read it: the
    last four digits of a phone, which an advocate checks against what the family says;
    nothing of an email or an address."""
    if not value:
        return ""
    digits = "".join(char for char in value if char.isdigit())
    if field == "phone" and len(digits) >= 7:
        return f"•••• {digits[-4:]}"
    return "••••••••"


def path_reads_hidden_field(user, model: type[models.Model], path: str) -> bool:
    """Whether a lookup or an ordering ('kinships__relative__phone__startswith', '-phone',
    'petitioners__email') reads a field of `model`, or of a model it reaches through its
    relations, that `user` may not read. Whatever follows that field (a lookup, a transform,
    a typo) does not matter: it is refused as a whole."""
    if may_read_contact_details(user):
        return False
    for part in path.lstrip("-").split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # the fields end here: lookups and transforms follow, or nothing
        if field.name in restricted_fields(model):
            return True
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False


def ordering_reads_hidden_field(user, model: type[models.Model], ordering) -> bool:
    """Like path_reads_hidden_field, for one item of an ordering: a path or an expression
    (F("phone"), Lower("phone").desc()) whose field references are checked each."""
    if isinstance(ordering, str):
        return path_reads_hidden_field(user, model, ordering)
    if isinstance(ordering, models.F):
        return path_reads_hidden_field(user, model, ordering.name)
    sources = getattr(ordering, "get_source_expressions", lambda: [])()
    return any(
        ordering_reads_hidden_field(user, model, source)
        for source in sources
        if source is not None
    )
