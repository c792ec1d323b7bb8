"""A seed's way to the public, end to end: a member writes it on the front end
(/my/seeds/...), submits it, and a coordinator approves it in the Wagtail admin."""

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation
from wagtail.models import Revision, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from hack.seeds.models import SeedPage
from hack.seeds.services import submit_seed_for_review
from tests import factories


def public_path(page) -> str:
    return "/" + "/".join(page.url_path.strip("/").split("/")[1:]) + "/"


def seed_form(button: str = "save", **overrides) -> dict:
    """The front-end SeedForm as a browser posts it; `button` is "save" or "submit"."""
    data = factories.seed_data(**overrides)
    data["tags"] = ", ".join(data["tags"])
    data[button] = "1"
    return data


def ja(message: str) -> str:
    with translation.override("ja"):
        return translation.gettext(message)


def workflow_action(client, page, action: str, comment: str = ""):
    task_state = page.current_workflow_state.current_task_state
    url = reverse(
        "wagtailadmin_pages:workflow_action", args=[page.pk, action, task_state.pk]
    )
    return client.post(url, {"comment": comment})


def preview(seed) -> str:
    return reverse("seeds:seed-preview", args=[seed.pk])


def message_levels(response) -> list[int]:
    return [m.level for m in get_messages(response.wsgi_request)]


@pytest.fixture
def member(client, member_a):
    client.force_login(member_a)
    return client


@pytest.fixture
def other_member(member_b):
    other = Client()
    other.force_login(member_b)
    return other


@pytest.fixture
def coordinator_client(coordinator):
    other = Client()
    other.force_login(coordinator)
    return other


@pytest.fixture
def anonymous():
    return Client()


@pytest.fixture
def published_seed(org_a, member_a, coordinator):
    return factories.make_seed(
        org_a,
        member_a,
        publish_by=coordinator,
        title="見守りIoT",
        summary="公開中の要約",
    )


def test_a_seed_goes_from_draft_through_review_to_the_public(
    member, other_member, coordinator_client, anonymous, org_a, member_a
):
    # 1. Save a draft.
    response = member.post("/my/seeds/new/", seed_form(title="下書きのシーズ"))
    seed = SeedPage.objects.get()
    assert response["Location"] == preview(seed)
    assert not seed.live
    assert not seed.workflow_in_progress
    assert seed.organization == org_a
    assert seed.owner == member_a
    assert [tag.name for tag in seed.tags.all()] == ["IoT", "見守り"]

    # 2. Visible in the member's own list only.
    mine = member.get("/my/seeds/").content.decode()
    assert "下書きのシーズ" in mine
    assert f"<td>{ja('Draft')}</td>" in mine
    assert "下書きのシーズ" not in other_member.get("/my/seeds/").content.decode()
    assert "下書きのシーズ" not in anonymous.get("/seeds/").content.decode()
    assert anonymous.get(public_path(seed)).status_code == 404

    # 3. Submit it for review from the preview.
    response = member.post(reverse("seeds:seed-submit", args=[seed.pk]))
    assert response["Location"] == preview(seed)
    assert messages.SUCCESS in message_levels(response)
    assert seed.workflow_in_progress
    page = member.get(preview(seed)).content.decode()
    assert ja("In review") in page
    assert reverse("seeds:seed-withdraw", args=[seed.pk]) in page
    assert anonymous.get(public_path(seed)).status_code == 404
    assert "下書きのシーズ" not in anonymous.get("/seeds/").content.decode()

    # 4. The coordinator sees it awaiting review and approves it.
    assert "下書きのシーズ" in coordinator_client.get("/admin/").content.decode()
    response = workflow_action(coordinator_client, seed, "approve")
    assert response.status_code == 302
    seed.refresh_from_db()
    assert seed.live
    assert not seed.workflow_in_progress

    # 5. Public: its own page and the /seeds/ list.
    assert "下書きのシーズ" in anonymous.get(public_path(seed)).content.decode()
    assert "下書きのシーズ" in anonymous.get("/seeds/").content.decode()
    assert f"<td>{ja('Published')}</td>" in member.get("/my/seeds/").content.decode()


