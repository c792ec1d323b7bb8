"""Staff pages of idea calls: who may see and do what, and what each page shows.

The role matrix follows tests/test_permissions.py: anonymous, a member of
organisation A (who proposed), a member of organisation B, staff of department
X (whose need has the call), staff of department Y, a coordinator. Whatever the
outcome for an outsider, the proposal's title and body never appear.
"""

import re
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.views import redirect_to_login
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from hack.calls import services, wagtail_hooks
from hack.calls.models import (
    MAX_CALL_DOCUMENTS,
    AccessKind,
    CallDocument,
    CallQuestion,
    IdeaCall,
    ProposalAccess,
    ProposalStatus,
    Review,
    ReviewScore,
)
from hack.notifications.models import Notification
from tests import factories

from .factories import close_call, make_proposal, pdf_upload, reload

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
LOGIN = "login"
SECRET_TITLE = "AI 受付で待ち時間を半分に"
SECRET_BODY = "【機密】弊社の受付システム"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def ja(message: str) -> str:
    """The text the page shows: pages without /en/ render in Japanese."""
    with translation.override("ja"):
        return escape(gettext(message))


def html_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def login(client, request):
    def _login(role: str):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return _login


@pytest.fixture
def world(call_x, need_x, member_a, member_b, staff_x, staff_y, coordinator):
    proposal = make_proposal(call_x, member_a)
    question = services.ask_question(
        call=call_x, by=member_b, question="予算の上限はありますか？"
    )
    document = CallDocument.objects.create(
        call=call_x,
        file=pdf_upload("仕様書.pdf"),
        original_name="仕様書.pdf",
        content_type="application/pdf",
        size=100,
    )
    return SimpleNamespace(
        call=call_x,
        need=need_x,
        proposal=proposal,
        question=question,
        document=document,
    )


@pytest.fixture
def free_need(dept_x, staff_x, coordinator):
    """A published need of department X with no call yet."""
    return factories.make_need(
        dept_x, staff_x, publish_by=coordinator, title="図書館の予約を簡単に"
    )


