from tests import factories


def test_published_need_and_seed_are_public(
    client, site, coordinator, dept_x, staff_x, org_a, member_a
):
    need = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    seed = factories.make_seed(org_a, member_a, publish_by=coordinator)
    assert client.get(need.url).status_code == 200
    response = client.get("/seeds/")
    assert seed.title in response.content.decode()
