import datetime as dt

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from referrals import access_log
from reports.catalogue import REPORTS
from reports.commissioner import disclosed_view
from reports.forms import ImportForm, report_form_for
from reports.imports.fields import CLEAR_WORD
from reports.imports.formats import example_csv, kind_formats
from reports.imports.run import HANDLERS
from reports.imports.uploads import rejects_path
from reports.models import ImportRun
from reports.overview import current_overview
from reports.presentation import (
    GLANCE_LABELS,
    METHOD_NOTE,
    TABLES,
    charts,
    headline,
    impact_story,
    matched_roi_table,
    no_data,
    roi_people,
    unit_costs,
    unmatched_story,
)
from reports.selectors import import_history, import_runs_of, import_runs_under_way, monthly_targets
from reports.tasks import queue_check, queue_import, result_of
from sps.access import role_required
from sps.db_router import reading_reports
from sps.exports import csv_response
from sps.models import Role


@role_required(Role.MANAGER)
def imports(request: HttpRequest) -> HttpResponse:
    """Upload a file and see its check (every error, every change it would make), then confirm. The check and the
    import run as tasks (reports/tasks.py); the uploads under way and the history of imports below."""
    form = ImportForm(request.POST or None, request.FILES or None)
    run = None
    if request.method == "POST" and form.is_valid() and _within_size_limit(form):
        data = form.cleaned_data
        run = queue_check(data["file"], user=request.user, kind=data["kind"], covered_until=data["covered_until"],
                          skip_invalid=data["skip_invalid"])
        form = ImportForm()
    return render(request, "reports/imports.html", _imports_page(request, form, run))


@require_GET
@role_required(Role.MANAGER)
def import_run(request: HttpRequest, token: str) -> HttpResponse:
    """One upload's check or import: how far it has got while it waits or runs (static/js/imports.js fetches the
    page again until it ends), then what it found. Only the manager who uploaded it sees it."""
    run = get_object_or_404(import_runs_of(request.user), token=token)
    return render(request, "reports/imports.html", _imports_page(request, ImportForm(), run))


def _imports_page(request: HttpRequest, form: ImportForm, run: ImportRun | None) -> dict:
    under_way = import_runs_under_way(request.user).exclude(pk=run.pk if run else None)
    return {"form": form, "run": run, "result": result_of(run) if run else None, "under_way": list(under_way[:20]),
            "history": list(import_history()[:50]), "formats": kind_formats(), "clear_word": CLEAR_WORD}


def _within_size_limit(form: ImportForm) -> bool:
    limit = settings.IMPORT_MAX_MB
    if form.cleaned_data["file"].size > limit * 1024 * 1024:
        form.add_error("file", f"The file is larger than {limit} MB: split it, or import it on the command line "
                               "(python manage.py import).")
        return False
    return True


@role_required(Role.MANAGER)
def import_example(request: HttpRequest, kind: str) -> HttpResponse:
    """An example file of `kind`, made from the rows the import's own handler gives as its example."""
    if kind not in HANDLERS or not HANDLERS[kind].example:
        raise Http404
    header, rows = example_csv(kind)
    return csv_response(f"{kind}_example.csv", header, rows)


@require_POST
@role_required(Role.MANAGER)
def import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Queue the import of a checked upload (once), and show it waiting, running, then done."""
    run = get_object_or_404(import_runs_of(request.user), token=token)
    if not queue_import(run):
        raise Http404
    access_log.record(request, access_log.IMPORTED, f"{run.kind} import: {run.file_name}"[:200])
    return redirect("reports:import_run", token=token)


@role_required(Role.MANAGER)
def import_rejects(request: HttpRequest, batch_pk: int) -> HttpResponse:
    """The rows set aside by an import this manager made with "set the invalid ones aside" (kept an hour)."""
    run = import_runs_of(request.user).filter(batch_id=batch_pk).first()
    if run is None or not rejects_path(run.token).exists():
        raise Http404
    access_log.record(request, access_log.EXPORTED, f"rows set aside by import {batch_pk}")
    return FileResponse(open(rejects_path(run.token), "rb"), as_attachment=True,
                        filename=f"rejected_rows_{batch_pk}.csv", content_type="text/csv; charset=utf-8")


@role_required(Role.MANAGER, Role.COMMISSIONER)
@reading_reports()  # from the replica, if there is one; the person was checked on the primary just above
def evaluation(request: HttpRequest) -> HttpResponse:
    """The evaluation, live: one report at a time for a period, as headline figures, charts and tables, each table
    downloadable as CSV. What the commissioner sees goes through `disclose_together` before anything is made from it."""
    form = report_form_for(request.user, request.GET or None)
    name, arguments = form.report_arguments()
    commissioner = request.user.role == Role.COMMISSIONER

    def report(name: str, arguments: dict) -> tuple[dict, dt.datetime | None, bool]:
        return _disclosed(name, arguments, form) if commissioner else (REPORTS[name](**arguments), None, False)

    result, worked_out, refreshing = report(name, arguments)
    targets = monthly_targets() if name == "process" else None
    tables = TABLES[name](result, targets=targets)
    if name == "roi":  # the return from the matched effect beside it
        tables.append(matched_roi_table(result, report("impact", {**arguments, "explain": True})[0]))
    if wanted := request.GET.get("download"):
        table = next((t for t in tables if t.name == wanted), None)
        if table is None:
            raise Http404
        return csv_response(f"{name}_{table.name}_{result['from']}_{result['to']}.csv", *table.csv())
    start, end = arguments["start"], arguments["end"]
    nothing = no_data(name, result, start, end)
    return render(request, "reports/evaluation.html", {
        "form": form, "name": name, "result": result, "tables": tables, "start": start, "end": end,
        "charts": [] if nothing else charts(name, result, tables, targets=targets),
        "querystring": request.GET.urlencode(), "headline": headline(name, result), "no_data": nothing,
        "roi_people": roi_people(result) if name == "roi" else "",
        "unit_costs": unit_costs(result, end) if name == "roi" else "", "worked_out": worked_out,
        "refreshing": refreshing, **(_impact_words(result) if name == "impact" and not nothing else {}),
    })


def _impact_words(result: dict) -> dict:
    return {"story": impact_story(result), "unmatched": unmatched_story(result), "method_note": METHOD_NOTE}


def _disclosed(name: str, arguments: dict, form) -> tuple[dict, dt.datetime, bool]:
    """The commissioner's report: the chosen period's and practice's, disclosed together with every other view of
    the same financial year they could open (the year and each quarter, for all practices and for each one), so
    that no two views give a hidden figure back; kept, and refreshed by the task worker (reports/commissioner.py)."""
    practices = [practice.ods_code for practice in form.fields["practice"].queryset]  # the form's list reuses them
    return disclosed_view(name, arguments, period=form.chosen_period(), practices=practices)


@role_required(Role.MANAGER)
def overview(request: HttpRequest) -> HttpResponse:
    """The programme at a glance: this financial year so far against the same months of the last, as last worked
    out (reports/overview.py reads the kept row from the primary; the task reads the reports' replica)."""
    kept = current_overview()
    if kept is None:
        return render(request, "reports/overview.html", {"kept": None})
    this, last = kept.figures["this"], kept.figures["last"]
    return render(request, "reports/overview.html", {
        "kept": kept, "rows": [(label, this["figures"][key], last["figures"][key])
                               for key, label in GLANCE_LABELS.items()],
        "this": [dt.date.fromisoformat(this[end]) for end in ("from", "to")],
        "last": [dt.date.fromisoformat(last[end]) for end in ("from", "to")],
    })
