"""Text that a spreadsheet program would run as a formula, made plain text: every file made for
Excel or LibreOffice (the admin's exports, the public statistics CSV) escapes its cells here.

A cell that begins with one of FORMULA_TRIGGERS may run as a formula (=HYPERLINK(...) leaking
data, +cmd|..., @SUM...). OWASP: prefix such a cell with a quote.
"""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_ESCAPE = "'"


def escape_formula(value):
    """A text that a spreadsheet would read as a formula, made plain text; other values as they
    are."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return FORMULA_ESCAPE + value
    return value


def unescape_formula(value: str) -> str:
    """Undo escape_formula, so that an exported sheet imports as it was."""
    if value.startswith(FORMULA_ESCAPE) and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value
