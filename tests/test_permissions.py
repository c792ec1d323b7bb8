"""The permission matrix: who may see and do what, one table per view.

Every table lists the six roles of the platform: anonymous, a member of
organisation A (which owns the seeds under test), a member of organisation B,
staff of department X (which owns the needs under test), staff of department Y,
and a coordinator.

Outcomes other than a plain status code:

* ``LOGIN``: 302 to allauth's login page with ``?next=`` (the public site).
* ``ADMIN_LOGIN``: 302 to Wagtail's login page; the user has no admin access at all.
* ``ADMIN_DENIED``: 302 to the admin home with Wagtail's "no permission" message.
  Wagtail turns every ``PermissionDenied`` raised inside an admin view into this
  redirect (``wagtail.admin.auth.require_admin_access``), so admin views never
  answer 403, including our own ``/admin/needs/<pk>/stage/``.
"""

from types import SimpleNamespace

import pytest
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from wagtail.models import Revision
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from hack.needs.services import NEED_FIELDS, submit_need_for_review
from hack.seeds.services import submit_seed_for_review
from tests import factories

ROLES = ("anonymous", "member_a", "member_b", "staff_x", "staff_y", "coordinator")

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
ADMIN_DENIED = "admin-denied"


def public_path(page) -> str:
    """The public URL of a page, also for drafts (whose ``page.url`` may be None)."""
    return "/" + "/".join(page.url_path.strip("/").split("/")[1:]) + "/"


def need_form(need, **changes) -> dict:
    """The Wagtail edit form of a need as a browser posts it, from its last revision."""
    draft = need.get_latest_revision_as_object()
    data = {name: getattr(draft, name) for name in NEED_FIELDS}
    data["slug"] = draft.slug
    data.update(changes)
    return nested_form_data(
        {**data, "body": streamfield([]), "comments": inline_formset([])}
    )


def approve_url(page) -> str:
    task_state = page.current_workflow_state.current_task_state
    return reverse(
        "wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk]
    )


