"""The public page, the coordinators' dashboard and the target editor: who
gets in, what they show, and that garbage never makes a 500."""

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from hack.needs.choices import Stage
from hack.participation.models import ParticipationTarget
from tests import factories

from .builders import (
    form_group_at,
    jst,
    move_need_at,
    open_call,
    publish_need_at,
    publish_seed_at,
    submit_proposal_at,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member_a", "staff_x", "coordinator")
FIGURES = reverse("participation:figures")
DASHBOARD = reverse("participation:dashboard")
TARGETS = reverse("participation:target-list")
ADD = reverse("participation:target-add")


def edit_url(year: int) -> str:
    return reverse(
        "participation:target-edit",
        args=[ParticipationTarget.objects.get(fiscal_year=year).pk],
    )


def login_as(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def text(response) -> str:
    """The page's text without tags or extra spaces."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def built(coordinator, dept_x, staff_x, member_a, org_a, member_b, org_b):
    """Three people in 2Q, one more in 3Q; a need through to a pilot."""
    start = jst(2023, 6, 1)
    need = publish_need_at(dept_x, staff_x, coordinator, start)
    publish_seed_at(org_a, member_a, coordinator, jst(2023, 7, 1))
    submit_proposal_at(open_call(need, staff_x), member_b, start + timedelta(days=9))
    form_group_at(need, coordinator, jst(2024, 6, 1))
    move_need_at(need, Stage.PILOT, coordinator, start + timedelta(days=100))
    return need


# Who gets in --------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_public_page_is_for_everyone(client, request, role):
    response = login_as(client, request, role).get(FIGURES)
    assert response.status_code == 200


@pytest.mark.parametrize("url", [DASHBOARD, TARGETS, ADD, "edit"])
@pytest.mark.parametrize("role", ROLES)
def test_manage_pages_are_for_coordinators_only(client, request, role, url):
    url = edit_url(2025) if url == "edit" else url
    response = login_as(client, request, role).get(url)
    expected = {"anonymous": 302, "member_a": 403, "staff_x": 403, "coordinator": 200}
    assert response.status_code == expected[role]
    if role == "anonymous":
        assert response.url == redirect_to_login(url).url


@pytest.mark.parametrize("role", ("member_a", "staff_x"))
def test_non_coordinators_cannot_post(client, request, role, today):
    today(date(2025, 5, 1))
    login_as(client, request, role)
    assert client.post(edit_url(2025), {"cumulative_target": "2000"}).status_code == 403
    data = {"fiscal_year": "2026", "label": "5Q", "cumulative_target": "1250"}
    assert client.post(ADD, data).status_code == 403
    assert ParticipationTarget.objects.get(fiscal_year=2025).cumulative_target == 1000
    assert ParticipationTarget.objects.count() == 4


def test_anonymous_posts_go_to_login(client):
    response = client.post(ADD, {"fiscal_year": "2026"})
    assert response.status_code == 302
    assert ParticipationTarget.objects.count() == 4


# What the pages show ------------------------------------------------------


def test_public_page_shows_the_figures(client, built, today):
    today(date(2024, 11, 1))  # 3Q is current: 4 of 750
    response = client.get("/en" + FIGURES)  # the patterns below are English
    page = text(response)
    html = response.content.decode()
    total = re.search(r'participation-total-number">([^<]+)<', html).group(1)
    assert total == "4"
    assert '<progress class="participation-progress" max="750" value="4"' in html
    assert "3Q" in page and "750" in page
    # Charts are drawn on the server, hidden from screen readers, with a
    # captioned table of the same figures after each.
    assert html.count('<svg class="chart-svg"') == 2
    assert html.count('aria-hidden="true" focusable="false">') >= 2
    assert html.count("<title>") >= 2 and html.count("<desc>") >= 2
    assert html.count("<caption") == 2
    assert 'id="participants-caption"' in html and 'id="funnel-caption"' in html
    # The participants table: 2Q has 3 new (staff X, member A, member B).
    # (period, its dates, new, cumulative, target, reached)
    assert re.search(r"2Q \(\S+\) \S+ 3 3 500 0%", page)
    assert re.search(r"3Q \(\S+\) \S+ \S+ 1 4 750 0%", page)  # “current” badge
    # The funnel: 1 need, 1 proposal, 0 groups, 1 pilot, 0 implemented in 2Q.
    funnel = page[page.index("From needs") :]
    assert re.search(r"2Q \(\S+\) 1 1 0 1 0", funnel)
    # The definition is written out on the page.
    assert "definition-heading" in html
    # No coordinator's lead times on the public page.
    assert "lead-heading" not in html


def test_public_page_without_a_target_for_the_current_year(client, built):
    # Today is in FY2026, after the four initial periods.
    response = client.get(FIGURES)
    html = response.content.decode()
    assert "<progress" not in html
    assert 'class="notice"' in html
    assert "1,000" in text(response)  # the last target, for reference


def test_public_page_when_the_target_is_reached(client, coordinator, org_a, today):
    ParticipationTarget.objects.filter(fiscal_year=2022).update(cumulative_target=2)
    today(date(2022, 10, 1))
    for _ in range(3):
        publish_seed_at(
            org_a, factories.make_member(org_a), coordinator, jst(2022, 6, 1)
        )
    html = client.get(FIGURES).content.decode()
    assert 'max="2" value="2"' in html  # the bar stops at its end
    assert "150%" in html


def test_dashboard_adds_lead_times(client, coordinator, built, staff_x):
    client.force_login(coordinator)
    response = client.get(DASHBOARD)
    html = response.content.decode()
    page = text(response)
    assert "lead-heading" in html
    assert 'id="lead-caption"' in html and 'id="lead-needs-caption"' in html
    assert built.title in page
    assert "港南区役所 区政推進課" in page
    assert "2023-06-01" in page
    assert "2023-06-10" in page and "9.0" in page  # the first proposal
    assert "100.0" in page  # the pilot
    assert 'href="/needs/' in html  # each need links to its page
    assert reverse("participation:target-list") in html
    # Everything on the public page is there too.
    assert html.count('<svg class="chart-svg"') == 2


def test_target_list_marks_ended_periods_read_only(client, coordinator, today):
    today(date(2025, 5, 1))
    client.force_login(coordinator)
    html = client.get(TARGETS).content.decode()
    assert edit_url(2025) in html
    for year in (2022, 2023, 2024):
        assert edit_url(year) not in html
    assert html.count("badge badge-outline") == 3


# Editing targets ----------------------------------------------------------


def test_coordinator_edits_a_target(client, coordinator, today):
    today(date(2025, 5, 1))
    client.force_login(coordinator)
    response = client.post(edit_url(2025), {"cumulative_target": "１，２００"})
    assert response.status_code == 302
    assert response.url == TARGETS
    assert ParticipationTarget.objects.get(fiscal_year=2025).cumulative_target == 1200


def test_a_decreasing_target_is_refused_and_kept_in_the_form(
    client, coordinator, today
):
    today(date(2025, 5, 1))
    client.force_login(coordinator)
    response = client.post(edit_url(2025), {"cumulative_target": "600"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert "750" in text(response)
    assert 'value="600"' in html  # what was typed stays
    assert ParticipationTarget.objects.get(fiscal_year=2025).cumulative_target == 1000


def test_an_ended_period_cannot_be_edited(client, coordinator):
    client.force_login(coordinator)
    url = edit_url(2024)
    page = client.get(url)
    assert page.status_code == 200
    assert 'class="stacked-form"' not in page.content.decode()
    assert 'class="notice"' in page.content.decode()
    response = client.post(url, {"cumulative_target": "800"})
    assert response.status_code == 400
    assert ParticipationTarget.objects.get(fiscal_year=2024).cumulative_target == 750


def test_coordinator_adds_a_period(client, coordinator):
    client.force_login(coordinator)
    form = client.get(ADD).content.decode()
    assert 'value="2026"' in form and 'value="5Q"' in form and 'value="1250"' in form
    response = client.post(
        ADD, {"fiscal_year": "2026", "label": "5Q", "cumulative_target": "1250"}
    )
    assert response.status_code == 302
    assert ParticipationTarget.objects.filter(
        fiscal_year=2026, label="5Q", cumulative_target=1250
    ).exists()
    # The public page now has a target for the current year.
    client.logout()
    assert '<progress class="participation-progress" max="1250"' in (
        client.get(FIGURES).content.decode()
    )


def test_adding_an_ended_year_is_refused_with_what_was_typed(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        ADD, {"fiscal_year": "2021", "label": "0Q", "cumulative_target": "100"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert 'value="0Q"' in html and 'value="2021"' in html
    assert ParticipationTarget.objects.count() == 4


# Garbage ------------------------------------------------------------------

GARBAGE_QUERIES = [
    "?period=abc",
    "?year=9999999999999999999999",
    "?page=-1&format=csv",
    "?%00=%00",
    "?q=" + "x" * 5000,
    "?fiscal_year[]=1&fiscal_year[]=2",
]

GARBAGE_POSTS = [
    {},
    {"cumulative_target": ""},
    {"cumulative_target": "abc"},
    {"cumulative_target": "-1"},
    {"cumulative_target": "0"},
    {"cumulative_target": "1e9"},
    {"cumulative_target": "9" * 400},
    {"cumulative_target": ["1", "2"]},
    {"cumulative_target": "\x00"},
    {"fiscal_year": "abc", "label": "\x00", "cumulative_target": "1"},
    {"fiscal_year": "2026", "label": "x" * 10_000, "cumulative_target": "12 50"},
    {"fiscal_year": "-2026", "label": "5Q", "cumulative_target": "-1250"},
    {"fiscal_year": "99999999999999999999", "label": "5Q", "cumulative_target": "2"},
]


@pytest.mark.parametrize("query", GARBAGE_QUERIES)
@pytest.mark.parametrize("role", ("anonymous", "coordinator"))
def test_garbage_get_parameters_never_500(client, request, built, role, query):
    login_as(client, request, role)
    for url in (FIGURES, DASHBOARD, TARGETS, ADD, edit_url(2025)):
        response = client.get(url + query)
        assert response.status_code in (200, 302), (url, query)


@pytest.mark.parametrize("data", GARBAGE_POSTS, ids=range(len(GARBAGE_POSTS)))
def test_garbage_posts_never_500(client, coordinator, data, today):
    today(date(2025, 5, 1))  # 4Q can be edited: the forms do check the input
    client.force_login(coordinator)
    before = list(ParticipationTarget.objects.values_list("cumulative_target"))
    for url in (edit_url(2025), ADD):
        response = client.post(url, data)
        assert response.status_code == 400, (url, data)
    assert list(ParticipationTarget.objects.values_list("cumulative_target")) == before


@pytest.mark.parametrize("url", [FIGURES, DASHBOARD, TARGETS])
def test_other_methods_are_refused(client, coordinator, url):
    client.force_login(coordinator)
    assert client.put(url).status_code == 405
    assert client.post(url).status_code == 405


# Queries ------------------------------------------------------------------


def test_pages_run_a_bounded_number_of_queries(
    client,
    coordinator,
    dept_x,
    staff_x,
    org_a,
    django_assert_max_num_queries,
):
    for number in range(6):
        need = publish_need_at(
            dept_x, staff_x, coordinator, jst(2022 + number % 4, 6, 1)
        )
        submit_proposal_at(
            open_call(need, staff_x),
            factories.make_member(factories.make_organization()),
            jst(2024, 6, 1),
        )
        form_group_at(need, coordinator, jst(2024, 7, 1), organizations=[org_a])
    client.force_login(coordinator)
    with django_assert_max_num_queries(24):
        assert client.get(FIGURES).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(DASHBOARD).status_code == 200
