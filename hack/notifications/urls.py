from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("my/notifications/", views.notification_list, name="notification-list"),
    path(
        "my/notifications/read-all/",
        views.notification_read_all,
        name="notification-read-all",
    ),
    path(
        "my/notifications/<int:pk>/open/",
        views.notification_open,
        name="notification-open",
    ),
    path("my/notifications/settings/", views.notification_settings, name="settings"),
    path("my/subscriptions/", views.subscription_list, name="subscription-list"),
    path(
        "my/subscriptions/new/",
        views.subscription_create,
        name="subscription-create",
    ),
    path(
        "my/subscriptions/<int:pk>/edit/",
        views.subscription_edit,
        name="subscription-edit",
    ),
    path(
        "my/subscriptions/<int:pk>/delete/",
        views.subscription_delete,
        name="subscription-delete",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.unsubscribe,
        name="unsubscribe",
    ),
]
