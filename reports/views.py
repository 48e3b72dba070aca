import datetime as dt
import io
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from referrals import access_log
from reports.disclosure import disclose_together
from reports.evaluation import BY_PRACTICE, REPORTS, without_p_values
from reports.forms import ImportForm, report_form_for
from reports.imports.fields import CLEAR_WORD
from reports.imports.formats import example_csv, kind_formats
from reports.imports.run import HANDLERS, run_import
from reports.presentation import (
    GLANCE_LABELS,
    TABLES,
    charts,
    glance,
    headline,
    no_data,
    roi_people,
    unit_costs,
    year_to_date,
)
from reports.selectors import import_history, monthly_targets
from sps.access import role_required
from sps.exports import csv_response
from sps.models import Role
from sps.periods import resolve_period

SESSION_KEY = "pending_imports"


def _upload_path(token: str) -> Path:
    return Path(settings.IMPORT_DIR) / f"{token}.csv"


def _run(pending: dict, user, *, dry_run: bool):
    rejects = io.StringIO() if pending["skip_invalid"] else None
    covered = pending["covered_until"]
    with open(_upload_path(pending["token"]), "rb") as stream:
        result = run_import(kind=pending["kind"], stream=stream, file_name=pending["name"], user=user,
                            dry_run=dry_run, rejects=rejects,
                            covered_until=dt.date.fromisoformat(covered) if covered else None)
    return result, rejects


@role_required(Role.MANAGER)
def imports(request: HttpRequest) -> HttpResponse:
    """Upload a file, see a dry run with every error, then confirm. The history of imports below."""
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "history": list(import_history()[:50]), "formats": kind_formats(),
               "clear_word": CLEAR_WORD}
    if request.method == "POST" and form.is_valid() and _within_size_limit(form):
        token = uuid.uuid4().hex
        _save_upload(form.cleaned_data["file"], _upload_path(token))
        covered = form.cleaned_data["covered_until"]
        pending = {"token": token, "kind": form.cleaned_data["kind"], "name": form.cleaned_data["file"].name,
                   "covered_until": covered.isoformat() if covered else "",
                   "skip_invalid": form.cleaned_data["skip_invalid"]}
        request.session[SESSION_KEY] = {**request.session.get(SESSION_KEY, {}), token: pending}
        result, _ = _run(pending, request.user, dry_run=True)
        if not result.ok:  # refused: nothing can be imported from it, so it is not kept
            _upload_path(token).unlink(missing_ok=True)
        context.update({"result": result, "pending": pending, "form": ImportForm()})
    return render(request, "reports/imports.html", context)


def _within_size_limit(form: ImportForm) -> bool:
    limit = settings.IMPORT_MAX_MB
    if form.cleaned_data["file"].size > limit * 1024 * 1024:
        form.add_error("file", f"The file is larger than {limit} MB: split it, or import it on the command line "
                               "(python manage.py import).")
        return False
    return True


def _save_upload(upload, path: Path) -> None:
    """Readable by this service's user only (mode 0600, in a 0700 folder); deleted once imported or refused,
    and by `manage.py purge_imports` an hour after it was left."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)


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
    pending = request.session.get(SESSION_KEY, {}).get(token)
    if pending is None or not _upload_path(token).exists():
        raise Http404
    result, rejects = _run(pending, request.user, dry_run=False)
    access_log.record(request, access_log.IMPORTED, f"{pending['kind']} import: {pending['name']}"[:200])
    _upload_path(token).unlink(missing_ok=True)
    request.session[SESSION_KEY] = {k: v for k, v in request.session.get(SESSION_KEY, {}).items() if k != token}
    if result.ok:
        messages.success(request, f"Imported {pending['name']}: {result.summary()}.")
        if rejects is not None and result.counts.rejected:
            request.session[f"rejects_{result.batch.pk}"] = rejects.getvalue()
            messages.warning(request, f"{result.counts.rejected} rows were set aside: download them from the "
                                      "history below.")
        for note in result.notes:
            messages.info(request, note)
    else:
        messages.error(request, result.file_error or f"Nothing was imported: {result.error_count} errors. "
                                                     "Check the file again for the list.")
    return redirect("reports:imports")


@role_required(Role.MANAGER)
def import_rejects(request: HttpRequest, batch_pk: int) -> HttpResponse:
    """The rows set aside by an import this session made with "set the invalid ones aside"."""
    content = request.session.get(f"rejects_{batch_pk}")
    if content is None:
        raise Http404
    access_log.record(request, access_log.EXPORTED, f"rows set aside by import {batch_pk}")
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejected_rows_{batch_pk}.csv"'
    return response


@role_required(Role.MANAGER, Role.COMMISSIONER)
def evaluation(request: HttpRequest) -> HttpResponse:
    """The evaluation, live: one report at a time for a period, as headline figures, charts and tables, each table
    downloadable as CSV. What the commissioner sees goes through `disclose_together` before anything is made from it."""
    form = report_form_for(request.user, request.GET or None)
    name, arguments = form.report_arguments()
    commissioner = request.user.role == Role.COMMISSIONER
    result = _disclosed(name, arguments, form) if commissioner else REPORTS[name](**arguments)
    targets = monthly_targets() if name == "process" else None
    tables = TABLES[name](result, targets=targets)
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
        "unit_costs": unit_costs(result, end) if name == "roi" else "",
    })


def _disclosed(name: str, arguments: dict, form) -> dict:
    """The commissioner's report: the chosen period's and practice's, disclosed together with every other view of
    the same financial year they could open (the year and each quarter, for all practices and for each one), so
    that no two views give a hidden figure back. Each period costs the report twice: for all practices, and for
    every practice at once, without p values; the view chosen costs it once more, with them."""
    period = form.cleaned_data["period"] if form.is_bound and form.is_valid() else form.fields["period"].initial
    year = period.partition("q")[0]
    practices = [practice.ods_code for practice in form.fields["practice"].queryset]
    options = {key: value for key, value in arguments.items() if key != "practice"}
    results = {}
    for key in [year] + [f"{year}q{q}" for q in range(1, 5)]:
        start, end = resolve_period(key)
        results[key, None] = without_p_values(name, **{**options, "start": start, "end": end})
        each = BY_PRACTICE[name](**{**options, "start": start, "end": end, "practices": practices})
        results.update(((key, code), result) for code, result in each.items())
    chosen = (period, arguments["practice"])
    results[chosen] = REPORTS[name](**arguments)
    return disclose_together(name, results, year=year)[chosen]


@role_required(Role.MANAGER)
def overview(request: HttpRequest) -> HttpResponse:
    """The programme at a glance: this financial year so far against the same months of the last."""
    this_start, this_end, last_start, last_end = year_to_date()
    this, last = glance(this_start, this_end), glance(last_start, last_end)
    return render(request, "reports/overview.html", {
        "rows": [(label, this[key], last[key]) for key, label in GLANCE_LABELS.items()],
        "this": (this_start, this_end), "last": (last_start, last_end),
    })
