from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from hack.calls import selectors, services
from hack.calls.models import (
    CallQuestion,
    IdeaCall,
    ProposalAccess,
    ProposalAttachment,
    ProposalStatus,
    Review,
)
from hack.needs.choices import Stage
from hack.notifications.models import Notification
from tests import factories

from .factories import (
    close_call,
    make_call,
    make_proposal,
    pdf_upload,
    proposal_data,
    reload,
)

pytestmark = pytest.mark.django_db


# Idea calls ---------------------------------------------------------------


def test_staff_open_a_call_with_the_default_rubric_and_the_need_opens(need_x, staff_x):
    call = make_call(need_x, staff_x)
    assert call.is_open
    assert [c.label for c in call.criteria.all()] == list(services.DEFAULT_CRITERIA)
    need_x.refresh_from_db()
    assert need_x.stage == Stage.OPEN_FOR_IDEAS
    assert call.announced_at is not None


def test_only_the_department_or_a_coordinator_opens_a_call(
    need_x, staff_y, member_a, coordinator
):
    for outsider in (staff_y, member_a):
        with pytest.raises(PermissionDenied):
            make_call(need_x, outsider)
    assert make_call(need_x, coordinator).need == need_x


def test_a_call_needs_a_published_need_and_sane_dates(dept_x, staff_x):
    draft = factories.make_need(dept_x, staff_x)
    with pytest.raises(ValidationError):
        make_call(draft, staff_x)
    published = factories.make_need(
        dept_x, staff_x, publish_by=factories.make_coordinator()
    )
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        make_call(published, staff_x, opens_at=now, closes_at=now - timedelta(hours=1))
    assert "closes_at" in error.value.message_dict
    assert not IdeaCall.objects.filter(need=published).exists()


def test_one_open_call_per_need(call_x, need_x, staff_x):
    with pytest.raises(ValidationError):
        make_call(need_x, staff_x)


def test_a_scheduled_call_opens_with_the_schedule(need_x, staff_x):
    call = make_call(need_x, staff_x, opened_days_ago=-1)
    assert not call.is_open and call.announced_at is None
    assert selectors.count_open_calls() == 0
    later = timezone.now() + timedelta(days=1, minutes=1)
    assert services.run_call_schedule(now=later)["opened"] == 1
    call.refresh_from_db()
    assert call.announced_at is not None
    assert services.run_call_schedule(now=later)["opened"] == 0


# Questions ----------------------------------------------------------------


def test_members_ask_and_the_department_answers(call_x, member_a, staff_x, staff_y):
    question = services.ask_question(call=call_x, by=member_a, question="予算は？")
    assert list(selectors.list_answered_questions(call_x)) == []
    with pytest.raises(PermissionDenied):
        services.answer_question(question=question, by=staff_y, answer="x")
    services.answer_question(question=question, by=staff_x, answer="500万円です。")
    assert list(selectors.list_answered_questions(call_x)) == [question]
    assert Notification.objects.filter(
        recipient=member_a, kind="question.answered"
    ).exists()


def test_a_question_on_a_closed_call_is_refused_with_a_reason(call_x, member_a):
    close_call(call_x)
    with translation.override("ja"), pytest.raises(ValidationError) as error:
        services.ask_question(call=call_x, by=member_a, question="まだ間に合いますか")
    assert "期間中" in error.value.messages[0]
    assert not CallQuestion.objects.exists()


def test_city_staff_cannot_ask(call_x, staff_y):
    with pytest.raises(PermissionDenied):
        services.ask_question(call=call_x, by=staff_y, question="質問")


# Proposals ----------------------------------------------------------------


def test_a_proposal_goes_from_draft_to_submitted(call_x, member_a):
    proposal = services.start_proposal(call=call_x, by=member_a)
    assert proposal.status == ProposalStatus.DRAFT
    assert services.start_proposal(call=call_x, by=member_a) == proposal
    with pytest.raises(ValidationError) as error:
        services.submit_proposal(proposal=proposal, by=member_a)
    assert {"title", "body", "accept_terms"} <= set(error.value.message_dict)
    services.save_proposal_draft(proposal=proposal, by=member_a, data=proposal_data())
    proposal = services.submit_proposal(proposal=proposal, by=member_a)
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.submitted_at is not None
    assert selectors.count_submitted_proposals() == 1


def test_another_organisation_cannot_touch_a_proposal(call_x, member_a, member_b):
    proposal = make_proposal(call_x, member_a, submit=False)
    for action in (services.submit_proposal, services.withdraw_proposal):
        with pytest.raises(PermissionDenied):
            action(proposal=proposal, by=member_b)
    with pytest.raises(PermissionDenied):
        services.save_proposal_draft(proposal=proposal, by=member_b, data={"body": "x"})
    assert reload(proposal).body == proposal_data()["body"]


