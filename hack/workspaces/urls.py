from django.urls import path

from . import views

app_name = "workspaces"

urlpatterns = [
    path("workspaces/", views.group_list, name="group-list"),
    path("workspaces/<int:pk>/", views.workspace, name="workspace"),
    path("workspaces/<int:pk>/manage/", views.group_manage, name="group-manage"),
]
