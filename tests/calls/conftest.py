import pytest

from tests import factories

from .factories import make_call


@pytest.fixture
def need_x(dept_x, staff_x, coordinator):
    """A published need of department X."""
    return factories.make_need(dept_x, staff_x, publish_by=coordinator)


@pytest.fixture
def call_x(need_x, staff_x):
    """An open idea call on need X."""
    return make_call(need_x, staff_x)
