"""What the public sees: counts only, never a person (the privacy rules of docs/architecture.md).

vocabulary.py names the cells; tallies.py counts them ahead with every change and sends
`counts_changed`; perturbation.py protects each count; statistics.py sums and publishes them;
cache.py keeps what was computed under the data's state, which a moved count renews;
filters.py, views.py and urls.py serve the page and the open data files; fastpath.py answers
anonymous requests for a copy already rendered before the session and sign-in middleware.
"""
