from django.urls import path

from . import views

app_name = "seeds"

urlpatterns = [
    path("my/seeds/", views.my_seeds, name="seed-list-mine"),
    path("my/seeds/new/", views.seed_create, name="seed-create"),
    path("my/seeds/<int:pk>/", views.seed_preview, name="seed-preview"),
    path("my/seeds/<int:pk>/edit/", views.seed_edit, name="seed-edit"),
    path("my/seeds/<int:pk>/submit/", views.seed_submit, name="seed-submit"),
    path("my/seeds/<int:pk>/withdraw/", views.seed_withdraw, name="seed-withdraw"),
    path(
        "organizations/<int:pk>/", views.organization_detail, name="organization-detail"
    ),
]
