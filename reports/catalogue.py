"""Every report of the evaluation by name: sections 1-4 (reports/evaluation.py) and section 5 (reports/impact.py),
each alone and for every practice at once. The page, its CSV downloads, `manage.py report` and the commissioner's
kept views all look them up here."""

from reports.evaluation import (
    episodes,
    episodes_by_practice,
    process,
    process_by_practice,
    roi,
    roi_by_practice,
    wellbeing,
    wellbeing_by_practice,
)
from reports.impact import impact, impact_by_practice

REPORTS = {"process": process, "wellbeing": wellbeing, "episodes": episodes, "roi": roi, "impact": impact}

# Every practice's report at once, in as many queries as one practice's: what the commissioner's disclosure
# control compares the chosen view with.
BY_PRACTICE = {"process": process_by_practice, "wellbeing": wellbeing_by_practice,
               "episodes": episodes_by_practice, "roi": roi_by_practice, "impact": impact_by_practice}


def without_p_values(name: str, **arguments) -> dict:
    """A report with its p values left out (None): what the disclosure control compares other views with. Each p
    value is a test whose cost grows with the people, and says nothing about how many people a figure is about."""
    if name == "episodes":
        arguments["p_values"] = False
    return REPORTS[name](**arguments)