def assert_outcome(response, expected, path: str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302, path
        assert response["Location"] == redirect_to_login(path, "/accounts/login/").url
    else:
        assert response.status_code == expected, (path, response.status_code)


def assert_no_secret(response) -> None:
    text = html_of(response)
    assert SECRET_TITLE not in text
    assert SECRET_BODY not in text


# --- Role × view matrix ----------------------------------------------------------

CITY_STAFF = [
    ("anonymous", LOGIN),
    ("member_a", 403),
    ("member_b", 403),
    ("staff_x", 200),
    ("staff_y", 200),
    ("coordinator", 200),
]
DEPARTMENT_X = [
    ("anonymous", LOGIN),
    ("member_a", 403),
    ("member_b", 403),
    ("staff_x", 200),
    ("staff_y", 404),
    ("coordinator", 200),
]
COORDINATORS = [
    ("anonymous", LOGIN),
    ("member_a", 403),
    ("member_b", 403),
    ("staff_x", 403),
    ("staff_y", 403),
    ("coordinator", 200),
]


@pytest.mark.parametrize(("role", "expected"), CITY_STAFF)
def test_the_call_list(login, world, role, expected):
    path = reverse("calls:call-list")
    response = login(role).get(path)
    assert_outcome(response, expected, path)
    assert_no_secret(response)
    if role in ("staff_y", "member_a", "member_b"):
        assert world.need.title not in html_of(response)


@pytest.mark.parametrize(("role", "expected"), DEPARTMENT_X)
def test_the_create_form(login, world, free_need, role, expected):
    path = reverse("calls:call-create", args=[free_need.pk])
    response = login(role).get(path)
    assert_outcome(response, expected, path)
    assert_no_secret(response)


@pytest.mark.parametrize(
    "name", ["calls:call-manage", "calls:call-edit"], ids=["manage", "edit"]
)
@pytest.mark.parametrize(("role", "expected"), DEPARTMENT_X)
def test_the_call_pages(login, world, name, role, expected):
    path = reverse(name, args=[world.call.pk])
    response = login(role).get(path)
    assert_outcome(response, expected, path)
    if expected != 200:
        assert_no_secret(response)
    elif name == "calls:call-manage":
        assert SECRET_TITLE in html_of(response)
        assert SECRET_BODY not in html_of(response)  # the body is read on its page


@pytest.mark.parametrize(
    "name", ["calls:proposal-review", "calls:proposal-decide"], ids=["review", "decide"]
)
@pytest.mark.parametrize(("role", "expected"), DEPARTMENT_X)
def test_the_proposal_pages(login, world, name, role, expected):
    path = reverse(name, args=[world.proposal.pk])
    response = login(role).get(path)
    assert_outcome(response, expected, path)
    if expected == 200:
        assert SECRET_TITLE in html_of(response)
    else:
        assert_no_secret(response)


@pytest.mark.parametrize(("role", "expected"), COORDINATORS)
def test_the_access_log(login, world, role, expected):
    path = reverse("calls:proposal-access-log", args=[world.proposal.pk])
    response = login(role).get(path)
    assert_outcome(response, expected, path)
    if expected != 200:
        assert_no_secret(response)


POST_OUTCOMES = [
    ("anonymous", LOGIN),
    ("member_a", 403),
    ("member_b", 403),
    ("staff_y", 404),
    ("staff_x", 302),
    ("coordinator", 302),
]


@pytest.mark.parametrize(("role", "expected"), POST_OUTCOMES)
def test_answering_a_question(login, world, role, expected):
    path = reverse("calls:question-answer", args=[world.question.pk])
    data = {f"q{world.question.pk}-answer": "上限は500万円です。"}
    response = login(role).post(path, data)
    assert_outcome(response, expected, path)
    world.question.refresh_from_db()
    assert world.question.is_answered == (expected == 302)
    assert_no_secret(response)


@pytest.mark.parametrize(("role", "expected"), POST_OUTCOMES)
def test_declaring_a_conflict(login, world, role, expected):
    path = reverse("calls:proposal-conflict", args=[world.proposal.pk])
    response = login(role).post(path, {"note": "昨年この会社を支援しました。"})
    assert_outcome(response, expected, path)
    assert Review.objects.filter(conflict_of_interest=True).exists() == (
        expected == 302
    )
    assert_no_secret(response)


@pytest.mark.parametrize(("role", "expected"), POST_OUTCOMES)
def test_removing_a_call_document(login, world, role, expected):
    path = reverse(
        "calls:call-document-delete", args=[world.call.pk, world.document.pk]
    )
    response = login(role).post(path)
    assert_outcome(response, expected, path)
    assert CallDocument.objects.filter(pk=world.document.pk).exists() == (
        expected != 302
    )


@pytest.mark.parametrize(
    ("name", "arg"),
    [
        ("calls:call-document-delete", "document"),
        ("calls:question-answer", "question"),
        ("calls:proposal-conflict", "proposal"),
    ],
)
def test_post_only_actions_refuse_get(login, world, name, arg):
    args = [world.call.pk, world.document.pk] if arg == "document" else None
    args = args or [getattr(world, arg).pk]
    assert login("staff_x").get(reverse(name, args=args)).status_code == 405


def test_a_draft_or_withdrawn_proposal_is_not_found_for_reviewers(
    login, call_x, member_a, member_b
):
    draft = make_proposal(call_x, member_a, submit=False)
    withdrawn = make_proposal(call_x, member_b)
    services.withdraw_proposal(proposal=withdrawn, by=member_b)
    client = login("coordinator")
    for proposal in (draft, withdrawn):
        for name in ("calls:proposal-review", "calls:proposal-decide"):
            response = client.get(reverse(name, args=[proposal.pk]))
            assert response.status_code == 404
            assert_no_secret(response)
    manage = client.get(reverse("calls:call-manage", args=[call_x.pk]))
    assert_no_secret(manage)
    assert manage.context["summaries"] == []


def test_a_missing_call_or_need_is_not_found(login, world):
    client = login("coordinator")
    assert client.get(reverse("calls:call-manage", args=[999999])).status_code == 404
    assert client.get(reverse("calls:call-create", args=[999999])).status_code == 404


# --- Call list ---------------------------------------------------------------------


def test_the_call_list_counts_proposals_and_questions(login, world, free_need):
    response = login("staff_x").get(reverse("calls:call-list"))
    (call,) = response.context["calls"]
    assert (call.proposal_count, call.unanswered_count) == (1, 1)
    text = html_of(response)
    assert reverse("calls:call-manage", args=[world.call.pk]) in text
    assert ja("Open") in text
    # The need without a call, with its link; the need with one is not offered.
    assert list(response.context["needs_without_call"]) == [free_need]
    assert reverse("calls:call-create", args=[free_need.pk]) in text
    assert reverse("calls:call-create", args=[world.need.pk]) not in text


def test_staff_of_another_department_see_only_their_own(
    login, world, dept_y, staff_y, coordinator
):
    need_y = factories.make_need(dept_y, staff_y, publish_by=coordinator)
    response = login("staff_y").get(reverse("calls:call-list"))
    assert list(response.context["calls"]) == []
    assert list(response.context["needs_without_call"]) == [need_y]
    assert world.need.title not in html_of(response)


# --- Opening and editing a call ----------------------------------------------------


def call_form_data(**overrides) -> dict:
    data = {
        "opens_at": "2031-04-01T09:00",
        "closes_at": "2031-04-30T17:00",
        "what_we_want": "予約の手間を減らす提案をください。",
        "review_criteria": "実現可能性を重視します。",
        "terms": "提案は機密として扱います。",
        "criteria": "\n".join(services.DEFAULT_CRITERIA),
    }
    data.update(overrides)
    return data


def test_the_create_form_is_prefilled_and_says_the_time_zone(login, free_need):
    response = login("staff_x").get(reverse("calls:call-create", args=[free_need.pk]))
    text = html_of(response)
    assert text.count('type="datetime-local"') == 2
    assert "Asia/Tokyo" in text
    assert response.context["form"]["criteria"].value() == "\n".join(
        services.DEFAULT_CRITERIA
    )
    for label in services.DEFAULT_CRITERIA:
        assert label in text


def test_staff_open_a_call_in_tokyo_time(login, free_need, staff_x):
    response = login("staff_x").post(
        reverse("calls:call-create", args=[free_need.pk]),
        {**call_form_data(), "documents": [pdf_upload("募集要項.pdf")]},
    )
    call = IdeaCall.objects.get(need=free_need)
    assert response.status_code == 302
    assert response["Location"] == reverse("calls:call-manage", args=[call.pk])
    assert call.opens_at == datetime(2031, 4, 1, 9, 0, tzinfo=TOKYO)
    assert call.closes_at == datetime(2031, 4, 30, 17, 0, tzinfo=TOKYO)
    assert call.created_by == staff_x
    assert [c.label for c in call.criteria.all()] == list(services.DEFAULT_CRITERIA)
    assert [d.original_name for d in call.documents.all()] == ["募集要項.pdf"]
    assert call.terms == "提案は機密として扱います。"


def test_a_custom_rubric_is_one_criterion_per_line(login, free_need):
    login("coordinator").post(
        reverse("calls:call-create", args=[free_need.pk]),
        call_form_data(criteria="  費用対効果\n\n市民への効果\n"),
    )
    call = IdeaCall.objects.get(need=free_need)
    assert [c.label for c in call.criteria.all()] == ["費用対効果", "市民への効果"]


def test_closing_before_opening_is_refused_and_the_input_kept(login, free_need):
    response = login("staff_x").post(
        reverse("calls:call-create", args=[free_need.pk]),
        call_form_data(closes_at="2031-03-01T09:00"),
    )
    assert response.status_code == 400
    text = html_of(response)
    assert ja("The closing date must be after the opening date.") in text
    assert "予約の手間を減らす提案をください。" in text
    assert 'value="2031-03-01T09:00"' in text
    assert 'aria-invalid="true"' in text
    assert not IdeaCall.objects.filter(need=free_need).exists()


def test_a_sixth_document_is_refused(login, free_need):
    uploads = [pdf_upload(f"資料{n}.pdf") for n in range(MAX_CALL_DOCUMENTS + 1)]
    response = login("staff_x").post(
        reverse("calls:call-create", args=[free_need.pk]),
        {**call_form_data(), "documents": uploads},
    )
    assert response.status_code == 400
    assert ja("A call can have at most %(count)s documents.") % {
        "count": MAX_CALL_DOCUMENTS
    } in html_of(response)
    assert not IdeaCall.objects.filter(need=free_need).exists()
    assert not CallDocument.objects.exists()


def test_a_sixth_document_added_later_is_refused(login, world):
    for n in range(MAX_CALL_DOCUMENTS - 1):
        services.update_idea_call(
            call=world.call,
            by=world.call.created_by,
            documents=[pdf_upload(f"{n}.pdf")],
        )
    assert world.call.documents.count() == MAX_CALL_DOCUMENTS
    client = login("staff_x")
    edit = reverse("calls:call-edit", args=[world.call.pk])
    data = dict(client.get(edit).context["form"].initial)
    data["opens_at"] = timezone.localtime(world.call.opens_at).strftime(
        "%Y-%m-%dT%H:%M"
    )
    data["closes_at"] = timezone.localtime(world.call.closes_at).strftime(
        "%Y-%m-%dT%H:%M"
    )
    response = client.post(edit, {**data, "documents": [pdf_upload("6.pdf")]})
    assert response.status_code == 400
    assert world.call.documents.count() == MAX_CALL_DOCUMENTS


def test_an_executable_renamed_pdf_is_refused(login, free_need):
    fake = SimpleUploadedFile("仕様書.pdf", EXE_BYTES, content_type="application/pdf")
    response = login("staff_x").post(
        reverse("calls:call-create", args=[free_need.pk]),
        {**call_form_data(), "documents": [fake]},
    )
    assert response.status_code == 400
    text = html_of(response)
    assert "PDF, Word, Excel, PowerPoint, JPEG, PNG, WebP" in text
    assert ja("For your security, files must be chosen again after an error.") in text
    # One transaction: the refused file leaves no call behind.
    assert not IdeaCall.objects.filter(need=free_need).exists()
    assert not CallDocument.objects.exists()


def test_a_need_with_an_open_call_goes_to_its_edit_form(login, world):
    response = login("staff_x").get(reverse("calls:call-create", args=[world.need.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("calls:call-edit", args=[world.call.pk])


def test_a_draft_need_cannot_get_a_call(login, dept_x, staff_x):
    draft = factories.make_need(dept_x, staff_x)
    client = login("staff_x")
    response = client.get(reverse("calls:call-create", args=[draft.pk]))
    assert response.status_code == 302
    response = client.post(
        reverse("calls:call-create", args=[draft.pk]), call_form_data()
    )
    assert response.status_code == 302
    assert not IdeaCall.objects.exists()


def test_editing_a_call_shows_tokyo_times_and_saves(login, world):
    client = login("coordinator")
    edit = reverse("calls:call-edit", args=[world.call.pk])
    response = client.get(edit)
    local = timezone.localtime(world.call.closes_at, TOKYO)
    assert f'value="{local:%Y-%m-%dT%H:%M}"' in html_of(response)
    assert "仕様書.pdf" in html_of(response)
    closes = (timezone.now() + timedelta(days=30)).astimezone(TOKYO)
    response = client.post(
        edit,
        call_form_data(
            opens_at=timezone.localtime(world.call.opens_at, TOKYO).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            closes_at=closes.strftime("%Y-%m-%dT%H:%M"),
            what_we_want="範囲を広げました。",
        ),
    )
    assert response.status_code == 302
    world.call.refresh_from_db()
    assert world.call.what_we_want == "範囲を広げました。"
    assert world.call.closes_at == closes.replace(second=0, microsecond=0)


def test_a_closed_call_cannot_be_edited(login, world):
    close_call(world.call)
    response = login("staff_x").get(reverse("calls:call-edit", args=[world.call.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("calls:call-manage", args=[world.call.pk])


def test_removing_a_document_deletes_its_file_after_commit(
    login, world, django_capture_on_commit_callbacks
):
    name = world.document.file.name
    storage = world.document.file.storage
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        login("staff_x").post(
            reverse(
                "calls:call-document-delete", args=[world.call.pk, world.document.pk]
            )
        )
    assert not CallDocument.objects.filter(pk=world.document.pk).exists()
    assert storage.exists(name), "a rollback would still find its file"
    for callback in callbacks:
        callback()
    assert not storage.exists(name)


# --- Questions ---------------------------------------------------------------------


def test_unanswered_questions_come_first(login, world, member_a, staff_x):
    answered = services.ask_question(call=world.call, by=member_a, question="期間は？")
    services.answer_question(question=answered, by=staff_x, answer="3か月です。")
    later = services.ask_question(call=world.call, by=member_a, question="人数は？")
    response = login("staff_x").get(reverse("calls:call-manage", args=[world.call.pk]))
    rows = [row["question"] for row in response.context["question_rows"]]
    assert rows == [world.question, later, answered]
    text = html_of(response)
    assert text.index("予算の上限はありますか？") < text.index("期間は？")
    # Each question has its own answer form posting to the answer view.
    assert reverse("calls:question-answer", args=[world.question.pk]) in text
    assert reverse("calls:question-answer", args=[answered.pk]) in text
    # Who asked is not shown.
    assert "member-b@example.jp" not in text


def test_an_answer_is_published_and_the_asker_told(
    login, world, member_b, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = login("staff_x").post(
            reverse("calls:question-answer", args=[world.question.pk]),
            {f"q{world.question.pk}-answer": "上限は500万円です。"},
        )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#question-{world.question.pk}")
    question = CallQuestion.objects.get(pk=world.question.pk)
    assert question.answer == "上限は500万円です。"
    assert Notification.objects.filter(
        recipient=member_b, kind="question.answered"
    ).exists()
    assert [m.to for m in mail.outbox] == [[member_b.email]]


def test_an_empty_answer_is_refused_and_the_page_shown_again(login, world):
    response = login("staff_x").post(
        reverse("calls:question-answer", args=[world.question.pk]),
        {f"q{world.question.pk}-answer": "   "},
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in html_of(response)
    assert ja("Please correct the following.") in html_of(response)
    world.question.refresh_from_db()
    assert not world.question.is_answered


def test_an_answer_can_be_edited(login, world, staff_x):
    services.answer_question(question=world.question, by=staff_x, answer="未定です。")
    client = login("coordinator")
    text = html_of(client.get(reverse("calls:call-manage", args=[world.call.pk])))
    assert "未定です。" in text
    client.post(
        reverse("calls:question-answer", args=[world.question.pk]),
        {f"q{world.question.pk}-answer": "500万円です。"},
    )
    world.question.refresh_from_db()
    assert world.question.answer == "500万円です。"


# --- Scoring ------------------------------------------------------------------------


def score_data(call, score, comment="") -> dict:
    data = {}
    for criterion in call.criteria.all():
        data[f"score_{criterion.pk}"] = str(score)
        data[f"comment_{criterion.pk}"] = comment
    return data


def test_the_score_form_is_an_accessible_1_to_5_scale(login, world):
    response = login("staff_x").get(
        reverse("calls:proposal-review", args=[world.proposal.pk])
    )
    text = html_of(response)
    assert text.count("<fieldset") == len(services.DEFAULT_CRITERIA)
    assert text.count("<legend>") == len(services.DEFAULT_CRITERIA)
    assert text.count('type="radio"') == 5 * len(services.DEFAULT_CRITERIA)
    assert reverse("calls:proposal-detail", args=[world.proposal.pk]) in text
    assert SECRET_BODY not in text


def test_a_reviewer_saves_scores_and_sees_them_again(login, world, staff_x):
    client = login("staff_x")
    path = reverse("calls:proposal-review", args=[world.proposal.pk])
    response = client.post(path, score_data(world.call, 4, "よく調べています。"))
    assert response.status_code == 302
    review = Review.objects.get(proposal=world.proposal, reviewer=staff_x)
    assert sorted(s.score for s in review.scores.all()) == [4] * 5
    assert {s.comment for s in review.scores.all()} == {"よく調べています。"}
    form = client.get(path).context["form"]
    criterion = world.call.criteria.first()
    assert form[f"score_{criterion.pk}"].value() == "4"
    assert form[f"comment_{criterion.pk}"].value() == "よく調べています。"


@pytest.mark.parametrize("bad", ["0", "6", "abc"])
def test_a_score_outside_1_to_5_is_refused(login, world, bad):
    data = score_data(world.call, 3, "入力した所見")
    first = world.call.criteria.first()
    data[f"score_{first.pk}"] = bad
    response = login("staff_x").post(
        reverse("calls:proposal-review", args=[world.proposal.pk]), data
    )
    assert response.status_code == 400
    text = html_of(response)
    assert ja("A score is a whole number from 1 to 5.") in text
    assert "入力した所見" in text  # what was typed stays
    assert not Review.objects.exists()
    assert not ReviewScore.objects.exists()


def test_a_missing_score_is_refused(login, world):
    data = score_data(world.call, 3)
    del data[f"score_{world.call.criteria.last().pk}"]
    response = login("staff_x").post(
        reverse("calls:proposal-review", args=[world.proposal.pk]), data
    )
    assert response.status_code == 400
    assert ja("Give a score from 1 to 5.") in html_of(response)
    assert not ReviewScore.objects.exists()


def test_scoring_is_independent(login, world, coordinator):
    services.save_review(
        proposal=world.proposal,
        by=coordinator,
        scores={c.pk: (1, "コーディネーターの所見") for c in world.call.criteria.all()},
    )
    response = login("staff_x").get(
        reverse("calls:proposal-review", args=[world.proposal.pk])
    )
    assert "コーディネーターの所見" not in html_of(response)
    assert not response.context["form"].initial


def review_card(response, proposal) -> str:
    text = html_of(response)
    match = re.search(
        rf'<li class="staff-item" id="proposal-{proposal.pk}">(.*?)</li>\s*</?ol',
        text,
        re.S,
    )
    assert match, "the proposal's card is on the page"
    return match.group(1)


def test_the_call_page_shows_average_spread_and_who_has_not_scored(
    login, world, staff_x, coordinator
):
    client = login("staff_x")
    manage = reverse("calls:call-manage", args=[world.call.pk])
    card = review_card(client.get(manage), world.proposal)
    assert staff_x.email in card and coordinator.email in card
    assert ja("No complete scores yet") in card

    client.post(
        reverse("calls:proposal-review", args=[world.proposal.pk]),
        score_data(world.call, 4),
    )
    card = review_card(client.get(manage), world.proposal)
    not_scored = card.split(ja("Not scored yet"))[1]
    assert coordinator.email in not_scored
    assert staff_x.email not in not_scored

    services.save_review(
        proposal=world.proposal,
        by=coordinator,
        scores={c.pk: (2, "") for c in world.call.criteria.all()},
    )
    response = client.get(manage)
    (summary,) = response.context["summaries"]
    assert (summary.average, summary.spread) == (3.0, 2.0)
    card = review_card(response, world.proposal)
    assert '<span class="review-figure">3.0</span>' in card
    assert '<span class="review-figure">2.0</span>' in card
    assert ja("Everyone has scored") in card
    assert "株式会社エー" in card
    assert reverse("calls:proposal-detail", args=[world.proposal.pk]) in card
    assert reverse("calls:proposal-decide", args=[world.proposal.pk]) in card


def test_a_conflict_excludes_the_reviewer(login, world, staff_x, coordinator):
    client = login("staff_x")
    response = client.post(
        reverse("calls:proposal-conflict", args=[world.proposal.pk]),
        {"note": "取引先です。"},
    )
    assert response.status_code == 302
    manage = client.get(reverse("calls:call-manage", args=[world.call.pk]))
    (summary,) = manage.context["summaries"]
    assert staff_x not in summary.not_scored
    assert staff_x in summary.conflicted
    assert coordinator in summary.not_scored
    card = review_card(manage, world.proposal)
    assert ja("Conflict of interest declared") in card
    assert reverse("calls:proposal-review", args=[world.proposal.pk]) not in card

    # The score form now says so and refuses scores.
    review = client.get(reverse("calls:proposal-review", args=[world.proposal.pk]))
    assert ja("You declared a conflict of interest for this proposal.") in html_of(
        review
    )
    assert 'type="radio"' not in html_of(review)
    client.post(
        reverse("calls:proposal-review", args=[world.proposal.pk]),
        score_data(world.call, 5),
    )
    assert not ReviewScore.objects.exists()


# --- Decisions -------------------------------------------------------------------


def test_a_decision_changes_the_status_and_tells_the_proposer(
    login, world, member_a, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = login("staff_x").post(
            reverse("calls:proposal-decide", args=[world.proposal.pk]),
            {"decision": ProposalStatus.SHORTLISTED, "message": "二次審査へどうぞ。"},
        )
    assert response.status_code == 302
    proposal = reload(world.proposal)
    assert proposal.status == ProposalStatus.SHORTLISTED
    assert proposal.decision_message == "二次審査へどうぞ。"
    (email,) = [m for m in mail.outbox if member_a.email in m.to]
    assert "二次審査へどうぞ。" in email.body
    assert Notification.objects.filter(
        recipient=member_a, kind="proposal.status_changed"
    ).exists()


def test_the_decision_form_offers_only_allowed_steps(login, world, staff_x):
    services.decide_proposal(
        proposal=world.proposal,
        by=staff_x,
        decision=ProposalStatus.SHORTLISTED,
        message="一次通過",
    )
    response = login("coordinator").get(
        reverse("calls:proposal-decide", args=[world.proposal.pk])
    )
    choices = [
        value for value, _label in response.context["form"].fields["decision"].choices
    ]
    assert choices == [ProposalStatus.INVITED, ProposalStatus.DECLINED]
    assert f'value="{ProposalStatus.SHORTLISTED}"' not in html_of(response)


def test_a_decision_needs_a_message(login, world):
    response = login("staff_x").post(
        reverse("calls:proposal-decide", args=[world.proposal.pk]),
        {"decision": ProposalStatus.DECLINED, "message": ""},
    )
    assert response.status_code == 400
    assert ja("Write a message to the proposer.") in html_of(response)
    assert reload(world.proposal).status == ProposalStatus.SUBMITTED


def test_a_decision_not_allowed_from_the_status_is_refused(login, world, staff_x):
    services.decide_proposal(
        proposal=world.proposal,
        by=staff_x,
        decision=ProposalStatus.DECLINED,
        message="今回は見送ります。",
    )
    client = login("staff_x")
    path = reverse("calls:proposal-decide", args=[world.proposal.pk])
    page = client.get(path)
    assert 'type="radio"' not in html_of(page)
    response = client.post(
        path, {"decision": ProposalStatus.SHORTLISTED, "message": "やはり通過です。"}
    )
    assert response.status_code == 400
    assert ja(
        "This decision is not possible for the proposal's current status."
    ) in html_of(response)
    assert reload(world.proposal).status == ProposalStatus.DECLINED


# --- Access log --------------------------------------------------------------------


def test_staff_reads_are_recorded_and_shown_to_coordinators(
    login, client, world, staff_x, member_a
):
    client.force_login(member_a)
    assert (
        client.get(
            reverse("calls:proposal-detail", args=[world.proposal.pk])
        ).status_code
        == 200
    )
    client.force_login(staff_x)
    detail = client.get(reverse("calls:proposal-detail", args=[world.proposal.pk]))
    assert detail.status_code == 200
    # Only the staff read is kept, not the organisation's own.
    (access,) = ProposalAccess.objects.filter(proposal=world.proposal)
    assert (access.user, access.kind) == (staff_x, AccessKind.VIEW)

    # Department staff read proposals but do not see who else did.
    denied = client.get(reverse("calls:proposal-access-log", args=[world.proposal.pk]))
    assert denied.status_code == 403

    response = login("coordinator").get(
        reverse("calls:proposal-access-log", args=[world.proposal.pk])
    )
    assert response.status_code == 200
    assert list(response.context["accesses"]) == [access]
    text = html_of(response)
    assert staff_x.email in text
    assert ja("Read the proposal") in text
    assert member_a.email not in text


def test_the_access_log_is_newest_first(login, world, staff_x, coordinator):
    older = ProposalAccess.objects.create(
        proposal=world.proposal,
        user=staff_x,
        kind=AccessKind.VIEW,
        accessed_at=timezone.now() - timedelta(days=1),
    )
    newer = ProposalAccess.objects.create(
        proposal=world.proposal,
        user=coordinator,
        kind=AccessKind.DOWNLOAD,
        attachment_name="見積書.pdf",
    )
    response = login("coordinator").get(
        reverse("calls:proposal-access-log", args=[world.proposal.pk])
    )
    assert list(response.context["accesses"]) == [newer, older]
    assert "見積書.pdf" in html_of(response)


# --- Wagtail admin -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown"),
    [("member_a", False), ("staff_x", True), ("staff_y", True), ("coordinator", True)],
)
def test_the_admin_menu_item(request, role, shown):
    item = wagtail_hooks.register_idea_calls_menu_item()
    http_request = RequestFactory().get("/admin/")
    http_request.user = request.getfixturevalue(role)
    assert item.is_shown(http_request) == shown
    assert item.url == reverse("calls:call-list")


def test_the_need_buttons_in_the_admin(world, free_need, staff_x, staff_y, member_a):
    open_button = wagtail_hooks._call_button(free_need, staff_x, priority=1)
    assert open_button.url == reverse("calls:call-create", args=[free_need.pk])
    manage_button = wagtail_hooks._call_button(world.need, staff_x, priority=1)
    assert manage_button.url == reverse("calls:call-manage", args=[world.call.pk])
    assert wagtail_hooks._call_button(free_need, staff_y, priority=1) is None
    assert wagtail_hooks._call_button(free_need, member_a, priority=1) is None
    (listed,) = wagtail_hooks.idea_call_listing_button(free_need, staff_x)
    assert listed.url == open_button.url


def test_the_need_editor_links_to_the_call(client, free_need, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[free_need.pk]))
    assert response.status_code == 200
    assert reverse("calls:call-create", args=[free_need.pk]) in html_of(response)
