"""The form renderer (casetracker/form_renderer.py) draws every widget and error list of every
admin form exactly as Django's own templates do: each admin's add and change form and its
inlines' forms, unbound, bound to the model case, and bound to bad input with their errors."""

import pytest
from django.contrib import admin
from django.forms.renderers import DjangoTemplates
from django.test import RequestFactory
from django.utils.safestring import mark_safe

from cases.models import DetainedPerson
from casetracker.form_renderer import FormRenderer, formatted
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db

DJANGO = DjangoTemplates()
OURS = FormRenderer()


def drawn(form, renderer) -> list[str]:
    form.renderer = renderer
    fields = [str(field) for field in form] + [field.label_tag() for field in form]
    fields += [field.legend_tag() for field in form]
    fields += [field.label_tag(tag="span") for field in form]
    errors = [str(field.errors) for field in form] + [str(form.non_field_errors())]
    return fields + errors


def forms_of(model_admin, request, obj):
    form_class = model_admin.get_form(request, obj, change=obj is not None)
    yield form_class(instance=obj)
    yield form_class(data={"full_name": "<b>&\"'", "birth_year": "not a year"}, instance=obj)
    for formset, _inline in model_admin.get_formsets_with_inlines(request, obj):
        prefix = formset.get_default_prefix()
        yield from formset(instance=obj, prefix=prefix).forms
        yield formset(instance=obj, prefix=prefix).empty_form


@pytest.fixture
def request_of_a_coordinator():
    request = RequestFactory().get("/admin/")
    request.user = make_user("carol", superuser=True)
    return request


def test_every_admin_form_is_drawn_as_djangos_templates_draw_it(request_of_a_coordinator):
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    make_person('Name with <tags> & "quotes"', birth_year=1985, other_names="a\nb")
    compared = 0
    for model, model_admin in admin.site._registry.items():
        objects = (
            [None, *model.objects.order_by("pk")[:2]]
            if model_admin.has_add_permission(request_of_a_coordinator)
            else [*model.objects.order_by("pk")[:2]]
        )
        for obj in objects:
            for form in forms_of(model_admin, request_of_a_coordinator, obj):
                assert drawn(form, OURS) == drawn(form, DJANGO), (model.__name__, obj)
                compared += 1
    assert compared > 100
    assert DetainedPerson.objects.count() > 1


@pytest.mark.parametrize(
    "value", ["plain", "<b>&\"'", mark_safe("<i>safe</i>"), 2018, 3.5, ("one",), (1, 2), None]
)
def test_a_value_is_formatted_as_stringformat_does(value):
    from django.template import Context, Template

    template = Template("{{ value|stringformat:'s' }}")
    assert formatted(value) == template.render(Context({"value": value}))
