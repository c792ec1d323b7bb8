"""The monitor's batch check (process_sockets._find_problems): every socket's
session is validated in full (logged out, expired, password changed, user
deactivated) and its membership, and a session whose row and user did not
change since the last round is not decoded again."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from hack.workspaces import process_sockets, services
from hack.workspaces.process_sockets import CLOSE_NOT_MEMBER, CLOSE_UNAUTHENTICATED

from .wsclient import session_cookie_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def socket_of(group_x):
    def make(user):
        return (group_x.pk, user.pk, session_cookie_for(user))

    return make


def test_live_sessions_of_members_pass(socket_of, member_a, staff_x):
    sockets = [socket_of(member_a), socket_of(staff_x)]
    assert process_sockets._find_problems(sockets, {}) == [None, None]


def test_a_logged_out_or_expired_session_is_refused(socket_of, member_a, staff_x):
    gone, expired = socket_of(member_a), socket_of(staff_x)
    Session.objects.filter(session_key=gone[2]).delete()
    Session.objects.filter(session_key=expired[2]).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    problems = process_sockets._find_problems([gone, expired], {})
    assert problems == [CLOSE_UNAUTHENTICATED, CLOSE_UNAUTHENTICATED]


def test_a_password_change_is_noticed_although_the_verdict_was_kept(
    socket_of, member_a
):
    verdicts = {}
    socket = socket_of(member_a)
    assert process_sockets._find_problems([socket], verdicts) == [None]
    member_a.set_password("a new password 2026")
    member_a.save()
    assert process_sockets._find_problems([socket], verdicts) == [CLOSE_UNAUTHENTICATED]


def test_a_deactivated_user_is_refused(socket_of, member_a):
    verdicts = {}
    socket = socket_of(member_a)
    assert process_sockets._find_problems([socket], verdicts) == [None]
    member_a.is_active = False
    member_a.save(update_fields=["is_active"])
    assert process_sockets._find_problems([socket], verdicts) == [CLOSE_UNAUTHENTICATED]


def test_a_removed_member_is_refused(group_x, socket_of, member_a, coordinator):
    socket = socket_of(member_a)
    membership = group_x.members.get(user=member_a)
    services.remove_member(member=membership, by=coordinator)
    assert process_sockets._find_problems([socket], {}) == [CLOSE_NOT_MEMBER]


def test_an_unchanged_session_is_not_decoded_again(socket_of, member_a, staff_x):
    verdicts = {}
    sockets = [socket_of(member_a), socket_of(staff_x)]
    # What a later request in the same browser writes to the first session.
    rewritten = SessionStore().encode(
        {**SessionStore(sockets[0][2]).load(), "touched": 1}
    )
    decode = SessionStore.decode
    with mock.patch.object(
        SessionStore, "decode", autospec=True, side_effect=decode
    ) as decoded:
        process_sockets._find_problems(sockets, verdicts)
        assert decoded.call_count == 2
        process_sockets._find_problems(sockets, verdicts)
        assert decoded.call_count == 2  # both verdicts kept
        Session.objects.filter(session_key=sockets[0][2]).update(session_data=rewritten)
        assert process_sockets._find_problems(sockets, verdicts) == [None, None]
        assert decoded.call_count == 3  # only the changed one


def test_verdicts_of_sockets_that_went_away_are_dropped(socket_of, member_a, staff_x):
    verdicts = {}
    a, s = socket_of(member_a), socket_of(staff_x)
    process_sockets._find_problems([a, s], verdicts)
    assert len(verdicts) == 2
    process_sockets._find_problems([a], verdicts)
    assert set(verdicts) == {(a[2], member_a.pk)}
