"""Curation services: the rules, the log, the emails, and rejection that sticks."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from wagtail.models import Page

from hack.accounts.models import User
from hack.matching import curation, notifications, suggestions
from hack.matching.models import (
    CurationAction,
    CurationEvent,
    Embedding,
    Match,
    MatchState,
)
from hack.needs.services import change_need_stage
from hack.notifications.models import Notification
from hack.seeds import services as seed_services
from tests import factories
from tests.calls.factories import make_call
from tests.matching.factories import (
    CARE_NEED,
    CARE_SEED,
    TOURISM_SEED,
    embed,
    make_match,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(coordinator, dept_x, staff_x, org_a, member_a):
    need = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    seed = factories.make_seed(org_a, member_a, publish_by=coordinator)
    return make_match(need, seed)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run a service and then what it scheduled for after the commit."""

    def run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run


def msg(msgid: str) -> str:
    """The message as users read it (the tests run in Japanese, the default)."""
    return re.escape(_(msgid))


def events(match: Match) -> list[tuple[str, int | None, str]]:
    return [
        (e.action, e.actor_id, e.reason)
        for e in CurationEvent.objects.filter(match=match)
    ]


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


# --- Only coordinators curate ----------------------------------------------------

SERVICES = [
    (curation.accept_match, {}),
    (curation.reject_match, {"reason": "合わない"}),
    (curation.reset_match, {}),
    (curation.pin_match, {}),
    (curation.unpin_match, {}),
    (curation.set_match_note, {"note": "メモ"}),
    (curation.invite_to_idea_call, {}),
    (curation.invite_to_working_group, {}),
]


@pytest.mark.parametrize(("service", "arguments"), SERVICES)
@pytest.mark.parametrize("role", ["member_a", "member_b", "staff_x", "staff_y"])
def test_only_coordinators_curate(request, pair, service, arguments, role):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        service(match=pair, by=user, **arguments)
    pair.refresh_from_db()
    assert pair.state == MatchState.SUGGESTED
    assert not pair.pinned and not pair.note
    assert events(pair) == []


# --- Accept ----------------------------------------------------------------------


def test_accepting_records_the_decision_and_logs_it(pair, coordinator):
    match = curation.accept_match(match=pair, by=coordinator)
    assert match.state == MatchState.ACCEPTED
    assert match.decided_by == coordinator
    assert match.decided_at is not None
    pair.refresh_from_db()
    assert pair.state == MatchState.ACCEPTED
    assert events(pair) == [(CurationAction.ACCEPTED, coordinator.pk, "")]


def test_accepting_emails_the_organisation_and_the_department_after_commit(
    pair,
    coordinator,
    org_a,
    staff_x,
    staff_y,
    member_b,
    django_capture_on_commit_callbacks,
):
    colleague = factories.make_member(org_a, "colleague-a@example.jp")
    second_staff = factories.make_staff(staff_x.department, "staff-x2@example.jp")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        curation.accept_match(match=pair, by=coordinator)
    # Nothing is sent while the decision could still roll back.
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert recipients() == sorted(
        [
            "member-a@example.jp",
            colleague.email,
            "staff-x@example.jp",
            second_staff.email,
        ]
    )
    # One email per person: nobody sees the other side's addresses.
    assert all(len(message.to) == 1 for message in mail.outbox)
    to_org = next(m for m in mail.outbox if m.to == ["member-a@example.jp"])
    to_department = next(m for m in mail.outbox if m.to == ["staff-x@example.jp"])
    assert pair.need.title in to_org.subject
    assert pair.need.full_url in to_org.body
    assert f"/matching/my/seeds/{pair.seed_id}/needs/" in to_org.body
    assert pair.seed.full_url in to_department.body
    assert f"/matching/department/needs/{pair.need_id}/" in to_department.body


def test_accepting_twice_is_refused_and_sends_nothing_more(
    pair, coordinator, run_on_commit
):
    run_on_commit(curation.accept_match, match=pair, by=coordinator)
    sent = len(mail.outbox)
    with pytest.raises(ValidationError, match=msg("This match is already accepted.")):
        run_on_commit(curation.accept_match, match=pair, by=coordinator)
    assert len(mail.outbox) == sent
    assert len(events(pair)) == 1


