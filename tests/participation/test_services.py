"""Participation targets: the four the migration creates, and the editing
rules (coordinators only, ended periods read-only, never decreasing)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hack.participation import services
from hack.participation.models import ParticipationTarget

pytestmark = pytest.mark.django_db


def targets() -> list[tuple]:
    return list(
        ParticipationTarget.objects.order_by("fiscal_year").values_list(
            "label", "fiscal_year", "cumulative_target"
        )
    )


def target(year: int) -> ParticipationTarget:
    return ParticipationTarget.objects.get(fiscal_year=year)


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_the_migration_creates_the_four_initial_periods():
    assert targets() == [
        ("1Q", 2022, 250),
        ("2Q", 2023, 500),
        ("3Q", 2024, 750),
        ("4Q", 2025, 1000),
    ]
    assert all(t.updated_by is None for t in ParticipationTarget.objects.all())


def test_a_coordinator_edits_the_current_period(today, coordinator):
    today(date(2025, 5, 1))  # 4Q is the current period
    updated = services.update_participation_target(
        target=target(2025), by=coordinator, cumulative_target=1200
    )
    assert updated.cumulative_target == 1200
    assert target(2025).cumulative_target == 1200
    assert target(2025).updated_by == coordinator


def test_periods_that_have_ended_are_read_only(today, coordinator):
    today(date(2025, 4, 1))  # 3Q (FY2024) ended the night before
    with pytest.raises(ValidationError) as error:
        services.update_participation_target(
            target=target(2024), by=coordinator, cumulative_target=800
        )
    assert "3Q" in messages_of(error.value)
    assert error.value.code == "period_ended"
    assert target(2024).cumulative_target == 750
    # On 31 March it was still open.
    today(date(2025, 3, 31))
    services.update_participation_target(
        target=target(2024), by=coordinator, cumulative_target=800
    )
    assert target(2024).cumulative_target == 800


def test_a_target_lower_than_the_one_before_is_refused(today, coordinator):
    today(date(2025, 5, 1))
    with pytest.raises(ValidationError) as error:
        services.update_participation_target(
            target=target(2025), by=coordinator, cumulative_target=749
        )
    assert "750" in messages_of(error.value)
    assert "cumulative_target" in error.value.error_dict
    assert target(2025).cumulative_target == 1000
    # Equal to the one before is allowed: nobody new is expected that year.
    services.update_participation_target(
        target=target(2025), by=coordinator, cumulative_target=750
    )


def test_a_target_higher_than_the_one_after_is_refused(today, coordinator):
    today(date(2024, 5, 1))
    with pytest.raises(ValidationError) as error:
        services.update_participation_target(
            target=target(2024), by=coordinator, cumulative_target=1001
        )
    assert "1,000" in messages_of(error.value)
    assert target(2024).cumulative_target == 750


@pytest.mark.parametrize("value", [0, -5, 10_000_001, "500", 2.5, True, None])
def test_targets_are_positive_whole_numbers(today, coordinator, value):
    today(date(2025, 5, 1))
    with pytest.raises(ValidationError):
        services.update_participation_target(
            target=target(2025), by=coordinator, cumulative_target=value
        )
    assert target(2025).cumulative_target == 1000


def test_only_coordinators_change_targets(today, staff_x, member_a):
    today(date(2025, 5, 1))
    for person in (staff_x, member_a):
        with pytest.raises(PermissionDenied):
            services.update_participation_target(
                target=target(2025), by=person, cumulative_target=1100
            )
        with pytest.raises(PermissionDenied):
            services.add_participation_target(
                by=person, fiscal_year=2026, label="5Q", cumulative_target=1250
            )
    assert target(2025).cumulative_target == 1000
    assert ParticipationTarget.objects.count() == 4


def test_a_coordinator_adds_later_periods(coordinator):
    fifth = services.add_participation_target(
        by=coordinator, fiscal_year=2026, label=" 5Q ", cumulative_target=1250
    )
    assert (fifth.label, fifth.updated_by) == ("5Q", coordinator)
    services.add_participation_target(
        by=coordinator, fiscal_year=2028, label="7Q", cumulative_target=2000
    )
    # A gap can be filled later, between its neighbours.
    with pytest.raises(ValidationError) as error:
        services.add_participation_target(
            by=coordinator, fiscal_year=2027, label="6Q", cumulative_target=2100
        )
    assert "2,000" in messages_of(error.value)
    services.add_participation_target(
        by=coordinator, fiscal_year=2027, label="6Q", cumulative_target=1500
    )
    assert [t[0] for t in targets()] == ["1Q", "2Q", "3Q", "4Q", "5Q", "6Q", "7Q"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"fiscal_year": 2025, "label": "5Q", "cumulative_target": 1250},
            "fiscal_year",
        ),
        ({"fiscal_year": 2022, "label": "0Q", "cumulative_target": 100}, "fiscal_year"),
        ({"fiscal_year": 2026, "label": "4Q", "cumulative_target": 1250}, "label"),
        ({"fiscal_year": 2026, "label": "  ", "cumulative_target": 1250}, "label"),
        ({"fiscal_year": 2026, "label": "x" * 21, "cumulative_target": 1250}, "label"),
        (
            {"fiscal_year": 2026, "label": "5Q", "cumulative_target": 999},
            "cumulative_target",
        ),
        (
            {"fiscal_year": 3000, "label": "5Q", "cumulative_target": 1250},
            "fiscal_year",
        ),
        (
            {"fiscal_year": "2026", "label": "5Q", "cumulative_target": 1250},
            "fiscal_year",
        ),
    ],
)
def test_adding_a_period_is_checked(coordinator, data, field):
    with pytest.raises(ValidationError) as error:
        services.add_participation_target(by=coordinator, **data)
    assert field in error.value.error_dict
    assert ParticipationTarget.objects.count() == 4


def test_a_year_with_a_target_cannot_be_added_twice(coordinator):
    services.add_participation_target(
        by=coordinator, fiscal_year=2026, label="5Q", cumulative_target=1250
    )
    with pytest.raises(ValidationError) as error:
        services.add_participation_target(
            by=coordinator, fiscal_year=2026, label="5Q bis", cumulative_target=1300
        )
    assert "fiscal_year" in error.value.error_dict


def test_the_add_form_suggests_the_next_period(today):
    suggestion = services.suggest_next_target(
        list(ParticipationTarget.objects.order_by("fiscal_year"))
    )
    assert suggestion == {"fiscal_year": 2026, "label": "5Q", "cumulative_target": 1250}
    today(date(2028, 6, 1))
    suggestion = services.suggest_next_target(
        list(ParticipationTarget.objects.order_by("fiscal_year"))
    )
    assert suggestion["fiscal_year"] == 2028  # never a year that has ended


def test_demo_targets_fill_up_to_the_current_year_and_are_idempotent(today):
    ParticipationTarget.objects.filter(fiscal_year=2023).delete()
    services.load_demo_targets()
    assert targets() == [
        ("1Q", 2022, 250),
        ("2Q", 2023, 500),
        ("3Q", 2024, 750),
        ("4Q", 2025, 1000),
        ("5Q", 2026, 1250),
    ]
    services.load_demo_targets()
    assert len(targets()) == 5
    today(date(2027, 4, 1))
    services.load_demo_targets()
    assert targets()[-1] == ("6Q", 2027, 1500)


def test_demo_targets_keep_what_a_coordinator_set(coordinator):
    services.add_participation_target(
        by=coordinator, fiscal_year=2026, label="第5期", cumulative_target=1100
    )
    services.load_demo_targets()
    assert targets()[-1] == ("第5期", 2026, 1100)
