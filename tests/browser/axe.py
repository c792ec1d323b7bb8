"""axe-core in the browser tests: inject it into a page, run it at WCAG 2.1 AA and
keep what blocks (impact serious or critical), then explain each violation.

axe-core comes from npm, pinned in package.json / package-lock.json and installed
into node_modules/ by ``bin/ensure-browser``; nothing is fetched while testing.
"""

from pathlib import Path

import pytest

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}

_RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations;
}"""


def require_axe() -> None:
    """Skip the calling test when axe-core is not installed."""
    if not AXE_SCRIPT.exists():
        pytest.skip(f"{AXE_SCRIPT} is missing: run bin/ensure-browser (npm axe-core)")


def run_axe(page) -> list[dict]:
    """The serious and critical WCAG 2.1 A/AA violations of the page as it is now.

    Each is axe's violation object: id, impact, help, helpUrl, nodes (each with
    target, html and failureSummary).
    """
    require_axe()
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=AXE_SCRIPT)
    violations = page.evaluate(_RUN_AXE, WCAG_TAGS)
    return [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]


def format_violations(violations: list[dict], *, where: str = "") -> str:
    """A report that explains itself: rule, impact, what it asks, and every failing
    element with its selector, its HTML and axe's own summary of what is wrong."""
    lines = []
    heading = f"{where}: " if where else ""
    for violation in violations:
        lines.append(
            f"{heading}[{violation['impact']}] {violation['id']}: {violation['help']}"
            f" ({violation.get('helpUrl', '')})"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node.get("target", []))
            lines.append(f"    at {target}")
            lines.append(f"       {node.get('html', '').strip()[:300]}")
            summary = (node.get("failureSummary") or "").strip()
            for summary_line in summary.splitlines():
                lines.append(f"       {summary_line.strip()}")
    return "\n".join(lines)
