"""A need's way to the public, end to end through the Wagtail admin's HTTP endpoints:
staff draft it, submit it to the coordinator workflow, a coordinator approves it;
after that its lifecycle stage moves with the admin's "Change stage" view."""

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from hack.needs.choices import Stage
from hack.needs.models import NeedPage, NeedStageChange
from hack.needs.services import NEED_FIELDS, change_need_stage
from tests import factories


def public_path(page) -> str:
    return "/" + "/".join(page.url_path.strip("/").split("/")[1:]) + "/"


def need_form(need=None, **changes) -> dict:
    """The Wagtail page form as a browser posts it: new, or the latest revision."""
    if need is None:
        data = factories.need_data()
    else:
        draft = need.get_latest_revision_as_object()
        data = {name: getattr(draft, name) for name in NEED_FIELDS}
        data["slug"] = draft.slug
    data.update(changes)
    return nested_form_data(
        {**data, "body": streamfield([]), "comments": inline_formset([])}
    )


def workflow_action(client, page, action: str, comment: str = ""):
    task_state = page.current_workflow_state.current_task_state
    url = reverse(
        "wagtailadmin_pages:workflow_action", args=[page.pk, action, task_state.pk]
    )
    return client.post(url, {"comment": comment})


def ja(message: str) -> str:
    with translation.override("ja"):
        return translation.gettext(message)


@pytest.fixture
def staff_client(client, staff_x):
    client.force_login(staff_x)
    return client


@pytest.fixture
def coordinator_client(client, coordinator):
    # A second client, so both people stay signed in side by side.
    other = Client()
    other.force_login(coordinator)
    return other


@pytest.fixture
def anonymous():
    return Client()


