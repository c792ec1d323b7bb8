"""Sign-up with mandatory email verification, password reset, logout and TOTP,
end to end through django-allauth's own pages, as a person with a browser would."""

import re
import time
import uuid

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import get_user_model
from django.core import mail

from tests import factories

SIGNUP_URL = "/accounts/signup/"
LOGIN_URL = "/accounts/login/"
LOGOUT_URL = "/accounts/logout/"
VERIFICATION_SENT_URL = "/accounts/confirm-email/"
RESET_URL = "/accounts/password/reset/"
MFA_AUTHENTICATE_URL = "/accounts/2fa/authenticate/"
TOTP_ACTIVATE_URL = "/accounts/2fa/totp/activate/"
PASSWORD = "Minato-Mirai-21-tower!"
EMAIL = "hanako@example.jp"


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """allauth keeps rate limits and used TOTP codes in the cache. With REDIS_URL the
    cache is shared with other runs, so give this module its own key prefix."""
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-signup-{uuid.uuid4().hex}"
    settings.CACHES = caches


def user_id_in_session(client):
    return client.session.get("_auth_user_id")


def link_in(message, pattern: str) -> str:
    match = re.search(rf"https?://testserver({pattern})", message.body)
    assert match, message.body
    return match.group(1)


def sign_up(client, email=EMAIL, password=PASSWORD):
    return client.post(
        SIGNUP_URL, {"email": email, "password1": password, "password2": password}
    )


def log_in(client, email=EMAIL, password=PASSWORD):
    return client.post(LOGIN_URL, {"login": email, "password": password})


# --- sign-up and verification -------------------------------------------------


def test_signup_page_has_the_fields(client, site):
    html = client.get(SIGNUP_URL).content.decode()
    for name in ("email", "password1", "password2"):
        assert f'name="{name}"' in html
    assert 'name="username"' not in html


def test_signup_verify_then_log_in(client, site):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == VERIFICATION_SENT_URL
    assert user_id_in_session(client) is None
    user = get_user_model().objects.get(email=EMAIL)
    assert user.username  # generated: email is the login

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [EMAIL]
    assert message.subject.startswith("[YOKOHAMA Hack!] ")
    confirm_path = link_in(message, r"/accounts/confirm-email/[-:\w]+/")

    # Not verified yet: logging in does not authenticate.
    other = client.__class__()
    response = log_in(other)
    assert response.status_code == 302
    assert response["Location"] == VERIFICATION_SENT_URL
    assert user_id_in_session(other) is None
    assert other.get("/my/").status_code == 302

    # Confirmation is a POST; a GET only shows the form (mail scanners follow links).
    response = client.get(confirm_path)
    assert response.status_code == 200
    assert "<form" in response.content.decode()
    assert not user.emailaddress_set.get(email=EMAIL).verified
    response = client.post(confirm_path)
    assert response.status_code == 302
    assert user.emailaddress_set.get(email=EMAIL).verified

    # ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION: the person who signed up is now logged in.
    assert user_id_in_session(client) == str(user.pk)
    assert response["Location"] == "/my/"
    assert client.get("/my/").status_code == 200

    # And a fresh browser can log in with the password.
    response = log_in(other)
    assert response.status_code == 302
    assert response["Location"] == "/my/"
    assert user_id_in_session(other) == str(user.pk)


def test_confirming_in_another_browser_verifies_but_asks_to_log_in(client, site):
    sign_up(client)
    confirm_path = link_in(mail.outbox[0], r"/accounts/confirm-email/[-:\w]+/")
    other = client.__class__()
    response = other.post(confirm_path)
    assert response.status_code == 302
    assert user_id_in_session(other) is None
    assert log_in(other)["Location"] == "/my/"


def test_signup_with_a_taken_email_creates_nobody(client, site):
    factories.make_user(EMAIL)
    response = sign_up(client)
    assert get_user_model().objects.filter(email__iexact=EMAIL).count() == 1
    # allauth does not reveal that the address is taken: it says a mail was sent.
    assert response.status_code in (200, 302)


def test_signup_with_mismatched_passwords_is_refused(client, site):
    response = client.post(
        SIGNUP_URL, {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD + "x"}
    )
    assert response.status_code == 200
    assert not get_user_model().objects.filter(email=EMAIL).exists()
    assert f'value="{EMAIL}"' in response.content.decode()
    assert mail.outbox == []


def test_signup_with_a_weak_password_is_refused(client, site):
    response = sign_up(client, password="12345678")
    assert response.status_code == 200
    assert not get_user_model().objects.filter(email=EMAIL).exists()


