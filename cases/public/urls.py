from django.urls import path

from cases.public import views

# The namespace of the public pages stays "cases" ("cases:dashboard"): templates and bookmarks
# name them so.
app_name = "cases"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("statistics.json", views.statistics_json, name="statistics_json"),
    path("statistics.csv", views.statistics_csv, name="statistics_csv"),
    path("language/", views.set_language, name="set_language"),
]