def assert_outcome(response, expected, path: str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == redirect_to_login(path, "/accounts/login/").url
    elif expected == ADMIN_LOGIN:
        assert response.status_code == 302
        assert response["Location"] == redirect_to_login(path, "/admin/login/").url
    elif expected == ADMIN_DENIED:
        assert response.status_code == 302
        assert response["Location"] == "/admin/"
        with translation.override("ja"):
            text = translation.gettext(
                "Sorry, you do not have permission to access this area."
            )
        errors = [
            str(m).strip()
            for m in get_messages(response.wsgi_request)
            if m.level == messages.ERROR
        ]
        assert text in errors
    elif isinstance(expected, tuple):  # ("redirect", url)
        assert response.status_code == 302
        assert response["Location"] == expected[1]
    else:
        assert response.status_code == expected, (path, response.status_code)


@pytest.fixture
def login(client, request):
    """Log the test client in as one of ROLES (or as any other user fixture)."""

    def _login(role: str):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return _login


@pytest.fixture
def world(site, coordinator, dept_x, dept_y, staff_x, staff_y, org_a, member_a, org_b):
    """Needs of department X and seeds of organisation A, live and draft."""
    return SimpleNamespace(
        need=factories.make_need(dept_x, staff_x, publish_by=coordinator),
        draft_need=factories.make_need(dept_x, staff_x),
        seed=factories.make_seed(org_a, member_a, publish_by=coordinator),
        draft_seed=factories.make_seed(org_a, member_a),
        folder_x=dept_x.needs_folder,
        org_a=org_a,
    )


# --- The public site -----------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_public_pages_are_open_to_everyone(login, world, role):
    client = login(role)
    paths = [
        "/",
        "/needs/",
        "/seeds/",
        world.need.url,
        world.seed.url,
        f"/organizations/{world.org_a.pk}/",
        "/en/needs/",
        "/en/seeds/",
        "/needs/dept-x/",
    ]
    for path in paths:
        assert_outcome(client.get(path), 200, path)


@pytest.mark.parametrize("role", ROLES)
def test_the_public_url_of_a_draft_is_not_found_for_everyone(login, world, role):
    # Even for the owners: the public URL serves live content only.
    client = login(role)
    for page in (world.draft_need, world.draft_seed):
        path = public_path(page)
        assert_outcome(client.get(path), 404, path)


# --- A member's own seeds ------------------------------------------------------

OWN_SEED_PAGES = [
    ("anonymous", LOGIN),
    ("member_a", 200),
    ("member_b", 404),  # not 403: whether a draft exists is nobody else's business
    ("staff_x", 404),
    ("staff_y", 404),
    ("coordinator", 404),  # coordinators review seeds in the Wagtail admin
]


@pytest.mark.parametrize(("role", "expected"), OWN_SEED_PAGES)
@pytest.mark.parametrize("view", ["seeds:seed-preview", "seeds:seed-edit"])
def test_own_seed_pages(login, world, role, expected, view):
    client = login(role)
    for seed in (world.draft_seed, world.seed):
        path = reverse(view, args=[seed.pk])
        assert_outcome(client.get(path), expected, path)


@pytest.mark.parametrize(("role", "expected"), OWN_SEED_PAGES)
def test_only_members_of_the_organisation_submit_its_seed(login, world, role, expected):
    client = login(role)
    path = reverse("seeds:seed-submit", args=[world.draft_seed.pk])
    response = client.post(path)
    if expected == 200:
        assert response["Location"] == reverse(
            "seeds:seed-preview", args=[world.draft_seed.pk]
        )
        assert world.draft_seed.workflow_in_progress
    else:
        assert_outcome(response, expected, path)
        assert not world.draft_seed.workflow_states.exists()


@pytest.mark.parametrize(("role", "expected"), OWN_SEED_PAGES)
def test_only_members_of_the_organisation_withdraw_its_seed(
    login, world, role, expected
):
    submit_seed_for_review(seed=world.draft_seed, by=world.draft_seed.owner)
    client = login(role)
    path = reverse("seeds:seed-withdraw", args=[world.draft_seed.pk])
    response = client.post(path)
    if expected == 200:
        assert response.status_code == 302
        assert not world.draft_seed.workflow_in_progress
    else:
        assert_outcome(response, expected, path)
        assert world.draft_seed.workflow_in_progress


@pytest.mark.parametrize(("role", "expected"), OWN_SEED_PAGES)
def test_only_members_of_the_organisation_save_changes_to_its_seed(
    login, world, role, expected
):
    seed = world.draft_seed
    revisions = Revision.objects.for_instance(seed).count()
    data = {**factories.seed_data(title="書き換え"), "tags": "IoT", "save": "1"}
    client = login(role)
    path = reverse("seeds:seed-edit", args=[seed.pk])
    response = client.post(path, data)
    if expected == 200:
        assert response.status_code == 302
        assert Revision.objects.for_instance(seed).count() == revisions + 1
    else:
        assert_outcome(response, expected, path)
        assert Revision.objects.for_instance(seed).count() == revisions
        seed.refresh_from_db()
        assert seed.draft_title != "書き換え"


MEMBER_ONLY_PAGES = [
    # (role, /my/, /my/seeds/, /my/seeds/new/)
    ("anonymous", LOGIN, LOGIN, LOGIN),
    ("member_a", 200, 200, 200),
    ("member_b", 200, 200, 200),
    # City staff write no seeds and register no organisation: refused outright.
    ("staff_x", 200, 403, 403),
    ("staff_y", 200, 403, 403),
    ("coordinator", 200, 403, 403),
]


@pytest.mark.parametrize(
    ("role", "dashboard", "my_seeds", "new_seed"), MEMBER_ONLY_PAGES
)
def test_member_pages(login, world, role, dashboard, my_seeds, new_seed):
    client = login(role)
    for path, expected in (
        ("/my/", dashboard),
        ("/my/seeds/", my_seeds),
        ("/my/seeds/new/", new_seed),
    ):
        assert_outcome(client.get(path), expected, path)


@pytest.mark.parametrize("role", ["staff_x", "coordinator"])
def test_city_staff_cannot_register_an_organisation(login, world, role):
    data = {"name": "横浜市役所の会社", "org_type": "company"}
    response = login(role).post("/my/organization/new/", data)
    assert response.status_code == 403


ORGANIZATION_EDIT = [
    ("anonymous", LOGIN),
    ("member_a", 200),  # the owner of A
    ("plain_member_a", 403),  # a member of A without the owner role
    ("member_b", 200),  # edits B, their own organisation
    ("staff_x", ("redirect", "/my/organization/new/")),
    ("staff_y", ("redirect", "/my/organization/new/")),
    ("coordinator", ("redirect", "/my/organization/new/")),
]


@pytest.fixture
def plain_member_a(org_a):
    return factories.make_member(org_a, "plain-member-a@example.jp")


@pytest.mark.parametrize(("role", "expected"), ORGANIZATION_EDIT)
def test_organization_edit(login, world, role, expected):
    response = login(role).get("/my/organization/edit/")
    assert_outcome(response, expected, "/my/organization/edit/")
    if expected == 200:
        # Each owner edits their own organisation, never someone else's.
        user = response.wsgi_request.user
        assert response.context["form"].instance == user.memberships.get().organization


def test_a_plain_member_cannot_change_the_organisation_by_post(
    client, world, plain_member_a
):
    client.force_login(plain_member_a)
    response = client.post(
        "/my/organization/edit/", {"name": "乗っ取り", "org_type": "company"}
    )
    assert response.status_code == 403
    world.org_a.refresh_from_db()
    assert world.org_a.name == "株式会社エー"


# --- The Wagtail admin ---------------------------------------------------------

ADMIN_HOME = [
    ("anonymous", ADMIN_LOGIN),
    ("member_a", ADMIN_LOGIN),
    ("member_b", ADMIN_LOGIN),
    ("staff_x", 200),
    ("staff_y", 200),
    ("coordinator", 200),
]


@pytest.mark.parametrize(("role", "expected"), ADMIN_HOME)
def test_admin_home(login, world, role, expected):
    client = login(role)
    assert_outcome(client.get("/admin/"), expected, "/admin/")
    if expected == ADMIN_LOGIN:
        # Following the redirect lands on the login form, not on admin content.
        response = client.get("/admin/", follow=True)
        assert response.resolver_match.url_name == "wagtailadmin_login"


NEED_IN_ADMIN = [
    ("anonymous", ADMIN_LOGIN),
    ("member_a", ADMIN_LOGIN),
    ("member_b", ADMIN_LOGIN),
    ("staff_x", 200),
    ("staff_y", ADMIN_DENIED),
    ("coordinator", 200),
]


@pytest.mark.parametrize(("role", "expected"), NEED_IN_ADMIN)
def test_editing_a_need_in_the_admin(login, world, role, expected):
    client = login(role)
    for need in (world.need, world.draft_need):
        path = f"/admin/pages/{need.pk}/edit/"
        assert_outcome(client.get(path), expected, path)


@pytest.mark.parametrize(("role", "expected"), NEED_IN_ADMIN)
def test_saving_a_need_in_the_admin(login, world, role, expected):
    need = world.draft_need
    revisions = Revision.objects.for_instance(need).count()
    path = f"/admin/pages/{need.pk}/edit/"
    response = login(role).post(path, need_form(need, title="書き換えたニーズ"))
    need.refresh_from_db()
    if expected == 200:
        assert response.status_code == 302
        assert response["Location"] == path
        assert need.draft_title == "書き換えたニーズ"
    else:
        assert_outcome(response, expected, path)
        assert Revision.objects.for_instance(need).count() == revisions
        assert need.draft_title != "書き換えたニーズ"


@pytest.mark.parametrize(("role", "expected"), NEED_IN_ADMIN)
def test_adding_a_need_to_department_x(login, world, role, expected):
    path = f"/admin/pages/add/needs/needpage/{world.folder_x.pk}/"
    assert_outcome(login(role).get(path), expected, path)


EXPLORER = [
    ("anonymous", ADMIN_LOGIN),
    ("member_a", ADMIN_LOGIN),
    ("member_b", ADMIN_LOGIN),
    ("staff_x", 200),
    # Wagtail sends staff to the part of the tree they may explore: their own folder.
    ("staff_y", "own folder"),
    ("coordinator", 200),
]


@pytest.mark.parametrize(("role", "expected"), EXPLORER)
def test_exploring_department_x_folder(login, world, dept_y, role, expected):
    path = f"/admin/pages/{world.folder_x.pk}/"
    response = login(role).get(path)
    if expected == "own folder":
        expected = ("redirect", f"/admin/pages/{dept_y.needs_folder.pk}/")
    assert_outcome(response, expected, path)
    if response.status_code == 200:
        assert world.draft_need.title in response.content.decode()


@pytest.mark.parametrize(("role", "expected"), NEED_IN_ADMIN)
def test_changing_the_stage_of_a_need(login, world, role, expected):
    path = f"/admin/needs/{world.need.pk}/stage/"
    assert_outcome(login(role).get(path), expected, path)


@pytest.mark.parametrize(("role", "expected"), NEED_IN_ADMIN)
def test_posting_a_stage_change(login, world, role, expected):
    path = f"/admin/needs/{world.need.pk}/stage/"
    response = login(role).post(path, {"stage": "open_for_ideas"})
    world.need.refresh_from_db()
    if expected == 200:
        assert response.status_code == 302
        assert world.need.stage == "open_for_ideas"
    else:
        assert_outcome(response, expected, path)
        assert world.need.stage == "published"


SEED_IN_ADMIN = [
    ("anonymous", ADMIN_LOGIN),
    ("member_a", ADMIN_LOGIN),  # members write seeds on the front end only
    ("member_b", ADMIN_LOGIN),
    ("staff_x", ADMIN_DENIED),
    ("staff_y", ADMIN_DENIED),
    ("coordinator", 200),
]


@pytest.mark.parametrize(("role", "expected"), SEED_IN_ADMIN)
def test_editing_a_seed_in_the_admin(login, world, role, expected):
    client = login(role)
    for seed in (world.seed, world.draft_seed):
        path = f"/admin/pages/{seed.pk}/edit/"
        assert_outcome(client.get(path), expected, path)


SNIPPET_VIEWS = [
    ("wagtailsnippets_accounts_department:list", []),
    ("wagtailsnippets_accounts_department:add", []),
    ("wagtailsnippets_accounts_organization:list", []),
    ("wagtailsnippets_accounts_organization:edit", ["org_a"]),
]


@pytest.mark.parametrize(("role", "expected"), SEED_IN_ADMIN)
def test_departments_and_organisations_are_managed_by_coordinators(
    login, world, role, expected
):
    client = login(role)
    for name, args in SNIPPET_VIEWS:
        path = reverse(name, args=[getattr(world, arg).pk for arg in args])
        assert_outcome(client.get(path), expected, path)


# --- Publishing and moderation -------------------------------------------------


def test_staff_cannot_publish_from_the_editor(client, world, staff_x):
    # Wagtail ignores "action-publish" without the publish permission: a draft is saved.
    client.force_login(staff_x)
    need = world.draft_need
    path = f"/admin/pages/{need.pk}/edit/"
    response = client.post(
        path, {**need_form(need, title="勝手に公開"), "action-publish": "1"}
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert not need.live
    assert need.draft_title == "勝手に公開"
    assert not need.workflow_in_progress
    assert client.get(public_path(need)).status_code == 404


def test_coordinators_publish_from_the_editor(client, world, coordinator):
    client.force_login(coordinator)
    need = world.draft_need
    client.post(
        f"/admin/pages/{need.pk}/edit/", {**need_form(need), "action-publish": "1"}
    )
    need.refresh_from_db()
    assert need.live


def test_staff_submit_to_the_coordinator_workflow_from_the_editor(
    client, world, staff_x
):
    client.force_login(staff_x)
    need = world.draft_need
    response = client.post(
        f"/admin/pages/{need.pk}/edit/", {**need_form(need), "action-submit": "1"}
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.workflow_in_progress
    assert need.current_workflow_state.requested_by == staff_x
    assert not need.live


MODERATION = [
    # (role, approve outcome, sees the need in /admin/, in the workflow report)
    ("anonymous", ADMIN_LOGIN, None, None),
    ("member_a", ADMIN_LOGIN, None, None),
    ("member_b", ADMIN_LOGIN, None, None),
    # Staff see their own submission on the dashboard, but no approval; Wagtail's
    # reports list the whole tree, so they are for coordinators only.
    ("staff_x", ADMIN_DENIED, True, "denied"),
    ("staff_y", ADMIN_DENIED, False, "denied"),
    ("coordinator", 302, True, True),
]


@pytest.fixture
def need_in_review(world, staff_x):
    submit_need_for_review(need=world.draft_need, by=staff_x)
    return world.draft_need


@pytest.mark.parametrize(("role", "approve", "on_dashboard", "in_report"), MODERATION)
def test_the_need_in_review_is_listed_for_its_moderators(
    login, need_in_review, role, approve, on_dashboard, in_report
):
    client = login(role)
    for path, listed in (
        ("/admin/", on_dashboard),
        ("/admin/reports/workflow/", in_report),
    ):
        response = client.get(path)
        if listed is None:
            assert_outcome(response, ADMIN_LOGIN, path)
        elif listed == "denied":
            assert_outcome(response, ADMIN_DENIED, path)
        else:
            assert response.status_code == 200
            assert (need_in_review.title in response.content.decode()) is listed


@pytest.mark.parametrize(("role", "approve", "on_dashboard", "in_report"), MODERATION)
def test_only_coordinators_approve(
    login, need_in_review, role, approve, on_dashboard, in_report
):
    path = approve_url(need_in_review)
    response = login(role).post(path, {"comment": ""})
    need_in_review.refresh_from_db()
    if approve == 302:
        assert response.status_code == 302
        assert need_in_review.live
        assert not need_in_review.workflow_in_progress
    else:
        assert_outcome(response, approve, path)
        assert not need_in_review.live
        assert need_in_review.workflow_in_progress


@pytest.fixture
def seed_in_review(world, member_a):
    submit_seed_for_review(seed=world.draft_seed, by=member_a)
    return world.draft_seed


@pytest.mark.parametrize(("role", "approve", "on_dashboard", "in_report"), MODERATION)
def test_only_coordinators_approve_seeds(
    login, seed_in_review, role, approve, on_dashboard, in_report
):
    path = approve_url(seed_in_review)
    response = login(role).post(path, {"comment": ""})
    seed_in_review.refresh_from_db()
    assert seed_in_review.live is (approve == 302)
    if approve != 302:
        assert_outcome(response, approve, path)


def test_a_need_moved_to_another_department_belongs_to_that_department(
    client, world, coordinator, dept_y, staff_x, staff_y
):
    client.force_login(coordinator)
    need = world.need
    folder_y = dept_y.needs_folder
    response = client.post(f"/admin/pages/{need.pk}/move/{folder_y.pk}/confirm/")
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.get_parent().pk == folder_y.pk

    # Wagtail's page permissions now follow folder Y ...
    client.force_login(staff_y)
    assert client.get(f"/admin/pages/{need.pk}/edit/").status_code == 200
    # ... and so must the need's own department and the stage view.
    assert need.department == dept_y
    assert client.get(f"/admin/needs/{need.pk}/stage/").status_code == 200
    client.force_login(staff_x)
    stage = f"/admin/needs/{need.pk}/stage/"
    assert_outcome(client.get(stage), ADMIN_DENIED, stage)


# --- Idea calls, proposals, reviews, Q&A and notifications (issue 4) ---------------
# A proposal of organisation A to a call on department X's need. Another
# organisation and another department get 404 (whether A proposed is itself
# confidential); someone who is not city staff gets 403 on the staff pages.


@pytest.fixture
def proposal_world(world, member_a, staff_x):
    from hack.calls import services as call_services
    from hack.notifications.services import notify
    from tests.calls.factories import make_call, make_proposal, pdf_upload

    call = make_call(world.need, staff_x)
    proposal = make_proposal(call, member_a)
    attachment = call_services.add_attachment(
        proposal=proposal, by=member_a, upload=pdf_upload()
    )
    question = call_services.ask_question(call=call, by=member_a, question="質問")
    (notification,) = notify(
        recipients=[member_a],
        kind="proposal.status_changed",
        params={"proposal": proposal.title, "need": world.need.title},
        url=reverse("calls:proposal-detail", args=[proposal.pk]),
        email=False,
    )
    return SimpleNamespace(
        call=call,
        proposal=proposal,
        attachment=attachment,
        question=question,
        notification=notification,
    )


PROPOSAL_READ = {
    "anonymous": LOGIN,
    "member_a": 200,
    "member_b": 404,
    "staff_x": 200,
    "staff_y": 404,
    "coordinator": 200,
}
PROPOSAL_WRITE = {**PROPOSAL_READ, "staff_x": 404, "coordinator": 404}
STAFF_ONLY = {
    "anonymous": LOGIN,
    "member_a": 403,
    "member_b": 403,
    "staff_x": 200,
    "staff_y": 404,
    "coordinator": 200,
}
COORDINATOR_ONLY = {**STAFF_ONLY, "staff_x": 403, "staff_y": 403}


def _proposal_urls(w):
    p, a = w.proposal, w.attachment
    return {
        "proposal": (reverse("calls:proposal-detail", args=[p.pk]), PROPOSAL_READ),
        "attachment": (
            reverse("calls:attachment-download", args=[p.pk, a.pk]),
            PROPOSAL_READ,
        ),
        "edit": (reverse("calls:proposal-edit", args=[p.pk]), PROPOSAL_WRITE),
        "call-manage": (reverse("calls:call-manage", args=[w.call.pk]), STAFF_ONLY),
        "review": (reverse("calls:proposal-review", args=[p.pk]), STAFF_ONLY),
        "decide": (reverse("calls:proposal-decide", args=[p.pk]), STAFF_ONLY),
        "access-log": (
            reverse("calls:proposal-access-log", args=[p.pk]),
            COORDINATOR_ONLY,
        ),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "view",
    ["proposal", "attachment", "edit", "call-manage", "review", "decide", "access-log"],
)
def test_proposal_pages(login, proposal_world, role, view):
    path, table = _proposal_urls(proposal_world)[view]
    response = login(role).get(path)
    expected = table[role]
    if expected == LOGIN:
        assert_outcome(response, LOGIN, path)
    else:
        assert response.status_code == expected, (role, view)
    body = response.content if hasattr(response, "content") else b""
    if expected != 200:
        assert proposal_world.proposal.body.encode() not in body


@pytest.mark.parametrize("role", ROLES)
def test_only_the_organisation_changes_its_proposal(login, proposal_world, role):
    proposal = proposal_world.proposal
    client = login(role)
    for name, data in (
        # Autosave posts the whole form: a submitted proposal keeps its body.
        ("calls:proposal-autosave", {"title": "書き換え", "body": "本文"}),
        ("calls:proposal-withdraw", {}),
    ):
        client.post(reverse(name, args=[proposal.pk]), data)
    proposal.refresh_from_db()
    if role == "member_a":
        assert proposal.status == "withdrawn" and proposal.title == "書き換え"
    else:
        assert proposal.status == "submitted" and proposal.title != "書き換え"


@pytest.mark.parametrize("role", ROLES)
def test_only_the_department_answers_questions(login, proposal_world, role):
    question = proposal_world.question
    login(role).post(
        reverse("calls:question-answer", args=[question.pk]),
        {f"q{question.pk}-answer": "回答"},
    )
    question.refresh_from_db()
    assert question.is_answered == (role in ("staff_x", "coordinator"))


@pytest.mark.parametrize("role", ROLES)
def test_a_notification_opens_only_for_its_recipient(login, proposal_world, role):
    notification = proposal_world.notification
    path = reverse("notifications:notification-open", args=[notification.pk])
    response = login(role).post(path)
    notification.refresh_from_db()
    if role == "member_a":
        assert response.status_code == 302 and notification.read_at is not None
    else:
        assert response.status_code in (302, 404)
        assert notification.read_at is None
        if role != "anonymous":
            assert response.status_code == 404
