"""Resources & help: ranked search (title matches first), filters, the page, the guide, the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from partnerhub.core.choices import Role
from partnerhub.resources.models import Resource
from partnerhub.resources.selectors import resource_search
from partnerhub.resources.services import resources_load_curated, resources_sync_guide
from tests.resources_factories import ResourceFactory

pytestmark = pytest.mark.django_db
ADMIN_ROLES = [r for r in Role if r != Role.USER]


@pytest.fixture(autouse=True)
def _empty_library() -> None:
    """These tests build their own library: start without what `migrate` indexed."""
    Resource.objects.all().delete()


def titles(qs) -> list[str]:
    return [r.title for r in qs]


def test_a_title_match_ranks_before_summary_and_body_matches():
    # given three resources mentioning "queue" in the body (many times), summary, and title
    ResourceFactory(title="Call analytics", body="queue queue queue queue queue waiting queue")
    ResourceFactory(title="Agent desktop", summary="Route callers to a queue.")
    ResourceFactory(title="Queue insights", summary="Wait times.")
    ResourceFactory(title="Unrelated", summary="Nothing here.")
    # when searching
    results = titles(resource_search(q="queue"))
    # then the title match is first, the summary before the body, the unrelated one absent
    assert results == ["Queue insights", "Agent desktop", "Call analytics"]


def test_every_word_must_match_and_a_title_holding_any_word_comes_first():
    ResourceFactory(title="Trials", body="extend a trial by thirty days")
    ResourceFactory(title="Orders", summary="extend a subscription or trial")
    ResourceFactory(title="Extend nothing", body="no such word")
    assert titles(resource_search(q="extend trial")) == ["Trials", "Orders"]


def test_words_match_as_prefixes_and_ignore_case():
    ResourceFactory(title="Subscriptions analytics")
    ResourceFactory(title="Tags")
    assert titles(resource_search(q="SUBSCR")) == ["Subscriptions analytics"]


def test_query_syntax_characters_are_only_separators():
    ResourceFactory(title="Call quality")
    assert titles(resource_search(q="call & | ! ( ' quality:*")) == ["Call quality"]


def test_without_words_resources_list_by_title():
    ResourceFactory(title="Beta")
    ResourceFactory(title="Alpha")
    assert titles(resource_search()) == ["Alpha", "Beta"]


def test_filters_by_type_product_and_language_combine():
    ResourceFactory(title="Calling video EN", type="video", products=["calling"], language="en")
    ResourceFactory(title="Calling video PL", type="video", products=["calling"], language="pl")
    ResourceFactory(title="Meetings video", type="video", products=["meetings"], language="en")
    ResourceFactory(title="Calling doc", type="document", products=["calling"], language="en")
    ResourceFactory(title="Center", type="video", products=["contact_center"], language="en")
    assert titles(resource_search(type="video")) == [
        "Calling video EN",
        "Calling video PL",
        "Center",
        "Meetings video",
    ]
    assert titles(resource_search(product="calling")) == [
        "Calling doc",
        "Calling video EN",
        "Calling video PL",
    ]
    assert titles(resource_search(type="video", product="calling", language="pl")) == [
        "Calling video PL"
    ]
    assert titles(resource_search(q="video", product="meetings")) == ["Meetings video"]


def test_search_uses_the_gin_index_on_postgresql_and_sqlite_has_none():
    ResourceFactory(title="Queue insights")
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'resource_search_gin'")
            assert cursor.fetchall() == []
        assert titles(resource_search(q="queue")) == ["Queue insights"]
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'resource_search_gin'")
        (indexdef,) = cursor.fetchone()
        assert "gin" in indexdef.lower()
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = resource_search(q="queue").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "resource_search_gin" in plan


# --- The page -----------------------------------------------------------------------------


def test_the_page_shows_quick_links_featured_and_all_resources(client, full_admin):
    ResourceFactory(title="Status page", quick_link=True)
    ResourceFactory(title="Developer portal", featured=True, summary="APIs and SDKs")
    ResourceFactory(title="Other thing")
    client.force_login(full_admin)
    response = client.get(reverse("resources:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Quick links" in html and "Featured resources" in html and "All resources" in html
    assert "Status page" in html and "Developer portal" in html and "Other thing" in html


def test_searching_on_the_page_answers_the_results_fragment_to_htmx(client, full_admin):
    ResourceFactory(title="Queue insights")
    ResourceFactory(title="Tags")
    client.force_login(full_admin)
    response = client.get(reverse("resources:index"), {"q": "queue"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Queue insights" in html and "Tags" not in html
    assert "<html" not in html and "Quick links" not in html


def test_an_unknown_filter_value_is_a_form_error_naming_the_field(client, full_admin):
    ResourceFactory(title="Anything")
    client.force_login(full_admin)
    response = client.get(reverse("resources:index"), {"type": "podcast"})
    assert response.status_code == 200
    assert 'data-field="type"' in response.content.decode()
    assert "Anything" in response.content.decode()


def test_the_page_pages_twenty_resources_at_a_time(client, full_admin):
    for n in range(25):
        ResourceFactory(title=f"Item {n:02d}")
    client.force_login(full_admin)
    first = client.get(reverse("resources:index")).content.decode()
    second = client.get(reverse("resources:index"), {"page": 2}).content.decode()
    assert "Item 19" in first and "Item 20" not in first
    assert "Item 20" in second and "Item 24" in second and "25 results" in second


def test_sorting_by_a_column_overrides_relevance(client, full_admin):
    ResourceFactory(title="Queue b", type="video")
    ResourceFactory(title="Queue a", type="tool")
    client.force_login(full_admin)
    html = client.get(reverse("resources:index"), {"q": "queue", "sort": "-title"}).content
    assert html.decode().index("Queue b") < html.decode().index("Queue a")


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_every_admin_role_may_open_resources(client, people, role):
    client.force_login(people[role])
    assert client.get(reverse("resources:index")).status_code == 200


def test_the_user_role_may_not_open_resources(client, people):
    client.force_login(people[Role.USER])
    assert client.get(reverse("resources:index")).status_code == 403


def test_the_page_keeps_a_constant_number_of_queries(
    client, full_admin, django_assert_max_num_queries
):
    def fill(n: int) -> None:
        for i in range(n):
            ResourceFactory(
                title=f"Queue {i}", featured=i % 3 == 0, quick_link=i % 4 == 0, products=["calling"]
            )

    client.force_login(full_admin)
    fill(3)
    with django_assert_max_num_queries(8) as small:
        client.get(reverse("resources:index"), {"q": "queue"})
    fill(40)
    with django_assert_max_num_queries(8) as large:
        client.get(reverse("resources:index"), {"q": "queue"})
    assert len(small.captured_queries) == len(large.captured_queries)


# --- The user guide -------------------------------------------------------------------------


def write_guide(directory: Path) -> None:
    directory.mkdir()
    (directory / "tags.md").write_text(
        "# Custom tags\n\nTags group customers.\n\n## Rules\n\nSee [Trials](trials.md#end).\n"
        "<script>alert(1)</script>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    (directory / "trials.md").write_text(
        "# Trials\n\nStart, **extend** and end `trials` ([see](tags.md)).\n\nBody of trials.\n"
    )


def test_syncing_the_guide_indexes_each_page_as_an_article(tmp_path):
    write_guide(tmp_path / "guide")
    counts = resources_sync_guide(directory=tmp_path / "guide")
    assert counts == {"created": 2, "updated": 0, "removed": 0}
    tags = Resource.objects.get(ext_id="guide-tags")
    assert (tags.title, tags.summary, tags.type, tags.language) == (
        "Custom tags",
        "Tags group customers.",
        "article",
        "en",
    )
    assert tags.url == "/resources/guide/tags/"
    assert "## Rules" in tags.body and "Custom tags" not in tags.body
    trials = Resource.objects.get(ext_id="guide-trials")
    assert trials.summary == "Start, extend and end trials (see)."


def test_syncing_again_updates_keeps_operator_flags_and_drops_removed_pages(tmp_path):
    write_guide(tmp_path / "guide")
    resources_sync_guide(directory=tmp_path / "guide")
    Resource.objects.filter(ext_id="guide-tags").update(featured=True)
    (tmp_path / "guide" / "trials.md").unlink()
    (tmp_path / "guide" / "tags.md").write_text("# Tags renamed\n\nNew summary.\n\nBody.\n")
    counts = resources_sync_guide(directory=tmp_path / "guide")
    assert counts == {"created": 0, "updated": 1, "removed": 1}
    tags = Resource.objects.get(ext_id="guide-tags")
    assert (tags.title, tags.featured) == ("Tags renamed", True)
    assert not Resource.objects.filter(ext_id="guide-trials").exists()


def test_the_project_guide_is_indexed_with_a_page_per_feature():
    counts = resources_sync_guide()
    assert counts["created"] >= 10
    slugs = set(Resource.objects.values_list("ext_id", flat=True))
    assert {"guide-customer-list", "guide-tags", "guide-trials", "guide-api"} <= slugs


def test_a_guide_page_renders_markdown_sanitised_with_in_app_links(client, full_admin, tmp_path):
    write_guide(tmp_path / "guide")
    resources_sync_guide(directory=tmp_path / "guide")
    client.force_login(full_admin)
    response = client.get(reverse("resources:guide", kwargs={"slug": "tags"}))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h2 id="rules">Rules</h2>' in html
    assert 'href="/resources/guide/trials/#end"' in html
    assert "<script>alert" not in html
    assert '<table class="table' in html


def test_an_unknown_guide_page_is_404(client, full_admin):
    client.force_login(full_admin)
    assert client.get(reverse("resources:guide", kwargs={"slug": "nope"})).status_code == 404


def test_sync_guide_command_indexes_guide_and_curated_links(tmp_path):
    from django.core.management import call_command

    write_guide(tmp_path / "guide")
    call_command("sync_guide", guide_dir=tmp_path / "guide")
    assert Resource.objects.filter(ext_id__startswith="guide-").count() == 2
    assert Resource.objects.filter(ext_id__startswith="R-").count() >= 10


# --- Curated resource lines -----------------------------------------------------------------


def test_the_curated_file_follows_the_dataset_resource_format():
    path = Path(__file__).resolve().parent.parent / "src/partnerhub/resources/data/resources.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    assert {line["kind"] for line in lines} == {"resource"}
    assert {line["type"] for line in lines} == {"article", "video", "training", "document", "tool"}
    assert {line["language"] for line in lines} >= {"en", "pl", "de"}
    assert any(line["featured"] for line in lines) and any(line["quick_link"] for line in lines)
    assert len({line["id"] for line in lines}) == len(lines)
    counts = resources_load_curated(path=path)
    assert counts == {"created": len(lines), "updated": 0}


def test_a_bad_curated_line_refuses_the_whole_file_naming_line_and_field(tmp_path):
    from django.core.exceptions import ValidationError

    path = tmp_path / "r.jsonl"
    path.write_text(
        '{"kind":"resource","id":"R-1","title":"A","url":"https://a.example","type":"article"}\n'
        '{"kind":"resource","id":"R-2","title":"B","url":"https://b.example","type":"podcast"}\n'
    )
    with pytest.raises(ValidationError) as caught:
        resources_load_curated(path=path)
    assert "line 2: type" in caught.value.messages[0]
    assert not Resource.objects.exists()


# --- API ------------------------------------------------------------------------------------


def test_api_lists_resources_paged_with_the_dataset_keys(api_client, full_admin):
    ResourceFactory(
        ext_id="R-900",
        title="Queue insights",
        url="https://example.com/queue",
        products=["calling"],
        featured=True,
    )
    ResourceFactory(ext_id="R-901", title="Tags")
    response = api_client(full_admin).get("/api/v1/resources", {"q": "queue", "page_size": 1})
    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "items": [
            {
                "id": "R-900",
                "title": "Queue insights",
                "url": "https://example.com/queue",
                "type": "article",
                "products": ["calling"],
                "summary": "",
                "language": "en",
                "featured": True,
                "quick_link": False,
            }
        ],
    }


def test_api_filters_and_pages(api_client, full_admin):
    for n in range(3):
        ResourceFactory(title=f"Video {n}", type="video", language="de")
    ResourceFactory(title="Doc", type="document")
    client = api_client(full_admin)
    body = client.get("/api/v1/resources", {"type": "video", "page": 2, "page_size": 2}).json()
    assert body["count"] == 3 and [i["title"] for i in body["items"]] == ["Video 2"]
    assert client.get("/api/v1/resources", {"language": "de"}).json()["count"] == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "podcast"}, "type"),
        ({"product": "fax"}, "product"),
        ({"page_size": 501}, "page_size"),
    ],
)
def test_api_refuses_bad_filters_naming_the_field(api_client, full_admin, params, field):
    response = api_client(full_admin).get("/api/v1/resources", params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


def test_api_featured_and_quick_links_answer_count_and_items(api_client, full_admin):
    ResourceFactory(ext_id="R-F", title="Featured one", featured=True)
    ResourceFactory(ext_id="R-Q", title="Quick one", quick_link=True)
    client = api_client(full_admin)
    featured = client.get("/api/v1/resources/featured").json()
    quick = client.get("/api/v1/resources/quick-links").json()
    assert featured["count"] == 1 and featured["items"][0]["id"] == "R-F"
    assert quick["count"] == 1 and quick["items"][0]["id"] == "R-Q"


def test_api_refuses_the_user_role(api_client, people):
    client = api_client(people[Role.USER])
    for path in (
        "/api/v1/resources",
        "/api/v1/resources/featured",
        "/api/v1/resources/quick-links",
    ):
        assert client.get(path).status_code == 403


# --- A forgiving search and a language filter that works (first-hour issue) -----------------


def test_the_language_filter_accepts_every_language_resources_exist_in(client, full_admin):
    ResourceFactory(title="Calling video PL", language="pl")
    ResourceFactory(title="Calling video EN", language="en")
    client.force_login(full_admin)
    response = client.get(reverse("resources:index"), {"language": "pl"})
    body = response.content.decode()
    assert "is not one of the available choices" not in body
    assert "Calling video PL" in body and "Calling video EN" not in body


@pytest.mark.parametrize("query", ["licence", "license", "LICENCES", "licenses"])
def test_british_and_american_spellings_find_the_same_page(query):
    ResourceFactory(title="Assigning licenses", summary="Give users their licenses.")
    ResourceFactory(title="Meetings basics", summary="Start a meeting.")
    assert titles(resource_search(q=query)) == ["Assigning licenses"]


def test_an_organisation_is_an_organization():
    ResourceFactory(title="Launch the organization", summary="Open the admin console.")
    assert titles(resource_search(q="organisation")) == ["Launch the organization"]


def test_a_typo_finds_the_closest_word_and_the_page_says_so(client, full_admin):
    ResourceFactory(title="Assigning licenses", summary="Give users their licenses.")
    client.force_login(full_admin)
    body = client.get(reverse("resources:index"), {"q": "licnese"}).content.decode()
    assert "Assigning licenses" in body
    assert "showing results for “licenses”" in body


def test_the_api_search_is_as_forgiving_as_the_page(api_client, full_admin):
    ResourceFactory(title="Assigning licenses", summary="Give users their licenses.")
    answer = api_client(full_admin).get("/api/v1/resources", {"q": "licnese"}).json()
    assert [item["title"] for item in answer["items"]] == ["Assigning licenses"]


def test_words_nobody_wrote_still_find_nothing(client, full_admin):
    ResourceFactory(title="Assigning licenses", summary="Give users their licenses.")
    client.force_login(full_admin)
    body = client.get(reverse("resources:index"), {"q": "zebrafish"}).content.decode()
    assert "No resources match." in body and "Assigning licenses" not in body
