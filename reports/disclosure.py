"""What the commissioner may see of a report (evaluation.md, "Commissioner view: small numbers"):

    Any figure about a group of 1 to 7 people (a count, a percentage, a mean, a before or after total, a p value,
    savings or ROI) is shown as `*`; this holds for the whole cohort too, not only for its breakdowns [...]
    Where a total and its parts are shown together (a table, a chart, a CSV, the headline), one suppressed part
    means the next smallest part is suppressed too (complementary suppression), so that no suppressed figure can
    be recovered by subtraction.

`disclose_together` is the one door: the view passes the commissioner's report data through it (the chosen
period's and practice's, with every other view the commissioner could open of the same financial year: its
quarters, all practices and each practice, each through `disclose` and then together) before any table, chart, CSV
or headline is made from it, so that no output can show what it hid. It reads the report's own figures and
nothing else, so it runs no query."""

import heapq
from collections import defaultdict
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
    shown = _copy(result)
    DISCLOSE[name](result, shown)
    return shown


def _copy(figures):
    """A copy of a report's JSON shape (dicts, lists and plain values): copy.deepcopy's care for shared and
    recursive objects cost 5 s of the commissioner's page at national size, with 38,000 views."""
    if isinstance(figures, dict):
        return {key: _copy(value) for key, value in figures.items()}
    if isinstance(figures, list):
        return [_copy(value) for value in figures]
    return figures


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


def _hide_subgroups(raw: dict, shown: dict, people: str = "patients") -> dict[str, bool]:
    """Under 80 and 80 and over are the two parts of all engaged (their totals add up to its totals);
    continuing is within all engaged, so all engaged less continuing is a group too. `people`: the subgroup's count
    its figures are about."""
    everyone = raw["subgroups"]["all"][people]
    patients = {name: raw["subgroups"][name][people] for name in SUBGROUPS}
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
    if _returns_give_engaged_back(raw["engaged_patients"], raw["subgroups"]["all"]["patients"], hidden["all"]):
        shown["engaged_patients"] = shown["cost_per_patient"] = SUPPRESSED
        _hide_returns(shown)


def _returns_give_engaged_back(engaged: int | None, followed: int, followed_hidden: bool) -> bool:
    """Whether a return (savings / cost per person, the programme cost / the engaged people) would give back a
    small group: the engaged people, or those of them without a year of hospital data (when those with one are
    shown). Not knowing the engaged people, assume it would."""
    return engaged is None or is_small(engaged) or (not followed_hidden and is_small(engaged - followed))


def _hide_returns(shown: dict) -> None:
    for group in shown["subgroups"].values():
        hide_all(group["roi"])


def _impact(raw: dict, shown: dict) -> None:
    """As the hospital episodes, the matched cases in place of the people followed (each subgroup's figures are
    means over them), and: the people followed are the matched and the unmatched, and the unmatched those referred
    too late for the comparison extract and the rest, so a few unmatched (or a few of either kind) hide their
    counts and the matched's (the hospital episodes show the people followed); the comparison people used are
    people too; the balance is about all matched, and the risk score's about those with a score; the returns give
    back the engaged people, as on the return on investment page."""
    hidden = _hide_subgroups(raw, shown, "cases")
    for name, group in raw["subgroups"].items():
        if hidden[name]:
            continue
        target, unmatched, late = shown["subgroups"][name], group["unmatched"], group.get("unmatched_too_late", 0)
        if is_small(unmatched):
            target["unmatched"] = target["cases"] = SUPPRESSED
        if "unmatched_too_late" in group and (is_small(unmatched) or hidden_share(unmatched, late)):
            target["unmatched_too_late"] = SUPPRESSED
        if is_small(group["controls"]):
            target["controls"] = SUPPRESSED
    if hidden["all"]:
        hide_all(shown["balance"])
    everyone = raw["subgroups"]["all"]
    scored = raw.get("risk_scored_cases")
    if scored is None or hidden_share(everyone["cases"], scored):
        hide_all(shown["balance"]["risk_score"])
    if _returns_give_engaged_back(raw.get("engaged_patients"), everyone["cases"] + everyone["unmatched"],
                                  hidden["all"]):
        _hide_returns(shown)
    for key in ("engaged_patients", "risk_scored_cases"):  # said to the disclosure, not shown
        shown.pop(key, None)


DISCLOSE = {"process": _process, "wellbeing": _wellbeing, "episodes": _episodes, "roi": _roi, "impact": _impact}


