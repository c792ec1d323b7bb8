"""Demo idea calls and proposals, made through the calls services.

Every need the demo leaves “open for ideas” gets an open call (closing 30 days
after the first load). The two member logins propose: one proposal submitted
with a public summary, one left as a draft, one shortlisted with a message, so
each role finds something to do. Kept apart from `cms/demo.py`, which only calls
`load_idea_calls`. Idempotent: a need that has a call is left alone.
"""

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hack.accounts.models import Membership, User
from hack.calls import services as call_services
from hack.calls.models import IdeaCall, ProposalStatus
from hack.needs.choices import Stage
from hack.needs.models import NeedPage

CALL_TEXT = (
    "この課題の解決につながる技術やサービスの提案を募集します。"
    "実証の進め方、概算費用、庁内で必要となる準備を含めてご提案ください。"
)
CRITERIA_TEXT = "課題の理解、実現可能性、新規性、費用、継続性の5項目で評価します。"
QUESTION = "実証に使えるデータの範囲と、個人情報の扱いについて教えてください。"
ANSWER = (
    "統計化したデータは提供できます。個人情報を含むデータは庁外に出せないため、"
    "庁内で処理する方式をご提案ください。"
)
PROPOSALS = [
    {
        "title": "アバターロボットで窓口の案内を自動化",
        "public_summary": (
            "遠隔操作のアバターロボットで、混雑時の窓口案内を支援します。"
        ),
        "summary_is_public": True,
        "body": (
            "【提案概要】来庁者の多い時間帯に、遠隔のオペレーターが操作するアバター"
            "ロボットを設置し、手続の案内と待ち時間の見通しを伝えます。"
            "3か月の実証で、問い合わせ対応時間の30%削減を目指します。"
        ),
        "accept_terms": True,
    },
    {
        "title": "サイネージで待ち時間を見える化",
        "public_summary": "",
        "summary_is_public": False,
        "body": (
            "【提案概要】庁舎内のサイネージと音声で呼出状況を知らせ、"
            "聴覚に障害のある方にも光と振動で伝えます。"
        ),
        "accept_terms": True,
    },
]
SHORTLIST_MESSAGE = (
    "ご提案ありがとうございます。一次選考を通過しました。"
    "二次審査（オンライン面談）の日程を追ってご連絡します。"
)


def _staff_of(need: NeedPage) -> User | None:
    return User.objects.filter(department=need.department, is_active=True).first()


def _member(email: str) -> User | None:
    user = User.objects.filter(email__iexact=email).first()
    if user is None or not Membership.objects.filter(user=user).exists():
        return None
    return user


@transaction.atomic
def load_idea_calls(
    *, member_emails: list[str], count: Callable[[str, bool], None]
) -> None:
    # Needs with a call stay in the list after a working group moved them on, so a
    # second run finds the same calls in the same order.
    needs = (
        NeedPage.objects.live()
        .filter(Q(stage=Stage.OPEN_FOR_IDEAS) | Q(idea_calls__isnull=False))
        .distinct()
        .order_by("pk")
    )
    calls = []
    now = timezone.now()
    for need in needs:
        call = IdeaCall.objects.filter(need=need).first()
        count("idea calls", call is None)
        staff = _staff_of(need)
        if call is None and staff is not None:
            call = call_services.open_idea_call(
                need=need,
                by=staff,
                opens_at=now - timedelta(days=3),
                closes_at=now + timedelta(days=30),
                what_we_want=CALL_TEXT,
                review_criteria=CRITERIA_TEXT,
            )
        if call is not None:
            calls.append((call, staff))
    members = [m for m in (_member(email) for email in member_emails) if m]
    if not calls or len(members) < 2:
        return
    (first, first_staff), *rest = calls
    if not first.questions.exists() and first.is_open:
        question = call_services.ask_question(
            call=first, by=members[0], question=QUESTION
        )
        call_services.answer_question(question=question, by=first_staff, answer=ANSWER)
    _propose(first, members[0], PROPOSALS[0], submit=True, count=count)
    _propose(first, members[1], PROPOSALS[1], submit=False, count=count)
    if rest:
        second, second_staff = rest[0]
        proposal = _propose(second, members[1], PROPOSALS[1], submit=True, count=count)
        if proposal is not None and proposal.status == ProposalStatus.SUBMITTED:
            call_services.decide_proposal(
                proposal=proposal,
                by=second_staff,
                decision=ProposalStatus.SHORTLISTED,
                message=SHORTLIST_MESSAGE,
            )


def _propose(call: IdeaCall, member: User, data: dict, *, submit: bool, count):
    organization = member.memberships.get().organization
    existing = call.proposals.filter(organization=organization).first()
    count("proposals", existing is None)
    if existing is not None or not call.is_open:
        return existing
    proposal = call_services.start_proposal(call=call, by=member)
    proposal = call_services.save_proposal_draft(
        proposal=proposal, by=member, data=data
    )
    if submit:
        proposal = call_services.submit_proposal(proposal=proposal, by=member)
    return proposal