def test_a_seed_that_is_no_longer_published_cannot_be_accepted(pair, coordinator):
    Page.objects.get(pk=pair.seed_id).specific.unpublish()
    with pytest.raises(ValidationError, match=msg("The seed is no longer published.")):
        curation.accept_match(match=pair, by=coordinator)
    pair.refresh_from_db()
    assert pair.state == MatchState.SUGGESTED


def test_a_mail_server_failure_keeps_the_decision(
    pair, coordinator, run_on_commit, monkeypatch
):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(notifications, "_send", broken)
    run_on_commit(curation.accept_match, match=pair, by=coordinator)
    pair.refresh_from_db()
    assert pair.state == MatchState.ACCEPTED


def test_inactive_people_and_other_organisations_get_no_email(
    pair, coordinator, org_a, run_on_commit
):
    gone = factories.make_member(org_a, "gone@example.jp")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    run_on_commit(curation.accept_match, match=pair, by=coordinator)
    assert "gone@example.jp" not in recipients()
    assert "member-b@example.jp" not in recipients()
    assert "staff-y@example.jp" not in recipients()


# --- Reject, reset ---------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_rejecting_needs_a_reason(pair, coordinator, reason):
    with pytest.raises(ValidationError) as error:
        curation.reject_match(match=pair, by=coordinator, reason=reason)
    assert "reason" in error.value.error_dict
    pair.refresh_from_db()
    assert pair.state == MatchState.SUGGESTED
    assert events(pair) == []


def test_rejecting_records_the_reason_unpins_and_logs(pair, coordinator):
    curation.pin_match(match=pair, by=coordinator)
    match = curation.reject_match(
        match=pair, by=coordinator, reason="  実証の段階が合わない  "
    )
    assert match.state == MatchState.REJECTED
    assert match.reject_reason == "実証の段階が合わない"
    assert match.pinned is False
    assert match.decided_by == coordinator
    assert events(pair)[-1] == (
        CurationAction.REJECTED,
        coordinator.pk,
        "実証の段階が合わない",
    )
    with pytest.raises(ValidationError, match=msg("This match is already rejected.")):
        curation.reject_match(match=pair, by=coordinator, reason="again")


def test_an_accepted_match_can_still_be_rejected(pair, coordinator):
    curation.accept_match(match=pair, by=coordinator)
    match = curation.reject_match(match=pair, by=coordinator, reason="辞退された")
    assert match.state == MatchState.REJECTED
    assert [e[0] for e in events(pair)] == [
        CurationAction.ACCEPTED,
        CurationAction.REJECTED,
    ]


def test_reset_puts_a_decided_match_back_to_suggested(pair, coordinator):
    curation.reject_match(match=pair, by=coordinator, reason="合わない")
    match = curation.reset_match(match=pair, by=coordinator)
    assert match.state == MatchState.SUGGESTED
    assert match.reject_reason == ""
    assert match.need_text_hash == match.seed_text_hash == ""
    assert match.decided_by is None and match.decided_at is None
    assert events(pair)[-1] == (CurationAction.RESET, coordinator.pk, "")
    with pytest.raises(ValidationError, match=msg("This match is not decided yet.")):
        curation.reset_match(match=pair, by=coordinator)


# --- Pin, note -------------------------------------------------------------------


def test_pin_and_unpin_are_logged_and_not_repeated(pair, coordinator):
    assert curation.pin_match(match=pair, by=coordinator).pinned is True
    with pytest.raises(ValidationError, match=msg("This match is already pinned.")):
        curation.pin_match(match=pair, by=coordinator)
    assert curation.unpin_match(match=pair, by=coordinator).pinned is False
    with pytest.raises(ValidationError, match=msg("This match is not pinned.")):
        curation.unpin_match(match=pair, by=coordinator)
    assert [e[0] for e in events(pair)] == [
        CurationAction.PINNED,
        CurationAction.UNPINNED,
    ]


def test_a_rejected_match_cannot_be_pinned(pair, coordinator):
    curation.reject_match(match=pair, by=coordinator, reason="合わない")
    with pytest.raises(
        ValidationError,
        match=msg("A rejected match cannot be pinned. Put it back to suggested first."),
    ):
        curation.pin_match(match=pair, by=coordinator)


