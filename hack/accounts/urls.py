from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("my/", views.dashboard, name="dashboard"),
    path("my/profile/", views.profile, name="profile"),
    path("my/organization/new/", views.organization_create, name="organization-create"),
    path("my/organization/edit/", views.organization_edit, name="organization-edit"),
    path(
        "my/organization/invite/", views.organization_invite, name="organization-invite"
    ),
    path(
        "my/organization/members/<int:pk>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path(
        "invitations/<uuid:token>/", views.invitation_accept, name="invitation-accept"
    ),
]
