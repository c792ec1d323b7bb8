"""Demo pilot projects, made through the pilots services.

- A running pilot started from the first active working group in the "test"
  stage (in the demo: 非常時の情報を誰にでも届ける WG on N005), with three goals
  and three milestones at different progress.
- A finished pilot on the Rapport field trial need (N049), from a working group
  formed for it, with results against every target: a coordinator can draft its
  case study in one step.
Every figure is illustrative, and each pilot's summary says so. Idempotent: each
pilot is found again by a phrase of its summary, and nothing is made twice.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from hack.accounts.models import Organization, User
from hack.needs.choices import Stage
from hack.needs.models import NeedPage, NeedStageChange
from hack.pilots import services
from hack.pilots.models import GoalKind, Pilot
from hack.workspaces import services as group_services
from hack.workspaces.models import GroupStage, GroupStatus, WorkingGroup

ILLUSTRATIVE = "※ デモ用の実証です。目標と結果の数値は説明のための例示です。"
RUNNING_MARK = "光と振動の通知端末を館内で試します。"
FINISHED_MARK = "遠隔で参加できるスポーツ体験を試しました。"
FINISHED_NEED_SLUG = "n049"
FINISHED_GROUP = "ラポール フィールドトライアル WG"
FINISHED_TITLE = "横浜ラポール 遠隔スポーツ体験の実証"
FINISHED_ORGANIZATION = "株式会社ヒビキサイン"

RUNNING_GOALS = [
    {
        "label": "職員が館内の案内に使う時間",
        "kind": GoalKind.TIME_SAVED,
        "unit": "時間/月",
        "baseline": Decimal(120),
        "target": Decimal(90),
        "higher_is_better": False,
        "note": "25%以上の削減を目指す（市の期待値）。",
    },
    {
        "label": "利用者の満足度",
        "kind": GoalKind.SATISFACTION,
        "unit": "%",
        "baseline": Decimal(62),
        "target": Decimal(80),
        "higher_is_better": True,
    },
    {
        "label": "非常時の通知が届いた割合",
        "kind": GoalKind.ACCURACY,
        "unit": "%",
        "baseline": Decimal(70),
        "target": Decimal(95),
        "higher_is_better": True,
    },
]
RUNNING_MILESTONES = [
    ("通知端末10台の設置", -20, 100),
    ("館内での通知テスト", 10, 60),
    ("利用者アンケートと効果測定", 55, 0),
]
FINISHED_GOALS = [
    {
        "label": "遠隔で参加した人数",
        "kind": GoalKind.OTHER,
        "unit": "人",
        "baseline": None,
        "target": Decimal(100),
        "result": Decimal(136),
        "higher_is_better": True,
    },
    {
        "label": "参加者の満足度",
        "kind": GoalKind.SATISFACTION,
        "unit": "%",
        "baseline": Decimal(70),
        "target": Decimal(85),
        "result": Decimal("91.5"),
        "higher_is_better": True,
    },
    {
        "label": "1回の準備にかかる職員の時間",
        "kind": GoalKind.TIME_SAVED,
        "unit": "時間",
        "baseline": Decimal(6),
        "target": Decimal("4.5"),
        "result": Decimal(5),
        "higher_is_better": False,
    },
]
FINISHED_MILESTONES = [
    ("機材の準備と接続テスト", -180, 100),
    ("体験会（全6回）", -60, 100),
    ("効果測定と振り返り", -25, 100),
]
FINISHED_RESULTS = (
    "遠隔参加の人数と満足度は目標を上回りました。準備時間は短くなったものの、"
    "目標には届かず、機材の常設を次の課題としました。" + ILLUSTRATIVE
)


def _add_goals_and_milestones(pilot: Pilot, by: User, goals, milestones) -> None:
    today = timezone.localdate()
    for goal in goals:
        services.add_goal(pilot=pilot, by=by, **goal)
    for title, days, progress in milestones:
        services.add_milestone(
            pilot=pilot,
            by=by,
            title=title,
            due_on=today + timedelta(days=days),
            progress=progress,
        )


def _start_running_pilot(coordinator: User) -> Pilot | None:
    if Pilot.objects.filter(summary__contains=RUNNING_MARK).exists():
        return None
    group = (
        WorkingGroup.objects.filter(stage=GroupStage.TEST, status=GroupStatus.ACTIVE)
        .order_by("created_at", "pk")
        .first()
    )
    if group is None:
        return None
    today = timezone.localdate()
    pilot = services.start_pilot_from_group(
        group=group,
        by=coordinator,
        title=f"{group.title.removesuffix(' WG')} 実証",
        summary=f"{RUNNING_MARK}\n{ILLUSTRATIVE}",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=60),
    )
    _add_goals_and_milestones(pilot, coordinator, RUNNING_GOALS, RUNNING_MILESTONES)
    return pilot


def _finish_rapport_pilot(coordinator: User) -> Pilot | None:
    if Pilot.objects.filter(summary__contains=FINISHED_MARK).exists():
        return None
    need = NeedPage.objects.live().filter(slug=FINISHED_NEED_SLUG).first()
    if need is None or WorkingGroup.objects.filter(title=FINISHED_GROUP).exists():
        return None
    group = group_services.form_working_group(
        need=need,
        by=coordinator,
        title=FINISHED_GROUP,
        purpose="障害のある人もない人も、離れた場所から一緒にスポーツを楽しむ方法を試します。",
        accepts_requests=False,
    )
    staff = (
        User.objects.filter(department=need.department, is_active=True)
        .order_by("pk")
        .first()
    )
    if staff is not None:
        group_services.add_staff_member(group=group, user=staff, by=coordinator)
    organization = Organization.objects.filter(name=FINISHED_ORGANIZATION).first()
    if organization is not None:
        group_services.add_organization(
            group=group, organization=organization, by=coordinator
        )
    for stage in (
        GroupStage.DEFINE,
        GroupStage.IDEATE,
        GroupStage.PROTOTYPE,
        GroupStage.TEST,
    ):
        group_services.change_group_stage(group=group, to=stage, by=coordinator)
    today = timezone.localdate()
    pilot = services.start_pilot_from_group(
        group=group,
        by=coordinator,
        title=FINISHED_TITLE,
        summary=f"{FINISHED_MARK}\n{ILLUSTRATIVE}",
        starts_on=today - timedelta(days=200),
        ends_on=today - timedelta(days=20),
    )
    _add_goals_and_milestones(pilot, coordinator, FINISHED_GOALS, FINISHED_MILESTONES)
    services.record_results(
        pilot=pilot,
        by=coordinator,
        results={goal.pk: goal.result for goal in pilot.goals.all()},
        results_summary=FINISHED_RESULTS,
    )
    finished = services.finish_pilot(pilot=pilot, by=coordinator)
    _date_the_path_before_the_pilot(need, group)
    return finished


def _date_the_path_before_the_pilot(need: NeedPage, group) -> None:
    """The finished pilot ran 200 to 20 days ago, but the demo made its need and
    group just now: date them earlier, so the need's path reads in order
    (published, working group, pilot, implemented)."""
    now = timezone.now()
    NeedPage.objects.filter(pk=need.pk).update(
        first_published_at=now - timedelta(days=300)
    )
    WorkingGroup.objects.filter(pk=group.pk).update(
        created_at=now - timedelta(days=260)
    )
    moved_on = {
        Stage.WORKING_GROUP: now - timedelta(days=260),
        Stage.PILOT: now - timedelta(days=200),
        Stage.IMPLEMENTED: now - timedelta(days=20),
    }
    for to_stage, when in moved_on.items():
        NeedStageChange.objects.filter(need_id=need.pk, to_stage=to_stage).update(
            changed_at=when
        )


@transaction.atomic
def load_demo_pilots(*, coordinator: User) -> list[Pilot]:
    """Returns the pilots made by this run (none on a second run)."""
    made = [_start_running_pilot(coordinator), _finish_rapport_pilot(coordinator)]
    return [pilot for pilot in made if pilot is not None]
