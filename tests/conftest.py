import pytest
from django.db import connections

from cms.models import HomePage
from cms.services import set_up_site
from tests import factories


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Build the page tree, groups and workflow once per test database; each test
    then rolls back its own changes."""
    with django_db_blocker.unblock():
        set_up_site(hostname="testserver")
        # Transactional tests with serialized_rollback restore this state, not the
        # bare post-migration one Django serialised when it created the database.
        for connection in connections.all(initialized_only=True):
            connection._test_serialized_contents = (
                connection.creation.serialize_db_to_string()
            )


@pytest.fixture
def site(db):
    """The page tree, groups and workflow every installation has. Transactional
    tests flush the database, so it is rebuilt when missing."""
    return HomePage.objects.first() or set_up_site(hostname="testserver")


@pytest.fixture
def coordinator(site):
    return factories.make_coordinator("coordinator@example.jp")


@pytest.fixture
def dept_x(site):
    return factories.make_department(
        slug="dept-x", bureau="港南区役所", section="区政推進課"
    )


@pytest.fixture
def dept_y(site):
    return factories.make_department(slug="dept-y", bureau="消防局", section="司令課")


@pytest.fixture
def staff_x(dept_x):
    return factories.make_staff(dept_x, "staff-x@example.jp")


@pytest.fixture
def staff_y(dept_y):
    return factories.make_staff(dept_y, "staff-y@example.jp")


@pytest.fixture
def member_a(site):
    owner = factories.make_user("member-a@example.jp")
    factories.make_organization(owner, name="株式会社エー")
    return owner


@pytest.fixture
def org_a(member_a):
    return member_a.memberships.get().organization


@pytest.fixture
def member_b(site):
    owner = factories.make_user("member-b@example.jp")
    factories.make_organization(owner, name="一般社団法人ビー", org_type="npo")
    return owner


@pytest.fixture
def org_b(member_b):
    return member_b.memberships.get().organization
