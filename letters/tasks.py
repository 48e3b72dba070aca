from django_tasks import task

from letters import mesh
from letters.services import follow_sent_letters, send_due_letters


@task()
def send_gp_letters() -> None:
    """Send the letters due to go, then follow those sent (issue 14). Queued when a referral closes; also run by
    `manage.py send_gp_letters` from a timer, which retries what MESH could not take and picks up acknowledgements."""
    if mesh.configured():
        send_due_letters()
        follow_sent_letters()
