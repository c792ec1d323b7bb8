"""Garbage posted to every idea-call and proposal form: a clear 400 (or a
redirect with a message), never a 500, and nothing half-saved."""

import pytest
from django.urls import reverse

from hack.calls.models import CallQuestion, IdeaCall, Proposal, ProposalStatus, Review

from .factories import make_proposal, proposal_data

pytestmark = pytest.mark.django_db

GARBAGE = [
    {},
    {"title": "x" * 200_000},
    {"body": "あ" * 300_000},
    {"title": "nul\x00byte", "body": "nul\x00byte"},
    {"public_summary": "い" * 5000},
    {"seeds": "not-a-number"},
    {"seeds": ["1", "2", "abc"]},
    {"seeds": "999999"},
    {"summary_is_public": "maybe", "accept_terms": ["on", "off"]},
    {"attachment": "not-a-file"},
    {"title": ["a", "b"], "body": ["c", ""]},
    {"question": ""},
    {"question": "q" * 100_000},
    {"question": "\x00"},
    {"opens_at": "yesterday", "closes_at": "tomorrow"},
    {"opens_at": "2026-13-45T99:99", "closes_at": "0000-00-00T00:00"},
    {"opens_at": "2026-12-01T10:00", "closes_at": "2026-11-01T10:00"},
    {"what_we_want": "", "terms": "x" * 100_000},
    {"criteria": "\n" * 5000},
    {"criteria": "同じ\n同じ"},
    {"decision": "approved", "message": "x"},
    {"decision": ["shortlisted", "declined"], "message": ""},
    {"score_1": "0", "score_2": "6", "score_3": "abc", "comment_1": "x" * 10_000},
]


@pytest.fixture
def proposal(call_x, member_a):
    return make_proposal(call_x, member_a, submit=False)


@pytest.fixture
def submitted(call_x, member_b):
    return make_proposal(call_x, member_b)


def _invalid_text(data) -> bool:
    limits = {"title": 200, "body": 20_000, "public_summary": 400}
    return any(
        isinstance(data.get(name), str)
        and (len(data[name]) > limit or "\x00" in data[name])
        for name, limit in limits.items()
    )


def _post(client, user, url, data):
    client.force_login(user)
    response = client.post(url, data)
    assert response.status_code < 500, (url, list(data)[:3])
    return response


@pytest.mark.parametrize("data", GARBAGE, ids=range(len(GARBAGE)))
def test_member_forms(client, proposal, member_a, data):
    before = Proposal.objects.values().get(pk=proposal.pk)
    for name in ("calls:proposal-edit", "calls:proposal-autosave"):
        response = _post(
            client, member_a, reverse(name, args=[proposal.pk]), {**data, "submit": "1"}
        )
        assert response.status_code in (200, 302, 400)
    after = Proposal.objects.get(pk=proposal.pk)
    assert after.status == ProposalStatus.DRAFT
    if _invalid_text(data):
        # Too long or invalid text is refused whole, never cut and saved.
        assert after.title == before["title"] and after.body == before["body"]
    questions = CallQuestion.objects.count()
    _post(
        client, member_a, reverse("calls:question-ask", args=[proposal.call.pk]), data
    )
    if set(data) & {"question"} and not (data["question"] or "").strip("\x00"):
        assert CallQuestion.objects.count() == questions


@pytest.mark.parametrize("data", GARBAGE, ids=range(len(GARBAGE)))
def test_staff_forms(client, submitted, need_x, staff_x, data):
    calls = IdeaCall.objects.count()
    response = _post(
        client, staff_x, reverse("calls:call-create", args=[need_x.pk]), data
    )
    assert IdeaCall.objects.count() == calls
    assert response.status_code in (302, 400)
    _post(client, staff_x, reverse("calls:call-edit", args=[submitted.call.pk]), data)
    _post(client, staff_x, reverse("calls:proposal-review", args=[submitted.pk]), data)
    _post(client, staff_x, reverse("calls:proposal-decide", args=[submitted.pk]), data)
    submitted.refresh_from_db()
    assert submitted.status == ProposalStatus.SUBMITTED
    assert not Review.objects.filter(scores__isnull=False).exists()


def test_a_valid_post_still_works_after_garbage(client, proposal, member_a):
    data = proposal_data()
    data["accept_terms"] = "on"
    response = _post(
        client,
        member_a,
        reverse("calls:proposal-edit", args=[proposal.pk]),
        {**data, "submit": "1"},
    )
    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.SUBMITTED
