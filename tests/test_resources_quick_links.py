"""Quick links follow what this partner's people open, falling back to the curated ones."""

from __future__ import annotations

import pytest
from django.urls import reverse

from partnerhub.core.choices import Role
from partnerhub.resources.models import Resource, ResourceClick
from partnerhub.resources.selectors import resource_quick_links
from tests.factories import UserFactory
from tests.resources_factories import ResourceClickFactory, ResourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_library() -> None:
    """These tests build their own library: start without what `migrate` indexed."""
    Resource.objects.all().delete()


def clicks(resource, user, n: int) -> None:
    for _ in range(n):
        ResourceClickFactory(resource=resource, partner=user.partner, user=user)


def quick_titles(partner) -> list[str]:
    return [r.title for r in resource_quick_links(partner_id=partner.pk)]


def test_without_clicks_the_curated_quick_links_show(partner):
    ResourceFactory(title="Status page", quick_link=True)
    ResourceFactory(title="Help center", quick_link=True)
    ResourceFactory(title="Not curated")
    assert quick_titles(partner) == ["Help center", "Status page"]


def test_the_most_clicked_by_this_partner_come_first_then_curated_ones(partner, people):
    # given a curated link nobody clicked and two resources clicked 3 and 5 times by two people
    curated = ResourceFactory(title="Status page", quick_link=True)
    training = ResourceFactory(title="Training")
    videos = ResourceFactory(title="Videos")
    clicks(training, people[Role.PARTNER_FULL_ADMIN], 2)
    clicks(training, people[Role.SALES_ADMIN], 1)
    clicks(videos, people[Role.PARTNER_READONLY_ADMIN], 5)
    # then the partner's most clicked come first, then the curated one
    assert quick_titles(partner) == ["Videos", "Training", "Status page"]
    assert curated.pk in {r.pk for r in resource_quick_links(partner_id=partner.pk)}


def test_another_partners_clicks_do_not_move_this_partners_quick_links(partner, stranger):
    popular_elsewhere = ResourceFactory(title="Popular elsewhere")
    ResourceFactory(title="Curated", quick_link=True)
    clicks(popular_elsewhere, stranger, 10)
    assert quick_titles(partner) == ["Curated"]
    assert quick_titles(stranger.partner) == ["Popular elsewhere", "Curated"]


def test_quick_links_keep_to_eight(partner, full_admin):
    for n in range(10):
        clicks(ResourceFactory(title=f"R{n}"), full_admin, n + 1)
    titles = quick_titles(partner)
    assert titles == ["R9", "R8", "R7", "R6", "R5", "R4", "R3", "R2"]


def test_opening_a_resource_counts_the_click_and_redirects(client, partner, full_admin):
    resource = ResourceFactory(title="Help", url="https://help.example.com/x")
    client.force_login(full_admin)
    response = client.get(reverse("resources:open", kwargs={"pk": resource.pk}))
    assert response.status_code == 302 and response["Location"] == "https://help.example.com/x"
    click = ResourceClick.objects.get()
    assert (click.resource_id, click.partner_id, click.user_id) == (
        resource.pk,
        partner.pk,
        full_admin.pk,
    )
    assert quick_titles(partner) == ["Help"]


def test_opening_a_guide_page_follows_the_in_app_url(client, full_admin):
    resource = ResourceFactory(url="/resources/guide/tags/")
    client.force_login(full_admin)
    response = client.get(reverse("resources:open", kwargs={"pk": resource.pk}))
    assert response["Location"] == "/resources/guide/tags/"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "//evil.example/x", "data:text/html,x"])
def test_a_resource_with_an_unsafe_url_is_not_followed(client, full_admin, url):
    resource = ResourceFactory(url=url)
    client.force_login(full_admin)
    assert client.get(reverse("resources:open", kwargs={"pk": resource.pk})).status_code == 404
    assert not ResourceClick.objects.exists()


def test_the_user_role_may_not_open_resources_and_no_click_is_counted(client, people):
    resource = ResourceFactory()
    client.force_login(people[Role.USER])
    assert client.get(reverse("resources:open", kwargs={"pk": resource.pk})).status_code == 403
    assert not ResourceClick.objects.exists()


def test_the_page_and_the_api_show_the_partners_quick_links(client, api_client, partner):
    person = UserFactory(partner=partner, role=Role.SALES_FULL_ADMIN)
    clicked = ResourceFactory(ext_id="R-C", title="Clicked a lot")
    ResourceFactory(ext_id="R-Q", title="Curated", quick_link=True)
    clicks(clicked, person, 4)
    client.force_login(person)
    html = client.get(reverse("resources:index")).content.decode()
    section = html[html.index('data-testid="quick-links"') : html.index('data-testid="featured"')]
    assert section.index("Clicked a lot") < section.index("Curated")
    body = api_client(person).get("/api/v1/resources/quick-links").json()
    assert [i["id"] for i in body["items"]] == ["R-C", "R-Q"]


def test_a_quick_links_count_says_what_it_counts(client, partner, full_admin):
    one = ResourceFactory(title="Opened once")
    many = ResourceFactory(title="Opened often")
    clicks(one, full_admin, 1)
    clicks(many, full_admin, 3)
    client.force_login(full_admin)
    html = client.get(reverse("resources:index")).content.decode()
    assert "opened 1 time by your team" in html
    assert "opened 3 times by your team" in html
