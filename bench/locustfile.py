"""The five roles' journeys (docs/benchmarks.md), for `bench/load.py`: each simulated person signs in as a
generated login (second factor included for the manager), then moves between the pages their job needs, opening
only what those pages link to, so nothing asks for what the person may not see. Each request is named after its
page, so that locust's figures group by page.

The logins come from the JSON file named by SPS_BENCH_LOGINS, written by bench/load.py from the database:
{"password": ..., "users": {role: [username, ...]}, "totp_keys": {username: hex key}, "names": [family name, ...],
 "period": the commissioner's financial year, fyYYYY}.
"""

import itertools
import json
import logging
import os
import random
import sys
import time
from functools import cache
from pathlib import Path

import gevent
from gevent.lock import Semaphore
from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # locust puts only bench/ on the path
from bench.pages import (
    TOTP_STEP,
    csrf_token,
    current_step,
    form_fields,
    last_page,
    referral_ids,
    totp,
    visit_ids,
)

WAIT = [float(s) for s in os.environ.get("SPS_BENCH_WAIT", "1,3").split(",")]
CATEGORIES = ["befriending", "enabling", "information_advice", "community_activity", "physical_activity",
              "mental_wellbeing", "carers_respite", "dementia"]
REPORTS = ["process", "wellbeing", "episodes", "roi", "impact"]


@cache
def logins() -> dict:
    path = os.environ.get("SPS_BENCH_LOGINS")
    if not path:
        raise RuntimeError("Set SPS_BENCH_LOGINS to the logins file bench/load.py writes (run bench/load.py).")
    return json.loads(Path(path).read_text())


_turns = {}


def next_login(role: str) -> str:
    """The role's logins in turn, so that simulated people are different people where there are enough."""
    names = logins()["users"].get(role) or []
    if not names:
        raise RuntimeError(f"The database has no {role} login: generate it with manage.py generate_scale_data.")
    turn = _turns.setdefault(role, itertools.count())
    return names[next(turn) % len(names)]


# One login may be signed in by several simulated people at once (there is one manager). django-otp takes each
# code once and only a code within a step of now, so codes are handed out one step at a time, never one used before.
_last_step: dict[str, int] = {}
_code_lock = Semaphore()


def next_code(username: str, key: str) -> str:
    with _code_lock:
        while True:
            now = current_step()
            step = max(now, _last_step.get(username, -1) + 1)
            if step <= now + 1:
                _last_step[username] = step
                return totp(key, step)
            gevent.sleep((now + 1) * TOTP_STEP - time.time() + 0.5)


# Signing in is slow on purpose (the password hash) and happens once a day, not once a page: the figures start
# once everyone has signed in and seen their first page, and the run lasts SPS_BENCH_SECONDS from then.
_started = itertools.count(1)
_window = {}  # when the figures start and when the run stops (bench/load.py's requests a second)


def started(environment) -> None:
    """Once everyone is in: the figures from now on, for SPS_BENCH_SECONDS (bench/load.py's --duration)."""
    if next(_started) == environment.runner.target_user_count:
        environment.stats.reset_all()
        _window["from"] = time.time()
        logging.warning("Everyone has signed in: the figures start now.")
        if seconds := float(os.environ.get("SPS_BENCH_SECONDS") or 0):
            gevent.spawn_later(seconds, environment.runner.quit)


@events.test_stopping.add_listener
def stopping(environment, **kwargs) -> None:
    if path := os.environ.get("SPS_BENCH_WINDOW"):
        Path(path).write_text(json.dumps({**_window, "to": time.time()}))


class Person(HttpUser):
    abstract = True
    role = ""
    wait_time = between(*WAIT)

    def on_start(self):
        self.username = next_login(self.role)
        self.referrals: list[int] = []
        self.token = ""  # the CSRF token of the last page seen (every signed-in page has the sign-out form)
        self.sign_in()
        self.landing()
        started(self.environment)

    def landing(self) -> None:
        """The page the person lands on after signing in, where their first list comes from."""

    def sign_in(self) -> None:
        form = self.client.get("/accounts/login/", name="sign-in form")
        with self.client.post("/accounts/login/", name="sign in", allow_redirects=False, catch_response=True, data={
            "csrfmiddlewaretoken": csrf_token(form.text), "username": self.username,
            "password": logins()["password"], "next": "",
        }) as answer:
            if answer.status_code != 302:
                answer.failure(f"{self.username} could not sign in ({answer.status_code})")
                return
        if key := logins().get("totp_keys", {}).get(self.username):
            self.second_factor(key)

    def second_factor(self, key: str) -> None:
        """The code from the authenticator app; a code refused (the clock moved on) is tried again, twice."""
        for _ in range(3):
            form = self.client.get("/accounts/two-factor/", name="two-factor form")
            with self.client.post("/accounts/two-factor/", name="two-factor code", allow_redirects=False,
                                  catch_response=True, data={"csrfmiddlewaretoken": csrf_token(form.text),
                                                             "code": next_code(self.username, key)}) as answer:
                if answer.status_code == 302:
                    return
                answer.failure(f"{self.username}: the code was refused")
            gevent.sleep(2)  # django-otp waits a second after a refusal before it takes another

    def page(self, url: str, name: str, **kwargs):
        """GET a page; anything but the page itself (an error, or the sign-in page) counts as a failure."""
        with self.client.get(url, name=name, catch_response=True, **kwargs) as answer:
            if answer.ok and "/accounts/" in answer.url:
                answer.failure(f"sent to {answer.url.split('?')[0]} instead")
            self.token = csrf_token(answer.text) or self.token
            return answer

    def search(self, url: str, name: str, term: str):
        """Search a list by name from its own page (the name is posted, never put in the URL, and the list
        comes back filtered), then clear the search so that the next visit shows the whole list again."""
        with self.client.post(url, name=name, data={"csrfmiddlewaretoken": self.token, "q": term},
                              catch_response=True) as answer:
            if answer.ok and not answer.history:
                answer.failure("the search was refused (the form came back)")
        self.client.post(url, name="clear search", allow_redirects=False,
                         data={"csrfmiddlewaretoken": self.token, "q": "", "clear": "1"})

    def a_referral(self) -> int | None:
        return random.choice(self.referrals) if self.referrals else None

    def family_name(self) -> str:
        return random.choice(logins().get("names") or ["Smith"])


