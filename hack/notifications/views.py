from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from hack.accounts.views import add_service_errors

from . import services
from .forms import NotificationSettingsForm, SubscriptionForm
from .kinds import EmailCategory
from .models import Notification, Subscription
from .selectors import get_email_off, list_notifications_for

PAGE_SIZE = 20


@login_required
def notification_list(request):
    page = Paginator(list_notifications_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/notification_list.html", {"items": page})


@login_required
@require_POST
def notification_open(request, pk):
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.mark_notification_read(notification=notification, by=request.user)
    url = notification.url
    if not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        # Only links inside this site: a stored link never sends anyone away.
        return redirect("notifications:notification-list")
    return redirect(services.localised_path(url, get_language()))


@login_required
@require_POST
def notification_read_all(request):
    count = services.mark_all_notifications_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:notification-list")


@login_required
def notification_settings(request):
    email_off = get_email_off(request.user)
    form = NotificationSettingsForm(
        request.POST or None,
        initial={
            "language": services.language_of(request.user),
            "email_categories": [c for c in EmailCategory.values if c not in email_off],
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_notification_settings(
                user=request.user,
                language=form.cleaned_data["language"],
                email_categories=form.cleaned_data["email_categories"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:settings")
    return render(
        request,
        "notifications/settings.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


def _own_subscription(request, pk) -> Subscription:
    # Someone else's subscription is a 404: its existence is nobody's business.
    return get_object_or_404(
        Subscription.objects.select_related("department"), pk=pk, user=request.user
    )


@login_required
def subscription_list(request):
    subscriptions = Subscription.objects.filter(user=request.user).select_related(
        "department"
    )
    return render(
        request,
        "notifications/subscription_list.html",
        {"subscriptions": subscriptions},
    )


@login_required
def subscription_create(request):
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_subscription(user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("You are subscribed."))
            return redirect("notifications:subscription-list")
    return render(
        request,
        "notifications/subscription_form.html",
        {"form": form, "subscription": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def subscription_edit(request, pk):
    subscription = _own_subscription(request, pk)
    form = SubscriptionForm(
        request.POST or None,
        editing=True,
        initial={
            "kinds": subscription.kinds,
            "fields": subscription.fields,
            "department": subscription.department,
            "keyword": subscription.keyword,
            "frequency": subscription.frequency,
            "is_active": subscription.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_subscription(
                subscription=subscription, by=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The subscription is saved."))
            return redirect("notifications:subscription-list")
    return render(
        request,
        "notifications/subscription_form.html",
        {"form": form, "subscription": subscription},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def subscription_delete(request, pk):
    subscription = _own_subscription(request, pk)
    if request.method == "POST":
        services.delete_subscription(subscription=subscription, by=request.user)
        messages.success(request, _("The subscription is deleted."))
        return redirect("notifications:subscription-list")
    return render(
        request,
        "notifications/subscription_confirm_delete.html",
        {"subscription": subscription},
    )


@csrf_exempt  # Mail clients POST one-click unsubscribes (RFC 8058) without a
# CSRF token; the signed token in the URL is the authorisation.
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        target = services.read_unsubscribe_token(token)
    except services.InvalidUnsubscribeToken:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        target = services.unsubscribe(token=token)
        return render(
            request,
            "notifications/unsubscribe_done.html",
            {"target": target, "settings_url": reverse("notifications:settings")},
        )
    # GET only shows the button: link scanners must not unsubscribe anyone.
    return render(request, "notifications/unsubscribe.html", {"target": target})
