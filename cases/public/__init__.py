"""What the public sees: counts only, never a person (the privacy rules of docs/architecture.md).

vocabulary.py names the cells; tallies.py counts them ahead with every change and sends
`counts_changed`; perturbation.py protects each count; statistics.py sums and publishes them;
cache.py keeps what was computed until a count moves; filters.py, views.py and urls.py serve
the page and the open data files.
"""
