from django.urls import path

from . import views

app_name = "pilots"

urlpatterns = [
    path("pilots/", views.pilot_list, name="pilot-list"),
    path("pilots/new/", views.pilot_create, name="pilot-create"),
    path("pilots/<int:pk>/", views.pilot_detail, name="pilot-detail"),
    path("pilots/<int:pk>/edit/", views.pilot_edit, name="pilot-edit"),
    path("pilots/<int:pk>/goals/new/", views.goal_create, name="goal-create"),
    path("pilots/<int:pk>/goals/<int:goal_pk>/", views.goal_edit, name="goal-edit"),
    path(
        "pilots/<int:pk>/goals/<int:goal_pk>/delete/",
        views.goal_delete,
        name="goal-delete",
    ),
    path(
        "pilots/<int:pk>/milestones/new/",
        views.milestone_create,
        name="milestone-create",
    ),
    path(
        "pilots/<int:pk>/milestones/<int:milestone_pk>/",
        views.milestone_edit,
        name="milestone-edit",
    ),
    path(
        "pilots/<int:pk>/milestones/<int:milestone_pk>/delete/",
        views.milestone_delete,
        name="milestone-delete",
    ),
    path("pilots/<int:pk>/results/", views.results_edit, name="results-edit"),
    path("pilots/<int:pk>/finish/", views.pilot_finish, name="pilot-finish"),
    path("pilots/<int:pk>/cancel/", views.pilot_cancel, name="pilot-cancel"),
    path(
        "pilots/<int:pk>/implemented/",
        views.need_implemented,
        name="need-implemented",
    ),
]
