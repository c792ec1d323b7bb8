"""Pilot state built through the services."""

from hack.pilots import services as pilot_services


def add_goals(pilot, by, *, results=False):
    goals = [
        pilot_services.add_goal(
            pilot=pilot,
            by=by,
            label="窓口業務の時間",
            kind="time_saved",
            unit="時間/月",
            baseline="120",
            target="90",
            higher_is_better=False,
        ),
        pilot_services.add_goal(
            pilot=pilot,
            by=by,
            label="満足度",
            kind="satisfaction",
            unit="%",
            baseline="60",
            target="80",
        ),
    ]
    if results:
        pilot_services.record_results(
            pilot=pilot,
            by=by,
            results={goals[0].pk: "84", goals[1].pk: "78"},
            results_summary="待ち時間は減ったが、満足度はわずかに届かなかった。",
        )
    return goals
