"""Accessibility of the pages the browser tests open: axe-core (shipped inside
axe-playwright-python, nothing downloaded at run time) run in the page, serious and critical
violations collected and listed readably.

`watch(page)` checks each page once it has loaded, while the test goes on (axe only reads the
page); a page the test leaves before the check ends is not checked there (test_accessibility.py
visits every page on purpose). The page fixture also checks the last page at the end of a test.
"""

from __future__ import annotations

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Error as PlaywrightError

FAILING = ("serious", "critical")

RUN = """async (failing) => {
  if (document.readyState !== "complete") {
    await new Promise((done) => window.addEventListener("load", done, { once: true }));
  }
  // Colours are read as shown: let finite animations (Leaflet's popup fading in) end first.
  await Promise.all(
    document
      .getAnimations()
      .filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
      .map((a) => a.finished.catch(() => null)),
  );
  // One run at a time in a page: the check after load and the one at the end may meet.
  const previous = window.__axeRun || Promise.resolve();
  // Swagger UI (ninja's /api/v1/docs, not our markup) nests the copy-link button inside each
  // operation's summary button; the rest of that page is checked like any other.
  const rules = document.getElementById("swagger-ui")
    ? { "nested-interactive": { enabled: false } }
    : {};
  window.__axeRun = previous.catch(() => null).then(() =>
    axe.run(document, { resultTypes: ["violations"], rules }),
  );
  const results = await window.__axeRun;
  return results.violations
    .filter((v) => failing.includes(v.impact))
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({
        target: n.target.join(" "),
        html: n.html.slice(0, 200),
        why: n.failureSummary,
      })),
    }));
}"""


def violations(page) -> list[dict]:
    """The serious and critical axe violations of the document now shown in `page`."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
        assert page.evaluate("() => typeof window.axe === 'object'"), "axe-core did not load"
    return page.evaluate(RUN, list(FAILING))


def report(found: dict[str, list[dict]]) -> str:
    """Violations per page, readable in a test failure."""
    lines = []
    for url, items in found.items():
        lines.append(f"{url}:")
        for v in items:
            lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
            for node in v["nodes"][:5]:
                lines.append(f"    {node['target']}  {node['html']}")
                why = " / ".join(s.strip() for s in node["why"].splitlines()[1:] if s.strip())
                lines.append(f"      {why}")
            if len(v["nodes"]) > 5:
                lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


class Audit:
    """Violations of every page checked in one browser context, by URL."""

    def __init__(self) -> None:
        self.found: dict[str, list[dict]] = {}
        self.checked: list[str] = []

    def check(self, page) -> None:
        url = page.url
        if not url.startswith("http"):
            return
        try:
            items = violations(page)
        except PlaywrightError:
            # The test navigated away (or closed the page) during the check: this document is
            # gone and the next one gets its own check.
            return
        self.checked.append(url)
        if items:
            self.found.setdefault(url, items)

    def assert_clean(self) -> None:
        assert not self.found, "Accessibility violations (axe-core):\n" + report(self.found)


def watch(page) -> Audit:
    """Check every page `page` loads, as soon as it has loaded."""
    audit = Audit()
    page.on("load", audit.check)
    return audit
