"""Case studies and columns: the page tree, what the public sees, filters, the
outcome table, and links that must not leak unpublished content."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from wagtail.models import GroupPagePermission, Page, WorkflowPage
from wagtail.test.utils import WagtailPageTestCase

from cms.models import (
    CaseStudyIndexPage,
    CaseStudyPage,
    ColumnIndexPage,
    ColumnPage,
    Direction,
    HomePage,
    OutcomeMeasure,
    StandardPage,
)
from cms.services import set_up_site
from hack.accounts.roles import COORDINATORS_GROUP, DEPARTMENT_STAFF_GROUP
from hack.accounts.services import COORDINATOR_WORKFLOW_NAME
from hack.matching.match_types import MatchType
from hack.needs.choices import Field
from hack.needs.models import NeedIndexPage, NeedPage
from hack.seeds.models import SeedIndexPage
from tests import factories
from tests.cms.pages import (
    ACCURACY_MEASURE,
    MISSED_MEASURE,
    TIME_MEASURE,
    TIMELINE,
    make_case,
    make_column,
)

# --- the page tree ------------------------------------------------------------------


class TestPageTree(WagtailPageTestCase):
    def test_home_page_children(self):
        self.assertAllowedSubpageTypes(
            HomePage,
            {
                NeedIndexPage,
                SeedIndexPage,
                CaseStudyIndexPage,
                ColumnIndexPage,
                StandardPage,
            },
        )

    def test_case_studies_live_under_their_index_only(self):
        self.assertAllowedParentPageTypes(CaseStudyIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(CaseStudyIndexPage, {CaseStudyPage})
        self.assertAllowedParentPageTypes(CaseStudyPage, {CaseStudyIndexPage})
        self.assertAllowedSubpageTypes(CaseStudyPage, set())
        self.assertCanNotCreateAt(HomePage, CaseStudyPage)
        self.assertCanNotCreateAt(NeedIndexPage, CaseStudyPage)

    def test_columns_live_under_their_index_only(self):
        self.assertAllowedParentPageTypes(ColumnIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(ColumnIndexPage, {ColumnPage})
        self.assertAllowedParentPageTypes(ColumnPage, {ColumnIndexPage})
        self.assertAllowedSubpageTypes(ColumnPage, set())
        self.assertCanNotCreateAt(CaseStudyIndexPage, ColumnPage)

    def test_one_index_of_each(self):
        home = HomePage.objects.get()
        # set_up_site made them; max_count = 1 forbids a second.
        self.assertFalse(CaseStudyIndexPage.can_create_at(home))
        self.assertFalse(ColumnIndexPage.can_create_at(home))

    def test_every_page_class_declares_the_style_rule_attributes(self):
        for model in (CaseStudyIndexPage, CaseStudyPage, ColumnIndexPage, ColumnPage):
            for attribute in (
                "parent_page_types",
                "subpage_types",
                "template",
                "search_fields",
            ):
                self.assertIn(
                    attribute, model.__dict__, f"{model.__name__}.{attribute}"
                )


def test_set_up_site_makes_the_indexes_once_with_coordinator_permissions(site):
    set_up_site(hostname="testserver")
    assert CaseStudyIndexPage.objects.count() == 1
    assert ColumnIndexPage.objects.count() == 1
    cases = CaseStudyIndexPage.objects.get()
    columns = ColumnIndexPage.objects.get()
    assert cases.url == "/cases/" and columns.url == "/columns/"
    assert cases.live and columns.live
    coordinators = Group.objects.get(name=COORDINATORS_GROUP)
    staff = Group.objects.get(name=DEPARTMENT_STAFF_GROUP)
    for index in (cases, columns):
        granted = set(
            GroupPagePermission.objects.filter(
                group=coordinators, page=index
            ).values_list("permission__codename", flat=True)
        )
        assert {"add_page", "change_page", "publish_page"} <= granted
        assert not GroupPagePermission.objects.filter(group=staff, page=index).exists()
        assert WorkflowPage.objects.get(page=index).workflow.name == (
            COORDINATOR_WORKFLOW_NAME
        )


def test_department_staff_cannot_add_case_studies(staff_x, coordinator):
    cases = CaseStudyIndexPage.objects.get()
    assert not cases.permissions_for_user(staff_x).can_add_subpage()
    coordinator_permissions = cases.permissions_for_user(coordinator)
    assert coordinator_permissions.can_add_subpage()
    assert coordinator_permissions.can_publish_subpage()


# --- what the public sees -----------------------------------------------------------


@pytest.mark.django_db
def test_cases_lists_live_cases_only_and_a_draft_is_404(client, site):
    live = make_case(title="公開済みの事例")
    draft = make_case(title="下書きの事例", publish=False)
    page = client.get("/cases/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "公開済みの事例" in html
    assert live.url in html
    assert "下書きの事例" not in html
    assert client.get(live.url).status_code == 200
    assert client.get(f"/cases/{draft.slug}/").status_code == 404


@pytest.mark.django_db
def test_a_case_made_private_disappears_from_the_list(client, site):
    from wagtail.models import PageViewRestriction

    case = make_case(title="限定公開の事例")
    PageViewRestriction.objects.create(
        page=case, restriction_type=PageViewRestriction.LOGIN
    )
    assert "限定公開の事例" not in client.get("/cases/").content.decode()


@pytest.mark.django_db
def test_filters_by_field_and_matching_type(client, site):
    make_case(
        title="健康の事例", field=Field.HEALTH, matching_type=MatchType.READY_TO_DEPLOY
    )
    make_case(
        title="交通の事例", field=Field.TRANSPORT, matching_type=MatchType.CO_CREATION
    )

    by_field = client.get("/cases/", {"field": "health"}).content.decode()
    assert "健康の事例" in by_field and "交通の事例" not in by_field

    by_type = client.get("/cases/", {"matching_type": "1"}).content.decode()
    assert "交通の事例" in by_type and "健康の事例" not in by_type

    both = client.get(
        "/cases/", {"field": "health", "matching_type": "1"}
    ).content.decode()
    assert "健康の事例" not in both and "交通の事例" not in both


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"field": "nonsense"},
        {"matching_type": "abc"},
        {"matching_type": "9"},
        {"matching_type": "1.5", "field": "<script>"},
        {"page": "zzz"},
        {"page": "-4", "matching_type": ""},
    ],
)
def test_garbage_filter_values_are_ignored(client, site, params):
    make_case(title="どの条件でも出る事例")
    response = client.get("/cases/", params)
    assert response.status_code == 200
    assert "どの条件でも出る事例" in response.content.decode()


@pytest.mark.django_db
def test_a_valid_filter_survives_a_garbage_one(client, site):
    make_case(title="健康の事例", field=Field.HEALTH)
    make_case(title="窓口の事例", field=Field.COUNTER)
    html = client.get(
        "/cases/", {"field": "health", "matching_type": "x"}
    ).content.decode()
    assert "健康の事例" in html and "窓口の事例" not in html


# --- the case study page ------------------------------------------------------------


@pytest.mark.django_db
def test_outcome_table_shows_target_result_and_achieved(client, site):
    case = make_case(measures=[ACCURACY_MEASURE, MISSED_MEASURE, TIME_MEASURE])
    html = client.get(case.url).content.decode()
    table = html[html.index("<table") : html.index("</table>")]
    assert "<caption" in table
    assert table.count('<th scope="col"') == 6
    assert table.count('<th scope="row"') == 3
    # Target against result, for every measure.
    assert "≥ 95" in table and "97.2" in table
    assert "≥ 90" in table and "88.5" in table
    assert "3,300" in table and "≤ 2,475" in table and "1,980" in table
    # Achieved is said in words, not only by colour.
    row_accuracy = table[table.index("LiDAR") : table.index("カメラ AI")]
    assert "Achieved" in row_accuracy or "達成" in row_accuracy
    row_missed = table[table.index("カメラ AI") : table.index("1 回の調査")]
    assert "Not achieved" in row_missed or "未達成" in row_missed
    # The time measure: -40% against the city's 25% expectation.
    row_time = table[table.index("1 回の調査") :]
    assert "-40.0%" in row_time
    assert "25" in row_time and "40.0" in row_time


def test_outcome_measure_arithmetic():
    lower = OutcomeMeasure(
        label="t",
        baseline=Decimal(160),
        target=Decimal(120),
        result=Decimal(104),
        direction=Direction.LOWER,
        measures_time=True,
    )
    assert lower.achieved is True
    assert lower.change_percent == Decimal(-35)
    assert lower.time_saved_percent == Decimal(35)
    assert lower.meets_city_time_expectation is True

    slow = OutcomeMeasure(
        label="t",
        baseline=Decimal(100),
        target=Decimal(70),
        result=Decimal(80),
        direction=Direction.LOWER,
        measures_time=True,
    )
    assert slow.achieved is False
    assert slow.meets_city_time_expectation is False  # only 20% saved

    higher = OutcomeMeasure(label="a", target=Decimal(90), result=Decimal(90))
    assert higher.achieved is True
    assert higher.change_percent is None  # no baseline
    assert higher.time_saved_percent is None

    pending = OutcomeMeasure(label="p", target=Decimal(90))
    assert pending.achieved is None


@pytest.mark.django_db
def test_a_time_measure_shows_the_city_expectation_even_before_a_result(client, site):
    case = make_case(
        measures=[{**TIME_MEASURE, "result": None}, ACCURACY_MEASURE],
    )
    html = client.get(case.url).content.decode()
    assert "25%" in html
    assert html.count('class="outcome-expectation"') == 1


@pytest.mark.django_db
def test_timeline_is_an_ordered_list_in_date_order(client, site):
    case = make_case(timeline=TIMELINE)
    html = client.get(case.url).content.decode()
    timeline = html[html.index('<ol class="case-timeline">') :]
    timeline = timeline[: timeline.index("</ol>")]
    assert timeline.count("<li") == 3
    positions = [
        timeline.index(day) for day in ("2022-06-06", "2022-11-14", "2023-04-03")
    ]
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_matching_type_is_labelled_in_text(client, site):
    case = make_case(matching_type=MatchType.READY_TO_DEPLOY)
    html = client.get(case.url).content.decode()
    assert "match-type-3" in html
    badge = html[html.index("match-type-3") :]
    text = badge[badge.index(">") + 1 : badge.index("</span>")]
    assert text.strip(), "the matching type must be said in words"


@pytest.mark.django_db
def test_participants_link_registered_organisations(client, site, org_a):
    case = make_case(organizations=[org_a], other_participants="横浜ラポール\n\n道路局")
    html = client.get(case.url).content.decode()
    assert f'href="{org_a.get_absolute_url()}"' in html
    assert "株式会社エー" in html and "横浜ラポール" in html and "道路局" in html


@pytest.mark.django_db
def test_a_case_linked_to_a_draft_need_does_not_leak_it(
    client, site, dept_x, staff_x, coordinator
):
    draft = factories.make_need(dept_x, staff_x, title="まだ非公開のニーズ")
    case = make_case(need=draft)
    html = client.get(case.url).content.decode()
    assert "まだ非公開のニーズ" not in html
    assert f"/{draft.slug}/" not in html
    assert case.public_need is None


@pytest.mark.django_db
def test_a_case_links_its_published_need_until_it_is_unpublished(
    client, site, dept_x, staff_x, coordinator
):
    need = factories.make_need(
        dept_x, staff_x, publish_by=coordinator, title="公開中のニーズ"
    )
    case = make_case(need=need)
    html = client.get(case.url).content.decode()
    assert "公開中のニーズ" in html and need.url in html

    NeedPage.objects.get(pk=need.pk).unpublish()
    html = client.get(case.url).content.decode()
    assert "公開中のニーズ" not in html


@pytest.mark.django_db
def test_deleting_the_need_keeps_the_case(site, dept_x, staff_x, coordinator):
    need = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    case = make_case(need=need)
    Page.objects.get(pk=need.pk).delete()
    case.refresh_from_db()
    assert case.need_id is None and case.live


# --- columns ------------------------------------------------------------------------


@pytest.mark.django_db
def test_columns_list_live_columns_and_show_a_live_related_case(client, site):
    case = make_case(title="関連する事例")
    column = make_column(title="インタビュー記事", kind="interview", related_case=case)
    make_column(title="下書きのコラム", publish=False)
    listing = client.get("/columns/").content.decode()
    assert "インタビュー記事" in listing and "下書きのコラム" not in listing
    html = client.get(column.url).content.decode()
    assert "関連する事例" in html and case.url in html
    # The case page links back to the columns about it.
    assert column.url in client.get(case.url).content.decode()


@pytest.mark.django_db
def test_a_column_does_not_link_a_draft_case(client, site):
    draft = make_case(title="非公開の事例", publish=False)
    column = make_column(related_case=draft)
    html = client.get(column.url).content.decode()
    assert "非公開の事例" not in html
    assert client.get(f"/columns/{column.slug}/").status_code == 200


# --- the admin ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "index_model"),
    [(CaseStudyPage, CaseStudyIndexPage), (ColumnPage, ColumnIndexPage)],
)
def test_coordinators_get_the_editor_and_staff_do_not(
    client, coordinator, staff_x, model, index_model
):
    index = index_model.objects.get()
    url = f"/admin/pages/add/cms/{model._meta.model_name}/{index.pk}/"
    client.force_login(coordinator)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    if model is CaseStudyPage:
        assert "timeline_entries-FORMS" in html and "outcome_measures-FORMS" in html
    client.force_login(staff_x)
    assert client.get(url).status_code in (302, 403)


@pytest.mark.django_db
def test_a_revision_with_inline_rows_previews(site):
    case = make_case(measures=[TIME_MEASURE], timeline=TIMELINE)
    # A preview renders the revision's rows, held in memory (modelcluster).
    draft = case.get_latest_revision_as_object()
    draft.outcome_measures = [
        OutcomeMeasure(**{**TIME_MEASURE, "label": "下書きの指標"})
    ]
    response = draft.make_preview_request()
    assert response.status_code == 200
    html = response.content.decode()
    assert "下書きの指標" in html
    assert html.index("2022-06-06") < html.index("2023-04-03")
