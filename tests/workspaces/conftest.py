import pytest

from hack.workspaces import realtime, services
from tests import factories


@pytest.fixture
def need_x(dept_x, staff_x, coordinator):
    """A published need of department X."""
    return factories.make_need(dept_x, staff_x, publish_by=coordinator)


@pytest.fixture
def group_x(need_x, coordinator, staff_x, org_a):
    """A working group on need X: the coordinator facilitates, staff X and
    organisation A's members are in it."""
    group = services.form_working_group(
        need=need_x, by=coordinator, title="窓口の待ち時間を減らす WG"
    )
    services.add_staff_member(group=group, user=staff_x, by=coordinator)
    services.add_organization(group=group, organization=org_a, by=coordinator)
    return group


@pytest.fixture
def sent(monkeypatch):
    """What reaches the channel layer, as (group name, message) pairs."""
    messages = []
    monkeypatch.setattr(
        realtime, "_send", lambda name, message: messages.append((name, message))
    )
    return messages