def test_a_need_goes_from_draft_through_review_to_the_public(
    staff_client, coordinator_client, anonymous, dept_x, staff_x
):
    folder = dept_x.needs_folder

    # 1. Staff X write a draft in their department's folder ("Save draft").
    data = need_form(
        title="保育園の空き状況を伝えたい", slug="hoiku-aki", summary="空き状況"
    )
    response = staff_client.post(f"/admin/pages/add/needs/needpage/{folder.pk}/", data)
    need = NeedPage.objects.get(slug="hoiku-aki")
    assert response["Location"] == f"/admin/pages/{need.pk}/edit/"
    assert not need.live
    assert need.owner == staff_x
    assert need.department == dept_x
    assert anonymous.get(public_path(need)).status_code == 404
    assert "保育園の空き状況を伝えたい" not in anonymous.get("/needs/").content.decode()

    # 2. They submit it to the coordinator workflow: in review, still not public.
    response = staff_client.post(
        f"/admin/pages/{need.pk}/edit/", {**need_form(need), "action-submit": "1"}
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.workflow_in_progress
    assert not need.live
    assert anonymous.get(public_path(need)).status_code == 404
    assert "保育園の空き状況を伝えたい" not in anonymous.get("/needs/").content.decode()

    # 3. The coordinator finds it on the dashboard and approves it.
    dashboard = coordinator_client.get("/admin/").content.decode()
    assert "保育園の空き状況を伝えたい" in dashboard
    response = workflow_action(
        coordinator_client, need, "approve", comment="公開します"
    )
    assert response["Location"] == f"/admin/pages/{need.pk}/edit/"
    need.refresh_from_db()
    assert need.live
    assert not need.workflow_in_progress
    assert need.current_workflow_state is None
    assert need.stage == Stage.PUBLISHED

    # 4. Live, with its own page and listed on /needs/.
    page = anonymous.get(public_path(need))
    assert page.status_code == 200
    assert "保育園の空き状況を伝えたい" in page.content.decode()
    assert "保育園の空き状況を伝えたい" in anonymous.get("/needs/").content.decode()


def test_editing_a_live_need_keeps_the_published_text_until_approval(
    staff_client, coordinator_client, anonymous, dept_x, staff_x, coordinator
):
    need = factories.make_need(
        dept_x, staff_x, publish_by=coordinator, pain_points="古い困りごと"
    )
    staff_client.post(
        f"/admin/pages/{need.pk}/edit/",
        {**need_form(need, pain_points="新しい困りごと"), "action-submit": "1"},
    )
    need.refresh_from_db()
    assert need.live
    assert need.has_unpublished_changes
    assert need.workflow_in_progress

    page = anonymous.get(need.url).content.decode()
    assert "古い困りごと" in page
    assert "新しい困りごと" not in page
    assert list(anonymous.get("/needs/?q=新しい困りごと").context["needs"]) == []
    assert list(anonymous.get("/needs/?q=古い困りごと").context["needs"]) == [need]

    workflow_action(coordinator_client, need, "approve")
    page = anonymous.get(need.url).content.decode()
    assert "新しい困りごと" in page
    assert "古い困りごと" not in page


def test_approving_an_edit_does_not_move_the_stage_back(
    staff_client, coordinator_client, dept_x, staff_x, coordinator
):
    # The stage is operational state, not content: an old revision must not reset it.
    need = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    staff_client.post(
        f"/admin/pages/{need.pk}/edit/",
        {**need_form(need, summary="更新した要約"), "action-submit": "1"},
    )
    change_need_stage(need=need, to=Stage.WORKING_GROUP, by=staff_x)
    need.refresh_from_db()
    workflow_action(coordinator_client, need, "approve")
    need.refresh_from_db()
    assert need.summary == "更新した要約"
    assert need.stage == Stage.WORKING_GROUP
    assert need.department == dept_x


def test_a_coordinator_requests_changes_and_staff_resubmit(
    staff_client, coordinator_client, anonymous, dept_x, staff_x
):
    need = factories.make_need(dept_x, staff_x)
    staff_client.post(
        f"/admin/pages/{need.pk}/edit/", {**need_form(need), "action-submit": "1"}
    )
    need.refresh_from_db()
    workflow_action(
        coordinator_client, need, "reject", comment="効果の見込みを書いてください"
    )
    need.refresh_from_db()
    assert not need.live
    assert need.current_workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert anonymous.get(public_path(need)).status_code == 404

    # Wagtail's editor resumes the same workflow on the next submission.
    staff_client.post(
        f"/admin/pages/{need.pk}/edit/",
        {**need_form(need, desired_outcome="待ち時間を半分に"), "action-submit": "1"},
    )
    need.refresh_from_db()
    assert need.workflow_in_progress
    workflow_action(coordinator_client, need, "approve")
    need.refresh_from_db()
    assert need.live
    assert need.desired_outcome == "待ち時間を半分に"


def test_staff_cannot_approve_their_own_need(staff_client, dept_x, staff_x):
    need = factories.make_need(dept_x, staff_x)
    staff_client.post(
        f"/admin/pages/{need.pk}/edit/", {**need_form(need), "action-submit": "1"}
    )
    need.refresh_from_db()
    response = workflow_action(staff_client, need, "approve")
    assert response["Location"] == "/admin/"
    need.refresh_from_db()
    assert need.workflow_in_progress
    assert not need.live


# --- The lifecycle stage, through /admin/needs/<pk>/stage/ ---------------------------


def stage_url(need) -> str:
    return reverse("needs_change_stage", args=[need.pk])


@pytest.fixture
def live_need(dept_x, staff_x, coordinator):
    return factories.make_need(dept_x, staff_x, publish_by=coordinator)


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (Stage.PUBLISHED, Stage.OPEN_FOR_IDEAS),
        (Stage.PUBLISHED, Stage.WORKING_GROUP),  # steps may be skipped
        (Stage.OPEN_FOR_IDEAS, Stage.PILOT),
        (Stage.PILOT, Stage.IMPLEMENTED),
        (Stage.IMPLEMENTED, Stage.CLOSED),
        (Stage.OPEN_FOR_IDEAS, Stage.CLOSED),  # a need may close at any time
    ],
)
def test_the_stage_moves_forward(
    staff_client, anonymous, live_need, staff_x, start, to
):
    if start != Stage.PUBLISHED:
        change_need_stage(need=live_need, to=start, by=staff_x)
    response = staff_client.post(stage_url(live_need), {"stage": to})
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/{live_need.get_parent().pk}/"
    success = [
        m for m in get_messages(response.wsgi_request) if m.level == messages.SUCCESS
    ]
    assert len(success) == 1
    live_need.refresh_from_db()
    assert live_need.stage == to
    assert live_need.stage_changed_at is not None
    change = NeedStageChange.objects.filter(need=live_need).last()
    assert (change.from_stage, change.to_stage, change.changed_by) == (
        start,
        to,
        staff_x,
    )
    with translation.override("ja"):
        label = str(Stage(to).label)
    assert label in anonymous.get(live_need.url).content.decode()


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (Stage.OPEN_FOR_IDEAS, Stage.PUBLISHED),
        (Stage.PILOT, Stage.WORKING_GROUP),
        (Stage.IMPLEMENTED, Stage.OPEN_FOR_IDEAS),
        (Stage.WORKING_GROUP, Stage.WORKING_GROUP),  # staying put is no change
    ],
)
def test_the_stage_never_moves_backwards(staff_client, live_need, staff_x, start, to):
    change_need_stage(need=live_need, to=start, by=staff_x)
    response = staff_client.post(stage_url(live_need), {"stage": to})
    assert response.status_code == 400
    (error,) = response.context["form"].errors["stage"]
    assert error in response.content.decode()  # shown to the user
    live_need.refresh_from_db()
    assert live_need.stage == start
    assert NeedStageChange.objects.filter(need=live_need).count() == 1


