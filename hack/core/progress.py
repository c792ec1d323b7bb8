"""A text progress bar for management commands that work through many items."""

import time

BAR_WIDTH = 24


class ProgressBar:
    """Redraws one line on a terminal; prints only the final line when piped."""

    def __init__(self, stream, *, enabled: bool = True):
        self.stream = stream
        self.enabled = enabled
        self.interactive = hasattr(stream, "isatty") and stream.isatty()
        self._started = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or (not self.interactive and done < total):
            return
        started = self._started.setdefault(stage, time.monotonic())
        total = max(total, 1)
        filled = BAR_WIDTH * min(done, total) // total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        line = f"{stage:<14} [{bar}] {done}/{total}"
        if done and done < total:
            rate = done / max(time.monotonic() - started, 1e-6)
            line += f"  ~{(total - done) / rate:.0f} s left"
        if self.interactive:
            self.stream.write(
                "\r" + line.ljust(72), ending="\n" if done >= total else ""
            )
            self.stream.flush()
        else:
            self.stream.write(line)
