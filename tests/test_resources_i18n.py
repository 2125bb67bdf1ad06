"""The user guide in Polish and English: every page has its twin, Resources & help indexes both,
shows and searches the reader's language, and the guide's addresses open the reader's page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerhub.resources.models import Resource, guide_ext_id
from partnerhub.resources.rendering import guide_html, heading_anchor
from partnerhub.resources.selectors import polish_stem, resource_search
from partnerhub.resources.services import guide_page_parse, resources_sync_guide
from tests.resources_factories import ResourceFactory

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide"
POLISH = GUIDE / "pl"
_PAGE_LINK = re.compile(r"\]\((?P<slug>[a-z0-9][a-z0-9-]*)\.md(?:#(?P<anchor>[\w-]+))?\)")
_ID = re.compile(r'\sid="([^"]+)"')


def slugs(directory: Path) -> set[str]:
    return {p.stem for p in directory.glob("*.md")}


def heading_ids(path: Path) -> set[str]:
    return set(_ID.findall(guide_html(guide_page_parse(path).body)))


# --- The files ------------------------------------------------------------------------------


def test_every_english_guide_page_has_its_polish_twin_and_no_polish_page_is_orphaned():
    english, polish = slugs(GUIDE), slugs(POLISH)
    assert english, "the English guide has no pages"
    assert sorted(english - polish) == [], "English pages without a Polish twin in docs/guide/pl"
    assert sorted(polish - english) == [], "Polish pages without an English page"


@pytest.mark.parametrize("path", sorted(POLISH.glob("*.md")), ids=lambda p: p.name)
def test_a_polish_page_opens_with_its_title_a_blank_line_and_a_one_sentence_summary(path: Path):
    lines = path.read_text(encoding="utf-8").splitlines()
    page = guide_page_parse(path)
    assert page.title and lines[1] == ""
    assert page.summary.endswith(".") and page.body
    english = guide_page_parse(GUIDE / path.name) if (GUIDE / path.name).exists() else None
    if english is not None:
        # The same sections, in the same order, as the English page.
        def levels(body: str) -> list[str]:
            return re.findall(r"^(#{2,6}) ", body, flags=re.MULTILINE)

        assert levels(page.body) == levels(english.body)


@pytest.mark.parametrize(
    "path",
    sorted(GUIDE.glob("*.md")) + sorted(POLISH.glob("*.md")),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_a_link_to_another_page_names_a_page_and_a_heading_of_the_same_language(path: Path):
    # given a page; its links open pages of its own language (English where not translated)
    own = path.parent
    for match in _PAGE_LINK.finditer(path.read_text(encoding="utf-8")):
        target = own / f"{match['slug']}.md"
        if not target.exists():
            target = GUIDE / f"{match['slug']}.md"
        assert target.exists(), f"{path.name} links to a missing page {match['slug']}.md"
        if match["anchor"]:
            assert match["anchor"] in heading_ids(target), (
                f"{path.name} links to #{match['anchor']}, not a heading of {target}"
            )


def test_heading_anchors_are_ascii_and_keep_polish_letters_readable():
    assert heading_anchor("Wersje próbne") == "wersje-probne"
    assert heading_anchor("Wygasł") == "wygasl"
    assert heading_anchor("Łączna liczba klientów") == "laczna-liczba-klientow"
    html = guide_html("## Kto może zarządzać wersjami próbnymi\n")
    assert 'id="kto-moze-zarzadzac-wersjami-probnymi"' in html


# --- The index ------------------------------------------------------------------------------


def write_guide(root: Path, *, polish: dict[str, str]) -> None:
    """An English guide of two pages and the Polish pages given (file name → text)."""
    (root / "pl").mkdir(parents=True)
    (root / "trials.md").write_text(
        "# Trials\n\nStart, extend and end trials.\n\n## Starting\n\nSee [Tags](tags.md).\n"
    )
    (root / "tags.md").write_text("# Custom tags\n\nTags group customers.\n\n## Rules\n\nBody.\n")
    for name, text in polish.items():
        (root / "pl" / name).write_text(text, encoding="utf-8")


POLISH_TRIALS = (
    "# Wersje próbne\n\nJak rozpocząć i zakończyć wersję próbną.\n\n"
    "## Rozpoczynanie wersji próbnej\n\nZobacz [Tagi](tags.md#reguly).\n"
)
POLISH_TAGS = "# Tagi niestandardowe\n\nTagi grupują klientów.\n\n## Reguły\n\nTreść.\n"


@pytest.fixture
def small_guide(settings: Any, tmp_path: Path, db: Any) -> Path:
    """A guide of two English pages, one of them (trials) translated into Polish, indexed."""
    Resource.objects.all().delete()
    root = tmp_path / "guide"
    write_guide(root, polish={"trials.md": POLISH_TRIALS})
    settings.PARTNERHUB_GUIDE_DIR = str(root)
    resources_sync_guide(record_audit=False)
    return root


@pytest.mark.django_db
def test_syncing_indexes_each_language_with_its_own_id_address_and_language(small_guide):
    english = Resource.objects.get(ext_id="guide-trials")
    polish = Resource.objects.get(ext_id=guide_ext_id("trials", "pl"))
    assert (english.title, english.language, english.url) == (
        "Trials",
        "en",
        "/resources/guide/trials/",
    )
    assert (polish.ext_id, polish.title, polish.language, polish.url) == (
        "guide-pl/trials",
        "Wersje próbne",
        "pl",
        "/resources/guide/trials/?language=pl",
    )
    assert polish.summary == "Jak rozpocząć i zakończyć wersję próbną."
    assert not Resource.objects.filter(ext_id=guide_ext_id("tags", "pl")).exists()


@pytest.mark.django_db
def test_a_new_translation_is_added_and_a_removed_one_leaves_the_index(small_guide):
    # when tags gets its Polish page and trials loses its own
    (small_guide / "pl" / "tags.md").write_text(POLISH_TAGS, encoding="utf-8")
    (small_guide / "pl" / "trials.md").unlink()
    counts = resources_sync_guide(record_audit=False)
    # then the index follows, and the English pages stay
    assert counts == {"created": 1, "updated": 0, "removed": 1}
    assert sorted(
        Resource.objects.filter(ext_id__startswith="guide-").values_list("ext_id", flat=True)
    ) == ["guide-pl/tags", "guide-tags", "guide-trials"]


@pytest.mark.django_db
def test_a_translation_starts_with_its_english_pages_products_and_flags(settings, tmp_path):
    Resource.objects.all().delete()
    root = tmp_path / "guide"
    (root / "pl").mkdir(parents=True)
    for folder, title in ((root, "Getting started"), (root / "pl", "Pierwsze kroki")):
        (folder / "getting-started.md").write_text(f"# {title}\n\nSummary.\n\nBody.\n")
        (folder / "calling-analytics.md").write_text(f"# {title} 2\n\nSummary.\n\nBody.\n")
    resources_sync_guide(directory=root, record_audit=False)
    start = Resource.objects.get(ext_id="guide-pl/getting-started")
    calling = Resource.objects.get(ext_id="guide-pl/calling-analytics")
    assert (start.featured, start.quick_link) == (True, True)
    assert calling.products == ["calling"] and calling.featured is True


@pytest.mark.django_db
def test_the_project_guide_is_indexed_in_english_and_polish():
    resources_sync_guide(record_audit=False)
    polish = set(
        Resource.objects.filter(language="pl", ext_id__startswith="guide-").values_list(
            "ext_id", flat=True
        )
    )
    assert {f"guide-pl/{slug}" for slug in slugs(POLISH)} == polish
    assert {"guide-pl/trials", "guide-pl/statuses", "guide-pl/getting-started"} <= polish


# --- What a reader sees ---------------------------------------------------------------------


@pytest.fixture
def polish_admin(full_admin: Any) -> Any:
    """A full administrator who reads Partner Hub in Polish."""
    full_admin.language = "pl"
    full_admin.save(update_fields=["language"])
    return full_admin


@pytest.fixture
def english_admin(full_admin: Any) -> Any:
    full_admin.language = "en"
    full_admin.save(update_fields=["language"])
    return full_admin


def reading(client: Any, person: Any, language: str) -> Any:
    """`client` signed in as `person`, whose browser asks for `language` too."""
    client.force_login(person)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def listed(response: Any) -> list[str]:
    return [r.ext_id for r in response.context["page"].object_list]


@pytest.mark.django_db
def test_a_polish_reader_sees_the_polish_guide_and_english_only_where_untranslated(
    client, polish_admin, small_guide
):
    response = reading(client, polish_admin, "pl").get(reverse("resources:index"))
    guide = [i for i in listed(response) if i.startswith("guide-")]
    assert sorted(guide) == ["guide-pl/trials", "guide-tags"]


@pytest.mark.django_db
def test_an_english_reader_sees_the_english_guide_only(client, english_admin, small_guide):
    response = reading(client, english_admin, "en").get(reverse("resources:index"))
    guide = [i for i in listed(response) if i.startswith("guide-")]
    assert sorted(guide) == ["guide-tags", "guide-trials"]


@pytest.mark.django_db
def test_the_language_filter_shows_that_languages_resources_whoever_reads(
    client, english_admin, small_guide
):
    ResourceFactory(ext_id="R-PL", title="Film szkoleniowy", language="pl")
    response = reading(client, english_admin, "en").get(
        reverse("resources:index"), {"language": "pl"}
    )
    assert sorted(listed(response)) == ["R-PL", "guide-pl/trials"]


@pytest.mark.django_db
def test_a_polish_reader_searching_wersja_probna_finds_the_trials_page_first(client, polish_admin):
    # given the project's guide, indexed in both languages
    resources_sync_guide(record_audit=False)
    reader = reading(client, polish_admin, "pl")
    # when a Polish person searches the source document's word for a trial
    response = reader.get(reverse("resources:index"), {"q": "wersja próbna"})
    # then the Polish trials page comes first, and no English page is offered in its place
    found = listed(response)
    assert found[0] == "guide-pl/trials"
    assert "guide-trials" not in found
    assert "Wersje próbne" in response.content.decode()


@pytest.mark.django_db
def test_a_polish_word_typed_without_its_diacritics_still_finds_the_trials_page(
    client, polish_admin
):
    resources_sync_guide(record_audit=False)
    response = reading(client, polish_admin, "pl").get(
        reverse("resources:index"), {"q": "wersja probna"}
    )
    assert listed(response)[0] == "guide-pl/trials"
    assert response.context["corrected"]


@pytest.mark.django_db
def test_polish_words_match_their_other_endings_and_capitalised_polish_letters():
    Resource.objects.all().delete()
    ResourceFactory(ext_id="A", title="Wersje próbne", language="pl")
    ResourceFactory(ext_id="B", title="Inne", body="Przedłuż wersję próbną klienta.", language="pl")
    ResourceFactory(ext_id="C", title="Łączna liczba klientów", language="pl")
    ResourceFactory(ext_id="D", title="Subskrypcje", language="pl")
    ids = [r.ext_id for r in resource_search(q="wersja próbna", reader_language="pl")]
    assert ids == ["A", "B"]
    assert [r.ext_id for r in resource_search(q="łączna", reader_language="pl")] == ["C"]
    assert [r.ext_id for r in resource_search(q="wersja", language="pl")] == ["A", "B"]


def test_polish_stems_drop_endings_but_keep_short_words():
    assert polish_stem("wersja") == "wersj"
    assert polish_stem("próbną") == "próbn"
    assert polish_stem("klientów") == "klient"
    assert polish_stem("tag") == "tag"


@pytest.mark.django_db
def test_quick_links_and_featured_offer_the_readers_language(client, polish_admin, settings):
    # given the project's guide: getting started is featured and a quick link in both languages
    resources_sync_guide(record_audit=False)
    response = reading(client, polish_admin, "pl").get(reverse("resources:index"))
    quick = [r.ext_id for r in response.context["quick_links"]]
    featured = [r.ext_id for r in response.context["featured"]]
    assert "guide-pl/getting-started" in quick and "guide-getting-started" not in quick
    assert "guide-pl/getting-started" in featured and "guide-getting-started" not in featured
    # and curated links of every language stay
    assert any(not i.startswith("guide-") for i in quick)


@pytest.mark.django_db
def test_the_readers_language_costs_no_extra_query(client, english_admin, small_guide):
    reader = reading(client, english_admin, "en")
    with CaptureQueriesContext(connection) as in_english:
        reader.get(reverse("resources:index"), {"q": "trial"})
    english_admin.language = "pl"
    english_admin.save(update_fields=["language"])
    reader.defaults["HTTP_ACCEPT_LANGUAGE"] = "pl"
    with CaptureQueriesContext(connection) as in_polish:
        reader.get(reverse("resources:index"), {"q": "wersja"})
    assert len(in_polish.captured_queries) == len(in_english.captured_queries)


# --- The guide's addresses (the in-app help links) ------------------------------------------


@pytest.mark.django_db
def test_a_guide_address_opens_the_page_in_the_readers_language(client, polish_admin, small_guide):
    response = reading(client, polish_admin, "pl").get(
        reverse("resources:guide", kwargs={"slug": "trials"})
    )
    assert response.status_code == 200
    assert response.context["resource"].ext_id == "guide-pl/trials"
    html = response.content.decode()
    assert '<h2 id="rozpoczynanie-wersji-probnej">' in html
    # its links keep to Polish pages (here English, as tags is not translated: its fallback)
    assert 'href="/resources/guide/tags/?language=pl#reguly"' in html
    assert 'data-testid="guide-untranslated"' not in html


@pytest.mark.django_db
def test_the_same_address_opens_the_english_page_for_an_english_reader(
    client, english_admin, small_guide
):
    response = reading(client, english_admin, "en").get(
        reverse("resources:guide", kwargs={"slug": "trials"})
    )
    assert response.context["resource"].ext_id == "guide-trials"
    assert 'href="/resources/guide/tags/"' in response.content.decode()


@pytest.mark.django_db
def test_a_page_without_a_translation_falls_back_to_english_and_says_so(
    client, polish_admin, small_guide
):
    response = reading(client, polish_admin, "pl").get(
        reverse("resources:guide", kwargs={"slug": "tags"})
    )
    assert response.status_code == 200
    assert response.context["resource"].ext_id == "guide-tags"
    html = response.content.decode()
    assert 'data-testid="guide-untranslated"' in html
    assert '<article class="card" lang="en">' in html
    # and the table of contents lists the Polish page where there is one
    contents = [p["ext_id"] for p in response.context["pages"]]
    assert sorted(contents) == ["guide-pl/trials", "guide-tags"]


@pytest.mark.django_db
def test_the_language_parameter_opens_that_languages_page(client, english_admin, small_guide):
    response = reading(client, english_admin, "en").get(
        reverse("resources:guide", kwargs={"slug": "trials"}), {"language": "pl"}
    )
    assert response.context["resource"].ext_id == "guide-pl/trials"
    assert '<article class="card" lang="pl">' in response.content.decode()
    unknown = client.get(reverse("resources:guide", kwargs={"slug": "trials"}), {"language": "xx"})
    assert unknown.context["resource"].ext_id == "guide-trials"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "pl"])
def test_an_unknown_guide_page_is_404_in_either_language(client, full_admin, small_guide, language):
    reader = reading(client, full_admin, language)
    assert reader.get(reverse("resources:guide", kwargs={"slug": "nope"})).status_code == 404


@pytest.mark.django_db
def test_opening_an_english_page_from_the_list_as_a_polish_reader_shows_it_in_english(
    client, polish_admin, small_guide
):
    reader = reading(client, polish_admin, "pl")
    english = Resource.objects.get(ext_id="guide-trials")
    polish = Resource.objects.get(ext_id="guide-pl/trials")
    response = reader.get(reverse("resources:open", kwargs={"pk": english.pk}))
    assert response["Location"] == "/resources/guide/trials/?language=en"
    response = reader.get(reverse("resources:open", kwargs={"pk": polish.pk}))
    assert response["Location"] == "/resources/guide/trials/?language=pl"


@pytest.mark.django_db
def test_an_english_reader_opens_the_english_page_at_its_plain_address(
    client, english_admin, small_guide
):
    english = Resource.objects.get(ext_id="guide-trials")
    response = reading(client, english_admin, "en").get(
        reverse("resources:open", kwargs={"pk": english.pk})
    )
    assert response["Location"] == "/resources/guide/trials/"


# --- The API --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_lists_the_callers_guide_and_any_language_on_request(
    api_client, english_admin, small_guide
):
    caller = api_client(english_admin)
    listed_ids = {i["id"] for i in caller.get("/api/v1/resources").json()["items"]}
    assert {"guide-trials", "guide-tags"} <= listed_ids
    assert "guide-pl/trials" not in listed_ids
    body = caller.get("/api/v1/resources", {"language": "pl", "q": "wersja próbna"}).json()
    assert [i["id"] for i in body["items"]] == ["guide-pl/trials"]
    assert body["items"][0]["url"] == "/resources/guide/trials/?language=pl"
