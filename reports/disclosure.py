"""What the commissioner may see of a report (evaluation.md, "Commissioner view: small numbers"):

    Any figure about a group of 1 to 7 people (a count, a percentage, a mean, a before or after total, a p value,
    savings or ROI) is shown as `*`; this holds for the whole cohort too, not only for its breakdowns [...]
    Where a total and its parts are shown together (a table, a chart, a CSV, the headline), one suppressed part
    means the next smallest part is suppressed too (complementary suppression), so that no suppressed figure can
    be recovered by subtraction.

`disclose` is the one door: the view passes the commissioner's report data through it before any table, chart,
CSV or headline is made from it, so that no output can show what it hid. It reads the report's own figures and
nothing else, so it runs no query."""

import copy
from fractions import Fraction

from reports.evaluation import SUBGROUPS

SUPPRESSED = "*"
KINDS = ("commissioned", "non_commissioned", "non_vcs", "signposts")


def is_small(count: int | None) -> bool:
    """A group of 1 to 7 people. Nobody (0) is not a group one could single anybody out of."""
    return count is not None and 1 <= count <= 7


def hidden_parts(total: int, parts: list[int]) -> list[bool]:
    """Which parts of a total to hide. When the total is 1-7 people, all of them (a part of nobody would still
    tell something about those few). Otherwise each part of 1-7, then, while the total less the parts still shown
    (what subtraction gives away) is itself 1-7 people, the smallest non-zero part still shown too. This is the
    spec's "next smallest part" made to hold also when two hidden parts of one person each would add up to 2.

    `parts` need not add up to `total`: what they leave out counts as hidden, since it is never shown."""
    if is_small(total):
        return [True] * len(parts)
    hidden = [is_small(part) for part in parts]
    while is_small(total - sum(part for part, hide in zip(parts, hidden, strict=True) if not hide)):
        shown = [(part, i) for i, (part, hide) in enumerate(zip(parts, hidden, strict=True)) if part and not hide]
        if not shown:
            break
        hidden[min(shown)[1]] = True
    return hidden


def hidden_share(total: int, part: int) -> bool:
    """Whether to hide one part of a total (a share of it): the part or the rest of the total is 1-7 people."""
    return hidden_parts(total, [part])[0]


def share_count(percent: float | None, of: int) -> int | None:
    """The number of people behind a percentage of `of` people."""
    return None if percent is None else round(percent * of / 100)


def hide_all(figures: dict) -> None:
    """Every figure of a group, in place, however deep (a subgroup's measures, savings and returns)."""
    for key, value in figures.items():
        if isinstance(value, dict):
            hide_all(value)
        else:
            figures[key] = SUPPRESSED


def disclose(name: str, result: dict) -> dict:
    """The report `result` (as evaluation.py returns it) as the commissioner may see it: a copy in which every
    figure about a group of 1 to 7 people, or from which one could be worked back, is `*`."""
    shown = copy.deepcopy(result)
    DISCLOSE[name](result, shown)
    return shown


# Process measures ------------------------------------------------------------------------------------------


def _process(raw: dict, shown: dict) -> None:
    """Referrals in per month, and the top practice's referrals, are parts of all referrals in; onward referrals
    by kind and by category are parts of all onward referrals; the age shares are parts of referrals in."""
    referrals = raw["referrals_in"]
    if is_small(referrals):  # the number of practices they came from is about them too
        shown["referrals_in"] = shown["practices"] = SUPPRESSED
    months = [month["referrals"] for month in raw["monthly"]]
    for month, hide in zip(shown["monthly"], hidden_parts(referrals, months), strict=True):
        if hide:
            month["referrals"] = SUPPRESSED
    if raw["top_practice"] and hidden_share(referrals, raw["top_practice"]["referrals"]):
        shown["top_practice"]["referrals"] = SUPPRESSED
    ages = ("age_80_plus_pct", "age_under_60_pct")  # two parts of the referrals; those aged 60-79 are the rest
    _hide_keys(shown, ages, hidden_parts(referrals, [share_count(raw[key], referrals) or 0 for key in ages]))
    if _share_may_be_small(raw["bme_pct"], referrals):
        shown["bme_pct"] = SUPPRESSED
    onward = raw["referrals_out"]["total"]
    if is_small(onward):
        shown["referrals_out"]["total"] = SUPPRESSED
    for key, keys in (("referrals_out", KINDS), ("by_category", tuple(raw["by_category"]))):
        _hide_keys(shown[key], keys, hidden_parts(onward, [raw[key][part] for part in keys]))


def _hide_keys(figures: dict, keys: tuple, hidden: list[bool]) -> None:
    for key, hide in zip(keys, hidden, strict=True):
        if hide and figures[key] is not None:
            figures[key] = SUPPRESSED


