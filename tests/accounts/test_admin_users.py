"""Coordinators make people department staff from the Wagtail user admin."""

from django.urls import reverse

from hack.accounts.models import User
from tests import factories


def edit_form_data(user, **overrides):
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": "花子",
        "last_name": "山田",
        "password1": "",
        "password2": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_coordinator_assigns_a_department_and_staff_can_then_write_needs(
    client, coordinator, dept_x
):
    person = factories.make_user("new-staff@example.jp")
    client.force_login(coordinator)
    response = client.post(
        reverse("wagtailusers_users:edit", args=[person.pk]),
        edit_form_data(person, department=dept_x.pk),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.department == dept_x
    assert person.groups.filter(pk=dept_x.staff_group_id).exists()

    client.force_login(person)
    folder = dept_x.needs_folder
    add_url = reverse("wagtailadmin_pages:add", args=["needs", "needpage", folder.pk])
    assert client.get(add_url).status_code == 200


def test_clearing_the_department_ends_the_staff_role(
    client, coordinator, dept_x, staff_x
):
    client.force_login(coordinator)
    response = client.post(
        reverse("wagtailusers_users:edit", args=[staff_x.pk]),
        edit_form_data(staff_x, department=""),
    )
    assert response.status_code == 302
    staff_x.refresh_from_db()
    assert staff_x.department is None
    assert not staff_x.groups.filter(pk=dept_x.staff_group_id).exists()


def test_coordinator_cannot_open_a_superusers_account(client, coordinator):
    admin = User.objects.create_superuser("root", "root@example.jp", "x" * 20)
    client.force_login(coordinator)
    response = client.get(reverse("wagtailusers_users:edit", args=[admin.pk]))
    assert response.status_code == 404
    response = client.post(reverse("wagtailusers_users:delete", args=[admin.pk]), {})
    assert response.status_code == 404
    assert User.objects.filter(pk=admin.pk).exists()


def test_staff_cannot_manage_users(client, staff_x, member_a):
    client.force_login(staff_x)
    response = client.get(reverse("wagtailusers_users:edit", args=[member_a.pk]))
    assert response.status_code in (302, 403)
    member_a.refresh_from_db()
    assert member_a.department is None
