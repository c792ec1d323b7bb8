"""Demo working groups, made through the workspaces services.

Three groups in different design-thinking stages, so each login finds one:
- 区役所窓口 (N025): the coordinator facilitates, staff@ (港南区役所) and member@'s
  organisation work in it, ideating, with chat, notes in two versions, a past
  meeting with minutes and an upcoming one. member2@ is not in it.
- 非常時の情報 (N005): staff2@ (ラポール) and member2@'s organisation, testing:
  the pilot demo (cms/demo_pilots.py) starts a pilot from it.
- 団地の孤立 (N016): just formed, empathising, open to requests, with a pending
  request from member2@'s organisation.
Idempotent: a group whose name exists is left alone.
"""

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from hack.accounts.models import Membership, User
from hack.needs.models import NeedPage
from hack.workspaces import services
from hack.workspaces.models import GroupStage, WorkingGroup

COUNTER_GROUP = "来庁予約と混雑状況の公開 WG"
RAPPORT_GROUP = "非常時の情報を誰にでも届ける WG"
DANCHI_GROUP = "団地の孤立に向き合う WG"

COUNTER_CHAT = [
    (
        "staff",
        "区政推進課です。キックオフでお話しした来庁者アンケートの結果を共有します。",
    ),
    ("member", "ありがとうございます。混雑のピークは月曜の午前と月末ですね。"),
    ("coordinator", "次回までに、予約枠の案を2つ用意していただけますか。"),
    ("member", "承知しました。アバターロボットでの案内も案に入れます。"),
    ("staff", "窓口の職員にも意見を聞いておきます。"),
]
COUNTER_NOTES_V1 = (
    "# 来庁予約と混雑状況の公開\n\n"
    "## 分かったこと\n"
    "- 混雑のピークは月曜午前と月末\n"
    "- 予約の電話が窓口業務を圧迫している\n"
)
COUNTER_NOTES_V2 = COUNTER_NOTES_V1 + (
    "\n## アイデア\n"
    "- 混雑状況をウェブで公開する\n"
    "- 予約枠を1時間単位で設ける\n"
    "- 混雑時はアバターロボットで案内する\n"
)
PAST_MINUTES = (
    "参加: 区政推進課、株式会社アバタリンク、コーディネーター\n"
    "1. 来庁者アンケートの結果を確認した。\n"
    "2. 次回までに予約枠の案を2つ作る（アバタリンク）。"
)
RAPPORT_CHAT = [
    ("staff", "館内でのテストは来週火曜に実施します。"),
    ("member", "光と振動で知らせる端末を10台持ち込みます。"),
]
DANCHI_REQUEST = (
    "高齢者向けのサイネージを団地の集会所で試した経験があります。"
    "ぜひ参加させてください。"
)


def _organization_of(email: str):
    membership = (
        Membership.objects.select_related("organization")
        .filter(user__email__iexact=email)
        .first()
    )
    return membership.organization if membership else None


def _need(number: str) -> NeedPage | None:
    # Demo needs carry their matching-dev.json id as slug (see cms/demo.py).
    return NeedPage.objects.live().filter(slug=number.lower()).first()


def _form(
    *,
    title: str,
    need: NeedPage | None,
    coordinator: User,
    count: Callable[[str, bool], None],
    **fields,
) -> WorkingGroup | None:
    existing = WorkingGroup.objects.filter(title=title).first()
    count("working groups", existing is None and need is not None)
    if existing is not None or need is None:
        return None
    return services.form_working_group(need=need, by=coordinator, title=title, **fields)


@transaction.atomic
def load_working_groups(
    *,
    coordinator: User,
    staff_emails: list[str],
    member_emails: list[str],
    count: Callable[[str, bool], None],
) -> None:
    staff = [User.objects.filter(email__iexact=e).first() for e in staff_emails]
    organizations = [_organization_of(e) for e in member_emails]
    if None in staff or None in organizations:
        return
    people = {"coordinator": coordinator, "staff": staff[0]}
    now = timezone.now()

    group = _form(
        title=COUNTER_GROUP,
        need=_need("N025"),
        coordinator=coordinator,
        count=count,
        purpose="窓口の待ち時間を減らし、来庁の予定を立てやすくする方法を考えます。",
        accepts_requests=False,
    )
    if group is not None:
        services.add_staff_member(group=group, user=staff[0], by=coordinator)
        members = services.add_organization(
            group=group, organization=organizations[0], by=coordinator
        )
        people["member"] = members[0].user
        services.change_group_stage(group=group, to=GroupStage.DEFINE, by=coordinator)
        for who, body in COUNTER_CHAT:
            services.post_message(group=group, by=people[who], body=body)
        notes, _merged = services.save_notes(
            group=group,
            by=staff[0],
            body=COUNTER_NOTES_V1,
            base_version=0,
            format="markdown",
        )
        services.save_notes(
            group=group,
            by=people["member"],
            body=COUNTER_NOTES_V2,
            base_version=notes.version,
            format="markdown",
        )
        kickoff = now - timedelta(days=7)
        past = services.schedule_meeting(
            group=group,
            by=coordinator,
            title="キックオフ",
            starts_at=kickoff,
            ends_at=kickoff + timedelta(hours=1),
            place="港南区役所 3階 会議室",
            agenda="1. 自己紹介\n2. 来庁者アンケートの結果\n3. 今後の進め方",
            now=kickoff - timedelta(days=1),
        )
        services.record_minutes(meeting=past, by=staff[0], minutes=PAST_MINUTES)
        upcoming = (now + timedelta(days=7)).replace(
            hour=5, minute=0, second=0, microsecond=0
        )  # 14:00 in Tokyo
        services.schedule_meeting(
            group=group,
            by=coordinator,
            title="予約枠の案の検討",
            starts_at=upcoming,
            ends_at=upcoming + timedelta(hours=1),
            online_url="https://meet.example.jp/konan-wg",
            agenda="予約枠の案を2つ比べ、実証の範囲を決める。",
        )
        services.change_group_stage(group=group, to=GroupStage.IDEATE, by=coordinator)

    group = _form(
        title=RAPPORT_GROUP,
        need=_need("N005"),
        coordinator=coordinator,
        count=count,
        purpose="館内放送が届かない利用者にも、非常時の情報を確実に伝える方法を試します。",
        accepts_requests=False,
    )
    if group is not None:
        services.add_staff_member(group=group, user=staff[1], by=coordinator)
        members = services.add_organization(
            group=group, organization=organizations[1], by=coordinator
        )
        voices = {"staff": staff[1], "member": members[0].user}
        for stage in (GroupStage.DEFINE, GroupStage.IDEATE, GroupStage.PROTOTYPE):
            services.change_group_stage(group=group, to=stage, by=coordinator)
        for who, body in RAPPORT_CHAT:
            services.post_message(group=group, by=voices[who], body=body)
        services.change_group_stage(group=group, to=GroupStage.TEST, by=coordinator)

    group = _form(
        title=DANCHI_GROUP,
        need=_need("N016"),
        coordinator=coordinator,
        count=count,
        purpose="郊外の団地で暮らす高齢者の孤立を防ぐ、新しいつながり方を探します。",
        accepts_requests=True,
    )
    if group is not None:
        department_staff = (
            User.objects.filter(department=group.need.department, is_active=True)
            .order_by("pk")
            .first()
        )
        if department_staff is not None:
            services.add_staff_member(
                group=group, user=department_staff, by=coordinator
            )
        requester = Membership.objects.filter(organization=organizations[1]).first()
        services.request_to_join(group=group, by=requester.user, message=DANCHI_REQUEST)