def test_the_note_is_saved_and_every_version_logged(pair, coordinator):
    curation.set_match_note(match=pair, by=coordinator, note=" 来週電話する ")
    pair.refresh_from_db()
    assert pair.note == "来週電話する"
    # The same note again is not a change.
    curation.set_match_note(match=pair, by=coordinator, note="来週電話する")
    curation.set_match_note(match=pair, by=coordinator, note="")
    pair.refresh_from_db()
    assert pair.note == ""
    assert events(pair) == [
        (CurationAction.NOTED, coordinator.pk, "来週電話する"),
        (CurationAction.NOTED, coordinator.pk, ""),
    ]


# --- Invitations -----------------------------------------------------------------


def test_inviting_needs_an_accepted_match(pair, coordinator):
    for service in (curation.invite_to_idea_call, curation.invite_to_working_group):
        with pytest.raises(
            ValidationError,
            match=msg("Accept the match before inviting the organisation."),
        ):
            service(match=pair, by=coordinator)
    assert events(pair) == []


def test_the_idea_call_invitation_needs_an_open_idea_call(
    pair, coordinator, run_on_commit
):
    curation.accept_match(match=pair, by=coordinator)
    mail.outbox.clear()
    with pytest.raises(ValidationError) as error:
        run_on_commit(curation.invite_to_idea_call, match=pair, by=coordinator)
    assert error.value.messages == [
        _("The need has no open idea call. Open an idea call first.")
    ]
    assert mail.outbox == []
    assert [e[0] for e in events(pair)] == [CurationAction.ACCEPTED]


def test_the_idea_call_invitation_notifies_the_organisation_with_the_call_link(
    pair, coordinator, run_on_commit
):
    call = make_call(pair.need, coordinator)
    curation.accept_match(match=pair, by=coordinator)
    mail.outbox.clear()
    run_on_commit(
        curation.invite_to_idea_call,
        match=pair,
        by=coordinator,
        message="ぜひご提案ください。",
    )
    assert recipients() == ["member-a@example.jp"]
    message = mail.outbox[0]
    assert pair.need.title in message.subject
    assert pair.need.full_url + "#idea-call" in message.body
    assert "ぜひご提案ください。" in message.body
    assert call.is_open
    (notification,) = Notification.objects.filter(kind="match.idea_call_invitation")
    assert notification.recipient.email == "member-a@example.jp"
    assert notification.url.endswith("#idea-call")
    assert events(pair)[-1] == (
        CurationAction.INVITED_TO_CALL,
        coordinator.pk,
        "ぜひご提案ください。",
    )


def test_the_working_group_proposal_emails_the_organisation_and_the_department(
    pair, coordinator, run_on_commit
):
    curation.accept_match(match=pair, by=coordinator)
    mail.outbox.clear()
    run_on_commit(curation.invite_to_working_group, match=pair, by=coordinator)
    assert recipients() == ["member-a@example.jp", "staff-x@example.jp"]
    assert all(pair.need.full_url in m.body for m in mail.outbox)
    assert events(pair)[-1] == (CurationAction.INVITED_TO_GROUP, coordinator.pk, "")


def test_no_working_group_for_a_closed_need(pair, coordinator):
    curation.accept_match(match=pair, by=coordinator)
    change_need_stage(need=pair.need, to="closed", by=coordinator)
    with pytest.raises(ValidationError, match=msg("The need is closed.")):
        curation.invite_to_working_group(match=pair, by=coordinator)


# --- Rejection sticks until a text changes substantially (real embeddings) -------


@pytest.fixture
def embedded(sync, coordinator, dept_x, staff_x, org_a, member_a):
    need = sync(
        factories.make_need, dept_x, staff_x, publish_by=coordinator, **CARE_NEED
    )
    seed = sync(
        factories.make_seed, org_a, member_a, publish_by=coordinator, **CARE_SEED
    )
    return Match.objects.get(need=need, seed=seed)


def current_hash(page_id: int) -> str:
    return Embedding.objects.get(page_id=page_id, is_current=True).text_hash


def republish_seed(sync, match, coordinator, **changes):
    seed = match.seed
    data = factories.seed_data(**{**CARE_SEED, **changes})
    draft = seed_services.save_seed_draft(
        by=seed.organization.memberships.first().user,
        organization=seed.organization,
        data=data,
        seed=seed,
    )
    sync(seed_services.publish_seed, seed=draft, by=coordinator)


def test_rejection_stores_the_current_text_versions(embedded, coordinator):
    match = curation.reject_match(match=embedded, by=coordinator, reason="合わない")
    assert match.need_text_hash == current_hash(match.need_id)
    assert match.seed_text_hash == current_hash(match.seed_id)
    assert len(match.need_text_hash) == 64