def test_a_closed_need_stays_closed(staff_client, live_need, staff_x):
    change_need_stage(need=live_need, to=Stage.CLOSED, by=staff_x)
    page = staff_client.get(stage_url(live_need))
    assert page.status_code == 200
    assert (
        ja("This need is closed; its stage cannot change any more.")
        in page.content.decode()
    )
    for to in (Stage.PUBLISHED, Stage.IMPLEMENTED, Stage.CLOSED):
        response = staff_client.post(stage_url(live_need), {"stage": to})
        assert response.status_code == 400
        assert ja("This need is closed; its stage cannot change any more.") in (
            response.content.decode()
        )
    live_need.refresh_from_db()
    assert live_need.stage == Stage.CLOSED


def test_a_draft_has_no_stage_to_change(staff_client, dept_x, staff_x):
    draft = factories.make_need(dept_x, staff_x)
    response = staff_client.post(stage_url(draft), {"stage": Stage.OPEN_FOR_IDEAS})
    assert response.status_code == 400
    assert ja("The stage can change only once the need is published.") in (
        response.content.decode()
    )
    draft.refresh_from_db()
    assert draft.stage == Stage.PUBLISHED
    assert not NeedStageChange.objects.filter(need=draft).exists()


def test_a_need_in_review_cannot_change_stage_before_its_first_publication(
    staff_client, dept_x, staff_x
):
    need = factories.make_need(dept_x, staff_x)
    staff_client.post(
        f"/admin/pages/{need.pk}/edit/", {**need_form(need), "action-submit": "1"}
    )
    response = staff_client.post(stage_url(need), {"stage": Stage.OPEN_FOR_IDEAS})
    assert response.status_code == 400
    need.refresh_from_db()
    assert need.stage == Stage.PUBLISHED


@pytest.mark.parametrize("value", ["bogus", "", "PUBLISHED", "open_for_ideas\x00"])
def test_a_nonsense_stage_is_a_form_error_not_a_crash(staff_client, live_need, value):
    response = staff_client.post(stage_url(live_need), {"stage": value})
    assert response.status_code == 400
    live_need.refresh_from_db()
    assert live_need.stage == Stage.PUBLISHED


def test_the_stage_page_shows_the_current_stage_and_history(
    staff_client, live_need, staff_x
):
    change_need_stage(need=live_need, to=Stage.OPEN_FOR_IDEAS, by=staff_x)
    response = staff_client.get(stage_url(live_need))
    assert response.status_code == 200
    html = response.content.decode()
    with translation.override("ja"):
        assert str(Stage.OPEN_FOR_IDEAS.label) in html
        # The form offers only the stages after the current one.
        offered = [
            value for value, _label in response.context["form"].fields["stage"].choices
        ]
    assert offered == [
        Stage.WORKING_GROUP,
        Stage.PILOT,
        Stage.IMPLEMENTED,
        Stage.CLOSED,
    ]
    assert response.context["history"].count() == 1


def test_an_unknown_need_is_not_found(staff_client):
    assert staff_client.get("/admin/needs/999999/stage/").status_code == 404