# A financial year and its quarters, all practices and each practice, together ---------------------------------
#
# The commissioner may open a financial year and each of its quarters, for all practices and for each practice. The
# year is the sum of its quarters (a month is in both its quarter's view and the year's), and all practices are the
# sum of the practices. Suppression decided view by view can then be undone by comparing views: the year's
# referrals less three quarters' gives the fourth, and all practices' less the practices shown gives the one
# hidden. So the views are disclosed together: each additive figure is a cell (a month of a practice is one cell,
# whichever view shows it), each "total = sum of parts" an equation, within a view or across them (year = Q1 + Q2 +
# Q3 + Q4; all practices = the sum of the practices), and cells are hidden until no equation gives a hidden cell
# back, nor a group of 1-7 as the total less what is shown. Hiding only ever adds `*`, so what each view's own
# rules hid stays hidden.


class _Joint:
    """Cells (a figure of one view, or a month shared by two) with their true values, which are hidden, and the
    equations that tie them."""

    def __init__(self) -> None:
        self.value: dict[tuple, int] = {}
        self.hidden: set[tuple] = set()
        self.equations: list[tuple[tuple, list[tuple], bool]] = []
        self._of_cell: dict[tuple, list[int]] | None = None  # each cell's equations, by number, once settling
        self._due: set[int] = set()  # the equations a cell of which was hidden since they were last applied
        self._just_hidden: list[tuple] = []

    def cell(self, key: tuple, value: int | None, hidden: bool) -> tuple:
        self.value[key] = value or 0
        if hidden:
            self.hidden.add(key)
        return key

    def equation(self, total: tuple, parts: list[tuple], *, rest: bool = False) -> None:
        """`total` = the sum of `parts` (with `rest`, plus a group never shown)."""
        self.equations.append((total, parts, rest))

    def hide(self, key: tuple) -> bool:
        if key in self.hidden:
            return False
        self.hidden.add(key)
        self._just_hidden.append(key)
        return True

    def settle(self) -> bool:
        """One pass applying the equations in turn; whether it hid anything. An equation none of whose cells was
        hidden since it was last applied would hide nothing, so it is skipped: the result is that of applying every
        one, at a fraction of the cost (at 588 practices, 8 s of the commissioner's page; issue 13)."""
        if self._of_cell is None:
            self._of_cell = defaultdict(list)
            for number, (total, parts, _) in enumerate(self.equations):
                for key in (total, *parts):
                    self._of_cell[key].append(number)
            self._due, self._just_hidden = set(range(len(self.equations))), []
        self._mark_due(self._just_hidden, after=None, this_pass=set(), queue=[])  # hidden between passes
        queue = sorted(self._due)
        this_pass, self._due, changed = set(queue), set(), False
        while queue:
            number = heapq.heappop(queue)
            this_pass.discard(number)
            changed |= self._settle(*self.equations[number])
            self._mark_due(self._just_hidden, after=number, this_pass=this_pass, queue=queue)
        return changed

    def _mark_due(self, keys: list[tuple], *, after: int | None, this_pass: set[int], queue: list[int]) -> None:
        """The equations of the cells just hidden: later in this pass if they come after equation `after`, else in
        the next pass."""
        for key in keys:
            for number in self._of_cell.get(key, ()):
                if after is not None and number > after:
                    if number not in this_pass:
                        this_pass.add(number)
                        heapq.heappush(queue, number)
                else:
                    self._due.add(number)
        keys.clear()

    def _settle(self, total: tuple, parts: list[tuple], rest: bool) -> bool:
        value, hidden = self.value, self.hidden
        if total in hidden:  # every part shown would add up to it
            if rest or not parts or any(part in hidden for part in parts):
                return False
            return self.hide(min(parts, key=lambda part: (value[part] == 0, value[part])))
        changed = False
        while True:
            shown = [part for part in parts if part not in hidden]
            one_hidden = not rest and len(parts) - len(shown) == 1
            if not (one_hidden or is_small(value[total] - sum(value[part] for part in shown))):
                return changed
            candidates = [part for part in shown if value[part]] or (shown if one_hidden else [])
            if not candidates:
                return self.hide(total) or changed
            changed |= self.hide(min(candidates, key=value.get))


View = tuple[str, str | None]  # (period, practice); no practice is all practices


