"""The emails curation sends: a minimal stand-in until in-app notifications land.

Each function runs after the curation decision has committed (the services
schedule it with `transaction.on_commit`), reads the rows again and sends one
email per person, so no one sees the other recipients' addresses. Emails are
written in the site's language (Japanese first).
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from wagtail.models import Site

from hack.accounts.models import Department, Membership, Organization, User

from .models import Match

logger = logging.getLogger(__name__)


def organization_emails(organization: Organization) -> list[str]:
    return _unique(
        Membership.objects.filter(organization=organization, user__is_active=True)
        .order_by("created_at")
        .values_list("user__email", flat=True)
    )


def department_emails(department: Department | None) -> list[str]:
    if department is None:
        return []
    return _unique(
        User.objects.filter(department=department, is_active=True)
        .order_by("pk")
        .values_list("email", flat=True)
    )


def _unique(emails) -> list[str]:
    unique, seen = [], set()
    for email in emails:
        if email and email.lower() not in seen:
            seen.add(email.lower())
            unique.append(email)
    return unique


def _absolute(path: str) -> str:
    site = Site.objects.filter(is_default_site=True).first()
    base = site.root_url if site else getattr(settings, "WAGTAILADMIN_BASE_URL", "")
    return base.rstrip("/") + path


def _page_url(page) -> str:
    return page.full_url or _absolute(page.url or "/")


def _send(template: str, context: dict, recipients: list[str]) -> int:
    if not recipients:
        return 0
    subject = render_to_string(f"matching/email/{template}_subject.txt", context)
    body = render_to_string(f"matching/email/{template}_message.txt", context)
    subject = " ".join(subject.split())
    messages = [EmailMessage(subject, body, None, [email]) for email in recipients]
    return get_connection().send_messages(messages) or 0


def _load(match_id: int) -> Match | None:
    match = (
        Match.objects.select_related(
            "need", "need__department", "seed", "seed__organization"
        )
        .filter(pk=match_id)
        .first()
    )
    if match is None:
        logger.warning("match %s vanished before its email was sent", match_id)
    return match


def _context(match: Match, *, actor: User | None = None, message: str = "") -> dict:
    return {
        "match": match,
        "need": match.need,
        "seed": match.seed,
        "organization": match.seed.organization,
        "department": match.need.department or "",
        "need_url": _page_url(match.need),
        "seed_url": _page_url(match.seed),
        "seed_needs_url": _absolute(
            reverse("matching:seed-needs", kwargs={"pk": match.seed_id})
        ),
        "department_matches_url": _absolute(
            reverse("matching:department-need-matches", kwargs={"pk": match.need_id})
        ),
        "actor": actor,
        "message": message,
    }


def send_match_accepted(match_id: int) -> int:
    """Tell the seed's organisation and the need's department about the match."""
    match = _load(match_id)
    if match is None:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        context = _context(match)
        sent = _send(
            "match_accepted_organization",
            context,
            organization_emails(match.seed.organization),
        )
        sent += _send(
            "match_accepted_department",
            context,
            department_emails(match.need.department),
        )
    return sent


def send_working_group_proposal(match_id: int, *, actor_id: int, message: str) -> int:
    """Propose a working group to the organisation and to the department."""
    match = _load(match_id)
    if match is None:
        return 0
    actor = User.objects.filter(pk=actor_id).first()
    with translation.override(settings.LANGUAGE_CODE):
        context = _context(match, actor=actor, message=message)
        recipients = _unique(
            organization_emails(match.seed.organization)
            + department_emails(match.need.department)
        )
        return _send("working_group_proposal", context, recipients)
