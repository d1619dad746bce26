"""A small hand-written factory: a few named people and the records around them."""

import datetime
import itertools

from django.contrib.auth.models import Permission, User

from cases.models import (
    Authority,
    DatePrecision,
    DetainedPerson,
    Kinship,
    Outcome,
    Petition,
    Place,
    Relative,
    Status,
)
from cases.services import record_outcome, save_petition

_counter = itertools.count(1)


def make_person(full_name: str | None = None, **fields) -> DetainedPerson:
    fields.setdefault("status", Status.CAMP)
    if "detained_on" in fields:
        fields.setdefault("detained_on_precision", DatePrecision.YEAR)
    return DetainedPerson.objects.create(
        full_name=full_name or f"Generated Person {next(_counter)}", **fields
    )


def make_relative(full_name: str | None = None, **fields) -> Relative:
    return Relative.objects.create(full_name=full_name or f"Relative {next(_counter)}", **fields)


def make_kinship(person: DetainedPerson, relative: Relative, **fields) -> Kinship:
    fields.setdefault("relationship", Kinship.Relationship.CHILD)
    return Kinship.objects.create(person=person, relative=relative, **fields)


def make_petition(*persons: DetainedPerson, authority: str = "president", **fields) -> Petition:
    fields.setdefault("status", Petition.Status.SUBMITTED)
    if fields["status"] != Petition.Status.DRAFT:
        fields.setdefault("submitted_on", datetime.date(2019, 3, 1))
    petition = Petition(authority=Authority.objects.get(code=authority), **fields)
    save_petition(petition)
    petition.persons.set(persons)
    return petition


def make_outcome(person: DetainedPerson, kind: str, on: datetime.date, **fields) -> Outcome:
    fields.setdefault("occurred_on_precision", DatePrecision.DAY)
    outcome = Outcome(person=person, kind=kind, occurred_on=on, **fields)
    record_outcome(outcome)
    return outcome


def place(code: str) -> Place:
    return Place.objects.get(code=code)


def make_user(username: str, *, superuser: bool = False, perms: tuple[str, ...] = ()) -> User:
    """A staff user; `perms` are 'app.codename' strings, e.g. 'cases.view_relative'."""
    user = User.objects.create_user(
        username, f"{username}@example.org", "correct horse battery", is_staff=True
    )
    user.is_superuser = superuser
    user.save()
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def make_persons(count: int, **fields) -> list[DetainedPerson]:
    """`count` people alike in `fields`: a small population for the public statistics."""
    return [make_person(**fields) for _ in range(count)]


def serve_public_pages(settings) -> None:
    """Public pages start with no cached numbers."""
    from cases.public import cache

    cache.forget()


def unchanged_post_data(response) -> dict:
    """What a browser sends back from the admin form in `response` when nobody edits it."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is not None:
                data[form.add_prefix(name)] = value
    return data
