"""Demo data: the source story as the model case (story.py), and generated families to try the
app at scale (generator.py). `manage.py load_demo` loads them."""
