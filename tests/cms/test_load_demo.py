"""`load_demo` builds the demo through the services, converges, keeps logins working.

Loading takes a while, so the module loads it once, inside a transaction that is
rolled back when the module is done; each test runs in a savepoint inside it.
"""

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from wagtail.models import Page, PageLogEntry, Revision, TaskState, WorkflowState

from cms import demo
from cms.demo_workspaces import COUNTER_GROUP
from cms.models import (
    CaseStudyPage,
    ColumnKind,
    ColumnPage,
    OutcomeMeasure,
    TimelineEntry,
    TimelineStage,
)
from cms.selectors import site_figures
from hack.accounts.models import Department, Membership, Organization, User
from hack.accounts.roles import (
    get_organization_of,
    is_coordinator,
    is_department_staff,
    is_owner_of,
)
from hack.calls.models import (
    CallQuestion,
    IdeaCall,
    Proposal,
    ProposalStatus,
    ProposalStatusChange,
)
from hack.needs.choices import Field, Specificity, Stage
from hack.needs.models import NeedPage, NeedStageChange
from hack.seeds.choices import Maturity
from hack.seeds.models import SeedPage
from hack.workspaces.models import (
    Activity,
    GroupMember,
    GroupStage,
    JoinRequest,
    Meeting,
    Message,
    NotesVersion,
    WorkingGroup,
)

FIRST_PASSWORD = "first-demo-password-42"
ROLE_EMAILS = [
    "coordinator@demo.example.jp",
    "staff@demo.example.jp",
    "staff2@demo.example.jp",
    "member@demo.example.jp",
    "member2@demo.example.jp",
]


def run_load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker, tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("var")
    with (
        django_db_blocker.unblock(),
        pytest.MonkeyPatch.context() as patch,
        override_settings(VAR_DIR=var_dir),
    ):
        patch.setenv("DEMO_PASSWORD", FIRST_PASSWORD)
        with transaction.atomic():
            yield run_load_demo()
            transaction.set_rollback(True)