class GPStaff(Person):
    """GP practice staff follow their practice's referrals: the list, a page further on, one referral."""

    role = "gp_staff"
    weight = 6

    def landing(self):
        self.practice_list()

    @task(5)
    def practice_list(self):
        answer = self.page("/referrals/", "practice list")
        self.referrals = referral_ids(answer.text) or self.referrals
        self.pages = last_page(answer.text)

    @task(1)
    def practice_list_further_on(self):
        if self.pages > 1:
            self.page(f"/referrals/?page={random.randint(2, min(self.pages, 10))}", "practice list")

    @task(4)
    def referral_page(self):
        if pk := self.a_referral():
            self.page(f"/referrals/{pk}/", "referral page")


class Adviser(Person):
    """An adviser works from their caseload: opens a person, looks for a service in the directory from there,
    searches their caseload by name, now and then records a phone contact."""

    role = "adviser"
    weight = 8

    def landing(self):
        self.visits: list[int] = []
        self.caseload()

    @task(4)
    def caseload(self):
        answer = self.page("/referrals/caseload/", "caseload")
        self.referrals = referral_ids(answer.text) or self.referrals
        self.visits = visit_ids(answer.text) or self.visits

    @task(4)
    def referral_page(self):
        if pk := self.a_referral():
            self.page(f"/referrals/{pk}/", "referral page")

    @task(2)
    def directory(self):
        if (pk := self.a_referral()) and random.random() < 0.7:
            self.page(f"/providers/directory/?referral={pk}", "directory")
        else:
            self.page(f"/providers/directory/?categories={random.choice(CATEGORIES)}", "directory")

    @task(1)
    def caseload_search(self):
        self.search("/referrals/caseload/", "caseload search", self.family_name())

    @task(1)
    def record_a_contact(self):
        """A phone call with a note, no star reading: the form, then the save (which goes on to the referral)."""
        if not self.visits:
            return
        pk = random.choice(self.visits)
        form = self.page(f"/outcomes/visit/{pk}/", "home-visit form")
        fields = [(name, value) for name, value in form_fields(form.text, "idempotency_key")
                  if name not in ("kind", "reading_kind", "notes")]
        fields += [("kind", "phone"), ("reading_kind", ""), ("notes", "Rang to see how the first session went.")]
        with self.client.post(f"/outcomes/visit/{pk}/", name="record a contact", data=fields,
                              catch_response=True) as answer:
            if answer.ok and f"/referrals/{pk}/" not in answer.url:
                answer.failure("the contact was not saved (the form came back)")


class ProviderStaff(Person):
    """Provider staff work through their inbox: the open referrals, the other tabs, a name search."""

    role = "provider_staff"
    weight = 3

    def landing(self):
        self.provider_inbox()

    @task(5)
    def provider_inbox(self):
        self.page("/providers/inbox/", "provider inbox")

    @task(2)
    def provider_inbox_tab(self):
        status = random.choice(["sent", "all"])
        answer = self.page(f"/providers/inbox/?status={status}", "provider inbox")
        if (pages := last_page(answer.text)) > 1:
            self.page(f"/providers/inbox/?status={status}&page={random.randint(2, min(pages, 20))}",
                      "provider inbox")

    @task(1)
    def provider_inbox_search(self):
        self.search("/providers/inbox/?status=all", "provider inbox search", self.family_name())


class Manager(Person):
    """The service manager: the Overview (their landing page), the referral list (filtered, a page or many
    further on, searched by name), a referral from it, the directory and the contract dashboard."""

    role = "manager"
    weight = 2

    def landing(self):
        self.pages = 1
        self.manager_list()

    @task(2)
    def overview(self):
        self.page("/reports/overview/", "overview")

    @task(5)
    def manager_list(self):
        roll = random.random()
        if roll < 0.6:
            url = "/referrals/"
        elif roll < 0.8:
            url = f"/referrals/?status={random.choice(['received', 'accepted', 'active'])}"
        else:  # further on, now and then far further on
            url = f"/referrals/?page={random.randint(2, max(2, min(self.pages, 5 if roll < 0.95 else 200)))}"
        answer = self.page(url, "manager list")
        self.referrals = referral_ids(answer.text) or self.referrals
        if url == "/referrals/":
            self.pages = last_page(answer.text)

    @task(1)
    def manager_list_search(self):
        self.search("/referrals/", "manager list search", self.family_name())

    @task(3)
    def referral_page(self):
        if pk := self.a_referral():
            self.page(f"/referrals/{pk}/", "referral page")

    @task(1)
    def directory(self):
        self.page(f"/providers/directory/?categories={random.choice(CATEGORIES)}", "directory")

    @task(1)
    def contract_dashboard(self):
        self.page("/providers/dashboard/", "contract dashboard")


class Commissioner(Person):
    """The commissioner reads the evaluation, one report at a time."""

    role = "commissioner"
    weight = 1

    @task
    def evaluation(self):
        # The period as the page's own chooser sends it (the year bench/load.py kept the views of): without one the
        # page shows its default, the process report.
        self.page(f"/reports/evaluation/?report={random.choice(REPORTS)}&period={logins()['period']}", "evaluation")