def test_after_the_deadline_a_proposal_is_locked_with_a_reason(
    call_x, member_a, member_b
):
    proposal = make_proposal(call_x, member_a, submit=False)
    close_call(call_x)
    with pytest.raises(ValidationError) as error:
        services.submit_proposal(proposal=proposal, by=member_a)
    assert "closed" in error.value.messages[0] or "締" in error.value.messages[0]
    with pytest.raises(ValidationError):
        services.save_proposal_draft(
            proposal=proposal, by=member_a, data={"title": "遅れて変更"}
        )
    proposal = reload(proposal)
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.title == proposal_data()["title"]
    with pytest.raises(ValidationError):
        services.start_proposal(call=call_x, by=member_b)


def test_withdraw_and_reopen_before_the_deadline(call_x, member_a):
    proposal = make_proposal(call_x, member_a)
    proposal = services.withdraw_proposal(proposal=proposal, by=member_a)
    assert proposal.status == ProposalStatus.WITHDRAWN
    assert not selectors.is_city_reader(factories.make_coordinator(), proposal)
    proposal = services.reopen_proposal(proposal=proposal, by=member_a)
    assert proposal.status == ProposalStatus.DRAFT


def test_a_proposal_builds_only_on_its_own_organisations_seeds(
    call_x, member_a, org_a, member_b, org_b, coordinator
):
    own = factories.make_seed(org_a, member_a, publish_by=coordinator)
    foreign = factories.make_seed(org_b, member_b, publish_by=coordinator)
    proposal = services.start_proposal(call=call_x, by=member_a)
    with pytest.raises(ValidationError):
        services.save_proposal_draft(
            proposal=proposal, by=member_a, data={}, seeds=[own, foreign]
        )
    services.save_proposal_draft(proposal=proposal, by=member_a, data={}, seeds=[own])
    assert list(reload(proposal).seeds.all()) == [own]


# Attachments --------------------------------------------------------------


def test_an_attachment_is_stored_outside_media(call_x, member_a):
    proposal = make_proposal(call_x, member_a, submit=False)
    attachment = services.add_attachment(
        proposal=proposal, by=member_a, upload=pdf_upload()
    )
    path = attachment.file.path
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT))
    assert attachment.content_type == "application/pdf"
    assert "提案資料" not in attachment.file.name  # a random stored name
    with pytest.raises(ValueError):
        attachment.file.url  # noqa: B018 - private files have no URL


@pytest.mark.parametrize(
    ("upload", "code_word"),
    [
        (pdf_upload(size=10 * 1024 * 1024 + 1), "large"),
        (
            SimpleUploadedFile(
                "report.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf"
            ),
            "type",
        ),
        (
            SimpleUploadedFile("notes.pdf", b"just text, not a pdf", "application/pdf"),
            "type",
        ),  # noqa: E501
    ],
)
def test_bad_files_are_refused(call_x, member_a, upload, code_word):
    proposal = make_proposal(call_x, member_a, submit=False)
    with pytest.raises(ValidationError) as error:
        services.add_attachment(proposal=proposal, by=member_a, upload=upload)
    assert "attachment" in error.value.message_dict
    assert not ProposalAttachment.objects.exists()


def test_a_sixth_attachment_is_refused(call_x, member_a):
    proposal = make_proposal(call_x, member_a, submit=False)
    for number in range(5):
        services.add_attachment(
            proposal=proposal, by=member_a, upload=pdf_upload(f"{number}.pdf")
        )
    with pytest.raises(ValidationError) as error:
        services.add_attachment(proposal=proposal, by=member_a, upload=pdf_upload())
    assert "5" in error.value.message_dict["attachment"][0]
    assert proposal.attachments.count() == 5


# Access record ------------------------------------------------------------


def test_staff_reads_are_recorded_and_the_organisations_are_not(
    call_x, member_a, staff_x, coordinator
):
    proposal = make_proposal(call_x, member_a)
    assert services.record_proposal_access(proposal=proposal, by=member_a) is None
    services.record_proposal_access(proposal=proposal, by=staff_x)
    services.record_proposal_access(proposal=proposal, by=coordinator)
    assert set(ProposalAccess.objects.values_list("user", flat=True)) == {
        staff_x.pk,
        coordinator.pk,
    }


# Review -------------------------------------------------------------------


def _scores(call, value, comment=""):
    return {c.pk: (value, comment) for c in call.criteria.all()}


def test_independent_scores_give_average_spread_and_missing_reviewers(
    call_x, member_a, staff_x, coordinator
):
    proposal = make_proposal(call_x, member_a)
    (summary,) = selectors.summarise_reviews(call_x)
    assert summary.average is None
    assert {u.pk for u in summary.not_scored} == {staff_x.pk, coordinator.pk}
    services.save_review(proposal=proposal, by=staff_x, scores=_scores(call_x, 4))
    services.save_review(proposal=proposal, by=coordinator, scores=_scores(call_x, 2))
    (summary,) = selectors.summarise_reviews(call_x)
    assert summary.average == 3
    assert summary.spread == 2
    assert summary.not_scored == []


