"""Turn a finished pilot into a case study draft in one step.

The draft is an unpublished CaseStudyPage under /cases/, saved as a Wagtail
revision: a coordinator completes the story in the Wagtail editor and publishes
it through the usual review. Its timeline comes from the need's public path
(cms/templatetags/need_path.py) and its outcome measures from the pilot's goals.
The pilot remembers the page id, so asking twice opens the same draft.

Lives in cms because hack apps never import cms; the pilot side of the link is
written through hack.pilots.services.link_case_study.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape, linebreaks
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import override
from wagtail.rich_text import RichText

from hack.accounts.models import User
from hack.accounts.roles import is_coordinator
from hack.matching.match_types import need_type
from hack.matching.models import Match, MatchState
from hack.pilots import selectors as pilot_selectors
from hack.pilots.models import GoalKind, Pilot, PilotStatus
from hack.pilots.services import link_case_study

from .models import (
    CaseStudyIndexPage,
    CaseStudyPage,
    Direction,
    OutcomeMeasure,
    TimelineEntry,
    TimelineStage,
)
from .templatetags.need_path import get_need_path

SUMMARY_LIMIT = 400
# The need path's steps that have a stage on a case study's timeline.
TIMELINE_STAGE_BY_STEP = {
    "published": TimelineStage.NEED,
    "idea_call": TimelineStage.IDEA_CALL,
    "working_group": TimelineStage.WORKING_GROUP,
    "implemented": TimelineStage.IMPLEMENTATION,
}


def get_case_study_draft(pilot: Pilot) -> CaseStudyPage | None:
    """The case study drafted from this pilot, if it still exists."""
    if pilot.case_study_page_id is None:
        return None
    return CaseStudyPage.objects.filter(pk=pilot.case_study_page_id).first()


def _matching_type(pilot: Pilot) -> tuple[int, bool]:
    """The type of an accepted match between the need and a seed of one of the
    pilot's organisations; else the type the need's specificity asks for.
    Returns (type, guessed)."""
    match = (
        Match.objects.filter(
            need_id=pilot.need_id,
            state=MatchState.ACCEPTED,
            seed__organization__in=pilot.organizations.all(),
        )
        .order_by("-score", "pk")
        .first()
    )
    if match is not None:
        return match.match_type, False
    return need_type(pilot.need.specificity), True


def _timeline(pilot: Pilot) -> list[TimelineEntry]:
    entries = []
    for step in get_need_path(pilot.need):
        if not step.reached or step.on is None:
            continue
        if step.key == "proposals":
            # A count only: proposals stay confidential.
            entries.append(
                TimelineEntry(
                    stage=TimelineStage.IDEA_CALL, date=step.on, description=step.detail
                )
            )
        elif step.key in TIMELINE_STAGE_BY_STEP:
            description = {
                "published": _("The department published the need."),
                "idea_call": _("An idea call was opened for proposals."),
                "working_group": _("The working group “%(name)s” was formed.")
                % {"name": step.detail},
                "implemented": _("The solution was put into service."),
            }[step.key]
            if step.key == "working_group" and not step.detail:
                description = _("A working group was formed.")
            entries.append(
                TimelineEntry(
                    stage=TIMELINE_STAGE_BY_STEP[step.key],
                    date=step.on,
                    description=description,
                )
            )
    entries.append(
        TimelineEntry(
            stage=TimelineStage.PILOT,
            date=pilot.starts_on,
            description=_("The pilot “%(title)s” started (planned until %(end)s).")
            % {"title": pilot.title, "end": pilot.ends_on.isoformat()},
        )
    )
    if pilot.finished_at is not None:
        entries.append(
            TimelineEntry(
                stage=TimelineStage.PILOT,
                date=timezone.localdate(pilot.finished_at),
                description=_("The pilot finished and its results were recorded."),
            )
        )
    entries.sort(key=lambda entry: entry.date)
    for order, entry in enumerate(entries):
        entry.sort_order = order
    return entries


def _measures(pilot: Pilot) -> list[OutcomeMeasure]:
    return [
        OutcomeMeasure(
            sort_order=order,
            label=goal.label,
            unit=goal.unit,
            baseline=goal.baseline,
            target=goal.target,
            result=goal.result,
            direction=Direction.HIGHER if goal.higher_is_better else Direction.LOWER,
            # OutcomeMeasure's "time spent" compares a cut with the city's 25 %
            # expectation: only a time measure where lower is better.
            measures_time=goal.kind == GoalKind.TIME_SAVED
            and not goal.higher_is_better,
        )
        for order, goal in enumerate(pilot_selectors.list_goals(pilot))
    ]


def _paragraph(text: str) -> tuple[str, RichText]:
    return ("paragraph", RichText(linebreaks(escape(text))))


def _body(pilot: Pilot, *, type_guessed: bool) -> list:
    body = []
    if pilot.summary:
        body.append(_paragraph(pilot.summary))
    if pilot.results_summary:
        body.append(_paragraph(pilot.results_summary))
    notes = [
        _(
            "Drafted from the pilot project. Check every figure and date, complete "
            "the story and the pictures, then publish."
        )
    ]
    if type_guessed:
        notes.append(
            _(
                "The matching type was set from the need's specificity: no accepted "
                "match links the need to a seed of the participating organisations. "
                "Check it before publishing."
            )
        )
    body.append(_paragraph("※ " + " ".join(str(note) for note in notes)))
    return body


def _free_slug(index: CaseStudyIndexPage, pilot: Pilot) -> str:
    base = f"pilot-{pilot.pk}"
    slug, number = base, 1
    while CaseStudyPage.objects.child_of(index).filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def _build(pilot: Pilot, index: CaseStudyIndexPage) -> CaseStudyPage:
    matching_type, guessed = _matching_type(pilot)
    summary = pilot.results_summary or pilot.summary or pilot.need.summary
    page = CaseStudyPage(
        title=pilot.title,
        slug=_free_slug(index, pilot),
        summary=Truncator(summary.strip() or pilot.title).chars(SUMMARY_LIMIT),
        need=pilot.need,
        field=pilot.need.field,
        matching_type=matching_type,
        other_participants=str(pilot.department),
        body=_body(pilot, type_guessed=guessed),
    )
    page.organizations = list(pilot.organizations.all())
    page.timeline_entries = _timeline(pilot)
    page.outcome_measures = _measures(pilot)
    return page


@transaction.atomic
def draft_case_study_from_pilot(*, pilot: Pilot, by: User) -> CaseStudyPage:
    """A coordinator drafts the case study of a finished pilot. Idempotent: the
    draft made before (if it still exists) is returned unchanged."""
    pilot = Pilot.objects.select_for_update().select_related("need").get(pk=pilot.pk)
    if not is_coordinator(by):
        raise PermissionDenied(
            _("Only coordinators can draft a case study from a finished pilot.")
        )
    if pilot.status != PilotStatus.FINISHED:
        raise ValidationError(_("Only a finished pilot can become a case study."))
    if (existing := get_case_study_draft(pilot)) is not None:
        return existing
    index = CaseStudyIndexPage.objects.first()
    if index is None:
        raise ValidationError(_("The case studies section (/cases/) is missing."))
    # The case study is site content: written in the site's language (Japanese).
    with override(settings.LANGUAGE_CODE):
        page = _build(pilot, index)
    page.owner = by
    page.live = False  # a new Page is live by default: this one is a draft
    index.add_child(instance=page)
    page.save_revision(user=by, log_action=True)
    link_case_study(pilot=pilot, by=by, page_id=page.pk)
    return page
