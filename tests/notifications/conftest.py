import pytest
from django.utils.translation import gettext_lazy as _

from hack.notifications.kinds import EmailCategory, NotificationKind, register_kind

# A kind of our own for the tests, using email templates that already have a
# Japanese translation (so a ja and an en recipient get different subjects).
TEST_KIND = register_kind(
    NotificationKind(
        code="tests.seed_matched",
        title=_("Your proposal “%(proposal)s” was shortlisted"),
        email_template="matching/email/match_accepted_organization",
        category=EmailCategory.PROPOSALS,
    )
)

PARAMS = {
    "proposal": "窓口AI案内",
    "need": {"title": "窓口の待ち時間を減らしたい"},
    "seed": {"title": "AI案内係"},
    "organization": {"name": "株式会社エー"},
    "department": "港南区役所 区政推進課",
}


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run a service and then what it scheduled for after the commit."""

    def run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run
