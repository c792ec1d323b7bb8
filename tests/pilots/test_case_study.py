"""Drafting a case study from a finished pilot (cms.pilot_case_studies)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from cms.models import CaseStudyIndexPage, CaseStudyPage, Direction, TimelineStage
from cms.pilot_case_studies import draft_case_study_from_pilot
from cms.selectors import list_published_case_studies
from hack.matching.match_types import MatchType
from hack.matching.models import Match, MatchState
from hack.needs.choices import Specificity
from hack.pilots.models import Pilot
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Refusals are matched on their English wording."""
    with translation.override("en"):
        yield


def test_draft_is_unpublished_under_cases_with_timeline_and_outcomes(
    finished_pilot, coordinator, org_a
):
    page = draft_case_study_from_pilot(pilot=finished_pilot, by=coordinator)
    page = CaseStudyPage.objects.get(pk=page.pk)
    assert not page.live
    assert page.first_published_at is None
    assert page.get_parent().specific_class is CaseStudyIndexPage
    assert page.title == finished_pilot.title
    assert page.need_id == finished_pilot.need_id
    assert page.field == finished_pilot.need.field
    assert list(page.organizations.all()) == [org_a]
    assert page not in list_published_case_studies()
    # Saved as a Wagtail revision the editor opens.
    assert page.latest_revision is not None
    assert page.latest_revision.user == coordinator

    stages = [entry.stage for entry in page.timeline_entries.order_by("sort_order")]
    assert stages.count(TimelineStage.NEED) == 1
    assert TimelineStage.WORKING_GROUP in stages
    assert stages.count(TimelineStage.PILOT) == 2  # started, finished
    dates = [entry.date for entry in page.timeline_entries.order_by("sort_order")]
    assert dates == sorted(dates)

    measures = {m.label: m for m in page.outcome_measures.all()}
    assert set(measures) == {"窓口業務の時間", "満足度"}
    time_spent = measures["窓口業務の時間"]
    assert time_spent.direction == Direction.LOWER
    assert time_spent.measures_time is True
    assert time_spent.target == 90
    assert time_spent.result == 84
    assert time_spent.achieved is True
    assert measures["満足度"].direction == Direction.HIGHER
    assert measures["満足度"].achieved is False


def test_second_request_opens_the_same_draft(finished_pilot, coordinator):
    first = draft_case_study_from_pilot(pilot=finished_pilot, by=coordinator)
    second = draft_case_study_from_pilot(pilot=finished_pilot, by=coordinator)
    assert first.pk == second.pk
    assert CaseStudyPage.objects.count() == 1
    assert Pilot.objects.get(pk=finished_pilot.pk).case_study_page_id == first.pk


def test_a_deleted_draft_is_made_again(finished_pilot, coordinator):
    first = draft_case_study_from_pilot(pilot=finished_pilot, by=coordinator)
    first.delete()
    second = draft_case_study_from_pilot(pilot=finished_pilot, by=coordinator)
    assert second.pk != first.pk
    assert CaseStudyPage.objects.count() == 1


@pytest.mark.parametrize("who", ["staff_x", "member_a", "staff_y"])
def test_only_coordinators_draft(request, finished_pilot, who):
    with pytest.raises(PermissionDenied):
        draft_case_study_from_pilot(
            pilot=finished_pilot, by=request.getfixturevalue(who)
        )
    assert not CaseStudyPage.objects.exists()


def test_only_finished_pilots(pilot_x, coordinator):
    with pytest.raises(ValidationError, match="finished"):
        draft_case_study_from_pilot(pilot=pilot_x, by=coordinator)
    assert not CaseStudyPage.objects.exists()


def test_matching_type_from_an_accepted_match_with_an_organisation_seed(
    finished_pilot, coordinator, org_a, member_a
):
    seed = factories.make_seed(org_a, member_a, publish_by=coordinator)
    Match.objects.create(
        need=finished_pilot.need,
        seed=seed,
        state=MatchState.ACCEPTED,
        match_type=MatchType.READY_TO_DEPLOY,
    )
    page = draft_case_study_from_pilot(pilot=finished_pilot, by=coordinator)
    assert page.matching_type == MatchType.READY_TO_DEPLOY
    assert "matching type" not in str(page.body).lower()


def test_matching_type_defaults_to_the_need_with_a_note(finished_pilot, coordinator):
    assert finished_pilot.need.specificity == Specificity.MEDIUM
    page = draft_case_study_from_pilot(pilot=finished_pilot, by=coordinator)
    assert page.matching_type == MatchType.SOLUTION_TECHNOLOGY
    # The note is written in the site's language (ja), for the editor to check.
    assert "マッチングの類型" in str(page.body)


def test_no_proposal_text_in_the_draft(shortlisted, finished_pilot, coordinator):
    page = draft_case_study_from_pilot(pilot=finished_pilot, by=coordinator)
    text = str(page.body) + " ".join(
        entry.description for entry in page.timeline_entries.all()
    )
    assert "AI 受付で待ち時間を半分に" not in text
    assert "機密" not in text