@pytest.mark.parametrize("bad", [0, 6, "4", None])
def test_a_score_outside_1_to_5_is_refused_and_nothing_saved(
    call_x, member_a, staff_x, bad
):
    proposal = make_proposal(call_x, member_a)
    scores = _scores(call_x, 3)
    scores[next(iter(scores))] = (bad, "")
    with pytest.raises(ValidationError):
        services.save_review(proposal=proposal, by=staff_x, scores=scores)
    assert not Review.objects.exists()


def test_a_conflicted_reviewer_is_excluded(call_x, member_a, staff_x, coordinator):
    proposal = make_proposal(call_x, member_a)
    services.save_review(proposal=proposal, by=staff_x, scores=_scores(call_x, 5))
    services.declare_conflict(proposal=proposal, by=staff_x, note="元同僚")
    services.save_review(proposal=proposal, by=coordinator, scores=_scores(call_x, 3))
    (summary,) = selectors.summarise_reviews(call_x)
    assert summary.average == 3
    assert [u.pk for u in summary.conflicted] == [staff_x.pk]
    assert summary.not_scored == []
    with pytest.raises(ValidationError):
        services.save_review(proposal=proposal, by=staff_x, scores=_scores(call_x, 5))
    with pytest.raises(PermissionDenied):
        services.decide_proposal(
            proposal=proposal,
            by=staff_x,
            decision=ProposalStatus.DECLINED,
            message="利益相反のため判断できません",
        )


def test_reviewers_never_see_drafts(call_x, member_a, staff_x):
    draft = make_proposal(call_x, member_a, submit=False)
    assert selectors.summarise_reviews(call_x) == []
    with pytest.raises(PermissionDenied):
        services.save_review(proposal=draft, by=staff_x, scores=_scores(call_x, 3))


def test_staff_of_another_department_cannot_review(call_x, member_a, staff_y):
    proposal = make_proposal(call_x, member_a)
    with pytest.raises(PermissionDenied):
        services.save_review(proposal=proposal, by=staff_y, scores=_scores(call_x, 3))


# Decisions ----------------------------------------------------------------


def test_a_decision_reaches_the_proposer_by_notification_and_email(
    call_x, member_a, staff_x, django_capture_on_commit_callbacks, mailoutbox
):
    proposal = make_proposal(call_x, member_a)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        proposal = services.decide_proposal(
            proposal=proposal,
            by=staff_x,
            decision=ProposalStatus.SHORTLISTED,
            message="二次審査にお進みください。",
        )
    assert proposal.status == ProposalStatus.SHORTLISTED
    assert Notification.objects.filter(
        recipient=member_a, kind="proposal.status_changed"
    ).exists()
    (email,) = [m for m in mailoutbox if member_a.email in m.to]
    assert "二次審査にお進みください。" in email.body
    assert proposal.status_changes.last().message == "二次審査にお進みください。"


def test_a_decision_needs_a_message_and_an_allowed_step(call_x, member_a, staff_x):
    proposal = make_proposal(call_x, member_a)
    with pytest.raises(ValidationError):
        services.decide_proposal(
            proposal=proposal, by=staff_x, decision=ProposalStatus.DECLINED, message=" "
        )
    services.decide_proposal(
        proposal=proposal, by=staff_x, decision=ProposalStatus.DECLINED, message="残念"
    )
    with pytest.raises(ValidationError):
        services.decide_proposal(
            proposal=proposal,
            by=staff_x,
            decision=ProposalStatus.SHORTLISTED,
            message="やはり",
        )
    assert reload(proposal).status == ProposalStatus.DECLINED


def test_notifications_to_reviewers_never_carry_the_body(
    call_x, member_a, staff_x, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        make_proposal(call_x, member_a)
    to_staff = [m for m in mailoutbox if staff_x.email in m.to]
    assert to_staff, "the department hears about the new proposal"
    secret = proposal_data()["body"]
    for message in mailoutbox:
        assert secret not in message.body
    for notification in Notification.objects.all():
        assert secret not in str(notification.params)


def test_the_schedule_reminds_drafters_once(
    call_x, member_a, member_b, django_capture_on_commit_callbacks
):
    make_proposal(call_x, member_a, submit=False)
    make_proposal(call_x, member_b)
    soon = call_x.closes_at - timedelta(hours=24)
    services.run_call_schedule(now=soon)
    services.run_call_schedule(now=soon)
    reminders = Notification.objects.filter(kind="call.closing_soon")
    assert [n.recipient_id for n in reminders] == [member_a.pk]


def test_the_schedule_command_reports_what_it_did(need_x, staff_x, capsys):
    from django.core.management import call_command

    IdeaCall.objects.create(
        need=need_x,
        opens_at=timezone.now() - timedelta(minutes=5),
        closes_at=timezone.now() + timedelta(days=3),
        what_we_want="提案を募集します。",
        terms="規約",
    )
    call_command("run_call_schedule")
    assert "opened 1 call(s)" in capsys.readouterr().out
    need_x.refresh_from_db()
    assert need_x.stage == Stage.OPEN_FOR_IDEAS
