"""Curation pages: who may see and do what, and what each page shows.

The role matrix follows tests/test_permissions.py: anonymous, a member of
organisation A (whose seed is matched), a member of organisation B, staff of
department X (whose need is matched), staff of department Y, a coordinator.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth.views import redirect_to_login
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from hack.matching import curation
from hack.matching.models import CurationAction, Match, MatchState
from hack.needs.services import change_need_stage
from tests import factories
from tests.calls.factories import make_call
from tests.matching.factories import CARE_NEED, CARE_SEED, TOURISM_SEED, make_match


def reason_in_japanese(match) -> str:
    # Pages without /en/ render in Japanese, whatever the test process uses.
    with translation.override("ja"):
        return escape(match.type_reason_text)


pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member_a", "member_b", "staff_x", "staff_y", "coordinator")
LOGIN = "login"


@pytest.fixture
def login(client, request):
    def _login(role: str):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return _login


@pytest.fixture
def world(coordinator, dept_x, dept_y, staff_x, staff_y, org_a, member_a, org_b):
    need = factories.make_need(dept_x, staff_x, publish_by=coordinator)
    seed = factories.make_seed(org_a, member_a, publish_by=coordinator)
    other_seed = factories.make_seed(
        org_a, member_a, publish_by=coordinator, title="別のシーズ"
    )
    return SimpleNamespace(
        need=need,
        seed=seed,
        match=make_match(need, seed, match_type=2),
        other=make_match(need, other_seed, match_type=3, rank=None),
    )


def assert_outcome(response, expected, path: str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302, path
        assert response["Location"] == redirect_to_login(path, "/accounts/login/").url
    elif isinstance(expected, tuple):
        assert response.status_code == 302, path
        assert response["Location"] == expected[1]
    else:
        assert response.status_code == expected, (path, response.status_code)


def html_of(response) -> str:
    return response.content.decode()


def need_matches_url(match: Match) -> str:
    return reverse("matching:need-matches", args=[match.need_id]) + f"#match-{match.pk}"


# --- Pages -----------------------------------------------------------------------

COORDINATOR_ONLY = [
    ("anonymous", LOGIN),
    ("member_a", 403),
    ("member_b", 403),
    ("staff_x", 403),
    ("staff_y", 403),
    ("coordinator", 200),
]


@pytest.mark.parametrize(("role", "expected"), COORDINATOR_ONLY)
def test_the_queue(login, world, role, expected):
    path = reverse("matching:queue")
    assert_outcome(login(role).get(path), expected, path)


@pytest.mark.parametrize(("role", "expected"), COORDINATOR_ONLY)
def test_the_curation_page_of_a_need(login, world, role, expected):
    path = reverse("matching:need-matches", args=[world.need.pk])
    assert_outcome(login(role).get(path), expected, path)


DEPARTMENT_NEED = [
    ("anonymous", LOGIN),
    ("member_a", 403),
    ("member_b", 403),
    ("staff_x", 200),
    ("staff_y", 403),
    ("coordinator", 200),
]


@pytest.mark.parametrize(("role", "expected"), DEPARTMENT_NEED)
def test_the_department_page_of_a_need(login, world, role, expected):
    path = reverse("matching:department-need-matches", args=[world.need.pk])
    assert_outcome(login(role).get(path), expected, path)


DEPARTMENT_LIST = [
    ("anonymous", LOGIN),
    ("member_a", 403),
    ("member_b", 403),
    ("staff_x", 200),
    ("staff_y", 200),  # their own department's list
    ("coordinator", 403),  # coordinators have the queue
]


@pytest.mark.parametrize(("role", "expected"), DEPARTMENT_LIST)
def test_the_department_list(login, world, role, expected):
    path = reverse("matching:department-need-list")
    assert_outcome(login(role).get(path), expected, path)


MEMBER_LIST = [
    ("anonymous", LOGIN),
    ("member_a", 200),
    ("member_b", 200),  # their own organisation's seeds
    ("staff_x", 403),
    ("staff_y", 403),
    ("coordinator", 403),
]


@pytest.mark.parametrize(("role", "expected"), MEMBER_LIST)
def test_the_member_list(login, world, role, expected):
    path = reverse("matching:member-seed-list")
    assert_outcome(login(role).get(path), expected, path)


SEED_NEEDS = [
    ("anonymous", LOGIN),
    ("member_a", 200),
    ("member_b", 403),
    ("staff_x", 403),
    ("staff_y", 403),
    ("coordinator", 200),
]


@pytest.mark.parametrize(("role", "expected"), SEED_NEEDS)
def test_the_needs_suggested_for_a_seed(login, world, role, expected):
    path = reverse("matching:seed-needs", args=[world.seed.pk])
    assert_outcome(login(role).get(path), expected, path)


def test_someone_elses_draft_seed_is_not_found(
    client, world, org_a, member_a, member_b
):
    draft = factories.make_seed(org_a, member_a)
    path = reverse("matching:seed-needs", args=[draft.pk])
    client.force_login(member_b)
    assert client.get(path).status_code == 404
    client.force_login(member_a)
    response = client.get(path)
    assert response.status_code == 200
    assert _("Needs are suggested once the seed is published.") in html_of(response)


@pytest.mark.parametrize(
    ("role", "name"),
    [
        ("coordinator", "matching:need-matches"),
        ("staff_x", "matching:department-need-matches"),
        ("member_a", "matching:seed-needs"),
    ],
)
def test_unknown_ids_are_not_found(login, world, role, name):
    assert login(role).get(reverse(name, args=[999999])).status_code == 404


def test_a_user_without_organisation_is_sent_to_register(client, world):
    client.force_login(factories.make_user("nobody@example.jp"))
    response = client.get(reverse("matching:member-seed-list"))
    assert response["Location"] == reverse("accounts:organization-create")


# --- Actions ---------------------------------------------------------------------

ACTIONS = [
    ("matching:match-accept", {}, MatchState.ACCEPTED),
    ("matching:match-reject", {"reason": "合わない"}, MatchState.REJECTED),
    ("matching:match-pin", {}, None),
    ("matching:match-note", {"note": "電話する"}, None),
]


def posted(match: Match, prefix: str, data: dict) -> dict:
    return {f"{prefix}-{match.pk}-{key}": value for key, value in data.items()}


ACTION_OUTCOMES = [
    ("anonymous", LOGIN),
    ("member_a", 403),
    ("member_b", 403),
    ("staff_x", 403),
    ("staff_y", 403),
    ("coordinator", "done"),
]


@pytest.mark.parametrize(("role", "expected"), ACTION_OUTCOMES)
@pytest.mark.parametrize(("name", "data", "state"), ACTIONS)
def test_only_coordinators_act(login, world, role, expected, name, data, state):
    prefix = {"matching:match-reject": "reject", "matching:match-note": "note"}.get(
        name, ""
    )
    path = reverse(name, args=[world.match.pk])
    response = login(role).post(path, posted(world.match, prefix, data))
    world.match.refresh_from_db()
    if expected == "done":
        assert_outcome(response, ("redirect", need_matches_url(world.match)), path)
        assert world.match.events.count() == 1
        if state:
            assert world.match.state == state
    else:
        assert_outcome(response, expected, path)
        assert world.match.state == MatchState.SUGGESTED
        assert not world.match.pinned and not world.match.note
        assert world.match.events.count() == 0


DECIDED_ACTIONS = [
    ("matching:match-reset", "", {}),
    ("matching:match-unpin", "", {}),
    ("matching:match-invite-call", "call", {"message": "どうぞ"}),
    ("matching:match-invite-group", "group", {"message": "どうぞ"}),
]


@pytest.mark.parametrize(("role", "expected"), ACTION_OUTCOMES)
@pytest.mark.parametrize(("name", "prefix", "data"), DECIDED_ACTIONS)
def test_only_coordinators_act_on_accepted_matches(
    login, world, coordinator, role, expected, name, prefix, data
):
    make_call(world.need, coordinator)
    curation.accept_match(match=world.match, by=coordinator)
    curation.pin_match(match=world.match, by=coordinator)
    before = world.match.events.count()
    path = reverse(name, args=[world.match.pk])
    response = login(role).post(path, posted(world.match, prefix, data))
    if expected == "done":
        assert_outcome(response, ("redirect", need_matches_url(world.match)), path)
        assert world.match.events.count() == before + 1
    else:
        assert_outcome(response, expected, path)
        assert world.match.events.count() == before


@pytest.mark.parametrize(
    "name",
    [
        "matching:match-accept",
        "matching:match-reject",
        "matching:match-reset",
        "matching:match-pin",
        "matching:match-unpin",
        "matching:match-note",
        "matching:match-invite-call",
        "matching:match-invite-group",
    ],
)
def test_actions_are_post_only_and_unknown_matches_are_not_found(
    client, world, coordinator, name
):
    client.force_login(coordinator)
    assert client.get(reverse(name, args=[world.match.pk])).status_code == 405
    assert client.post(reverse(name, args=[999999])).status_code == 404
    assert world.match.events.count() == 0


def test_actions_need_the_csrf_token(world, coordinator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    response = client.post(reverse("matching:match-accept", args=[world.match.pk]))
    assert response.status_code == 403
    world.match.refresh_from_db()
    assert world.match.state == MatchState.SUGGESTED


def test_accepting_from_the_page_emails_and_says_so(
    client, world, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("matching:match-accept", args=[world.match.pk]), follow=True
        )
    assert response.status_code == 200
    assert sorted(m.to[0] for m in mail.outbox) == [
        "member-a@example.jp",
        "staff-x@example.jp",
    ]
    assert [str(m) for m in response.context["messages"]] == [
        _("Accepted. The organisation and the department are told by email.")
    ]


def test_a_refused_action_is_a_message_not_an_error_page(client, world, coordinator):
    # The need is only "published": no idea call to invite to.
    curation.accept_match(match=world.match, by=coordinator)
    client.force_login(coordinator)
    response = client.post(
        reverse("matching:match-invite-call", args=[world.match.pk]), follow=True
    )
    assert response.status_code == 200
    expected = _("The need has no open idea call. Open an idea call first.")
    assert [str(m) for m in response.context["messages"]] == [expected]
    assert world.match.events.count() == 1  # the acceptance only


def test_an_empty_reason_re_renders_with_an_error(client, world, coordinator):
    client.force_login(coordinator)
    path = reverse("matching:match-reject", args=[world.match.pk])
    response = client.post(path, posted(world.match, "reject", {"reason": "   "}))
    assert response.status_code == 400
    html = response.content.decode()
    assert _("Write why this seed does not fit the need.") in html
    assert 'id="error-summary"' in html
    assert f'href="#id_reject-{world.match.pk}-reason"' in html
    assert 'aria-invalid="true"' in html
    world.match.refresh_from_db()
    assert world.match.state == MatchState.SUGGESTED


def test_a_reason_that_is_too_long_keeps_what_was_typed(client, world, coordinator):
    client.force_login(coordinator)
    typed = "理由" * 1001
    path = reverse("matching:match-reject", args=[world.match.pk])
    response = client.post(path, posted(world.match, "reject", {"reason": typed}))
    assert response.status_code == 400
    html = response.content.decode()
    assert typed in html
    # The reject panel of that match is open, the others are not.
    assert html.count('<details class="details" open>') == 1


# --- What each page shows --------------------------------------------------------


def test_the_queue_counts_and_filters(client, world, coordinator, dept_y, staff_y):
    curation.accept_match(match=world.match, by=coordinator)
    curation.pin_match(match=world.other, by=coordinator)
    quiet = factories.make_need(
        dept_y, staff_y, publish_by=coordinator, title="提案のないニーズ"
    )
    draft = factories.make_need(dept_y, staff_y, title="下書きのニーズ")
    client.force_login(coordinator)
    response = client.get(reverse("matching:queue"))
    needs = list(response.context["needs"])
    assert needs[0] == world.need  # undecided work first
    row = needs[0]
    assert (row.suggested_count, row.accepted_count, row.pinned_count) == (1, 1, 1)
    assert quiet in needs and draft not in needs
    html = response.content.decode()
    assert reverse("matching:need-matches", args=[world.need.pk]) in html

    def listed(**params):
        return list(client.get(reverse("matching:queue"), params).context["needs"])

    assert listed(department="dept-y") == [quiet]
    assert listed(undecided="yes") == [world.need]
    assert listed(undecided="no") == [quiet]
    assert listed(field="welfare") == []
    assert world.need in listed(field="counter")
    # An unknown value drops only its own filter.
    assert len(listed(department="nowhere")) == 2


def test_the_curation_page_shows_types_explanations_forms_and_the_log(
    client, world, coordinator
):
    curation.set_match_note(match=world.match, by=coordinator, note="来週電話する")
    client.force_login(coordinator)
    response = client.get(reverse("matching:need-matches", args=[world.need.pk]))
    html = response.content.decode()
    groups = response.context["groups"]
    assert [g.match_type for g in groups] == [1, 2, 3]
    assert [m.pk for m in groups[1].matches] == [world.match.pk]
    assert [m.pk for m in groups[2].matches] == [world.other.pk]
    assert world.seed.title in html
    assert reason_in_japanese(world.match) in html
    assert "待ち時間の見通しが伝わらず、苦情が増えています。" in html
    assert "混雑の見通しを来庁前に知らせます。" in html
    assert "待ち時間" in html
    assert "1.23" in html  # the score
    assert "来週電話する" in html
    for name in ("match-accept", "match-reject", "match-pin", "match-note"):
        assert reverse(f"matching:{name}", args=[world.match.pk]) in html
    assert f'id="id_reject-{world.match.pk}-reason"' in html
    assert f'<label for="id_reject-{world.match.pk}-reason"' in html
    assert html.count('name="csrfmiddlewaretoken"') >= 4
    assert str(CurationAction.NOTED.label) in html


def test_pinned_matches_come_first(client, world, coordinator):
    same_type = make_match(
        world.need,
        factories.make_seed(
            world.seed.organization,
            world.seed.organization.memberships.first().user,
            publish_by=coordinator,
        ),
        match_type=2,
        rank=world.match.rank + 5,
    )
    curation.pin_match(match=same_type, by=coordinator)
    client.force_login(coordinator)
    response = client.get(reverse("matching:need-matches", args=[world.need.pk]))
    assert [m.pk for m in response.context["groups"][1].matches] == [
        same_type.pk,
        world.match.pk,
    ]


def test_accepted_matches_offer_the_invitations(client, world, coordinator):
    curation.accept_match(match=world.match, by=coordinator)
    client.force_login(coordinator)
    url = reverse("matching:need-matches", args=[world.need.pk])
    html = client.get(url).content.decode()
    call = reverse("matching:match-invite-call", args=[world.match.pk])
    group = reverse("matching:match-invite-group", args=[world.match.pk])
    assert call not in html  # the need has no open idea call
    assert group in html
    make_call(world.need, coordinator)
    html = client.get(url).content.decode()
    assert call in html and group in html


def test_the_department_sees_only_accepted_matches(client, world, coordinator, staff_x):
    curation.accept_match(match=world.match, by=coordinator)
    curation.set_match_note(match=world.match, by=coordinator, note="内部メモ")
    curation.reject_match(match=world.other, by=coordinator, reason="内部の理由")
    client.force_login(staff_x)
    response = client.get(
        reverse("matching:department-need-matches", args=[world.need.pk])
    )
    html = response.content.decode()
    assert [m.pk for m in response.context["matches"]] == [world.match.pk]
    assert world.seed.title in html
    assert reason_in_japanese(world.match) in html
    assert "別のシーズ" not in html
    assert "内部メモ" not in html and "内部の理由" not in html
    listing = client.get(reverse("matching:department-need-list"))
    assert [(n.pk, n.accepted_count) for n in listing.context["needs"]] == [
        (world.need.pk, 1)
    ]


def test_a_member_sees_a_message_while_the_seed_is_analysed(client, world, member_a):
    client.force_login(member_a)
    response = client.get(reverse("matching:seed-needs", args=[world.seed.pk]))
    assert response.status_code == 200
    assert response.context["suggestions"] is None
    assert _(
        "Your seed is being analysed. Suggested needs appear here in a few minutes."
    ) in html_of(response)
    listing = client.get(reverse("matching:member-seed-list")).content.decode()
    assert reverse("matching:seed-needs", args=[world.seed.pk]) in listing


def test_role_links_on_the_dashboard_and_the_admin_menu(login, world):
    for role, link in (
        ("coordinator", reverse("matching:queue")),
        ("staff_x", reverse("matching:department-need-list")),
    ):
        client = login(role)
        assert link in client.get(reverse("accounts:dashboard")).content.decode()
        assert link in client.get("/admin/").content.decode()
        client.logout()
    client = login("member_a")
    assert (
        reverse("matching:member-seed-list")
        in client.get(reverse("seeds:seed-list-mine")).content.decode()
    )


def test_the_need_admin_page_links_to_its_curation_page(login, world):
    path = f"/admin/pages/{world.need.pk}/edit/"
    link = reverse("matching:need-matches", args=[world.need.pk])
    assert link in login("coordinator").get(path).content.decode()


def test_staff_do_not_get_the_coordinator_links(login, world):
    html = login("staff_x").get("/admin/").content.decode()
    assert reverse("matching:queue") not in html
    html = login("staff_x").get(f"/admin/pages/{world.need.pk}/edit/").content
    assert reverse("matching:need-matches", args=[world.need.pk]) not in html.decode()


# --- Members with real embeddings ------------------------------------------------


def test_a_member_sees_suggested_needs_open_calls_first_and_never_rejected_ones(
    sync, client, coordinator, dept_x, staff_x, dept_y, staff_y, org_a, member_a
):
    care = sync(
        factories.make_need, dept_x, staff_x, publish_by=coordinator, **CARE_NEED
    )
    tourism = sync(
        factories.make_need,
        dept_y,
        staff_y,
        publish_by=coordinator,
        title="観光地の混雑を分散させたい",
        summary="週末に観光客が集中し、渋滞の苦情が増えています。",
        specificity="high",
        field="tourism",
    )
    counter = sync(factories.make_need, dept_y, staff_y, publish_by=coordinator)
    draft = factories.make_need(dept_x, staff_x, **CARE_NEED)
    seed = sync(
        factories.make_seed, org_a, member_a, publish_by=coordinator, **CARE_SEED
    )
    change_need_stage(need=tourism, to="open_for_ideas", by=coordinator)
    curation.accept_match(match=Match.objects.get(need=care, seed=seed), by=coordinator)
    curation.reject_match(
        match=Match.objects.get(need=counter, seed=seed), by=coordinator, reason="違う"
    )
    client.force_login(member_a)
    response = client.get(reverse("matching:seed-needs", args=[seed.pk]))
    rows = response.context["suggestions"]
    needs = [row.need.pk for row in rows]
    assert needs[:2] == [tourism.pk, care.pk]  # open call first, then accepted
    assert counter.pk not in needs and draft.pk not in needs
    assert [row.accepted for row in rows[:2]] == [False, True]
    care_row = rows[1]
    assert care_row.match_type == 1
    assert care_row.similar_sentences
    html = response.content.decode()
    assert care.title in html and tourism.title in html
    badge = f'<li class="badge badge-success">{_("Selected by a coordinator")}</li>'
    assert html.count(badge) == 1
    assert care_row.similar_sentences[0]["seed"] in html
    # Department staff of the tourism need see nothing of this seed.
    client.force_login(staff_y)
    assert client.get(reverse("matching:seed-needs", args=[seed.pk])).status_code == 403
    response = client.get(
        reverse("matching:department-need-matches", args=[tourism.pk])
    )
    assert seed.title not in response.content.decode()


def test_the_curation_page_of_a_real_suggestion(
    sync, client, coordinator, dept_x, staff_x, org_a, member_a
):
    need = sync(
        factories.make_need, dept_x, staff_x, publish_by=coordinator, **CARE_NEED
    )
    sync(factories.make_seed, org_a, member_a, publish_by=coordinator, **CARE_SEED)
    sync(factories.make_seed, org_a, member_a, publish_by=coordinator, **TOURISM_SEED)
    client.force_login(coordinator)
    response = client.get(reverse("matching:need-matches", args=[need.pk]))
    groups = response.context["groups"]
    assert [len(g.matches) for g in groups] == [1, 0, 1]
    best = groups[0].matches[0]
    html = response.content.decode()
    assert reason_in_japanese(best) in html
    assert best.similar_sentences[0]["need"] in html
    assert best.similar_sentences[0]["seed"] in html


def test_a_suggestion_that_vanished_before_the_click_is_not_found(
    client, world, coordinator, monkeypatch
):
    # The matcher forgot the pair between the page load and the click.
    stale = Match.objects.get(pk=world.match.pk)
    Match.objects.filter(pk=stale.pk).delete()
    monkeypatch.setattr(
        "hack.matching.selectors.get_match_for_curation", lambda pk: stale
    )
    client.force_login(coordinator)
    for name in ("matching:match-accept", "matching:match-reject"):
        data = posted(stale, "reject", {"reason": "合わない"})
        assert client.post(reverse(name, args=[stale.pk]), data).status_code == 404
