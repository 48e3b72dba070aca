"""axe-core (Deque's accessibility engine, MPL-2.0, vendored from the npm registry in vendor/) run in a
Playwright page: the WCAG 2.2 A and AA rules and best practice, as the NHS service standard asks."""

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
SERIOUS = ("serious", "critical")


def violations(page, *, impacts=SERIOUS) -> list[str]:
    """What axe finds wrong on the page as it is now, of these impacts, one line each (rule, impact, where)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the browser's debugging protocol, so the page's Content-Security-Policy (no inline
        # script) does not stop it, and nothing is loaded from another host.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
                           "resultTypes: ['violations']})", TAGS)
    return [f"{page.url}: {v['id']} ({v['impact']}) {v['help']}: "
            f"{[node['target'] for node in v['nodes']][:4]}"
            for v in result["violations"] if v["impact"] in impacts]
