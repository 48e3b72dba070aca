import argparse
import csv
import datetime as dt
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from reports.catalogue import REPORTS
from reports.evaluation import MEASURES
from reports.models import UnitCostMeasure
from sps.db_router import reading_reports
from sps.models import Practice


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value} is not a date (YYYY-MM-DD)") from None


def _unit_cost(value: str) -> tuple[str, float]:
    measure, _, amount = value.partition("=")
    if measure not in UnitCostMeasure.values:
        raise argparse.ArgumentTypeError(f"{measure} is not one of {', '.join(UnitCostMeasure.values)}")
    try:
        return measure, float(amount)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{amount} is not an amount of pounds") from None


class Command(BaseCommand):
    help = "Print an evaluation report (evaluation.md) for a period as JSON (unrounded) or its main table as CSV."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message):
            """Bad arguments: exit 2 with one line, never a usage block or a traceback (formats.md)."""
            if parser.called_from_command_line:
                sys.stderr.write(f"report: {message}\n")
                sys.exit(2)
            raise CommandError(message, returncode=2)

        parser.error = error
        return parser

    def add_arguments(self, parser):
        parser.add_argument("name", choices=list(REPORTS))
        parser.add_argument("--from", dest="start", type=_date, required=True)
        parser.add_argument("--to", dest="end", type=_date, required=True)
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--practice", metavar="ODS")
        parser.add_argument("--data-until", type=_date)
        parser.add_argument("--programme-cost", type=float)
        parser.add_argument("--persistence", type=float)
        parser.add_argument("--discount-rate", type=float)
        parser.add_argument("--unit-cost", type=_unit_cost, action="append", default=[], metavar="TYPE=POUNDS")

    @reading_reports()  # every read from the replica, if there is one: a report never needs the primary
    def handle(self, *args, **options):
        if options["start"] > options["end"]:
            raise CommandError("--from is after --to", returncode=2)
        if options["practice"] and not Practice.objects.filter(ods_code=options["practice"]).exists():
            raise CommandError(f"no practice {options['practice']}", returncode=2)
        result = REPORTS[options["name"]](**self._arguments(options))
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, indent=2))
        else:
            header, rows = main_table(result)
            writer = csv.writer(self.stdout)
            writer.writerow(header)
            writer.writerows(rows)

    def _arguments(self, options) -> dict:
        name = options["name"]
        arguments = {"start": options["start"], "end": options["end"], "practice": options["practice"]}
        if name in ("episodes", "roi", "impact"):
            arguments["data_until"] = options["data_until"]
        if name in ("roi", "impact"):
            arguments["programme_cost_override"] = options["programme_cost"]
            arguments["unit_costs"] = dict(options["unit_cost"])
            for option in ("persistence", "discount_rate"):
                if options[option] is not None:
                    arguments[option] = options[option]
        return arguments


def main_table(result: dict) -> tuple[list[str], list[list]]:
    """The report's main table (formats.md): for episodes and roi, one row per subgroup and measure or year."""
    name = result["report"]
    if name == "process":
        return ["month", "referrals"], [[m["month"], m["referrals"]] for m in result["monthly"]]
    if name == "wellbeing":
        return (["area", "progress_pct", "low_baseline", "low_improved_pct", "mean_change"],
                [[area, f["progress_pct"], f["low_baseline"], f["low_improved_pct"], f["mean_change"]]
                 for area, f in result["areas"].items()])
    if name == "episodes":
        return (["subgroup", "patients", "measure", "before", "after", "change_pct", "p_value"],
                [[group, g["patients"], measure, g["measures"][measure]["before"], g["measures"][measure]["after"],
                  g["measures"][measure]["change_pct"], g["measures"][measure]["p_value"]]
                 for group, g in result["subgroups"].items() for measure in MEASURES])
    return (["subgroup", "patients", "years", "saving_per_patient", "roi"],
            [[group, g["patients"], years, g["savings"][years], g["roi"][years]]
             for group, g in result["subgroups"].items() for years in ("1", "3", "5")])
