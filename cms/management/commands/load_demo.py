import time

from django.core.management.base import BaseCommand, CommandError

from cms.demo import DemoError, load_demo, resolve_demo_password
from hack.core.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Load demo content: departments and their needs, organisations and their "
        "seeds, and one login per role. Safe to run again: nothing is duplicated. "
        "The password is DEMO_PASSWORD, or one generated once into "
        "var/demo-password.txt."
    )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        started = time.monotonic()
        password = resolve_demo_password()
        try:
            report = load_demo(
                password=password.value,
                reset_passwords=password.from_environment,
                progress=ProgressBar(self.stdout, enabled=self.verbosity > 0),
            )
        except DemoError as error:
            raise CommandError(str(error)) from error
        if self.verbosity == 0:
            return
        elapsed = time.monotonic() - started
        self.stdout.write("")
        for name, count in report.totals.items():
            self.stdout.write(f"  {name:<22} {count:>4}")
        created = ", ".join(f"{name} {count}" for name, count in report.created.items())
        self.stdout.write(f"  created this run: {created}")
        seconds = ", ".join(
            f"{name} {value:.1f}" for name, value in report.seconds.items()
        )
        self.stdout.write(f"  seconds per stage: {seconds}")
        self.stdout.write(self.style.SUCCESS(f"Demo content ready in {elapsed:.1f} s."))
        self.write_logins(report, password)

    def write_logins(self, report, password) -> None:
        if password.from_environment:
            source = "from DEMO_PASSWORD"
        elif password.generated:
            source = f"generated and stored in {password.file}"
        else:
            source = f"stored in {password.file}"
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password {source}):")
        rows = [("email", "role", "department / organisation", "password")]
        for login in report.logins:
            shown = password.value if login.password_ok else "(another password, kept)"
            rows.append((login.email, login.role, login.where, shown))
        widths = [max(_width(row[column]) for row in rows) for column in range(3)]
        for row in rows:
            cells = [
                _pad(cell, width) for cell, width in zip(row, widths, strict=False)
            ]
            self.stdout.write("  " + "  ".join([*cells, row[3]]))
        self.stdout.write(
            "Every other demo user (staff-*@, org*@demo.example.jp) has the same "
            "password unless it was changed."
        )


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if ord(character) > 0x2E7F else 1 for character in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