@pytest.fixture
def loaded(demo_output, db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", FIRST_PASSWORD)
    return demo_output


def snapshot() -> dict:
    models = [
        User,
        EmailAddress,
        Group,
        Department,
        Organization,
        Membership,
        Page,
        Revision,
        WorkflowState,
        TaskState,
        PageLogEntry,
        NeedStageChange,
        TimelineEntry,
        OutcomeMeasure,
        IdeaCall,
        CallQuestion,
        Proposal,
        ProposalStatusChange,
        WorkingGroup,
        GroupMember,
        JoinRequest,
        Message,
        NotesVersion,
        Meeting,
        Activity,
    ]
    return {
        "counts": {model.__name__: model.objects.count() for model in models},
        "passwords": dict(User.objects.values_list("email", "password")),
        "latest revisions": dict(Page.objects.values_list("pk", "latest_revision_id")),
        "stages": dict(NeedPage.objects.values_list("pk", "stage")),
    }


# --- what the demo contains --------------------------------------------------------


def test_departments_and_needs(loaded):
    assert Department.objects.count() >= 8
    assert not Department.objects.filter(slug__regex=r"[^a-z0-9-]").exists()
    live = NeedPage.objects.live()
    assert live.count() >= 25
    assert set(live.values_list("field", flat=True)) == set(Field.values)
    assert set(live.values_list("specificity", flat=True)) == set(Specificity.values)
    assert live.filter(stage=Stage.OPEN_FOR_IDEAS).count() >= 3
    # N016 was moved there, and forming a demo group moved N025 too; N005's group
    # became a pilot (cms/demo_pilots.py), next to N049.
    assert live.filter(stage=Stage.WORKING_GROUP).count() == 2
    assert live.filter(stage=Stage.PILOT).count() == 2
    assert live.filter(stage=Stage.IMPLEMENTED).count() == 1


def test_needs_left_as_drafts_and_in_review_are_not_live(loaded):
    not_live = list(NeedPage.objects.not_live())
    in_review = [need for need in not_live if need.workflow_in_progress]
    drafts = [need for need in not_live if not need.workflow_in_progress]
    assert len(drafts) >= 3
    assert len(in_review) >= 2
    # Every need was written by a staff member of its own department.
    for need in NeedPage.objects.select_related("owner"):
        assert need.owner.department_id == need.department_id


def test_need_fields_come_from_the_dataset_text(loaded):
    need = NeedPage.objects.get(
        title="粗大ごみの手数料をオンラインで支払えるようにしたい"
    )
    assert need.live
    assert need.summary.startswith("粗大ごみの収集はインターネットでも申し込めます")
    assert "処理券の販売や精算の事務も負担" in need.pain_points
    assert need.desired_outcome.startswith("申込時にクレジットカードやスマホ決済")
    assert need.constraints.endswith("既存の受付システムと連携できることが条件です。")
    assert need.field == Field.ENVIRONMENT
    assert need.specificity == Specificity.HIGH


def test_organisations_and_seeds(loaded):
    assert Organization.objects.count() >= 15
    for organization in Organization.objects.all():
        assert organization.memberships.filter(role="owner").exists()
        assert organization.is_startup == (organization.org_type == "startup")
    live = SeedPage.objects.live()
    assert live.count() >= 80
    assert SeedPage.objects.not_live().count() >= 3
    for seed in live.filter(maturity=Maturity.DEPLOYED_ELSEWHERE):
        assert 1 <= len(seed.municipality_names) <= seed.deployments
    for seed in live.exclude(maturity=Maturity.DEPLOYED_ELSEWHERE):
        assert seed.deployments == 0
        assert seed.municipalities == ""
    assert live.filter(tagged_items__isnull=False).distinct().count() == live.count()


@pytest.mark.parametrize(
    "words",
    [
        "オンラインボッチャ",
        "ヘルスケアゲーム",
        "スマートフェンシング",
        "コミュニケーションロボット",
        "遠隔レッスン",
        "非常放送",
        "AIコンシェルジュ",
    ],
)
def test_the_rapport_pilots_and_the_ai_concierge_are_published(loaded, words):
    assert SeedPage.objects.live().filter(title__contains=words).exists()


def _case(slug: str) -> CaseStudyPage:
    return CaseStudyPage.objects.live().get(slug=slug)


def test_the_three_case_studies_are_published(loaded):
    assert CaseStudyPage.objects.count() == 3
    assert CaseStudyPage.objects.live().public().count() == 3
    for case in CaseStudyPage.objects.all():
        assert case.outcome_measures.exists()
        assert case.timeline_entries.filter(stage=TimelineStage.NEED).exists()
        assert "例示" in str(case.body), "the demo figures are said to be illustrative"
        assert case.get_latest_revision().user.email == "coordinator@demo.example.jp"
    assert "case studies" in loaded and "columns" in loaded


def test_the_rapport_case_shows_the_six_solutions_and_its_organisations(loaded):
    case = _case("yokohama-rapport")
    body = str(case.body)
    for words in (
        "オンラインボッチャ",
        "ヘルスケアゲーム",
        "スマートフェンシング",
        "コミュニケーションロボット",
        "スマートコーチ",
        "非常放送",
    ):
        assert words in body
    names = set(case.organizations.values_list("name", flat=True))
    assert {"株式会社アバタリンク", "株式会社ヒビキサイン"} <= names
    assert len(names) == 5
    assert case.public_need is not None and case.public_need.stage == Stage.PILOT


def test_the_ai_concierge_case_is_an_implemented_ready_to_deploy_service(loaded):
    case = _case("ai-concierge-vaccination")
    assert case.matching_type == 3
    assert case.public_need is not None
    assert case.public_need.stage == Stage.IMPLEMENTED
    assert list(case.organizations.values_list("name", flat=True)) == [
        "株式会社こたえるAI"
    ]
    time = case.outcome_measures.get(measures_time=True)
    assert time.meets_city_time_expectation


def test_the_traffic_survey_case_has_its_targets(loaded):
    case = _case("traffic-survey-lidar")
    assert "50〜60" in case.summary and "3〜7" in case.summary
    stages = list(
        case.timeline_entries.order_by("date").values_list("stage", flat=True)
    )
    assert stages == [
        TimelineStage.NEED,
        TimelineStage.IDEA_CALL,
        TimelineStage.WORKING_GROUP,
        TimelineStage.PILOT,
        TimelineStage.IMPLEMENTATION,
    ]
    lidar = case.outcome_measures.get(label__contains="LiDAR")
    camera = case.outcome_measures.get(label__contains="カメラ")
    assert lidar.target == 95 and lidar.achieved
    assert camera.target == 90 and camera.achieved
    time = case.outcome_measures.get(measures_time=True)
    assert time.time_saved_percent >= 25 and time.meets_city_time_expectation


def test_two_columns_an_interview_and_an_article(loaded):
    columns = ColumnPage.objects.live()
    assert sorted(columns.values_list("kind", flat=True)) == [
        ColumnKind.ARTICLE,
        ColumnKind.INTERVIEW,
    ]
    for column in columns:
        assert column.public_related_case is not None


def test_open_calls_with_proposals_in_every_state_a_role_needs(loaded):
    calls = IdeaCall.objects.all()
    # Every need still open for ideas has its call; forming a working group moved
    # two of them on to the working-group stage, calls still open.
    open_needs = NeedPage.objects.filter(stage=Stage.OPEN_FOR_IDEAS)
    assert set(calls.values_list("need", flat=True)) >= set(
        open_needs.values_list("pk", flat=True)
    )
    assert calls.count() >= 3
    assert all(call.is_open for call in calls)
    statuses = set(Proposal.objects.values_list("status", flat=True))
    assert statuses == {
        ProposalStatus.DRAFT,
        ProposalStatus.SUBMITTED,
        ProposalStatus.SHORTLISTED,
    }
    members = {
        p.organization.name for p in Proposal.objects.select_related("organization")
    }
    assert members == {"株式会社アバタリンク", "株式会社ヒビキサイン"}
    assert CallQuestion.objects.filter(answered_at__isnull=False).count() == 1
    shortlisted = Proposal.objects.get(status=ProposalStatus.SHORTLISTED)
    assert "一次選考" in shortlisted.decision_message


def test_the_report_counts_every_group_and_pilot_made(loaded):
    # Three groups from cms/demo_workspaces.py and the one behind the finished
    # pilot (cms/demo_pilots.py); the running and the finished pilot.
    assert "working groups 4" in loaded
    assert "pilots 2" in loaded


def test_working_groups_in_different_stages_with_history(loaded):
    groups = {group.title: group for group in WorkingGroup.objects.all()}
    # Three from cms/demo_workspaces.py, one more behind the finished demo pilot.
    assert len(groups) == 4
    assert {g.stage for g in groups.values()} >= {
        GroupStage.IDEATE,
        GroupStage.TEST,
        GroupStage.EMPATHISE,
    }
    assert {g.status for g in groups.values()} == {"active", "pilot"}
    counter = groups[COUNTER_GROUP]
    emails = set(
        GroupMember.objects.filter(group=counter, removed_at__isnull=True).values_list(
            "user__email", flat=True
        )
    )
    assert {"staff@demo.example.jp", "member@demo.example.jp"} <= emails
    assert "member2@demo.example.jp" not in emails
    assert counter.messages.count() == 5
    assert counter.last_message_seq == 5
    assert counter.notes.versions.count() == 2
    assert "アバターロボット" in counter.notes.body
    meetings = list(counter.meetings.order_by("starts_at"))
    assert len(meetings) == 2 and meetings[0].minutes and not meetings[1].minutes
    assert counter.activities.count() >= 10
    assert counter.need.stage == Stage.WORKING_GROUP
    assert JoinRequest.objects.filter(status="pending").count() == 1


def test_the_demo_home_page_shows_non_zero_figures(loaded, client):
    values = {figure.key: figure.value for figure in site_figures()}
    assert values["organisations"] == Organization.objects.count() >= 15
    assert values["needs"] == NeedPage.objects.live().count()
    assert values["pilots"] == 3 and values["implemented"] == 1
    assert values["open_calls"] >= 3 and values["proposals"] == 2
    html = client.get("/").content.decode()
    assert "横浜ラポール" in html


# --- who can log in ----------------------------------------------------------------


def test_one_verified_login_per_role(loaded):
    users = {email: User.objects.get(email=email) for email in ROLE_EMAILS}
    for user in users.values():
        assert user.check_password(FIRST_PASSWORD)
        assert EmailAddress.objects.filter(
            user=user, email=user.email, verified=True, primary=True
        ).exists()
    assert is_coordinator(users["coordinator@demo.example.jp"])

    staff, staff2 = users["staff@demo.example.jp"], users["staff2@demo.example.jp"]
    assert is_department_staff(staff) and is_department_staff(staff2)
    assert staff.department_id != staff2.department_id
    for user in (staff, staff2):
        assert not is_coordinator(user)
        assert NeedPage.objects.live().filter(department=user.department).exists()

    member, member2 = users["member@demo.example.jp"], users["member2@demo.example.jp"]
    organization, organization2 = (
        get_organization_of(member),
        get_organization_of(member2),
    )
    assert organization != organization2
    for user, org in ((member, organization), (member2, organization2)):
        assert is_owner_of(user, org)
        assert not is_department_staff(user) and not is_coordinator(user)
        assert SeedPage.objects.live().filter(organization=org).exists()


def test_every_demo_user_can_log_in_right_away(loaded):
    demo_users = User.objects.filter(email__endswith="@demo.example.jp")
    assert demo_users.count() >= 8 + 15 + 1
    unverified = demo_users.exclude(
        emailaddress__verified=True, emailaddress__primary=True
    )
    assert not unverified.exists()


def test_the_output_lists_the_logins_and_the_stages(loaded):
    assert "needs" in loaded and "seeds" in loaded
    for email in ROLE_EMAILS:
        assert email in loaded
    assert FIRST_PASSWORD in loaded


# --- running it again --------------------------------------------------------------


def test_a_second_run_changes_nothing(loaded):
    before = snapshot()
    output = run_load_demo()
    assert snapshot() == before
    assert (
        "created this run: users 0, departments 0, needs 0, organisations 0, seeds 0, "
        "case studies 0, columns 0" in output
    )


def test_a_second_run_completes_what_an_interrupted_one_left(loaded):
    # As if the first run had stopped after submitting this need for review.
    need = NeedPage.objects.get(
        title="粗大ごみの手数料をオンラインで支払えるようにしたい"
    )
    need.unpublish()
    need.refresh_from_db()
    assert not need.live
    from hack.needs.services import submit_need_for_review

    submit_need_for_review(need=need, by=need.owner)
    run_load_demo()
    need.refresh_from_db()
    assert need.live
    assert not need.workflow_in_progress


def test_demo_password_is_honoured_on_a_later_run(loaded, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "a-new-demo-password-7")
    output = run_load_demo()
    assert "a-new-demo-password-7" in output
    for email in ROLE_EMAILS:
        user = User.objects.get(email=email)
        assert user.check_password("a-new-demo-password-7")
        assert not user.check_password(FIRST_PASSWORD)


def test_without_demo_password_one_is_generated_once_and_kept(
    loaded, monkeypatch, settings, tmp_path
):
    monkeypatch.delenv("DEMO_PASSWORD")
    settings.VAR_DIR = tmp_path
    first = run_load_demo()
    stored = (tmp_path / "demo-password.txt").read_text().strip()
    assert len(stored) >= 12
    assert (tmp_path / "demo-password.txt").stat().st_mode & 0o777 == 0o600
    assert "generated and stored in" in first
    second = run_load_demo()
    assert (tmp_path / "demo-password.txt").read_text().strip() == stored
    assert "stored in" in second and "generated" not in second
    # Existing users keep the password they had: only DEMO_PASSWORD resets it.
    user = User.objects.get(email="staff@demo.example.jp")
    assert user.check_password(FIRST_PASSWORD)
    assert "(another password, kept)" in second


def test_a_demo_email_taken_by_someone_with_another_role_is_reported(loaded):
    from django.core.management.base import CommandError

    from hack.accounts.services import add_department_staff

    owner = User.objects.get(email="org01@demo.example.jp")
    Membership.objects.filter(user=owner).delete()
    add_department_staff(user=owner, department=Department.objects.first())
    with pytest.raises(CommandError, match="org01@demo.example.jp|City staff"):
        run_load_demo()


# --- the text split, without the database ------------------------------------------


@pytest.mark.parametrize(
    "row", demo.load_demo_data()["needs"], ids=lambda row: row["id"]
)
def test_split_need_text_keeps_every_sentence_in_order(row):
    fields = demo.split_need_text(row["text"])
    parts = [
        fields["current_situation"],
        fields["pain_points"],
        fields["desired_outcome"],
        fields["constraints"],
    ]
    assert all(parts[:3]), "situation, pain points and desired outcome are required"
    assert len(set(parts[:3])) == 3
    assert row["text"].startswith(fields["summary"])
    assert len(fields["summary"]) <= 400
    # Nothing lost, nothing repeated, nothing reordered: only a clause split
    # ("…が、…" → "…。…") changes the text, and it does so the same way in both.
    assert _normalise("".join(parts)) == _normalise(row["text"])


def _normalise(text: str) -> str:
    for mark, end in demo.CLAUSE_BREAKS:
        text = text.replace(mark, end)
    return text


def test_the_data_ships_with_the_code():
    assert demo.DATA_FILE.is_relative_to(demo.Path(demo.__file__).parent)
    data = demo.load_demo_data()
    assert {row["id"] for row in data["needs"]} == {f"N{n:03d}" for n in range(1, 51)}
