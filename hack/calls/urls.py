from django.urls import path

from . import staff_views, views

app_name = "calls"

urlpatterns = [
    # Public and organisation members
    path("calls/<int:pk>/questions/", views.question_ask, name="question-ask"),
    path(
        "calls/<int:pk>/documents/<int:document_pk>/",
        views.call_document_download,
        name="call-document-download",
    ),
    path("calls/<int:pk>/proposal/", views.proposal_start, name="proposal-start"),
    path("my/proposals/", views.my_proposals, name="proposal-list-mine"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal-detail"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="proposal-edit"),
    path(
        "proposals/<int:pk>/autosave/",
        views.proposal_autosave,
        name="proposal-autosave",
    ),
    path("proposals/<int:pk>/submit/", views.proposal_submit, name="proposal-submit"),
    path(
        "proposals/<int:pk>/withdraw/",
        views.proposal_withdraw,
        name="proposal-withdraw",
    ),
    path("proposals/<int:pk>/reopen/", views.proposal_reopen, name="proposal-reopen"),
    path(
        "proposals/<int:pk>/attachments/",
        views.attachment_upload,
        name="attachment-upload",
    ),
    path(
        "proposals/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path(
        "proposals/<int:pk>/attachments/<int:attachment_pk>/delete/",
        views.attachment_delete,
        name="attachment-delete",
    ),
    # Department staff and coordinators
    path("manage/calls/", staff_views.call_list, name="call-list"),
    path(
        "manage/needs/<int:need_pk>/call/new/",
        staff_views.call_create,
        name="call-create",
    ),
    path("manage/calls/<int:pk>/", staff_views.call_manage, name="call-manage"),
    path("manage/calls/<int:pk>/edit/", staff_views.call_edit, name="call-edit"),
    path(
        "manage/calls/<int:pk>/documents/<int:document_pk>/delete/",
        staff_views.call_document_delete,
        name="call-document-delete",
    ),
    path(
        "manage/questions/<int:pk>/answer/",
        staff_views.question_answer,
        name="question-answer",
    ),
    path(
        "manage/proposals/<int:pk>/review/",
        staff_views.proposal_review,
        name="proposal-review",
    ),
    path(
        "manage/proposals/<int:pk>/conflict/",
        staff_views.proposal_conflict,
        name="proposal-conflict",
    ),
    path(
        "manage/proposals/<int:pk>/decide/",
        staff_views.proposal_decide,
        name="proposal-decide",
    ),
    path(
        "manage/proposals/<int:pk>/access-log/",
        staff_views.proposal_access_log,
        name="proposal-access-log",
    ),
]