def disclose_together(name: str, results: dict[View, dict], *, year: str) -> dict[View, dict]:
    """Reports keyed by (period, practice), as the commissioner may see them: each as `disclose` shows it, and then
    more hidden so that no figure shown in one view can be combined with those shown in others to give back a
    hidden one. The periods are a financial year (`year`) and its quarters, the practices all (None) and each one,
    every pair of them given; a month is shown alike in its quarter and its year."""
    shown = {view: disclose(name, result) for view, result in results.items()}
    cells, joint = JOINT[name], _Joint()
    figures = {view: cells.cells(joint, view, raw, shown[view]) for view, raw in results.items()}
    quarters = sorted({period for period, _ in results} - {year})
    practices = sorted({practice for _, practice in results if practice})
    sums = [(figures[year, practice], [figures[quarter, practice] for quarter in quarters])
            for practice in [None, *practices]]
    if practices:
        sums += [(figures[period, None], [figures[period, each] for each in practices])
                 for period in [year, *quarters]]
    for totals, parts in sums:
        for figure, total in totals.items():
            if all(figure in part for part in parts):  # a month is in one quarter: it is the year's cell too
                joint.equation(total, [part[figure] for part in parts])
    for view, raw in results.items():
        cells.link(joint, view, raw)
    # Every view's dependent cells in each round (a list, not `any`, which stopped at the first view that hid
    # something: at national size that made two thousand rounds of 38,000 views, 30 s of the commissioner's page).
    while joint.settle() | any([cells.depends(joint, view, raw) for view, raw in results.items()]):
        pass
    for view, raw in results.items():
        cells.write(joint, view, raw, shown[view])
    return shown


class _Cells:
    """How one report's figures become cells: `cells` makes a view's and returns its additive figures (each the
    year's = the sum of the quarters', all practices' = the sum of the practices'); `link` ties a view's figure to
    another view's; `depends` hides what goes with a hidden cell; `write` puts the `*` into the view."""

    @staticmethod
    def link(joint: _Joint, view: View, raw: dict) -> None:
        pass

    @staticmethod
    def depends(joint: _Joint, view: View, raw: dict) -> bool:
        return False


class _ProcessCells(_Cells):
    """Referrals in (= its months; = aged 80+, under 60 and the rest; = the top practice and the rest) and onward
    referrals (= the kinds; = the categories)."""

    @staticmethod
    def cells(joint: _Joint, view: View, raw: dict, shown: dict) -> dict[tuple, tuple]:
        referrals = raw["referrals_in"]
        ref = joint.cell(("referrals_in", view), referrals, shown["referrals_in"] == SUPPRESSED)
        months = {("month", month["month"]): joint.cell(("month", month["month"], view[1]), month["referrals"],
                                                        hidden["referrals"] == SUPPRESSED)
                  for month, hidden in zip(raw["monthly"], shown["monthly"], strict=True)}
        joint.equation(ref, list(months.values()))
        figures = {("referrals_in",): ref, **months}
        for key in ("age_80_plus_pct", "age_under_60_pct"):
            figures[(key,)] = joint.cell((key, view), share_count(raw[key], referrals), shown[key] == SUPPRESSED)
        joint.equation(ref, [figures[("age_80_plus_pct",)], figures[("age_under_60_pct",)]], rest=True)
        if raw["top_practice"]:
            top = joint.cell(("top", view), raw["top_practice"]["referrals"],
                             shown["top_practice"]["referrals"] == SUPPRESSED)
            joint.equation(ref, [top], rest=True)
        out = raw["referrals_out"]
        total = figures[("onward",)] = joint.cell(("onward", view), out["total"], shown["referrals_out"]["total"]
                                                  == SUPPRESSED)
        for group, keys, figures_of in (("kind", KINDS, out), ("category", tuple(raw["by_category"]),
                                                                raw["by_category"])):
            hidden_of = shown["referrals_out"] if group == "kind" else shown["by_category"]
            parts = [joint.cell((group, key, view), figures_of[key], hidden_of[key] == SUPPRESSED) for key in keys]
            joint.equation(total, parts)
            figures.update({(group, key): part for key, part in zip(keys, parts, strict=True)})
        return figures

    @staticmethod
    def link(joint: _Joint, view: View, raw: dict) -> None:
        """All practices' top practice's count is that practice's referrals in."""
        period, practice = view
        if practice is None and raw["top_practice"]:
            its_own = ("referrals_in", (period, raw["top_practice"]["ods_code"]))
            if its_own in joint.value:
                joint.equation(("top", view), [its_own])

    @staticmethod
    def depends(joint: _Joint, view: View, raw: dict) -> bool:
        # With one practice chosen its count is the referrals in: hidden with them.
        if ("referrals_in", view) in joint.hidden and raw["top_practice"]:
            return joint.hide(("top", view))
        return False

    @staticmethod
    def write(joint: _Joint, view: View, raw: dict, shown: dict) -> None:
        hidden = joint.hidden
        if ("referrals_in", view) in hidden:
            shown["referrals_in"] = SUPPRESSED
        for month in shown["monthly"]:
            if ("month", month["month"], view[1]) in hidden:
                month["referrals"] = SUPPRESSED
        for key in ("age_80_plus_pct", "age_under_60_pct"):
            if (key, view) in hidden and shown[key] is not None:
                shown[key] = SUPPRESSED
        if ("top", view) in hidden:
            shown["top_practice"]["referrals"] = SUPPRESSED
        if ("onward", view) in hidden:
            shown["referrals_out"]["total"] = SUPPRESSED
        for key in KINDS:
            if ("kind", key, view) in hidden:
                shown["referrals_out"][key] = SUPPRESSED
        for key in raw["by_category"]:
            if ("category", key, view) in hidden:
                shown["by_category"][key] = SUPPRESSED


