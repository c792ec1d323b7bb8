"""The city's four initial periods: 1Q = FY2022 … 4Q = FY2025, with cumulative
targets of 250, 500, 750 and 1,000 participants."""

from django.db import migrations

INITIAL_TARGETS = (
    ("1Q", 2022, 250),
    ("2Q", 2023, 500),
    ("3Q", 2024, 750),
    ("4Q", 2025, 1000),
)


def create_initial_targets(apps, schema_editor):
    ParticipationTarget = apps.get_model("participation", "ParticipationTarget")
    for label, year, value in INITIAL_TARGETS:
        ParticipationTarget.objects.get_or_create(
            fiscal_year=year, defaults={"label": label, "cumulative_target": value}
        )


def remove_initial_targets(apps, schema_editor):
    ParticipationTarget = apps.get_model("participation", "ParticipationTarget")
    for label, year, value in INITIAL_TARGETS:
        ParticipationTarget.objects.filter(
            fiscal_year=year, label=label, cumulative_target=value
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("participation", "0001_initial")]

    operations = [
        migrations.RunPython(create_initial_targets, remove_initial_targets)
    ]