def test_the_submit_button_sends_a_new_seed_straight_to_review(member, anonymous):
    response = member.post("/my/seeds/new/", seed_form("submit", title="すぐ審査"))
    seed = SeedPage.objects.get()
    assert response["Location"] == preview(seed)
    assert seed.workflow_in_progress
    assert seed.current_workflow_state.requested_by.email == "member-a@example.jp"
    assert anonymous.get(public_path(seed)).status_code == 404


def test_an_invalid_seed_is_not_saved(member):
    # Deployed elsewhere without the number of municipalities: SeedPage.clean refuses.
    response = member.post(
        "/my/seeds/new/", seed_form(maturity="deployed_elsewhere", deployments=0)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["deployments"]
    assert not SeedPage.objects.exists()


def test_editing_a_published_seed_keeps_the_published_text_until_reapproval(
    member, coordinator_client, anonymous, published_seed
):
    seed = published_seed
    edit = reverse("seeds:seed-edit", args=[seed.pk])
    form = member.get(edit).context["form"]
    assert form.initial["title"] == "見守りIoT"

    response = member.post(
        edit,
        seed_form(
            "submit", title="見守りIoT 改", summary="審査中の要約", tags=["新タグ"]
        ),
    )
    assert response["Location"] == preview(seed)
    seed.refresh_from_db()
    assert seed.live
    assert seed.workflow_in_progress
    assert seed.draft_title == "見守りIoT 改"

    # The public still sees the published version everywhere.
    public = anonymous.get(seed.url).content.decode()
    assert "公開中の要約" in public
    assert "審査中の要約" not in public
    assert "新タグ" not in public
    listing = anonymous.get("/seeds/")
    assert "見守りIoT 改" not in listing.content.decode()
    assert list(anonymous.get("/seeds/?q=新タグ").context["seeds"]) == []
    # The member's preview shows what is in review.
    own = member.get(preview(seed)).content.decode()
    assert "審査中の要約" in own
    assert ja("Published; changes in review") in own

    workflow_action(coordinator_client, seed, "approve")
    public = anonymous.get(seed.url).content.decode()
    assert "審査中の要約" in public
    assert "新タグ" in public
    assert list(anonymous.get("/seeds/?q=新タグ").context["seeds"]) == [seed]


def test_saving_changes_to_a_published_seed_without_submitting(
    member, anonymous, published_seed
):
    seed = published_seed
    member.post(
        reverse("seeds:seed-edit", args=[seed.pk]), seed_form(summary="未提出の要約")
    )
    seed.refresh_from_db()
    assert seed.live
    assert seed.has_unpublished_changes
    assert not seed.workflow_in_progress
    assert "未提出の要約" not in anonymous.get(seed.url).content.decode()
    own = member.get(preview(seed)).content.decode()
    assert ja("Published; changes not submitted") in own
    assert reverse("seeds:seed-submit", args=[seed.pk]) in own


def test_an_unchanged_published_seed_has_nothing_to_submit(member, published_seed):
    response = member.post(reverse("seeds:seed-submit", args=[published_seed.pk]))
    assert response["Location"] == preview(published_seed)
    assert messages.ERROR in message_levels(response)
    assert not published_seed.workflow_states.exists()
    assert reverse("seeds:seed-submit", args=[published_seed.pk]) not in (
        member.get(preview(published_seed)).content.decode()
    )


def test_a_seed_can_be_withdrawn_from_review_and_edited_again(member, org_a, member_a):
    seed = factories.make_seed(org_a, member_a)
    submit_seed_for_review(seed=seed, by=member_a)
    response = member.post(reverse("seeds:seed-withdraw", args=[seed.pk]))
    assert response["Location"] == preview(seed)
    assert messages.SUCCESS in message_levels(response)
    assert not seed.workflow_in_progress
    assert seed.workflow_states.get().status == WorkflowState.STATUS_CANCELLED

    edit = reverse("seeds:seed-edit", args=[seed.pk])
    assert member.get(edit).status_code == 200
    member.post(edit, seed_form(title="取り下げ後に修正"))
    seed.refresh_from_db()
    assert seed.draft_title == "取り下げ後に修正"


def test_withdrawing_a_published_seeds_changes_keeps_it_online(
    member, anonymous, published_seed
):
    seed = published_seed
    member.post(
        reverse("seeds:seed-edit", args=[seed.pk]), seed_form("submit", summary="撤回")
    )
    member.post(reverse("seeds:seed-withdraw", args=[seed.pk]))
    seed.refresh_from_db()
    assert seed.live
    assert not seed.workflow_in_progress
    assert "公開中の要約" in anonymous.get(seed.url).content.decode()


def test_withdrawing_a_seed_that_is_not_in_review_is_refused(member, published_seed):
    response = member.post(reverse("seeds:seed-withdraw", args=[published_seed.pk]))
    assert response["Location"] == preview(published_seed)
    assert messages.ERROR in message_levels(response)


def test_a_seed_in_review_cannot_be_edited(member, org_a, member_a):
    seed = factories.make_seed(org_a, member_a, title="審査中")
    submit_seed_for_review(seed=seed, by=member_a)
    revisions = Revision.objects.for_instance(seed).count()
    edit = reverse("seeds:seed-edit", args=[seed.pk])

    response = member.get(edit)
    assert response["Location"] == preview(seed)
    assert messages.INFO in message_levels(response)

    response = member.post(edit, seed_form(title="審査中に書き換え"))
    assert response["Location"] == preview(seed)
    seed.refresh_from_db()
    assert seed.draft_title == "審査中"
    assert Revision.objects.for_instance(seed).count() == revisions
    # The preview offers withdrawing, not editing.
    page = member.get(preview(seed)).content.decode()
    assert reverse("seeds:seed-withdraw", args=[seed.pk]) in page
    assert edit not in page


def test_a_seed_in_review_cannot_be_submitted_twice(member, org_a, member_a):
    seed = factories.make_seed(org_a, member_a)
    submit_seed_for_review(seed=seed, by=member_a)
    response = member.post(reverse("seeds:seed-submit", args=[seed.pk]))
    assert response["Location"] == preview(seed)
    assert messages.ERROR in message_levels(response)
    assert seed.workflow_states.count() == 1


def test_a_coordinator_can_request_changes(
    coordinator_client, anonymous, org_a, member_a
):
    seed = factories.make_seed(org_a, member_a)
    submit_seed_for_review(seed=seed, by=member_a)
    workflow_action(
        coordinator_client, seed, "reject", comment="連絡先を確認してください"
    )
    seed.refresh_from_db()
    assert not seed.live
    assert seed.current_workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert anonymous.get(public_path(seed)).status_code == 404


def test_a_coordinator_corrects_a_seed_in_the_admin_while_approving(
    coordinator_client, anonymous, org_a, member_a
):
    seed = factories.make_seed(org_a, member_a, title="誤字のあるシーズ")
    submit_seed_for_review(seed=seed, by=member_a)
    data = factories.seed_data(title="誤字を直したシーズ")
    data.update(tags="IoT", slug=seed.slug)
    form = nested_form_data({**data, "comments": inline_formset([])})
    response = coordinator_client.post(
        f"/admin/pages/{seed.pk}/edit/", {**form, "action-publish": "1"}
    )
    assert response.status_code == 302
    seed.refresh_from_db()
    assert seed.live
    assert seed.title == "誤字を直したシーズ"
    assert seed.organization == org_a  # fixed at creation, read-only in the admin
    assert not seed.workflow_in_progress
    assert "誤字を直したシーズ" in anonymous.get(seed.url).content.decode()


def test_a_member_resubmits_after_the_coordinator_requests_changes(
    member, coordinator_client, anonymous, org_a, member_a
):
    seed = factories.make_seed(org_a, member_a)
    submit_seed_for_review(seed=seed, by=member_a)
    workflow_action(
        coordinator_client, seed, "reject", comment="連絡先を確認してください"
    )

    # The member is told changes were requested and may edit.
    assert member.get(reverse("seeds:seed-edit", args=[seed.pk])).status_code == 200
    response = member.post(
        reverse("seeds:seed-edit", args=[seed.pk]),
        seed_form("submit", contact_email="new@example.jp"),
    )
    assert response.status_code == 302
    seed.refresh_from_db()
    assert seed.workflow_in_progress

    workflow_action(coordinator_client, seed, "approve")
    seed.refresh_from_db()
    assert seed.live
    assert seed.contact_email == "new@example.jp"
