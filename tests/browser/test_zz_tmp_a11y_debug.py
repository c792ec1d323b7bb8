import pytest
from django.urls import reverse
from tests.browser import test_accessibility as t
from tests.browser.test_accessibility import world, check_pages, Check  # noqa: F401

pytestmark = t.pytestmark

def test_debug(check_pages, world):
    checks = [
        Check("notifications", lambda w: reverse("notifications:notification-list")),
        Check("notification settings", lambda w: reverse("notifications:settings")),
        Check("subscriptions", lambda w: reverse("notifications:subscription-list")),
        Check("new subscription", lambda w: reverse("notifications:subscription-create")),
        Check("new subscription, errors", lambda w: reverse("notifications:subscription-create"), then=t.submit(form="main form[method=post]")),
        Check("my proposals", lambda w: "/my/proposals/"),
    ]
    print(check_pages(checks, user=world.member))