def test_wrong_password_does_not_log_in(client, site):
    factories.make_user(EMAIL)
    response = log_in(client, password="wrong-password")
    assert response.status_code == 200
    assert user_id_in_session(client) is None


# --- password reset and logout ------------------------------------------------


def test_password_reset_by_email(client, site):
    user = factories.make_user(EMAIL)
    response = client.post(RESET_URL, {"email": EMAIL})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    reset_path = link_in(
        mail.outbox[0], r"/accounts/password/reset/key/[0-9A-Za-z]+-[^/\s]+/"
    )

    # allauth moves the key into the session and redirects, so it does not leak
    # through the Referer header.
    response = client.get(reset_path)
    assert response.status_code == 302
    set_path = response["Location"]
    assert client.get(set_path).status_code == 200
    new_password = "Yamashita-Park-1930!"
    response = client.post(
        set_path, {"password1": new_password, "password2": new_password}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)

    # The link works once.
    assert client.get(reset_path, follow=True).status_code == 200
    assert (
        client.post(set_path, {"password1": "x", "password2": "x"}).status_code != 302
    )

    fresh = client.__class__()
    assert log_in(fresh, password=factories.PASSWORD).status_code == 200
    assert user_id_in_session(fresh) is None
    assert log_in(fresh, password=new_password)["Location"] == "/my/"


def test_password_reset_for_unknown_address_reveals_nothing(client, site):
    response = client.post(RESET_URL, {"email": "nobody@example.jp"})
    assert response.status_code == 302
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)


def test_logout_is_a_post(client, site):
    factories.make_user(EMAIL)
    log_in(client, password=factories.PASSWORD)
    assert user_id_in_session(client) is not None
    client.get(LOGOUT_URL)  # a GET shows a confirmation page only
    assert user_id_in_session(client) is not None
    response = client.post(LOGOUT_URL)
    assert response.status_code == 302
    assert user_id_in_session(client) is None


# --- TOTP ---------------------------------------------------------------------


def totp_code(secret: str, offset: int = 0) -> str:
    period = mfa_settings.TOTP_PERIOD
    if offset == 0 and period - time.time() % period < 2:
        # Too close to the end of the window: wait for the next one so the code
        # is still valid when the server checks it.
        time.sleep(period - time.time() % period + 0.1)
    counter = int(time.time()) // period + offset
    return format_hotp_value(hotp_value(secret, counter))


def wrong_code(secret: str) -> str:
    window = range(-mfa_settings.TOTP_TOLERANCE - 2, mfa_settings.TOTP_TOLERANCE + 3)
    valid = {totp_code(secret, offset) for offset in window}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in valid)


@pytest.fixture
def totp_user(client, site):
    """A verified user who activated TOTP through allauth's own page."""
    user = factories.make_user(EMAIL)
    assert log_in(client, password=factories.PASSWORD)["Location"] == "/my/"
    # allauth asks for the password again before security changes.
    response = client.get(TOTP_ACTIVATE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    response = client.post(response["Location"], {"password": factories.PASSWORD})
    assert response.status_code == 302
    response = client.get(TOTP_ACTIVATE_URL)
    assert response.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(TOTP_ACTIVATE_URL, {"code": wrong_code(secret)})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=user).exists()
    response = client.post(TOTP_ACTIVATE_URL, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists()
    client.post(LOGOUT_URL)
    assert user_id_in_session(client) is None
    return user, secret


def test_login_with_totp_asks_for_the_code(client, totp_user):
    user, secret = totp_user
    response = log_in(client, password=factories.PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == MFA_AUTHENTICATE_URL
    assert user_id_in_session(client) is None
    # Skipping the code step does not log in.
    assert client.get("/my/").status_code == 302

    response = client.post(MFA_AUTHENTICATE_URL, {"code": wrong_code(secret)})
    assert response.status_code == 200
    assert user_id_in_session(client) is None

    response = client.post(MFA_AUTHENTICATE_URL, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/my/"
    assert user_id_in_session(client) == str(user.pk)


def test_a_totp_code_is_used_once(client, totp_user):
    _user, secret = totp_user
    code = totp_code(secret)
    log_in(client, password=factories.PASSWORD)
    assert client.post(MFA_AUTHENTICATE_URL, {"code": code}).status_code == 302
    client.post(LOGOUT_URL)

    other = client.__class__()
    log_in(other, password=factories.PASSWORD)
    response = other.post(MFA_AUTHENTICATE_URL, {"code": code})
    assert response.status_code == 200
    assert user_id_in_session(other) is None


def test_wrong_password_never_reaches_the_code_step(client, totp_user):
    response = log_in(client, password="wrong-password")
    assert response.status_code == 200
    assert user_id_in_session(client) is None
