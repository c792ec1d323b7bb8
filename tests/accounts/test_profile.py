"""The profile page: a person sets the display name other members see, and
without one they are shown by a neutral label, never by their email."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from hack.accounts import services
from tests import factories

TOO_LONG_MESSAGE = (
    "Your display name is 101 characters long. Use at most 100 characters."
)


@pytest.fixture(autouse=True)
def _english():
    """Pages in English (URLs reversed under /en/), so assertions read msgids."""
    with translation.override("en"):
        yield


@pytest.fixture
def person(site):
    return factories.make_user("hanako.yamada@example.jp")


@pytest.fixture
def person_client(client, person):
    client.force_login(person)
    return client


def profile_url() -> str:
    return reverse("accounts:profile")


def test_the_page_is_at_my_profile():
    assert profile_url() == "/en/my/profile/"


def test_anonymous_is_sent_to_login(client, site):
    response = client.get(profile_url())
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_form_shows_the_current_display_name(person_client, person):
    services.update_profile(user=person, display_name="山田 花子（株式会社エー）")
    response = person_client.get(profile_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_display_name">Display name' in html
    assert 'value="山田 花子（株式会社エー）"' in html
    assert "“山田 花子（株式会社エー）”" in html


def test_without_a_name_the_page_shows_the_label_not_the_email(person_client, person):
    html = person_client.get(profile_url()).content.decode()
    assert f"Participant {person.pk} (no name set)" in html
    assert "Other members of your working groups now see you as" in html


def test_saving_trims_the_name_and_returns_to_my_page(person_client, person):
    response = person_client.post(profile_url(), {"display_name": "  山田 花子  "})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")
    person.refresh_from_db()
    assert person.display_name == "山田 花子"
    dashboard = person_client.get(response["Location"]).content.decode()
    assert "Your display name is saved." in dashboard
    assert "山田 花子" in dashboard


def test_saving_goes_back_to_the_page_that_asked(person_client, person):
    response = person_client.post(
        profile_url(), {"display_name": "花子", "next": "/en/workspaces/1/"}
    )
    assert response["Location"] == "/en/workspaces/1/"


def test_a_next_address_on_another_site_is_ignored(person_client):
    response = person_client.post(
        profile_url(), {"display_name": "花子", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("accounts:dashboard")


def test_an_empty_name_is_allowed_and_falls_back(person_client, person):
    services.update_profile(user=person, display_name="花子")
    response = person_client.post(profile_url(), {"display_name": "   "})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.display_name == ""
    assert person.public_name == f"Participant {person.pk} (no name set)"


def test_a_name_too_long_is_refused_and_kept(person_client, person):
    typed = "横" * 101
    response = person_client.post(profile_url(), {"display_name": typed})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert escape(TOO_LONG_MESSAGE) in html
    assert f'value="{typed}"' in html
    assert 'aria-invalid="true"' in html
    assert "<title>Error: " in html
    person.refresh_from_db()
    assert person.display_name == ""


def test_a_name_of_100_characters_is_accepted(person):
    services.update_profile(user=person, display_name="横" * 100)
    person.refresh_from_db()
    assert person.display_name == "横" * 100


def test_the_service_refuses_a_name_too_long(person):
    with pytest.raises(ValidationError) as error:
        services.update_profile(user=person, display_name="x" * 101)
    assert error.value.message_dict == {"display_name": [TOO_LONG_MESSAGE]}


def test_the_dashboard_links_to_the_profile_with_the_public_name(person_client, person):
    html = person_client.get(reverse("accounts:dashboard")).content.decode()
    assert f'href="{profile_url()}"' in html
    assert f"Participant {person.pk} (no name set)" in html


# public_name ---------------------------------------------------------------------


def test_public_name_is_the_display_name_then_the_full_name(person):
    person.first_name, person.last_name = "Hanako", "Yamada"
    assert person.public_name == "Hanako Yamada"
    person.display_name = "山田 花子"
    assert person.public_name == "山田 花子"
    assert str(person) == "山田 花子"


def test_public_name_without_a_name_is_a_label_never_the_email(person):
    other = factories.make_user("taro@example.jp")
    assert person.public_name == f"Participant {person.pk} (no name set)"
    assert person.public_name != other.public_name
    for user in (person, other):
        assert user.email not in user.public_name
        assert "@" not in user.public_name
    assert str(person) == person.email  # admin and coordinators still see it


def test_public_name_is_in_the_reader_language(person):
    with translation.override("ja"):
        assert str(person.pk) in person.public_name
        assert "@" not in person.public_name
