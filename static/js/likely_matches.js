// A case's page shows the cases that may be the same person once they are found: the search
// takes longer than the rest of the page (cases/admin/persons.py, likely_matches_view).
document.addEventListener("DOMContentLoaded", () => {
  for (const slot of document.querySelectorAll("[data-likely-matches]")) {
    fetch(slot.dataset.likelyMatches, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : ""))
      .then((html) => {
        slot.innerHTML = html; // the admin's own page, escaped by its template
      })
      .catch(() => {});
  }
});
