from django.urls import path

from . import manage_views, views

app_name = "workspaces"

urlpatterns = [
    # Members (and organisations asking to join)
    path("workspaces/", views.group_list, name="group-list"),
    path("workspaces/<int:pk>/", views.workspace, name="workspace"),
    path("workspaces/<int:pk>/messages/", views.message_post, name="message-post"),
    path("workspaces/<int:pk>/notes/", views.notes_save, name="notes-save"),
    path(
        "workspaces/<int:pk>/notes/versions/",
        views.notes_versions,
        name="notes-versions",
    ),
    path(
        "workspaces/<int:pk>/meetings/new/",
        views.meeting_create,
        name="meeting-create",
    ),
    path(
        "workspaces/<int:pk>/meetings/<int:meeting_pk>/minutes/",
        views.meeting_minutes,
        name="meeting-minutes",
    ),
    path("workspaces/<int:pk>/files/", views.file_upload, name="file-upload"),
    path(
        "workspaces/<int:pk>/files/<int:file_pk>/",
        views.file_download,
        name="file-download",
    ),
    path(
        "workspaces/<int:pk>/files/<int:file_pk>/delete/",
        views.file_delete,
        name="file-delete",
    ),
    path("workspaces/<int:pk>/leave/", views.group_leave, name="group-leave"),
    path("workspaces/<int:pk>/join/", views.join_request, name="join-request"),
    # Coordinators and facilitators
    path("manage/working-groups/", manage_views.group_list, name="manage-list"),
    path(
        "manage/needs/<int:need_pk>/working-group/new/",
        manage_views.group_create,
        name="group-create",
    ),
    path("workspaces/<int:pk>/manage/", manage_views.group_manage, name="group-manage"),
    path(
        "workspaces/<int:pk>/manage/members/add/",
        manage_views.member_add,
        name="member-add",
    ),
    path(
        "workspaces/<int:pk>/manage/organizations/add/",
        manage_views.organization_add,
        name="organization-add",
    ),
    path(
        "workspaces/<int:pk>/manage/members/<int:member_pk>/remove/",
        manage_views.member_remove,
        name="member-remove",
    ),
    path(
        "workspaces/<int:pk>/manage/requests/<int:request_pk>/",
        manage_views.request_decide,
        name="request-decide",
    ),
    path(
        "workspaces/<int:pk>/manage/stage/",
        manage_views.stage_change,
        name="stage-change",
    ),
    path(
        "workspaces/<int:pk>/manage/close/",
        manage_views.group_close,
        name="group-close",
    ),
]
