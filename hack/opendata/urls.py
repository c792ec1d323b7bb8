"""/api/… (outside i18n_patterns: one address per dataset in every language;
the answer's language follows Accept-Language or the language cookie).

The dataset patterns are generic: the registry (datasets.py) says which names
exist, so a dataset registered by another app (cms) needs no URL of its own.
"""

from django.urls import path, re_path

from . import views

app_name = "opendata"
urlpatterns = [
    path("", views.home, name="home"),
    path("openapi.json", views.openapi_document, name="openapi"),
    path("v1/", views.dataset_index, name="dataset-index"),
    path("v1/<slug:dataset>/", views.dataset_list, name="dataset-list"),
    path("v1/<slug:dataset>.csv", views.dataset_csv, name="dataset-csv"),
    path("v1/<slug:dataset>/<int:id>/", views.dataset_detail, name="dataset-detail"),
    # Last: a JSON 404 for any other path ending in "/" (without the slash,
    # CommonMiddleware first tries the address with one).
    re_path(r"^(?P<rest>[\s\S]*/)$", views.unknown_path, name="not-found"),
]
