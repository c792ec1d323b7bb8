"""The Japanese catalogue is the product: every entry translated, none fuzzy."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(CATALOGUE))


def test_catalogue_has_entries(catalogue):
    assert len(catalogue) > 200


def test_no_japanese_entry_is_missing(catalogue):
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    assert missing == []


def test_no_japanese_entry_is_fuzzy(catalogue):
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert fuzzy == []


def test_compiled_catalogue_is_current(catalogue):
    compiled = polib.mofile(str(CATALOGUE.with_suffix(".mo")))
    compiled_ids = {entry.msgid for entry in compiled}
    stale = [
        e.msgid for e in catalogue.translated_entries() if e.msgid not in compiled_ids
    ]
    assert stale == []


def test_product_terms_use_their_fixed_translation():
    with translation.override("ja"):
        assert translation.gettext("Needs") == "ニーズ"
        assert translation.gettext("Seeds") == "シーズ"


def test_public_pages_are_japanese_by_default_and_english_under_en(client, site):
    japanese = client.get("/needs/").content.decode()
    english = client.get("/en/needs/").content.decode()
    assert 'lang="ja"' in japanese and "ニーズ" in japanese
    assert 'lang="en"' in english and "Filter" in english


def test_language_switch_keeps_the_page_both_ways(client, site):
    to_english = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/needs/?field=welfare"}
    )
    assert to_english["Location"] == "/en/needs/?field=welfare"
    to_japanese = client.post(
        "/i18n/setlang/", {"language": "ja", "next": "/en/needs/?field=welfare"}
    )
    assert to_japanese["Location"] == "/needs/?field=welfare"
