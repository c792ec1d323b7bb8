"""/api/v1/participation/: the same figures as the public /participation/ page,
computed by hack.participation.selectors."""

from datetime import date, timedelta

import pytest

from hack.needs.choices import Stage
from hack.participation import periods, selectors
from hack.participation.models import ParticipationTarget
from tests.participation.builders import (
    form_group_at,
    jst,
    move_need_at,
    open_call,
    publish_need_at,
    publish_seed_at,
    submit_proposal_at,
)

from .helpers import get_json, read_csv

pytestmark = pytest.mark.django_db

URL = "/api/v1/participation/"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    day = date(2026, 11, 27)  # fiscal year 2026, after the four initial periods
    monkeypatch.setattr(periods, "city_today", lambda: day)
    return day


@pytest.fixture
def built(coordinator, dept_x, staff_x, member_a, org_a, member_b, org_b):
    start = jst(2023, 6, 1)
    need = publish_need_at(dept_x, staff_x, coordinator, start)
    publish_seed_at(org_a, member_a, coordinator, jst(2023, 7, 1))
    submit_proposal_at(open_call(need, staff_x), member_b, start + timedelta(days=9))
    form_group_at(need, coordinator, jst(2024, 6, 1))
    move_need_at(need, Stage.PILOT, coordinator, start + timedelta(days=100))
    publish_need_at(dept_x, staff_x, coordinator, jst(2026, 5, 1))
    return need


def test_periods_equal_the_selectors(client, built, today):
    _, data = get_json(client, URL)
    figures = selectors.get_figures()
    assert data["count"] == len(figures.participants)
    funnel = {row.period.fiscal_year: row for row in figures.funnel}
    for row, expected in zip(data["results"], figures.participants, strict=True):
        assert row["fiscal_year"] == expected.period.fiscal_year
        assert row["period"] == (expected.period.label or None)
        assert row["target"] == expected.target
        assert row["state"] == expected.period.state
        assert row["new_participants"] == expected.new
        assert row["cumulative_participants"] == expected.cumulative
        assert row["percent_of_target"] == expected.percent
        assert row["starts_on"] == expected.period.starts_on.isoformat()
        assert row["ends_on"] == expected.period.ends_on.isoformat()
        funnel_row = funnel.get(expected.period.fiscal_year)
        if funnel_row is None:
            assert row["funnel"] is None
        else:
            assert list(row["funnel"].values()) == funnel_row.values()
    assert data["summary"] == {
        "as_of": "2026-11-27",
        "participants": figures.total,
        "funnel": selectors.funnel_totals(figures.funnel),
    }


def test_the_figures_themselves(client, built):
    _, data = get_json(client, URL)
    by_year = {row["fiscal_year"]: row for row in data["results"]}
    assert [row["fiscal_year"] for row in data["results"]] == [
        2022,
        2023,
        2024,
        2025,
        2026,
    ]
    assert by_year[2022]["period"] == "1Q" and by_year[2022]["target"] == 250
    # Staff, member A and member B in 2Q; the coordinator joined the group in 3Q.
    assert by_year[2023]["new_participants"] == 3
    assert by_year[2024]["cumulative_participants"] == 4
    assert by_year[2023]["funnel"] == {
        "needs": 1,
        "proposals": 1,
        "groups": 0,
        "pilots": 1,
        "implemented": 0,
    }
    assert by_year[2026]["period"] is None and by_year[2026]["target"] is None
    assert by_year[2026]["state"] == "current"
    assert data["summary"]["participants"] == 4
    assert data["summary"]["funnel"]["needs"] == 2


def test_a_future_period_has_a_target_and_no_counts(client, built, coordinator):
    ParticipationTarget.objects.create(
        fiscal_year=2027, label="6Q", cumulative_target=2000
    )
    _, data = get_json(client, URL)
    future = data["results"][-1]
    assert future["fiscal_year"] == 2027 and future["state"] == "future"
    assert future["target"] == 2000
    assert future["new_participants"] is None and future["funnel"] is None


def test_pages_and_csv(client, built):
    _, data = get_json(client, URL, per_page=2, page=3)
    assert data["count"] == 5 and data["pages"] == 3
    assert [row["fiscal_year"] for row in data["results"]] == [2026]
    rows = read_csv(client.get("/api/v1/participation.csv"))
    assert [row["fiscal_year"] for row in rows] == [
        "2022",
        "2023",
        "2024",
        "2025",
        "2026",
    ]
    assert rows[1]["new_participants"] == "3"
    assert rows[1]["funnel_proposals"] == "1"
    assert rows[4]["target"] == "" and rows[4]["period"] == ""


def test_participation_has_no_item_by_id(client, built):
    assert client.get(f"{URL}2023/").status_code == 404
