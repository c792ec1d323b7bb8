"""Subscriptions: create, edit, delete; input kept on errors; owners only."""

import pytest
from django.urls import reverse

from hack.needs.choices import Field
from hack.notifications import services
from hack.notifications.models import Frequency, Subscription

pytestmark = pytest.mark.django_db


def test_create_a_subscription(client, member_a, dept_x):
    client.force_login(member_a)
    url = reverse("notifications:subscription-create")
    response = client.get(url)
    assert response.status_code == 200
    # The field choices come from NeedPage through the app registry.
    assert f'value="{Field.DISASTER}"' in response.content.decode()
    response = client.post(
        url,
        {
            "kinds": "needs",
            "fields": [Field.DISASTER, Field.WELFARE],
            "department": dept_x.pk,
            "keyword": " 見守り ",
            "frequency": "weekly",
        },
    )
    assert response.status_code == 302
    subscription = Subscription.objects.get(user=member_a)
    assert subscription.fields == sorted([Field.DISASTER, Field.WELFARE])
    assert subscription.department == dept_x
    assert subscription.keyword == "見守り"
    assert subscription.kinds == "needs"
    assert subscription.frequency == Frequency.WEEKLY
    assert subscription.is_active
    listing = client.get(reverse("notifications:subscription-list"))
    assert "見守り" in listing.content.decode()


def test_an_invalid_subscription_keeps_the_input_with_400(client, member_a):
    client.force_login(member_a)
    response = client.post(
        reverse("notifications:subscription-create"),
        {
            "kinds": "both",
            "fields": [Field.HEALTH],
            "keyword": "遠隔診療",
            "frequency": "hourly",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "frequency" in form.errors
    html = response.content.decode()
    assert 'value="遠隔診療"' in html
    assert form["fields"].value() == [Field.HEALTH]
    assert not Subscription.objects.exists()


def test_edit_and_delete_own_subscription(client, member_a):
    subscription = services.create_subscription(
        user=member_a, data={"keyword": "防災", "frequency": "daily"}
    )
    client.force_login(member_a)
    edit = reverse("notifications:subscription-edit", args=[subscription.pk])
    response = client.get(edit)
    assert response.status_code == 200
    assert 'value="防災"' in response.content.decode()
    response = client.post(
        edit, {"kinds": "calls", "keyword": "AI", "frequency": "instant"}
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.kinds, subscription.keyword, subscription.frequency) == (
        "calls",
        "AI",
        "instant",
    )
    # Editing without ticking "keep on" stops it; the list says so in words.
    assert not subscription.is_active
    delete = reverse("notifications:subscription-delete", args=[subscription.pk])
    assert client.get(delete).status_code == 200
    assert Subscription.objects.filter(pk=subscription.pk).exists()
    assert client.post(delete).status_code == 302
    assert not Subscription.objects.filter(pk=subscription.pk).exists()


def test_an_invalid_edit_keeps_the_input_with_400(client, member_a):
    subscription = services.create_subscription(user=member_a, data={"keyword": "防災"})
    client.force_login(member_a)
    response = client.post(
        reverse("notifications:subscription-edit", args=[subscription.pk]),
        {"kinds": "both", "keyword": "x" * 101, "frequency": "daily"},
    )
    assert response.status_code == 400
    assert "keyword" in response.context["form"].errors
    assert "x" * 101 in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.keyword == "防災"


def test_nobody_else_can_see_edit_or_delete_a_subscription(client, member_a, member_b):
    subscription = services.create_subscription(user=member_a, data={"keyword": "防災"})
    client.force_login(member_b)
    edit = reverse("notifications:subscription-edit", args=[subscription.pk])
    delete = reverse("notifications:subscription-delete", args=[subscription.pk])
    assert client.get(edit).status_code == 404
    assert (
        client.post(
            edit, {"kinds": "both", "keyword": "hijack", "frequency": "daily"}
        ).status_code
        == 404
    )
    assert client.post(delete).status_code == 404
    subscription.refresh_from_db()
    assert subscription.keyword == "防災"
    listing = client.get(reverse("notifications:subscription-list"))
    assert "防災" not in listing.content.decode()


def test_the_number_of_subscriptions_is_limited(client, member_a):
    for _ in range(services.MAX_SUBSCRIPTIONS_PER_USER):
        services.create_subscription(user=member_a, data={})
    client.force_login(member_a)
    response = client.post(
        reverse("notifications:subscription-create"),
        {"kinds": "both", "keyword": "上限", "frequency": "daily"},
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert 'value="上限"' in response.content.decode()
