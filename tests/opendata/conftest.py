"""Published content of every kind next to drafts, pending edits, pages taken
offline and private pages, whose words must never reach the open data."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from wagtail.models import PageViewRestriction

from hack.matching.match_types import MatchType
from hack.needs.choices import Field, Specificity, Stage
from hack.needs.services import change_need_stage, submit_need_for_review
from hack.seeds.choices import Maturity
from hack.seeds.services import save_seed_draft, submit_seed_for_review
from tests import factories
from tests.cms.pages import ACCURACY_MEASURE, TIME_MEASURE, TIMELINE, make_case

# Words only unpublished or confidential content contains.
SECRETS = (
    "DRAFTNEED",
    "REVIEWNEED",
    "LIVENEED-NEW",
    "PENDING-PAIN",
    "OFFLINENEED",
    "PRIVATENEED",
    "DRAFTSEED",
    "DRAFTTAG",
    "LIVESEED-NEW",
    "PENDING-SUMMARY",
    "PRIVATESEED",
    "DRAFTCASE",
    "PRIVATECASE",
    # Seed contacts and accounts.
    "山田 花子",
    "contact@example.jp",
    "045-000-0000",
    "@example.jp",
)


@pytest.fixture(autouse=True)
def _fresh_rate_limit(settings):
    """The test cache is shared by every test in the process: start each test
    with no request counted, and a limit no ordinary test reaches."""
    settings.OPENDATA_RATE_LIMIT_PER_MINUTE = 10_000
    cache.clear()
    yield
    cache.clear()


def restrict(page) -> None:
    PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.LOGIN
    )


@pytest.fixture
def world(
    site,
    coordinator,
    dept_x,
    dept_y,
    staff_x,
    staff_y,
    org_a,
    member_a,
    org_b,
    member_b,
):
    need = factories.make_need(
        dept_x,
        staff_x,
        publish_by=coordinator,
        title="PUBNEED 窓口",
        field=Field.COUNTER,
        specificity=Specificity.MEDIUM,
    )
    other_need = factories.make_need(
        dept_y,
        staff_y,
        publish_by=coordinator,
        title="PUBNEED2 救急",
        field=Field.HEALTH,
        specificity=Specificity.HIGH,
    )
    other_need = change_need_stage(
        need=other_need, to=Stage.OPEN_FOR_IDEAS, by=coordinator
    )
    draft_need = factories.make_need(
        dept_x, staff_x, title="DRAFTNEED 窓口", pain_points="DRAFTNEED の困りごと"
    )
    review_need = factories.make_need(dept_x, staff_x, title="REVIEWNEED 窓口")
    submit_need_for_review(need=review_need, by=staff_x)
    pending_need = factories.make_need(
        dept_x, staff_x, publish_by=coordinator, title="LIVENEED-OLD 窓口"
    )
    edited = pending_need.get_latest_revision_as_object()
    edited.title = "LIVENEED-NEW 窓口"
    edited.pain_points = "PENDING-PAIN の困りごと"
    edited.save_revision(user=staff_x)
    submit_need_for_review(need=pending_need, by=staff_x)
    offline_need = factories.make_need(
        dept_x, staff_x, publish_by=coordinator, title="OFFLINENEED 窓口"
    )
    offline_need.unpublish()
    private_need = factories.make_need(
        dept_x, staff_x, publish_by=coordinator, title="PRIVATENEED 窓口"
    )
    restrict(private_need)

    seed = factories.make_seed(
        org_a,
        member_a,
        publish_by=coordinator,
        title="PUBSEED 見守り",
        tags=["IoT", "見守り"],
        contact_phone="045-000-0000",
    )
    deployed_seed = factories.make_seed(
        org_b,
        member_b,
        publish_by=coordinator,
        title="PUBSEED2 予約",
        tags=["予約"],
        maturity=Maturity.DEPLOYED_ELSEWHERE,
        deployments=2,
        municipalities="川崎市\n相模原市",
    )
    draft_seed = factories.make_seed(
        org_a, member_a, title="DRAFTSEED 見守り", tags=["DRAFTTAG"]
    )
    pending_seed = factories.make_seed(
        org_a, member_a, publish_by=coordinator, title="LIVESEED-OLD 見守り"
    )
    save_seed_draft(
        by=member_a,
        organization=org_a,
        seed=pending_seed,
        data=factories.seed_data(
            title="LIVESEED-NEW 見守り", summary="PENDING-SUMMARY", tags=["DRAFTTAG"]
        ),
    )
    submit_seed_for_review(seed=pending_seed, by=member_a)
    private_seed = factories.make_seed(
        org_a, member_a, publish_by=coordinator, title="PRIVATESEED 見守り"
    )
    restrict(private_seed)

    case = make_case(
        title="PUBCASE 窓口の混雑",
        field=Field.COUNTER,
        matching_type=MatchType.READY_TO_DEPLOY,
        need=need,
        organizations=[org_a, org_b],
        other_participants="港南区役所\n市民ボランティア",
        timeline=TIMELINE,
        measures=[TIME_MEASURE, ACCURACY_MEASURE],
    )
    # Linked to a need that is not published: the need must not show.
    case_of_draft = make_case(
        title="PUBCASE2 救急",
        field=Field.HEALTH,
        matching_type=MatchType.CO_CREATION,
        need=draft_need,
    )
    draft_case = make_case(title="DRAFTCASE 下書き", publish=False)
    private_case = make_case(title="PRIVATECASE 限定")
    restrict(private_case)

    return SimpleNamespace(
        need=need,
        other_need=other_need,
        draft_need=draft_need,
        pending_need=pending_need,
        offline_need=offline_need,
        private_need=private_need,
        seed=seed,
        deployed_seed=deployed_seed,
        draft_seed=draft_seed,
        pending_seed=pending_seed,
        private_seed=private_seed,
        case=case,
        case_of_draft=case_of_draft,
        draft_case=draft_case,
        private_case=private_case,
        dept_x=dept_x,
        dept_y=dept_y,
        org_a=org_a,
        org_b=org_b,
    )


def assert_no_secrets(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, f"unpublished or confidential content leaked: {leaked}"