def _share_may_be_small(percent: float | None, most: int) -> bool:
    """A share whose denominator the report does not give (the BME share leaves out ethnicity not stated), only
    that it is at most `most`. The true (numerator, denominator) is a multiple of the share as a fraction in
    lowest terms; if that smallest pair has a part of 1-7, the true one may too, so the share is hidden."""
    if percent is None:
        return False
    fraction = Fraction(percent / 100).limit_denominator(max(most, 1))
    return is_small(most) or is_small(fraction.numerator) or is_small(fraction.denominator - fraction.numerator)


# Wellbeing outcomes ----------------------------------------------------------------------------------------


def _wellbeing(raw: dict, shown: dict) -> None:
    """Every figure is about the people followed up, or about those of them who improved (or had a low score) in
    an area, and the rest. In an area these make a two-by-two table (low at baseline or not, improved or not)
    whose four cells the area's figures give away together."""
    patients = raw["patients"]
    if is_small(patients):
        for key in ("patients", "progress_any_pct", "progress_4plus_pct", "low_improved_pct"):
            shown[key] = SUPPRESSED
        hide_all(shown["areas"])
        return
    improved_shown = []
    for area, figures in raw["areas"].items():
        improved = share_count(figures["progress_pct"], patients) or 0
        low = figures["low_baseline"]
        low_improved = share_count(figures["low_improved_pct"], low) or 0
        hide_improved, hide_low = hidden_share(patients, improved), hidden_share(patients, low)
        cells = [low_improved, low - low_improved]
        if not hide_improved:
            cells += [improved - low_improved, patients - low - improved + low_improved]
            improved_shown.append(improved)
        target = shown["areas"][area]
        if hide_improved:
            target["progress_pct"] = SUPPRESSED
        if hide_low:
            target["low_baseline"] = SUPPRESSED
        if hide_low or any(is_small(cell) for cell in cells):
            target["low_improved_pct"] = SUPPRESSED
    _hide_nested_shares(raw, shown, improved_shown)
    if any(area["low_improved_pct"] == SUPPRESSED for area in shown["areas"].values()):
        # All areas shown, the overall share adds nothing; one hidden, and the overall would give it back.
        shown["low_improved_pct"] = SUPPRESSED


def _hide_nested_shares(raw: dict, shown: dict, improved_in_areas: list[int]) -> None:
    """Improved in four areas or more, within improved in any area, within everybody followed up: the
    differences between the shown shares are groups too (and so is "any area" less one area's improved)."""
    patients = raw["patients"]
    any_area = share_count(raw["progress_any_pct"], patients) or 0
    four_plus = share_count(raw["progress_4plus_pct"], patients) or 0
    hide_any = hidden_share(patients, any_area) or any(is_small(any_area - n) for n in improved_in_areas)
    hide_four = hidden_share(patients, four_plus) or (not hide_any and is_small(any_area - four_plus))
    if hide_any:
        shown["progress_any_pct"] = SUPPRESSED
    if hide_four:
        shown["progress_4plus_pct"] = SUPPRESSED


# Hospital episodes, and costs and return on investment ------------------------------------------------------


def _hide_subgroups(raw: dict, shown: dict) -> dict[str, bool]:
    """Under 80 and 80 and over are the two parts of all engaged (their totals add up to its totals);
    continuing is within all engaged, so all engaged less continuing is a group too."""
    everyone = raw["subgroups"]["all"]["patients"]
    patients = {name: raw["subgroups"][name]["patients"] for name in SUBGROUPS}
    hidden = dict(zip(("under_80", "80_plus"), hidden_parts(everyone, [patients["under_80"],
                                                                       patients["80_plus"]]), strict=True))
    hidden["all"] = is_small(everyone)
    hidden["continuing"] = hidden_share(everyone, patients["continuing"])
    for name, hide in hidden.items():
        if hide:
            hide_all(shown["subgroups"][name])
    return hidden


def _episodes(raw: dict, shown: dict) -> None:
    _hide_subgroups(raw, shown)


def _roi(raw: dict, shown: dict) -> None:
    """As the hospital episodes, and: the engaged people are counted again (with or without a year of hospital
    data), so they less those with a year is a group too; the cost per person gives the count back, and so does
    any return on investment (savings / return = cost per person)."""
    hidden = _hide_subgroups(raw, shown)
    engaged, followed = raw["engaged_patients"], raw["subgroups"]["all"]["patients"]
    if is_small(engaged) or (not hidden["all"] and is_small(engaged - followed)):
        shown["engaged_patients"] = shown["cost_per_patient"] = SUPPRESSED
        for group in shown["subgroups"].values():
            group["roi"] = dict.fromkeys(group["roi"], SUPPRESSED)


DISCLOSE = {"process": _process, "wellbeing": _wellbeing, "episodes": _episodes, "roi": _roi}
