"""A published need moves forward through its stages, never back; closed is final."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from wagtail.models import PageLogEntry

from hack.needs import services
from hack.needs.choices import STAGE_ORDER, Stage, allowed_next_stages
from hack.needs.models import NeedPage, NeedStageChange
from tests import factories

ALL_PAIRS = list(itertools.product(Stage.values, Stage.values))
FORWARD = {
    (a, b)
    for a, b in ALL_PAIRS
    if a != Stage.CLOSED and STAGE_ORDER.index(b) > STAGE_ORDER.index(a)
}


# --- the rule -----------------------------------------------------------------


def test_the_order_covers_every_stage_once():
    assert sorted(STAGE_ORDER) == sorted(Stage.values)


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_allowed_next_stages_only_moves_forward(current, target):
    assert (target in allowed_next_stages(current)) == ((current, target) in FORWARD)


def test_allowed_next_stages_examples():
    assert allowed_next_stages(Stage.PUBLISHED) == [
        Stage.OPEN_FOR_IDEAS,
        Stage.WORKING_GROUP,
        Stage.PILOT,
        Stage.IMPLEMENTED,
        Stage.CLOSED,
    ]
    assert allowed_next_stages(Stage.IMPLEMENTED) == [Stage.CLOSED]
    assert allowed_next_stages(Stage.CLOSED) == []
    assert allowed_next_stages("pilot") == [Stage.IMPLEMENTED, Stage.CLOSED]


def test_allowed_next_stages_refuses_unknown_stage():
    with pytest.raises(ValueError):
        allowed_next_stages("bogus")


# --- the service --------------------------------------------------------------


@pytest.fixture
def published_need(dept_x, staff_x, coordinator):
    return factories.make_need(dept_x, staff_x, publish_by=coordinator)


def _force_stage(need: NeedPage, stage: str) -> NeedPage:
    """Put a need at `stage` by walking the allowed path from `published`."""
    staff = need.department.staff.first()
    if stage != Stage.PUBLISHED:
        need = services.change_need_stage(need=need, to=stage, by=staff)
    return need


@pytest.mark.parametrize(("current", "target"), sorted(FORWARD))
def test_every_allowed_transition_is_made_and_logged(
    published_need, staff_x, current, target
):
    need = _force_stage(published_need, current)
    changes_before = NeedStageChange.objects.count()
    need = services.change_need_stage(need=need, to=target, by=staff_x)
    need.refresh_from_db()
    assert need.stage == target
    assert need.stage_changed_at is not None
    change = NeedStageChange.objects.latest("pk")
    assert NeedStageChange.objects.count() == changes_before + 1
    assert (change.need_id, change.from_stage, change.to_stage, change.changed_by) == (
        need.pk,
        current,
        target,
        staff_x,
    )
    assert PageLogEntry.objects.filter(page=need, action="needs.stage_changed").exists()


@pytest.mark.parametrize(
    ("current", "target"),
    sorted(set(ALL_PAIRS) - FORWARD) + [(Stage.PUBLISHED, "bogus"), (Stage.PILOT, "")],
)
def test_every_refused_transition_changes_nothing(
    published_need, staff_x, current, target
):
    need = _force_stage(published_need, current)
    changes_before = NeedStageChange.objects.count()
    with pytest.raises(ValidationError):
        services.change_need_stage(need=need, to=target, by=staff_x)
    need.refresh_from_db()
    assert need.stage == current
    assert NeedStageChange.objects.count() == changes_before


@pytest.mark.parametrize("target", Stage.values)
def test_closed_is_final(published_need, coordinator, target):
    services.change_need_stage(need=published_need, to=Stage.CLOSED, by=coordinator)
    with pytest.raises(ValidationError):
        services.change_need_stage(need=published_need, to=target, by=coordinator)


def test_a_draft_cannot_change_stage(dept_x, staff_x):
    draft = factories.make_need(dept_x, staff_x)
    assert not draft.live
    with pytest.raises(ValidationError):
        services.change_need_stage(need=draft, to=Stage.OPEN_FOR_IDEAS, by=staff_x)
    draft.refresh_from_db()
    assert draft.stage == Stage.PUBLISHED
    assert not NeedStageChange.objects.exists()


def test_an_unpublished_need_cannot_change_stage(published_need, staff_x, coordinator):
    published_need.unpublish(user=coordinator)
    with pytest.raises(ValidationError):
        services.change_need_stage(need=published_need, to=Stage.PILOT, by=staff_x)


def test_staff_of_another_department_cannot_change_stage(published_need, staff_y):
    with pytest.raises(PermissionDenied):
        services.change_need_stage(
            need=published_need, to=Stage.OPEN_FOR_IDEAS, by=staff_y
        )
    published_need.refresh_from_db()
    assert published_need.stage == Stage.PUBLISHED
    assert not NeedStageChange.objects.exists()


def test_organisation_members_cannot_change_stage(published_need, member_a):
    with pytest.raises(PermissionDenied):
        services.change_need_stage(
            need=published_need, to=Stage.OPEN_FOR_IDEAS, by=member_a
        )


def test_a_coordinator_can_change_any_department_need(published_need, coordinator):
    need = services.change_need_stage(
        need=published_need, to=Stage.WORKING_GROUP, by=coordinator
    )
    assert need.stage == Stage.WORKING_GROUP
    assert NeedStageChange.objects.get().changed_by == coordinator


def test_the_service_reads_the_stage_from_the_database(published_need, staff_x):
    """A stale object in memory cannot move a need back."""
    stale = NeedPage.objects.get(pk=published_need.pk)
    services.change_need_stage(need=published_need, to=Stage.PILOT, by=staff_x)
    with pytest.raises(ValidationError):
        services.change_need_stage(need=stale, to=Stage.OPEN_FOR_IDEAS, by=staff_x)
    assert NeedPage.objects.get(pk=published_need.pk).stage == Stage.PILOT


# --- stage and revisions ------------------------------------------------------


def _edit(need: NeedPage, by, **fields) -> NeedPage:
    """What the Wagtail editor does on “Save draft”."""
    draft = need.get_latest_revision_as_object()
    for name, value in fields.items():
        setattr(draft, name, value)
    draft.save_revision(user=by)
    return draft


def test_publishing_a_new_revision_keeps_the_stage(
    published_need, staff_x, coordinator
):
    services.change_need_stage(need=published_need, to=Stage.OPEN_FOR_IDEAS, by=staff_x)
    _edit(NeedPage.objects.get(pk=published_need.pk), staff_x, title="新しいタイトル")
    need = services.publish_need(
        need=NeedPage.objects.get(pk=published_need.pk), by=coordinator
    )
    need.refresh_from_db()
    assert need.title == "新しいタイトル"
    assert need.stage == Stage.OPEN_FOR_IDEAS
    assert NeedStageChange.objects.filter(need=need).count() == 1


def test_publishing_an_old_revision_keeps_the_stage(
    published_need, staff_x, coordinator
):
    first_revision = published_need.revisions.order_by("created_at", "pk").first()
    assert first_revision.content["stage"] == Stage.PUBLISHED
    services.change_need_stage(need=published_need, to=Stage.OPEN_FOR_IDEAS, by=staff_x)
    changed_at = NeedPage.objects.get(pk=published_need.pk).stage_changed_at

    first_revision.publish(user=coordinator)

    need = NeedPage.objects.get(pk=published_need.pk)
    assert need.stage == Stage.OPEN_FOR_IDEAS
    assert need.stage_changed_at == changed_at
    assert need.department_id == published_need.department_id


def test_old_revision_as_object_keeps_the_stage(published_need, staff_x):
    first_revision = published_need.revisions.order_by("created_at", "pk").first()
    services.change_need_stage(need=published_need, to=Stage.WORKING_GROUP, by=staff_x)
    as_object = first_revision.as_object()
    assert as_object.stage == Stage.WORKING_GROUP


def test_stage_then_edit_then_stage_again(published_need, staff_x, coordinator):
    services.change_need_stage(need=published_need, to=Stage.OPEN_FOR_IDEAS, by=staff_x)
    _edit(NeedPage.objects.get(pk=published_need.pk), staff_x, summary="更新した概要")
    services.publish_need(
        need=NeedPage.objects.get(pk=published_need.pk), by=coordinator
    )
    need = services.change_need_stage(
        need=NeedPage.objects.get(pk=published_need.pk), to=Stage.PILOT, by=staff_x
    )
    need.refresh_from_db()
    assert need.stage == Stage.PILOT
    assert need.summary == "更新した概要"
    assert list(
        NeedStageChange.objects.filter(need=need).values_list("from_stage", "to_stage")
    ) == [(Stage.PUBLISHED, Stage.OPEN_FOR_IDEAS), (Stage.OPEN_FOR_IDEAS, Stage.PILOT)]
