"""Who sees what: the proposal pages, attachments and the need page's call panel,
including the side channels (lists, feeds, media URLs, notifications)."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from hack.calls import services
from hack.calls.models import ProposalAccess, ProposalAttachment, ProposalStatus
from tests import factories

from .factories import close_call, make_proposal, pdf_upload, proposal_data, reload

pytestmark = pytest.mark.django_db
SECRET = proposal_data()["body"]


@pytest.fixture
def proposal(call_x, member_a):
    proposal = make_proposal(call_x, member_a)
    services.add_attachment(proposal=proposal, by=member_a, upload=pdf_upload())
    return proposal


def _get(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


# The permission matrix ----------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member_a", 200),
        ("staff_x", 200),
        ("coordinator", 200),
        ("member_b", 404),
        ("staff_y", 404),
    ],
)
def test_proposal_page_and_attachment_by_role(client, request, proposal, who, status):
    user = request.getfixturevalue(who)
    page = _get(client, user, reverse("calls:proposal-detail", args=[proposal.pk]))
    assert page.status_code == status
    attachment = proposal.attachments.get()
    download = _get(
        client,
        user,
        reverse("calls:attachment-download", args=[proposal.pk, attachment.pk]),
    )
    assert download.status_code == status
    if status == 200:
        assert SECRET in page.content.decode()
        assert download["Content-Disposition"].startswith("attachment")
        assert download["X-Content-Type-Options"] == "nosniff"
        assert b"".join(download.streaming_content).startswith(b"%PDF")
    else:
        assert SECRET not in page.content.decode()
        assert proposal.title not in page.content.decode()


def test_anonymous_users_are_sent_to_log_in(client, proposal):
    for url in (
        reverse("calls:proposal-detail", args=[proposal.pk]),
        reverse(
            "calls:attachment-download",
            args=[proposal.pk, proposal.attachments.get().pk],
        ),
        reverse("calls:proposal-edit", args=[proposal.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_drafts_are_for_the_organisation_only(client, call_x, member_a, staff_x):
    draft = make_proposal(call_x, member_a, submit=False)
    url = reverse("calls:proposal-detail", args=[draft.pk])
    assert _get(client, staff_x, url).status_code == 404
    assert _get(client, member_a, url).status_code == 200


def test_staff_reads_are_recorded_and_shown_to_coordinators(
    client, proposal, staff_x, member_a
):
    _get(client, member_a, reverse("calls:proposal-detail", args=[proposal.pk]))
    _get(client, staff_x, reverse("calls:proposal-detail", args=[proposal.pk]))
    _get(
        client,
        staff_x,
        reverse(
            "calls:attachment-download",
            args=[proposal.pk, proposal.attachments.get().pk],
        ),
    )
    assert list(ProposalAccess.objects.order_by("pk").values_list("user", "kind")) == [
        (staff_x.pk, "view"),
        (staff_x.pk, "download"),
    ]


def test_attachments_have_no_media_url(client, proposal, settings):
    attachment = proposal.attachments.get()
    assert not attachment.file.path.startswith(str(settings.MEDIA_ROOT))
    response = client.get(settings.MEDIA_URL + attachment.file.name)
    assert response.status_code == 404


# The need page and lists ---------------------------------------------------


def test_need_page_shows_the_call_and_only_answered_questions(
    client, call_x, need_x, member_a, staff_x
):
    answered = services.ask_question(
        call=call_x, by=member_a, question="予算の上限は？"
    )
    services.answer_question(question=answered, by=staff_x, answer="500万円です。")
    services.ask_question(call=call_x, by=member_a, question="未回答の質問です")
    html = client.get(need_x.url).content.decode()
    assert call_x.what_we_want in html
    assert "予算の上限は？" in html and "500万円です。" in html
    assert "未回答の質問です" not in html
    assert member_a.email not in html and "株式会社エー" not in html
    assert "data-countdown" in html


def test_public_summaries_only_with_consent_and_never_the_body(
    client, call_x, need_x, member_a, member_b
):
    make_proposal(
        call_x,
        member_a,
        title="公開する提案",
        public_summary="公開要約",
        summary_is_public=True,
    )
    make_proposal(
        call_x,
        member_b,
        title="非公開の提案",
        public_summary="非公開要約",
        body="秘密B",
    )
    html = client.get(need_x.url).content.decode()
    assert "公開する提案" in html and "公開要約" in html
    assert "非公開の提案" not in html and "非公開要約" not in html
    assert SECRET not in html and "秘密B" not in html


def test_side_channels_never_show_a_proposal(client, proposal, need_x):
    for url in (
        "/",
        "/needs/",
        "/needs/?open_call=on",
        "/seeds/",
        reverse("needs-feed"),
        "/sitemap.xml",
        need_x.url,
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url
        assert proposal.title not in response.content.decode(), url


def test_needs_can_be_filtered_to_open_calls(client, call_x, need_x, dept_x, staff_x):
    other = factories.make_need(
        dept_x,
        staff_x,
        publish_by=factories.make_coordinator(),
        title="募集のないニーズ",
    )
    html = client.get("/needs/?open_call=on").content.decode()
    assert need_x.title in html and other.title not in html
    with translation.override("ja"):
        assert "募集中" in client.get("/needs/").content.decode()
    close_call(call_x)
    assert need_x.title not in client.get("/needs/?open_call=on").content.decode()


# Writing a proposal --------------------------------------------------------


def test_start_then_edit_and_submit_through_the_form(client, call_x, member_a):
    client.force_login(member_a)
    response = client.post(reverse("calls:proposal-start", args=[call_x.pk]))
    proposal = member_a.memberships.get().organization.proposals.get()
    assert response["Location"] == reverse("calls:proposal-edit", args=[proposal.pk])
    data = proposal_data()
    data["accept_terms"] = "on"
    data["attachment"] = pdf_upload()
    data["submit"] = "1"
    response = client.post(reverse("calls:proposal-edit", args=[proposal.pk]), data)
    assert response.status_code == 302
    proposal = reload(proposal)
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.attachments.count() == 1


def test_a_bad_file_keeps_the_text_and_saves_nothing(client, call_x, member_a):
    proposal = make_proposal(call_x, member_a, submit=False)
    client.force_login(member_a)
    data = proposal_data(title="書き直したタイトル", body="書き直した本文")
    data["attachment"] = SimpleUploadedFile("x.pdf", b"MZ" + b"\x00" * 100)
    with translation.override("ja"):
        response = client.post(reverse("calls:proposal-edit", args=[proposal.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "書き直したタイトル" in html and "書き直した本文" in html
    assert reload(proposal).title == proposal_data()["title"]
    assert not ProposalAttachment.objects.exists()


def test_a_submission_after_the_deadline_is_refused_with_a_reason(
    client, call_x, member_a
):
    proposal = make_proposal(call_x, member_a, submit=False)
    close_call(call_x)
    client.force_login(member_a)
    response = client.post(
        reverse("calls:proposal-submit", args=[proposal.pk]), follow=True
    )
    assert reload(proposal).status == ProposalStatus.DRAFT
    assert "締め切" in response.content.decode()
    edit = client.get(reverse("calls:proposal-edit", args=[proposal.pk]))
    assert edit.status_code == 302  # locked: read-only page instead


def test_autosave(client, call_x, member_a, member_b):
    proposal = make_proposal(call_x, member_a, submit=False)
    url = reverse("calls:proposal-autosave", args=[proposal.pk])
    assert client.post(url, {"title": "途中"}).status_code == 401
    client.force_login(member_b)
    assert client.post(url, {"title": "横取り"}).status_code == 404
    client.force_login(member_a)
    response = client.post(url, {"title": "途中まで書いた", "body": "下書き"})
    assert response.status_code == 200 and "saved_at" in response.json()
    assert reload(proposal).body == "下書き"
    assert client.post(url, {"title": "x" * 201}).status_code == 400
    close_call(call_x)
    assert client.post(url, {"title": "締切後"}).status_code == 409
    assert reload(proposal).title == "途中まで書いた"


def test_questions_through_the_form_keep_the_text_when_refused(
    client, call_x, member_a
):
    client.force_login(member_a)
    url = reverse("calls:question-ask", args=[call_x.pk])
    assert client.post(url, {"question": "質問です"}).status_code == 302
    close_call(call_x)
    response = client.post(url, {"question": "締切後の質問"})
    assert response.status_code == 400
    assert "締切後の質問" in response.content.decode()


def test_private_files_live_under_private_media_root(proposal):
    root = str(settings.PRIVATE_MEDIA_ROOT)
    assert all(a.file.path.startswith(root) for a in proposal.attachments.all())
