"""Set up the page tree every installation needs. Idempotent."""

from django.db import transaction
from wagtail.models import Page, Site

from hack.accounts.services import ensure_coordinator_workflow, ensure_role_groups
from hack.needs.services import ensure_need_index
from hack.seeds.services import ensure_seed_index

from .models import HomePage

HOME_LEAD = (
    "横浜市の各部署が抱える課題（ニーズ）と、企業・大学・NPO などが持つデジタル技術"
    "（シーズ）を結びつけるオープンイノベーションのプラットフォームです。"
)


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
    return home
