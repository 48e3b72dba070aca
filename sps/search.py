"""Searches by name or NHS number are posted and kept in the session, never put in a URL, where proxies and
server logs would keep them (docs/security.md). The view redirects to its list, which reads the term back."""

from math import ceil

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.functional import cached_property


def querystring_without(request: HttpRequest, *keys: str) -> str:
    """The list's query string (its filters, never a name or NHS number) without these parameters: the page
    numbers, which a new search or filter starts again."""
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()


def keep_posted_term(request: HttpRequest, form: forms.Form, *, field: str, key: str) -> bool:
    """Keep the posted `field` under `key` in the session, or forget it when "clear" was pressed. True once
    done (redirect to the list); False when the form is invalid (show it with its errors)."""
    if "clear" in request.POST:
        request.session.pop(key, None)
        return True
    if form.is_valid():
        request.session[key] = form.cleaned_data[field]
        return True
    return False


class CappedPaginator(Paginator):
    """A paginator that counts only up to `max_pages` pages: a list of a national table is not counted to its
    end on every page, nor paged through with an ever larger OFFSET. Past the cap, `capped` is true, the count
    reads "over N" (pages.html) and the page asks for a narrower search; a page number past the last gives the
    last page, as Paginator.get_page does."""

    def __init__(self, object_list, per_page, *, max_pages: int = 40, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.max_pages = max_pages
        self.limit = max_pages * per_page

    @cached_property
    def count(self) -> int:
        """How many there are, up to one more than the pages may show (one bounded query, in any order: the
        database picks the cheapest index to count from)."""
        if isinstance(self.object_list, list):
            return len(self.object_list[:self.limit + 1])
        return self.object_list.order_by()[:self.limit + 1].count()

    @cached_property
    def capped(self) -> bool:
        return self.count > self.limit

    @cached_property
    def num_pages(self) -> int:
        if self.count == 0 and not self.allow_empty_first_page:
            return 0
        return min(ceil(max(1, self.count - self.orphans) / self.per_page), self.max_pages)


def shown_count(n: int, cap: int) -> str:
    """A bounded count as a page shows it: "1,234", or "over 1,000" when it reached its cap."""
    return f"over {cap:,}" if n > cap else f"{n:,}"
