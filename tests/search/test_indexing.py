"""SearchEntry rows follow publishing; every process's index follows the rows."""

import pytest
from django.core.management import call_command
from wagtail.models import PageViewRestriction

from hack.needs.services import change_need_stage
from hack.search import engine
from hack.search.indexing import rebuild, refresh_page
from hack.search.models import SearchEntry
from hack.search.query import SearchQuery
from tests import factories
from tests.cms.pages import make_case, make_column

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _refresh_at_once(monkeypatch):
    # Each search reads the rows changed since the last one (not once a second).
    monkeypatch.setattr(engine, "REFRESH_SECONDS", 0.0)


def found(text="", **filters):
    query = SearchQuery(
        text=text, filters={k: frozenset(v) for k, v in filters.items()}, per_page=100
    )
    return [hit.title for hit in engine.run_search(query).hits]


def test_publishing_a_need_makes_it_searchable_with_its_facets(people, indexing):
    need = indexing(
        factories.make_need,
        people["department"],
        people["staff"],
        publish_by=people["coordinator"],
        title="高齢者の見守り活動を記録したい",
        field="welfare",
    )
    entry = SearchEntry.objects.get(page_id=need.pk)
    assert entry.is_live
    assert entry.kind == "need"
    assert entry.url == need.url
    assert entry.facets == {
        "field": "welfare",
        "stage": "published",
        "specificity": "medium",
        "match_type": "2",
    }
    assert entry.get_vector().shape == (384,)
    assert found("みまもり") == ["高齢者の見守り活動を記録したい"]
    assert found(field=["welfare"]) == ["高齢者の見守り活動を記録したい"]


def test_drafts_are_never_indexed(people, indexing):
    indexing(factories.make_need, people["department"], people["staff"], title="下書き")
    indexing(
        factories.make_seed, people["organization"], people["member"], title="下書き"
    )
    assert not SearchEntry.objects.exists()
    assert found("下書き") == []


def test_unpublishing_deleting_and_restricting_remove_it(people, indexing):
    seeds = [
        indexing(
            factories.make_seed,
            people["organization"],
            people["member"],
            publish_by=people["coordinator"],
            title=f"見守りセンサー {n}",
        )
        for n in range(3)
    ]
    assert len(found("見守り")) == 3
    indexing(seeds[0].unpublish)
    indexing(seeds[1].delete)
    restriction = indexing(
        PageViewRestriction.objects.create,
        page=seeds[2],
        restriction_type=PageViewRestriction.LOGIN,
    )
    assert found("見守り") == []
    assert not SearchEntry.objects.filter(is_live=True).exists()
    # The rows stay (is_live=False) so every process learns to drop them.
    assert SearchEntry.objects.count() == 3
    indexing(restriction.delete)
    assert found("見守り") == ["見守りセンサー 2"]


def test_a_stage_change_updates_the_status_facet(people, indexing):
    need = indexing(
        factories.make_need,
        people["department"],
        people["staff"],
        publish_by=people["coordinator"],
    )
    indexing(change_need_stage, need=need, to="working_group", by=people["coordinator"])
    assert SearchEntry.objects.get(page_id=need.pk).facets["stage"] == "working_group"
    assert found(stage=["working_group"]) == [need.title]


def test_case_studies_and_columns_are_searchable(people, indexing):
    indexing(make_case, title="窓口の待ち時間を半分にした事例")
    indexing(make_column, title="見守りの現場を訪ねて")
    indexing(make_case, title="未公開の事例", publish=False)
    assert found("窓口") == ["窓口の待ち時間を半分にした事例"]
    assert found("見守り", kind=["column"]) == ["見守りの現場を訪ねて"]
    assert found("未公開") == []


def test_seed_contact_details_are_not_indexed(people, indexing):
    seed = indexing(
        factories.make_seed,
        people["organization"],
        people["member"],
        publish_by=people["coordinator"],
        contact_name="連絡太郎",
        contact_email="secret@example.jp",
        contact_phone="045-000-0000",
    )
    entry = SearchEntry.objects.get(page_id=seed.pk)
    for private in ("連絡太郎", "secret@example.jp", "045-000-0000"):
        assert private not in entry.body
    assert found("連絡太郎") == []


def test_refresh_is_idempotent_and_skips_unchanged_pages(people, indexing):
    need = indexing(
        factories.make_need,
        people["department"],
        people["staff"],
        publish_by=people["coordinator"],
    )
    before = SearchEntry.objects.get(page_id=need.pk).updated_at
    refresh_page(need.pk)
    assert SearchEntry.objects.get(page_id=need.pk).updated_at == before


def test_another_process_sees_changes_without_reloading(people, settings):
    need = factories.make_need(
        people["department"],
        people["staff"],
        publish_by=people["coordinator"],
        title="交通量調査を自動化したい",
    )
    assert found("交通量") == []  # indexing was off: the process index is empty
    refresh_page(need.pk)  # as the worker of another process would
    assert found("交通量") == ["交通量調査を自動化したい"]
    need.unpublish()
    refresh_page(need.pk)
    assert found("交通量") == []


def test_rebuild_indexes_everything_resumes_and_retires(people, capsys):
    needs = [
        factories.make_need(
            people["department"], people["staff"], publish_by=people["coordinator"]
        )
        for _ in range(3)
    ]
    make_column(title="コラム")
    first = rebuild(batch_size=2)
    assert first == {"pages": 4, "written": 4, "retired": 0}
    # A second run (or one resumed after an interruption) skips what is done.
    assert rebuild() == {"pages": 4, "written": 0, "retired": 0}
    assert rebuild(everything=True)["written"] == 4
    needs[0].unpublish()
    assert rebuild() == {"pages": 3, "written": 0, "retired": 1}


def test_rebuild_command_prints_progress_and_a_summary(people):
    from io import StringIO

    factories.make_need(
        people["department"], people["staff"], publish_by=people["coordinator"]
    )
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    text = out.getvalue()
    assert "search index" in text and "[########################] 1/1" in text
    assert "1 published pages: 1 written, 0 no longer published." in text
