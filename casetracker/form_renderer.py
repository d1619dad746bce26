"""Django's form renderer, with its most drawn templates written out in Python.

A case's admin page draws about 700 small templates: every widget's attributes, every option of
every select, and an error list for every field even when it is empty. At 100,000 cases that
rendering was two thirds of the page (113 of 164 ms, bench/NOTES.md); the empty error lists
alone cost 20 ms. This renderer answers those templates itself, byte for byte as Django's own
would (tests/test_form_renderer.py renders every admin form both ways and compares), and hands
everything else, including any widget with a template of its own, to Django's renderer.
"""

from django.forms.renderers import DjangoTemplates
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils.html import escape
from django.utils.safestring import SafeData

WIDGETS = "django/forms/widgets/"
# Django's widget templates that are only `{% include "django/forms/widgets/input.html" %}`, and
# that one. (Django's renderer strips what a template gives: the files' last newlines go.)
INPUTS = frozenset(
    f"{WIDGETS}{name}.html"
    for name in (
        "checkbox",
        "color",
        "date",
        "datetime",
        "email",
        "file",
        "hidden",
        "input",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    )
)
SELECT = f"{WIDGETS}select.html"
OPTION = f"{WIDGETS}select_option.html"
TEXTAREA = f"{WIDGETS}textarea.html"
LABEL = "django/forms/label.html"
ERROR_LISTS = frozenset(f"django/forms/errors/list/{name}.html" for name in ("default", "ul"))


# What `{{ value }}` does to a value (localised numbers and dates, escaped unless safe).
_CONTEXT = Context()


def shown(value) -> str:
    """`{{ value }}`."""
    return render_value_in_context(value, _CONTEXT)


def formatted(value) -> str:
    """`{{ value|stringformat:'s' }}`."""
    text = str(value) if isinstance(value, tuple) else f"{value}"
    return text if isinstance(value, SafeData) else escape(text)


def attributes(attrs: dict | None) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, ` name` for True, nothing for False."""
    return "".join(
        f" {shown(name)}" if value is True else f' {shown(name)}="{formatted(value)}"'
        for name, value in (attrs or {}).items()
        if value is not False
    )


def input_tag(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{formatted(widget["value"])}"'
    return (
        f'<input type="{shown(widget["type"])}" '
        f'name="{shown(widget["name"])}"{value}{attributes(widget["attrs"])}>'
    )


def option_tag(option: dict) -> str:
    return (
        f'<option value="{formatted(option["value"])}"{attributes(option["attrs"])}>'
        f"{shown(option['label'])}</option>\n"
    )


def select_tag(widget: dict) -> str | None:
    parts = [f'<select name="{shown(widget["name"])}"{attributes(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{shown(group_name)}">')
        for option in options:
            if option["template_name"] != OPTION:
                return None  # an option drawn by a template of its own
            parts.append("\n  " + option_tag(option))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def textarea_tag(widget: dict) -> str:
    value = shown(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{shown(widget["name"])}"{attributes(widget["attrs"])}>'
        f"\n{value}</textarea>"
    )


def label_tag(context: dict) -> str:
    if not context["use_tag"]:
        return shown(context["label"])
    tag = shown(context["tag"])
    return f"<{tag}{attributes(context['attrs'])}>{shown(context['label'])}</{tag}>"


class FormRenderer(DjangoTemplates):
    """settings.FORM_RENDERER."""

    def render(self, template_name, context, request=None):
        html = None
        if template_name in ERROR_LISTS and not context.get("errors"):
            html = ""
        elif template_name in INPUTS:
            html = input_tag(context["widget"])
        elif template_name == SELECT:
            html = select_tag(context["widget"])
        elif template_name == TEXTAREA:
            html = textarea_tag(context["widget"])
        elif template_name == LABEL:
            html = label_tag(context)
        if html is None:
            return super().render(template_name, context, request)
        return html