class _WellbeingCells(_Cells):
    """The people followed up, and in each area those improved, low at baseline and low that improved; those
    improved in any area and in four or more (the year's as near the sum of the quarters' as the cohort goes: a
    person referred in two quarters is counted once in the year; so for all practices and a person referred by two)."""

    @staticmethod
    def _counts(raw: dict) -> dict[tuple, int]:
        patients = raw["patients"]
        counts = {("patients",): patients, ("any",): share_count(raw["progress_any_pct"], patients) or 0,
                  ("four",): share_count(raw["progress_4plus_pct"], patients) or 0}
        for area, figures in raw["areas"].items():
            counts[("improved", area)] = share_count(figures["progress_pct"], patients) or 0
            counts[("low", area)] = figures["low_baseline"]
            counts[("low_improved", area)] = share_count(figures["low_improved_pct"], figures["low_baseline"]) or 0
        return counts

    @staticmethod
    def _shown(shown: dict, figure: tuple):
        if len(figure) == 1:
            return shown[{"patients": "patients", "any": "progress_any_pct", "four": "progress_4plus_pct"}[figure[0]]]
        key = {"improved": "progress_pct", "low": "low_baseline", "low_improved": "low_improved_pct"}[figure[0]]
        return shown["areas"][figure[1]][key]

    @classmethod
    def cells(cls, joint: _Joint, view: View, raw: dict, shown: dict) -> dict[tuple, tuple]:
        return {figure: joint.cell((*figure, view), count, cls._shown(shown, figure) == SUPPRESSED)
                for figure, count in cls._counts(raw).items()}

    @classmethod
    def depends(cls, joint: _Joint, view: View, raw: dict) -> bool:
        changed = False
        everything = ("patients", view) in joint.hidden  # shares of an unknown few: all hidden, as `disclose` does
        for figure in cls._counts(raw):
            if everything or (figure[0] == "low_improved" and ("low", figure[1], view) in joint.hidden):
                changed |= joint.hide((*figure, view))
        return changed

    @classmethod
    def write(cls, joint: _Joint, view: View, raw: dict, shown: dict) -> None:
        if ("patients", view) in joint.hidden:
            for key in ("patients", "progress_any_pct", "progress_4plus_pct", "low_improved_pct"):
                shown[key] = SUPPRESSED
            hide_all(shown["areas"])
            return
        names = {"any": "progress_any_pct", "four": "progress_4plus_pct"}
        keys = {"improved": "progress_pct", "low": "low_baseline", "low_improved": "low_improved_pct"}
        for figure in cls._counts(raw):
            if (*figure, view) not in joint.hidden:
                continue
            if len(figure) == 1:
                shown[names[figure[0]]] = SUPPRESSED
            elif shown["areas"][figure[1]][keys[figure[0]]] is not None:
                shown["areas"][figure[1]][keys[figure[0]]] = SUPPRESSED
        if any(area["low_improved_pct"] == SUPPRESSED for area in shown["areas"].values()):
            shown["low_improved_pct"] = SUPPRESSED


class _EpisodesCells(_Cells):
    """Each subgroup's row is shown or hidden whole, with its people: all engaged = under 80 + 80 and over, and
    continuing is within all engaged (the sums across views as near as the cohort goes)."""

    @staticmethod
    def cells(joint: _Joint, view: View, raw: dict, shown: dict) -> dict[tuple, tuple]:
        groups = {(group,): joint.cell((group, view), raw["subgroups"][group]["patients"],
                                       shown["subgroups"][group]["patients"] == SUPPRESSED) for group in SUBGROUPS}
        joint.equation(groups[("all",)], [groups[("under_80",)], groups[("80_plus",)]])
        joint.equation(groups[("all",)], [groups[("continuing",)]], rest=True)
        return groups

    @staticmethod
    def write(joint: _Joint, view: View, raw: dict, shown: dict) -> None:
        for group in SUBGROUPS:
            if (group, view) in joint.hidden:
                hide_all(shown["subgroups"][group])


