"""The need's whole path on its public page: steps in order, the current one,
and only public information."""

import re

import pytest
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from cms.pilot_case_studies import draft_case_study_from_pilot
from hack.needs.choices import Stage
from hack.needs.services import change_need_stage
from hack.pilots import services as pilot_services
from tests.calls.factories import make_proposal

pytestmark = pytest.mark.django_db

STEP = re.compile(
    r'<li class="need-path-step need-path-(?P<state>\w+)" data-step="(?P<key>\w+)"'
    r'(?P<current> aria-current="step")?>'
)
ORDER = [
    "published",
    "idea_call",
    "proposals",
    "working_group",
    "pilot",
    "implemented",
    "case_study",
]


def ja(message: str) -> str:
    with translation.override("ja"):
        return escape(gettext(message))


def path_of(client, need) -> tuple[list[tuple[str, str]], str]:
    response = client.get(need.url)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="need-path"')
    section = html[start : html.index("</section>", start)]
    steps = [(m["key"], m["state"]) for m in STEP.finditer(section)]
    currents = [m["key"] for m in STEP.finditer(section) if m["current"]]
    assert len(currents) <= 1
    return steps, section


def test_a_new_need_is_at_its_first_step(client, need_x):
    steps, section = path_of(client, need_x)
    assert [key for key, _state in steps] == ORDER
    assert steps[0] == ("published", "current")
    assert all(state == "upcoming" for _key, state in steps[1:])
    assert 'aria-current="step"' in section
    assert timezone.localdate(need_x.first_published_at).isoformat() in section


def test_the_whole_path_in_order_without_confidential_content(
    client, call_x, member_a, member_b, group_x, pilot_x
):
    make_proposal(call_x, member_b)  # confidential title and body
    steps, section = path_of(client, group_x.need)
    assert [key for key, _state in steps] == ORDER
    assert dict(steps) == {
        "published": "done",
        "idea_call": "done",
        "proposals": "done",
        "working_group": "done",
        "pilot": "current",
        "implemented": "upcoming",
        "case_study": "upcoming",
    }
    assert group_x.title in section
    assert pilot_x.starts_on.isoformat() in section
    page = client.get(group_x.need.url).content.decode()
    assert "AI 受付で待ち時間を半分に" not in page
    assert "機密" not in page
    # The pilot itself is not public: neither its title nor its summary.
    assert pilot_x.title not in page
    assert pilot_x.summary not in page


def test_a_skipped_step_is_said_so(client, group_x):
    steps, _section = path_of(client, group_x.need)
    assert dict(steps)["idea_call"] == "skipped"
    assert dict(steps)["proposals"] == "skipped"
    assert dict(steps)["working_group"] == "current"


def test_a_draft_case_study_is_not_linked_a_live_one_is(
    client, finished_pilot, coordinator, staff_x
):
    pilot_services.mark_need_implemented(pilot=finished_pilot, by=staff_x)
    page = draft_case_study_from_pilot(pilot=finished_pilot, by=coordinator)
    steps, section = path_of(client, finished_pilot.need)
    assert dict(steps)["implemented"] == "current"
    assert dict(steps)["case_study"] == "upcoming"
    assert page.title not in section
    html = client.get(finished_pilot.need.url).content.decode()
    assert f"/cases/{page.slug}/" not in html

    page.get_latest_revision().publish(user=coordinator)
    page.refresh_from_db()
    steps, section = path_of(client, finished_pilot.need)
    assert dict(steps)["case_study"] == "done"
    # The path is complete: every step reached is done, none is current.
    assert 'aria-current="step"' not in section
    assert f'href="{page.url}"' in section


def test_a_closed_need_says_so(client, need_x, coordinator):
    change_need_stage(need=need_x, to=Stage.CLOSED, by=coordinator)
    steps, section = path_of(client, need_x)
    assert steps[0] == ("published", "current")
    assert 'class="notice"' in section


def test_states_are_text_not_only_colour(client, group_x):
    _steps, section = path_of(client, group_x.need)
    assert ja("Done") in section
    assert ja("Current step") in section
    assert ja("Not yet") in section
    assert "<ol" in section
