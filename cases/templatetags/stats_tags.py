"""Showing suppressed counts and drawing bar charts as SVG on the server (no JavaScript)."""

import textwrap
from dataclasses import dataclass

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.public.statistics import Cell, OfficialFigure

register = template.Library()

# Chart geometry, in CSS pixels: text keeps its size on a phone, bars stretch with the width.
LINE = 18  # label line height
BAR = 14  # bar thickness
GAP = 14  # space below each row
WRAP = 42  # characters per label line: fits a 320 px phone screen at 14 px
MAX_BAR = 80  # per cent of the width the longest bar takes, leaving room for its number


@register.filter
def count(value: int | None, min_cell: int) -> str:
    """A count as the public sees it: the number, or 'fewer than 5' when suppressed."""
    if value is None:
        return _("fewer than %(min_cell)s") % {"min_cell": min_cell}
    return number_format(value, force_grouping=True)


def _cited(name: str, url: str) -> str:
    if not url:
        return format_html("{}", name)
    return format_html('<a href="{}" rel="noopener noreferrer external">{}</a>', url, name)


@register.filter
def publisher_link(figure: OfficialFigure) -> str:
    """Who published an official figure, linked to where they did."""
    return _cited(figure.publisher_name, figure.publisher_url)


@register.filter
def source_link(figure: OfficialFigure) -> str:
    """Where an official figure was read (the medium that reported it), linked."""
    return _cited(figure.source_name, figure.source_url)


@register.filter
def days(value: int | None) -> str:
    if value is None:
        return _("too few to show")
    return ngettext("%(days)s day", "%(days)s days", value) % {
        "days": number_format(value, force_grouping=True)
    }


@register.filter
def percent(value: int | None) -> str:
    if value is None:
        return _("too few to show")
    return _("%(percent)s%%") % {"percent": value}


@dataclass(frozen=True)
class Row:
    lines: list[tuple[int, str]]  # (baseline y, text)
    bar_y: int
    bar_width: float  # per cent
    text_y: int
    text: str
    suppressed: bool


@register.inclusion_tag("cases/_bar_chart.html")
def bar_chart(name: str, title: str, cells: list[Cell], min_cell: int) -> dict:
    """A horizontal bar chart: each label above its bar, the number at the bar's end."""
    largest = max((cell.count or 0 for cell in cells), default=0)
    rows, y = [], 0
    for cell in cells:
        wrapped = textwrap.wrap(cell.label, WRAP) or [cell.label]
        lines = [(y + 14 + index * LINE, text) for index, text in enumerate(wrapped)]
        bar_y = y + len(wrapped) * LINE + 2
        width = MAX_BAR * cell.count / largest if cell.count and largest else 0
        rows.append(
            Row(
                lines=lines,
                bar_y=bar_y,
                bar_width=round(width, 2),
                text_y=bar_y + BAR - 2,
                text=count(cell.count, min_cell),
                suppressed=cell.suppressed,
            )
        )
        y = bar_y + BAR + GAP
    return {"name": name, "title": title, "rows": rows, "height": max(y - GAP + 2, 1), "bar": BAR}


@register.simple_tag
def data_url(base: str, query: str) -> str:
    return f"{base}?{query}" if query else base
