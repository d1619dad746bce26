// What Django's admin leaves without an accessible name, named (tests/test_accessibility.py):
// the fields of tabular inlines (their label is the column header) and the autocomplete
// widgets (select2 draws its own box beside the hidden select, without the select's label).
// New rows and re-drawn widgets are named as they appear.
"use strict";
{
  const text = (element) => (element ? element.textContent.replace(/\s+/g, " ").replace(/[:*]\s*$/, "").trim() : "");

  function fieldName(field) {
    if (field.labels && field.labels.length) {
      return text(field.labels[0]);
    }
    const cell = field.closest("td[class*='field-']");
    const table = field.closest("table");
    if (!cell || !table) {
      return "";
    }
    const column = [...cell.classList].find((name) => name.startsWith("field-"));
    return text(table.querySelector(`thead th.column-${column.slice("field-".length)}`));
  }

  function nameInlineFields(root) {
    root.querySelectorAll(".tabular td input, .tabular td select, .tabular td textarea").forEach((field) => {
      if (field.type === "hidden" || field.getAttribute("aria-label")) {
        return;
      }
      const name = fieldName(field);
      if (name && !(field.labels && field.labels.length)) {
        field.setAttribute("aria-label", name);
      }
    });
  }

  function nameAutocompletes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach((select) => {
      const widget = select.nextElementSibling;
      if (!widget || !widget.classList.contains("select2")) {
        return;
      }
      const name = fieldName(select);
      widget.querySelectorAll(".select2-selection, .select2-search__field, .select2-selection__rendered[role]").forEach((element) => {
        if (name && element.getAttribute("aria-label") !== name) {
          element.setAttribute("aria-label", name);
        }
      });
      // select2 puts its "clear" button inside the list of chosen items: a list holds items.
      widget.querySelectorAll("ul.select2-selection__rendered").forEach((list) => {
        [...list.children].filter((child) => child.tagName !== "LI").forEach((child) => list.before(child));
      });
    });
  }

  function nameAll() {
    nameInlineFields(document);
    nameAutocompletes(document);
  }

  document.addEventListener("DOMContentLoaded", () => {
    nameAll();
    new MutationObserver(nameAll).observe(document.body, { childList: true, subtree: true });
  });
}
