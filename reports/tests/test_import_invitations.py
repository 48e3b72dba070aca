"""Imported logins have no password: each new one is emailed a one-time link to choose it, once the import
has committed; a check (dry run) and a re-import send nothing."""

import io

from django.core import mail

from reports.tests.helpers import do_import
from sps.models import User

USERS = "username,email,role\nann,ann@example.nhs.uk,commissioner\nbob,bob@example.nhs.uk,commissioner\n"


def test_new_imported_logins_are_invited_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        do_import("users", USERS, dry_run=True)
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        do_import("users", USERS)
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.nhs.uk", "bob@example.nhs.uk"]
    assert all("/accounts/reset/" in m.body for m in mail.outbox)
    assert not User.objects.get(username="ann").has_usable_password()
    with django_capture_on_commit_callbacks(execute=True):
        do_import("users", USERS.replace("bob@", "robert@"))
    assert len(mail.outbox) == 2  # nobody new


def test_rejected_rows_cannot_run_as_formulas(db):
    rejects = io.StringIO()
    do_import("users", 'username,email,role\n"=HYPERLINK(""http://x"")",x@example.nhs.uk,nobody\n',
              rejects=rejects)
    assert "'=HYPERLINK" in rejects.getvalue()
