"""The home page's live figures and latest case studies."""

import pytest
from django.contrib.auth import get_user_model

from cms.selectors import site_figures
from hack.needs.choices import Stage
from hack.needs.services import change_need_stage
from tests import factories
from tests.cms.pages import make_case


def figures() -> dict[str, int]:
    return {figure.key: figure.value for figure in site_figures()}


def test_the_seven_figures_in_order(site):
    assert list(figures()) == [
        "organisations",
        "people",
        "needs",
        "open_calls",
        "proposals",
        "pilots",
        "implemented",
    ]


def test_figures_count_organisations_people_and_needs(
    site, coordinator, dept_x, staff_x
):
    before = figures()
    factories.make_organization(name="株式会社数える")  # its owner is a new person
    unverified = get_user_model().objects.create_user(
        username="unverified", email="unverified@example.jp", password="x" * 12
    )
    inactive = factories.make_user("inactive@example.jp")
    inactive.is_active = False
    inactive.save()

    published = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    factories.make_need(dept_x, staff_x)  # a draft does not count
    pilot = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    implemented = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    change_need_stage(need=pilot, to=Stage.PILOT, by=coordinator)
    change_need_stage(need=implemented, to=Stage.IMPLEMENTED, by=coordinator)

    after = figures()
    assert after["organisations"] == before["organisations"] + 1
    # The owner counts; the unverified and the inactive account do not.
    assert after["people"] == before["people"] + 1
    assert unverified.pk and published.live
    assert after["needs"] == before["needs"] + 3
    # Pilots count the needs in pilot and those implemented since.
    assert after["pilots"] == before["pilots"] + 2
    assert after["implemented"] == before["implemented"] + 1


def test_figures_match_the_calls_counts(site):
    from hack.calls.selectors import count_open_calls, count_submitted_proposals

    values = figures()
    assert values["open_calls"] == count_open_calls()
    assert values["proposals"] == count_submitted_proposals()


@pytest.mark.django_db
def test_home_page_shows_figures_and_latest_cases(client, site):
    make_case(title="最新の事例")
    draft = make_case(title="下書きの事例", publish=False)
    html = client.get("/").content.decode()
    section = html[html.index('<dl class="figures">') :]
    section = section[: section.index("</dl>")]
    assert section.count("<dt>") == 7 and section.count("<dd>") == 7
    for figure in site_figures():
        assert f"<dt>{figure.label}</dt><dd>{figure.value}</dd>" in section
    assert "最新の事例" in html
    assert draft.title not in html
    assert 'href="/cases/"' in html


def test_an_open_idea_call_is_counted(site, coordinator, dept_x, staff_x):
    from datetime import timedelta

    from django.utils import timezone

    from hack.calls.services import open_idea_call

    need = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    before = figures()["open_calls"]
    now = timezone.now()
    open_idea_call(
        need=need,
        by=coordinator,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=14),
        what_we_want="窓口の待ち時間を短くする方法を募集します。",
    )
    upcoming = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    open_idea_call(
        need=upcoming,
        by=coordinator,
        opens_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=30),
        what_we_want="まだ始まっていない募集です。",
    )
    assert figures()["open_calls"] == before + 1
