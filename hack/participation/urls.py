from django.urls import path

from . import views

app_name = "participation"

urlpatterns = [
    path("participation/", views.figures, name="figures"),
    path("manage/participation/", views.dashboard, name="dashboard"),
    path("manage/participation/targets/", views.target_list, name="target-list"),
    path("manage/participation/targets/add/", views.target_add, name="target-add"),
    path(
        "manage/participation/targets/<int:pk>/",
        views.target_edit,
        name="target-edit",
    ),
]
