"""Set up the page tree every installation needs. Idempotent."""

from django.db import transaction
from wagtail.models import Page, Site

from hack.accounts.services import (
    ensure_coordinator_workflow,
    ensure_role_groups,
    put_under_coordinator_review,
)
from hack.needs.services import ensure_need_index
from hack.seeds.services import ensure_seed_index

from .models import CaseStudyIndexPage, ColumnIndexPage, HomePage

HOME_LEAD = (
    "横浜市の各部署が抱える課題（ニーズ）と、企業・大学・NPO などが持つデジタル技術"
    "（シーズ）を結びつけるオープンイノベーションのプラットフォームです。"
)
CASES_INTRO = (
    "YOKOHAMA Hack! から生まれた課題解決の事例です。ニーズの公開からアイデア募集、"
    "ワーキンググループ、実証、導入までの歩みと、その成果を紹介します。"
)
COLUMNS_INTRO = "参加した企業や市の職員へのインタビューと、取り組みを紹介する記事です。"


@transaction.atomic
def set_up_site(*, hostname: str = "localhost", port: int = 80) -> HomePage:
    home = HomePage.objects.first()
    if home is None:
        # Wagtail's first migration makes a welcome page; ours replaces it.
        Page.objects.filter(depth=2, content_type__app_label="wagtailcore").delete()
        root = Page.get_first_root_node()
        home = HomePage(title="YOKOHAMA Hack!", slug="home", lead=HOME_LEAD)
        root.add_child(instance=home)
        home.save_revision().publish()
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={
            "hostname": hostname,
            "port": port,
            "root_page": home,
            "site_name": "YOKOHAMA Hack!",
        },
    )
    ensure_role_groups()
    ensure_coordinator_workflow()
    ensure_need_index(parent=home)
    ensure_seed_index(parent=home)
    ensure_editorial_index(
        CaseStudyIndexPage, parent=home, title="事例", slug="cases", intro=CASES_INTRO
    )
    ensure_editorial_index(
        ColumnIndexPage,
        parent=home,
        title="コラム",
        slug="columns",
        intro=COLUMNS_INTRO,
    )
    return home


def ensure_editorial_index(model, *, parent: Page, title: str, slug: str, intro: str):
    """/cases/ or /columns/: coordinators add, edit and publish under it; department
    staff and organisations have no permission there. Without a workflow of its own
    the index would inherit Wagtail's default "Moderators approval" from the root,
    whose group nobody is in: a coordinator who submits instead of publishing gets
    the coordinator approval the rest of the site uses."""
    index = model.objects.first()
    if index is None:
        index = model(title=title, slug=slug, intro=intro)
        parent.add_child(instance=index)
        index.save_revision().publish()
    put_under_coordinator_review(index=index)
    return index
