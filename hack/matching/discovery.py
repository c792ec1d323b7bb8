"""掘り起こし: seeds a department may not know it needs.

A department's profile is its name (局・課 say what it is responsible for)
together with the needs it has published. Seeds close to that profile but not
already suggested for any of its needs are shown to its staff, each with the
department's need it is closest to, so the seed can start a conversation.
"""

from dataclasses import dataclass

import numpy as np
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import path

from hack.accounts.models import Department
from hack.accounts.roles import is_coordinator
from hack.needs.models import NeedPage
from hack.seeds.models import SeedPage

from . import match_types
from .engine import encode_query_text, get_corpora
from .models import ContentKind, Match
from .ranking import Item, Weights

# The profile is about topics, not about what type of match a need asks for.
PROFILE_WEIGHTS = Weights(semantic=1.0, lexical=0.25, type_fit=0.0)
DISCOVERIES = 10


@dataclass(frozen=True)
class Discovery:
    seed: SeedPage
    closest_need: NeedPage | None
    type_label: str


def discover_seeds_for_department(
    *, department: Department, k: int = DISCOVERIES
) -> list[Discovery]:
    corpora = get_corpora()
    name = f"{department.bureau} {department.section}"
    need_ids = [
        key
        for key in NeedPage.objects.filter(department=department).values_list(
            "pk", flat=True
        )
        if key in corpora.needs
    ]
    vectors = [encode_query_text(name, ContentKind.NEED)]
    tokens = []
    for need_id in need_ids:
        item = corpora.needs.get(need_id)
        vectors.append(item.vector)
        tokens.extend(item.tokens)
    profile = np.mean(vectors, axis=0)
    profile /= max(float(np.linalg.norm(profile)), 1e-12)
    already = set(
        Match.objects.filter(need_id__in=need_ids).values_list("seed_id", flat=True)
    )
    query = Item(key=None, lang="ja", match_type=2, tokens=tokens, vector=profile)
    scored = corpora.seeds.rank(query, weights=PROFILE_WEIGHTS, k=k, exclude=already)
    seeds = SeedPage.objects.live().public().select_related("organization")
    seeds = seeds.in_bulk([s.key for s in scored])
    needs = NeedPage.objects.live().public().in_bulk(need_ids)
    found = []
    for result in scored:
        seed = seeds.get(result.key)
        if seed is None:
            continue
        closest = None
        if needs:
            seed_vector = corpora.seeds.get(result.key).vector
            closest_id = max(
                needs, key=lambda pk: float(corpora.needs.get(pk).vector @ seed_vector)
            )
            closest = needs[closest_id]
        offered = match_types.seed_type(seed.maturity, seed.deployments)
        found.append(
            Discovery(
                seed=seed,
                closest_need=closest,
                type_label=match_types.MatchType(offered).label,
            )
        )
    return found


@login_required
def department_discoveries(request, slug):
    department = get_object_or_404(Department, slug=slug)
    if not (
        is_coordinator(request.user) or request.user.department_id == department.pk
    ):
        # Only the department itself and the coordinators see its profile.
        raise PermissionDenied
    return render(
        request,
        "matching/discover.html",
        {
            "department": department,
            "discoveries": discover_seeds_for_department(department=department),
        },
    )


urlpatterns = [
    path(
        "departments/<slug:slug>/discover/",
        department_discoveries,
        name="department-discover",
    ),
]