class _RoiCells(_EpisodesCells):
    """As the hospital episodes, and the engaged people, within which all engaged with a year of data; the cost per
    person and every return give the engaged people back."""

    @staticmethod
    def cells(joint: _Joint, view: View, raw: dict, shown: dict) -> dict[tuple, tuple]:
        groups = _EpisodesCells.cells(joint, view, raw, shown)
        groups[("engaged",)] = joint.cell(("engaged", view), raw["engaged_patients"],
                                          shown["engaged_patients"] == SUPPRESSED)
        return groups

    @staticmethod
    def depends(joint: _Joint, view: View, raw: dict) -> bool:
        return _hide_engaged_beside(joint, view, raw["engaged_patients"], raw["subgroups"]["all"]["patients"],
                                    ("all", view))

    @staticmethod
    def write(joint: _Joint, view: View, raw: dict, shown: dict) -> None:
        _EpisodesCells.write(joint, view, raw, shown)
        if ("engaged", view) in joint.hidden:
            shown["engaged_patients"] = shown["cost_per_patient"] = SUPPRESSED
            _hide_returns(shown)


def _hide_engaged_beside(joint: _Joint, view: View, engaged: int, followed: int, followed_cell: tuple) -> bool:
    """The engaged people less those followed are a group too: with the followed shown and those few, hide the
    engaged (the returns give them back). Whether that changed anything."""
    if followed_cell not in joint.hidden and is_small(engaged - followed):
        return joint.hide(("engaged", view))
    return False


class _ImpactCells(_Cells):
    """Each subgroup's matched cases and its unmatched: all engaged = under 80 + 80 and over for both, continuing
    within all engaged. A subgroup whose matched are hidden is hidden whole, as the hospital episodes'; hidden
    unmatched hide the two counts only (the people followed are both), not the means over the matched."""

    @staticmethod
    def cells(joint: _Joint, view: View, raw: dict, shown: dict) -> dict[tuple, tuple]:
        figures = {}
        for count in ("cases", "unmatched"):
            groups = {group: joint.cell((count, group, view), raw["subgroups"][group][count],
                                        _ImpactCells._shown_hidden(shown["subgroups"][group], count))
                      for group in SUBGROUPS}
            joint.equation(groups["all"], [groups["under_80"], groups["80_plus"]])
            joint.equation(groups["all"], [groups["continuing"]], rest=True)
            figures.update({(count, group): cell for group, cell in groups.items()})
        if "engaged_patients" in raw:  # as the return on investment's: the returns give them back
            everyone = raw["subgroups"]["all"]
            figures[("engaged",)] = joint.cell(("engaged", view), raw["engaged_patients"], _returns_give_engaged_back(
                raw["engaged_patients"], everyone["cases"] + everyone["unmatched"], is_small(everyone["cases"])))
        return figures

    @staticmethod
    def _shown_hidden(group: dict, count: str) -> bool:
        if count == "cases":  # its count alone may be hidden with a few unmatched: the whole group, then?
            return group["measures"]["nel_admission"]["case_before"] == SUPPRESSED
        return group["unmatched"] == SUPPRESSED

    @staticmethod
    def depends(joint: _Joint, view: View, raw: dict) -> bool:
        changed = False
        for group in SUBGROUPS:
            if ("cases", group, view) in joint.hidden:
                changed |= joint.hide(("unmatched", group, view))
        everyone = raw["subgroups"]["all"]
        if ("engaged", view) in joint.value:
            changed |= _hide_engaged_beside(joint, view, raw["engaged_patients"],
                                            everyone["cases"] + everyone["unmatched"], ("cases", "all", view))
        return changed

    @staticmethod
    def write(joint: _Joint, view: View, raw: dict, shown: dict) -> None:
        for group in SUBGROUPS:
            target = shown["subgroups"][group]
            if ("cases", group, view) in joint.hidden:
                hide_all(target)
            elif ("unmatched", group, view) in joint.hidden:
                for key in ("cases", "unmatched", "unmatched_too_late"):
                    if key in target:
                        target[key] = SUPPRESSED
        if ("cases", "all", view) in joint.hidden:
            hide_all(shown["balance"])
        if ("engaged", view) in joint.hidden:
            _hide_returns(shown)


JOINT = {"process": _ProcessCells, "wellbeing": _WellbeingCells, "episodes": _EpisodesCells, "roi": _RoiCells,
         "impact": _ImpactCells}