def test_a_rejected_pair_is_not_suggested_again_until_a_text_changes_substantially(
    embedded, coordinator, sync
):
    match = curation.reject_match(
        match=embedded, by=coordinator, reason="見守り対象が違う"
    )
    old_seed_hash = match.seed_text_hash

    # Refreshing alone changes nothing.
    suggestions.refresh_suggestions_for_need(need_id=match.need_id)
    match.refresh_from_db()
    assert match.state == MatchState.REJECTED
    assert match.rank is None

    # A trivial edit: a new text version, but the same meaning.
    republish_seed(
        sync,
        match,
        coordinator,
        summary="工事不要のセンサーで一人暮らしの高齢者の異変を家族と地域にお知らせします。",
    )
    assert current_hash(match.seed_id) != old_seed_hash
    suggestions.refresh_suggestions_for_need(need_id=match.need_id)
    match.refresh_from_db()
    assert match.state == MatchState.REJECTED
    assert match.reject_reason == "見守り対象が違う"

    # The seed now offers something else: it comes back as a suggestion.
    republish_seed(sync, match, coordinator, **TOURISM_SEED)
    match.refresh_from_db()
    assert match.state == MatchState.SUGGESTED
    assert match.rank == 1
    assert events(match)[-1][0] == CurationAction.RESURFACED
    assert events(match)[-1][2] == "見守り対象が違う"


def test_a_substantially_changed_need_brings_a_rejected_pair_back(
    embedded, coordinator, sync
):
    curation.reject_match(match=embedded, by=coordinator, reason="合わない")
    need = embedded.need.get_latest_revision_as_object()
    need.title = "観光地の混雑を分散させたい"
    need.summary = "週末に観光客が集中し、渋滞と騒音の苦情が増えています。"
    need.current_situation = "駐車場の満車情報を紙で掲示しています。"
    need.pain_points = "混雑の見通しが観光客に伝わりません。"
    need.desired_outcome = "空いている時間帯や周遊ルートを案内したい。"
    need.constraints = ""
    sync(need.save_revision(user=coordinator).publish, user=coordinator)
    embedded.refresh_from_db()
    assert embedded.state == MatchState.SUGGESTED
    assert events(embedded)[-1][0] == CurationAction.RESURFACED


def test_a_pinned_pair_stays_when_it_drops_out_of_the_top(
    embedded, coordinator, sync, org_a, member_a, monkeypatch
):
    tourism = sync(
        factories.make_seed, org_a, member_a, publish_by=coordinator, **TOURISM_SEED
    )
    weaker = Match.objects.get(need=embedded.need, seed=tourism)
    assert (embedded.rank, weaker.rank) == (1, 2)
    curation.pin_match(match=weaker, by=coordinator)
    monkeypatch.setattr(suggestions, "SUGGESTIONS_PER_NEED", 1)
    suggestions.refresh_suggestions_for_need(need_id=embedded.need_id)
    weaker.refresh_from_db()
    assert weaker.pinned and weaker.state == MatchState.SUGGESTED
    # Unpinned, the same pair is forgotten at the next refresh.
    curation.unpin_match(match=weaker, by=coordinator)
    suggestions.refresh_suggestions_for_need(need_id=embedded.need_id)
    assert not Match.objects.filter(pk=weaker.pk).exists()


def test_embedding_a_page_directly_gives_the_rejection_its_hashes(
    coordinator, dept_x, staff_x, org_a, member_a
):
    # Without the publish hook: embed_pages + refresh, as a management command does.
    need = factories.make_need(dept_x, staff_x, publish_by=coordinator, **CARE_NEED)
    seed = factories.make_seed(org_a, member_a, publish_by=coordinator, **CARE_SEED)
    need_embedding, seed_embedding = embed(need, seed)
    suggestions.refresh_suggestions_for_need(need_id=need.pk)
    match = Match.objects.get(need=need, seed=seed)
    match = curation.reject_match(match=match, by=coordinator, reason="合わない")
    assert match.need_text_hash == need_embedding.text_hash
    assert match.seed_text_hash == seed_embedding.text_hash
    suggestions.refresh_suggestions_for_need(need_id=need.pk)
    match.refresh_from_db()
    assert match.state == MatchState.REJECTED
