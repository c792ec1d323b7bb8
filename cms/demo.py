"""Demo content for YOKOHAMA Hack!, built through the services users go through.

Like Decidim's ``seeds.rb`` (STYLE.md, convention 8): departments, staff, needs,
organisations and seeds are created by the same service functions the site uses, so
the demo shows the real review workflow, permissions and lifecycle. The content is a
copy of the development matching set (``demo_data/demo.json``) plus the Yokohama
Rapport pilots and the AI concierge from the brief, and three case studies with two
columns (``cms/demo_cases.py``), published through Wagtail as a coordinator would.

Every object is keyed on something stable (email; bureau and section; organisation
name; need title within its department; seed title within its organisation; a case
study's or column's slug within its index), so a
second run finds what the first one made and changes nothing. A run also converges:
a need left in review by an interrupted run is approved by the next one.
"""

import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from wagtail.models import WorkflowState

from cms.demo_calls import load_idea_calls
from cms.demo_cases import load_case_studies
from cms.demo_pilots import FINISHED_GROUP, load_demo_pilots
from cms.demo_workspaces import load_working_groups
from cms.models import CaseStudyPage, ColumnPage
from cms.services import set_up_site
from hack.accounts import services as account_services
from hack.accounts.models import Department, Organization, OrganizationType, User
from hack.accounts.roles import is_coordinator, is_member_of
from hack.calls.models import IdeaCall, Proposal, ProposalStatus
from hack.needs import services as need_services
from hack.needs.choices import FIELD_BY_JAPANESE_LABEL, STAGE_ORDER, Stage
from hack.needs.models import NeedPage, NeedStageChange
from hack.participation.services import load_demo_targets
from hack.seeds import services as seed_services
from hack.seeds.choices import Maturity
from hack.seeds.models import SeedPage

DATA_FILE = Path(__file__).resolve().parent / "demo_data" / "demo.json"
EMAIL_DOMAIN = "demo.example.jp"
PASSWORD_FILE_NAME = "demo-password.txt"  # noqa: S105 (a file name)

COORDINATOR_EMAIL = f"coordinator@{EMAIL_DOMAIN}"
# The two staff logins belong to departments with two needs each: 港南 has one live
# (open for ideas) and one in review, the Rapport section one open and one pilot.
STAFF_LOGINS = {
    f"staff@{EMAIL_DOMAIN}": "港南区役所 区政推進課",
    f"staff2@{EMAIL_DOMAIN}": "健康福祉局 障害施策推進課（横浜ラポール担当）",
}
# The two member logins own organisations with live seeds, a draft and a seed in review.
MEMBER_LOGINS = {
    f"member@{EMAIL_DOMAIN}": "株式会社アバタリンク",
    f"member2@{EMAIL_DOMAIN}": "株式会社ヒビキサイン",
}

# Where each need is left; every other need is published. The drafts and the needs
# in review leave every field and every specificity with published needs.
NEED_DRAFTS = frozenset({"N019", "N032", "N044"})
NEEDS_IN_REVIEW = frozenset({"N027", "N041"})
# Lifecycle moves after publication, in order (a need may not skip backwards).
NEED_STAGES = {
    "N005": [Stage.OPEN_FOR_IDEAS],
    "N007": [Stage.OPEN_FOR_IDEAS],
    "N025": [Stage.OPEN_FOR_IDEAS],
    "N034": [Stage.OPEN_FOR_IDEAS],
    "N045": [Stage.OPEN_FOR_IDEAS],
    "N016": [Stage.OPEN_FOR_IDEAS, Stage.WORKING_GROUP],
    # The AI concierge for vaccination questions: piloted, then implemented (a case
    # study in cms/demo_cases.py).
    "N021": [Stage.OPEN_FOR_IDEAS, Stage.PILOT, Stage.IMPLEMENTED],
    # The Rapport field trial: remote boccia, smart coach lessons and the rest.
    "N049": [Stage.OPEN_FOR_IDEAS, Stage.WORKING_GROUP, Stage.PILOT],
}

# Fictional municipalities for "deployed elsewhere" seeds; never more names than
# the seed's number of deployments.
MUNICIPALITIES = (
    "朝凪市", "若葉野市", "東雲台市", "北湊市", "南浜市", "白砂町", "青葉浦市",
    "鷹見原市", "桜瀬市", "月見野市", "星川台市", "梢ヶ丘市", "湊浜市", "夕凪町",
    "千草野市", "若潮市", "花見台市", "明野原市", "雲雀野市", "潮見浦市", "浜風町",
    "藤見台市", "菜の花市", "鶴ヶ浜市", "水守市", "風見町", "緑陽市", "川霧市",
)  # fmt: skip
SURNAMES = (
    "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
    "吉田", "山田", "佐々木", "山口", "松本", "井上", "木村", "林", "清水", "森",
    "池田", "橋本", "石川", "前田", "藤田", "岡田", "後藤", "長谷川", "村上", "近藤",
)  # fmt: skip
GIVEN_NAMES = (
    "花子", "健一", "美咲", "大輔", "陽子", "拓也", "由美", "翔", "恵", "直樹",
    "彩", "誠", "真由美", "亮", "千尋", "浩二", "奈々", "隆", "結衣", "和也",
    "早紀", "剛", "舞", "悠斗", "智子", "修", "葵", "聡", "里奈", "大樹",
)  # fmt: skip

# Words that mark a closing sentence as a condition rather than a wish...
CONSTRAINT_MARKS = re.compile(
    r"条件|前提|必須|必要|配慮|重視|優先|想定|望ましい|重要|目標|求め"
)
# ...unless it is an invitation to work together.
INVITATION_MARKS = re.compile(r"一緒に|共同|協力|パートナー|提供でき|試行から")
# "…したい" states the wish itself; the weaker marks also appear in requirements.
STRONG_WISH_MARKS = re.compile(r"たい")
WISH_MARKS = re.compile(r"たい|探して|探り|求めて|方法がある|考えています")
PAIN_MARKS = re.compile(
    r"課題|負担|手間|時間がかか|時間を要|限られ|追われ|ません|難し|不満|遅れ|後手|"
    r"ミス|圧迫|懸念|ばらつき|増えて|少な|届きにく|偏り|狭く|かさみ|続き|取られ|削られ"
)


class DemoError(Exception):
    """The database holds something the demo cannot reconcile (e.g. a demo email
    already used by a person with another role)."""


Progress = Callable[[str, int, int], None]


@dataclass
class DemoPassword:
    value: str
    from_environment: bool
    file: Path | None = None
    generated: bool = False


@dataclass
class DemoLogin:
    email: str
    role: str
    where: str
    password_ok: bool


@dataclass
class DemoReport:
    created: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)


def password_file() -> Path:
    return Path(settings.VAR_DIR) / PASSWORD_FILE_NAME


def resolve_demo_password() -> DemoPassword:
    """DEMO_PASSWORD if set; otherwise a random password generated once and kept in
    var/ so that re-runs print the same one and existing logins keep working."""
    if value := os.environ.get("DEMO_PASSWORD"):
        return DemoPassword(value=value, from_environment=True)
    path = password_file()
    if path.exists() and (value := path.read_text(encoding="utf-8").strip()):
        return DemoPassword(value=value, from_environment=False, file=path)
    value = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # an empty file left behind
    # Readable by its owner only, from the moment it exists.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(value + "\n")
    return DemoPassword(value=value, from_environment=False, file=path, generated=True)


@cache
def load_demo_data() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _sentences(text: str) -> list[str]:
    return [part + "。" for part in text.split("。") if part.strip()]


def _summary(sentences: list[str], limit: int = 160) -> str:
    """The first sentence, or the first two when they are short together."""
    if len(sentences) > 1 and len(sentences[0]) + len(sentences[1]) <= limit:
        return sentences[0] + sentences[1]
    return sentences[0][:400]


def split_need_text(text: str) -> dict[str, str]:
    """Spread a need's 3–6 sentences over the form's fields, in the order the
    dataset writes them: situation, what hurts, what is wanted, conditions."""
    sentences = _sentences(text)
    rest = list(sentences)
    constraints: list[str] = []
    # At most two closing conditions, keeping enough sentences for the other fields.
    while (
        len(constraints) < 2
        and (len(rest) > 3 or (len(rest) == 3 and _can_split(rest[0])))
        and CONSTRAINT_MARKS.search(rest[-1])
        and not INVITATION_MARKS.search(rest[-1])
    ):
        constraints.insert(0, rest.pop())
    wish = _first_wish(rest)
    before, desired = rest[:wish], rest[wish:]
    if len(before) == 1:
        situation, pain = _split_clause(before[0])
    else:
        first_pain = next(
            (i for i in range(1, len(before)) if PAIN_MARKS.search(before[i])),
            len(before) - 1,
        )
        situation = "".join(before[:first_pain])
        pain = "".join(before[first_pain:])
    return {
        "summary": _summary(sentences),
        "current_situation": situation,
        "pain_points": pain,
        "desired_outcome": "".join(desired),
        "constraints": "".join(constraints),
    }


def _first_wish(sentences: list[str]) -> int:
    """Where the wish starts: a "…したい" sentence before a weaker "…を探しています",
    and at least two sentences before it (or one that splits in two)."""
    candidates = [
        i
        for marks, start in (
            (STRONG_WISH_MARKS, 2),
            (STRONG_WISH_MARKS, 1),
            (WISH_MARKS, 2),
            (WISH_MARKS, 1),
        )
        for i in range(start, len(sentences))
        if marks.search(sentences[i])
    ]
    return next(
        (i for i in candidates if i >= 2 or _can_split(sentences[0])),
        max(len(sentences) - 1, 1),
    )


# A sentence that states the situation and then the problem: "…ていますが、…" or
# "…しており、…"; the first half is rewritten as a sentence of its own.
CLAUSE_BREAKS = (("が、", "。"), ("ており、", "ています。"))


def _can_split(sentence: str) -> bool:
    return any(mark in sentence for mark, _end in CLAUSE_BREAKS)


def _split_clause(sentence: str) -> tuple[str, str]:
    for mark, end in CLAUSE_BREAKS:
        head, found, tail = sentence.partition(mark)
        if found and tail.strip("。"):
            return head + end, tail
    return sentence, sentence


def need_fields(row: dict) -> dict:
    return {
        "title": row["title"],
        # Short ASCII slugs keep the demo's URLs readable (n001, n002 ...).
        "slug": row["id"].lower(),
        **split_need_text(row["text"]),
        "field": FIELD_BY_JAPANESE_LABEL[row["field"]],
        "specificity": row["specificity"],
    }


def need_target(row: dict) -> str:
    if row["id"] in NEED_DRAFTS:
        return "draft"
    if row["id"] in NEEDS_IN_REVIEW:
        return "review"
    return "published"


def person_name(number: int) -> str:
    surname = SURNAMES[number % len(SURNAMES)]
    given_name = GIVEN_NAMES[(number * 7) % len(GIVEN_NAMES)]
    return f"{surname} {given_name}"


def municipalities_for(number: int, deployments: int) -> str:
    count = min(deployments, 1 + number % 3)
    return "\n".join(
        MUNICIPALITIES[(number * 3 + offset) % len(MUNICIPALITIES)]
        for offset in range(count)
    )


@contextmanager
def _quiet_workflow_emails() -> Iterator[None]:
    """Submitting and approving ~150 pages would mail every coordinator ~300 times
    (written to var/mail/ on the embedded default). The demo is not news."""
    from wagtail.admin import signal_handlers as handlers
    from wagtail.models import TaskState, WorkflowState
    from wagtail.signals import task_submitted, workflow_approved, workflow_submitted

    connections = [
        (
            task_submitted,
            handlers.task_submission_email_notifier,
            TaskState,
            "group_approval_task_submitted_email_notification",
        ),
        (
            workflow_submitted,
            handlers.workflow_submission_email_notifier,
            WorkflowState,
            "workflow_state_submitted_email_notification",
        ),
        (
            workflow_approved,
            handlers.workflow_approval_email_notifier,
            WorkflowState,
            "workflow_state_approved_email_notification",
        ),
    ]
    disconnected = [
        connection
        for connection in connections
        if connection[0].disconnect(sender=connection[2], dispatch_uid=connection[3])
    ]
    try:
        yield
    finally:
        for signal, receiver, sender, uid in disconnected:
            signal.connect(receiver, sender=sender, dispatch_uid=uid)


@contextmanager
def _index_once_per_object() -> Iterator[dict]:
    """Collect the objects to index instead of indexing them on every save.

    Each page is saved four or five times on its way from draft to published
    (creation, revision, workflow, publication), and every save re-indexes it for
    search and references. In a bulk load only the last state matters:
    `_enqueue_index_updates` then enqueues the same tasks, once per object.
    """
    from modelsearch.signal_handlers import post_save_signal_handler
    from wagtail.signal_handlers import disable_reference_index_auto_update

    searched, referenced = _indexed_models()
    saved: dict[tuple[type, str], None] = {}

    def remember(sender, instance, raw=False, **kwargs):
        if not raw and (sender in searched or sender in referenced):
            saved[(sender, str(instance.pk))] = None

    uid = "cms.demo.index_once_per_object"
    post_save.connect(remember, weak=False, dispatch_uid=uid)
    for model in searched:
        post_save.disconnect(post_save_signal_handler, sender=model)
    try:
        with disable_reference_index_auto_update():
            yield saved
    finally:
        post_save.disconnect(dispatch_uid=uid)
        for model in searched:
            post_save.connect(post_save_signal_handler, sender=model)


def _indexed_models() -> tuple[set[type], set[type]]:
    from modelsearch import index as search_index
    from wagtail.models import ReferenceIndex

    searched = {
        model
        for model in search_index.get_indexed_models()
        if getattr(model, "search_auto_update", True)
    }
    return searched, set(ReferenceIndex.tracked_models)


def _enqueue_index_updates(saved: dict[tuple[type, str], None]) -> None:
    from modelsearch.tasks import insert_or_update_object_task
    from wagtail.tasks import update_reference_index_task

    searched, referenced = _indexed_models()
    for model, pk in saved:
        if not model._default_manager.filter(pk=pk).exists():
            continue  # saved, then deleted during the load
        meta = model._meta
        if model in searched:
            insert_or_update_object_task.enqueue(meta.app_label, meta.model_name, pk)
        if model in referenced:
            update_reference_index_task.enqueue(meta.app_label, meta.model_name, pk)


class DemoLoader:
    def __init__(self, *, password: str, reset_passwords: bool, progress: Progress):
        self.password = password
        self.reset_passwords = reset_passwords
        self.progress = progress
        self.report = DemoReport()
        self._password_hash = ""
        self._password_matches: dict[str, bool] = {}
        self._people = 0

    # Users ---------------------------------------------------------------------

    def _count(self, stage: str, created: bool) -> None:
        self.report.created[stage] = self.report.created.get(stage, 0) + int(created)

    def _hash(self) -> str:
        # One hash for every demo user: hashing ~150 times would take a minute.
        if not self._password_hash:
            self._password_hash = make_password(self.password)
        return self._password_hash

    def has_demo_password(self, user: User) -> bool:
        if user.password not in self._password_matches:
            self._password_matches[user.password] = check_password(
                self.password, user.password
            )
        return self._password_matches[user.password]

    def ensure_user(self, email: str) -> User:
        self._people += 1
        user = User.objects.filter(email__iexact=email).first()
        created = user is None
        self._count("users", created)
        if user is None:
            user = User(
                username=email,
                email=email,
                display_name=person_name(self._people),
                password=self._hash(),
            )
            user.save()
        elif self.reset_passwords and not self.has_demo_password(user):
            user.password = self._hash()
            user.save(update_fields=["password"])
        address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
        if address is None:
            EmailAddress.objects.filter(user=user, primary=True).update(primary=False)
            EmailAddress.objects.create(
                user=user, email=email, verified=True, primary=True
            )
        elif not (address.verified and address.primary):
            EmailAddress.objects.filter(user=user, primary=True).update(primary=False)
            address.verified = address.primary = True
            address.save(update_fields=["verified", "primary"])
        return user

    # Stages --------------------------------------------------------------------

    def run(self) -> DemoReport:
        data = load_demo_data()
        with self.timed("site"):
            set_up_site()
            self.coordinator = self.ensure_user(COORDINATOR_EMAIL)
            if not is_coordinator(self.coordinator):
                account_services.make_coordinator(user=self.coordinator)
        with self.timed("departments"):
            departments = self.load_departments(data["departments"])
        with self.timed("needs"):
            self.load_needs(data["needs"], departments)
        with self.timed("organisations"):
            organizations = self.load_organizations(data["seeds"])
        with self.timed("seeds"):
            self.load_seeds(data["seeds"], organizations)
        with self.timed("case studies"):
            load_case_studies(by=self.coordinator, count=self._count)
        with self.timed("idea calls"):
            load_idea_calls(member_emails=list(MEMBER_LOGINS), count=self._count)
        with self.timed("working groups"):
            load_working_groups(
                coordinator=self.coordinator,
                staff_emails=list(STAFF_LOGINS),
                member_emails=list(MEMBER_LOGINS),
                count=self._count,
            )
        with self.timed("pilots"):
            for pilot in load_demo_pilots(coordinator=self.coordinator):
                self._count("pilots", True)
                # The finished pilot brings its own working group.
                if pilot.group_id and pilot.group.title == FINISHED_GROUP:
                    self._count("working groups", True)
        with self.timed("participation targets"):
            load_demo_targets()
        self.collect(departments, organizations)
        return self.report

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.report.seconds[stage] = time.monotonic() - started

    def load_departments(self, rows: list[dict]) -> dict[str, tuple[Department, User]]:
        staff_email = {name: email for email, name in STAFF_LOGINS.items()}
        departments = {}
        for done, row in enumerate(rows, start=1):
            created = not Department.objects.filter(
                bureau=row["bureau"], section=row["section"]
            ).exists()
            department = account_services.create_department(
                bureau=row["bureau"], section=row["section"], slug=row["slug"]
            )
            need_services.set_up_department_needs(department=department)
            self._count("departments", created)
            email = staff_email.get(
                row["name"], f"staff-{department.slug}@{EMAIL_DOMAIN}"
            )
            staff = self.ensure_user(email)
            if staff.department_id != department.pk:
                account_services.add_department_staff(user=staff, department=department)
            departments[row["name"]] = (department, staff)
            self.progress("departments", done, len(rows))
        return departments

    def load_needs(self, rows: list[dict], departments: dict) -> None:
        for done, row in enumerate(rows, start=1):
            department, staff = departments[row["department"]]
            need = NeedPage.objects.filter(
                department=department, title=row["title"]
            ).first()
            self._count("needs", need is None)
            if need is None:
                need = need_services.create_need_draft(
                    department=department, by=staff, **need_fields(row)
                )
            target = need_target(row)
            if target != "draft" and not need.live:
                if not need.workflow_in_progress:
                    need_services.submit_need_for_review(need=need, by=staff)
                if target == "published":
                    need = need_services.publish_need(need=need, by=self.coordinator)
            if need.live:
                for stage in NEED_STAGES.get(row["id"], []):
                    if STAGE_ORDER.index(Stage(need.stage)) < STAGE_ORDER.index(stage):
                        need = need_services.change_need_stage(
                            need=need, to=stage, by=self.coordinator
                        )
            self.progress("needs", done, len(rows))

    def load_organizations(
        self, rows: list[dict]
    ) -> dict[str, tuple[Organization, User]]:
        owner_email = {name: email for email, name in MEMBER_LOGINS.items()}
        names = list(
            dict.fromkeys((row["organization"], row["org_type"]) for row in rows)
        )
        organizations = {}
        number = 0
        for done, (name, org_type) in enumerate(names, start=1):
            if name in owner_email:
                email = owner_email[name]
            else:
                number += 1
                email = f"org{number:02d}@{EMAIL_DOMAIN}"
            owner = self.ensure_user(email)
            organization = Organization.objects.filter(name=name).first()
            self._count("organisations", organization is None)
            if organization is None:
                organization = account_services.create_organization(
                    by=owner,
                    name=name,
                    org_type=org_type,
                    is_startup=org_type == OrganizationType.STARTUP,
                )
            elif not is_member_of(owner, organization):
                raise DemoError(
                    f"The organisation {name} exists but {email} is not a member of it."
                )
            organizations[name] = (organization, owner)
            self.progress("organisations", done, len(names))
        return organizations

    def load_seeds(self, rows: list[dict], organizations: dict) -> None:
        for done, row in enumerate(rows, start=1):
            organization, owner = organizations[row["organization"]]
            seed = SeedPage.objects.filter(
                organization=organization, title=row["title"]
            ).first()
            self._count("seeds", seed is None)
            if seed is None:
                seed = seed_services.save_seed_draft(
                    by=owner,
                    organization=organization,
                    data=self.seed_data(done, row, owner),
                )
            target = row.get("state", "published")
            if target != "draft" and not seed.live:
                if not seed.workflow_in_progress:
                    seed_services.submit_seed_for_review(seed=seed, by=owner)
                if target == "published":
                    seed_services.publish_seed(seed=seed, by=self.coordinator)
            self.progress("seeds", done, len(rows))

    @staticmethod
    def seed_data(number: int, row: dict, owner: User) -> dict:
        deployed = row["maturity"] == Maturity.DEPLOYED_ELSEWHERE
        return {
            "title": row["title"],
            "summary": _summary(_sentences(row["text"])),
            "description": row["text"],
            "tags": row["tags"],
            "maturity": row["maturity"],
            "deployments": row["deployments"],
            "municipalities": (
                municipalities_for(number, row["deployments"]) if deployed else ""
            ),
            "contact_name": owner.display_name,
            "contact_email": owner.email,
            "contact_phone": "",
            "image_alt": "",
        }

    def collect(self, departments: dict, organizations: dict) -> None:
        needs = NeedPage.objects.filter(
            department__in=[department for department, _staff in departments.values()]
        )
        seeds = SeedPage.objects.filter(
            organization__in=[
                organization for organization, _owner in organizations.values()
            ]
        )
        in_review = [
            int(pk)
            for pk in WorkflowState.objects.filter(
                status=WorkflowState.STATUS_IN_PROGRESS
            ).values_list("object_id", flat=True)
        ]
        self.report.totals = {
            "departments": len(departments),
            "needs": needs.count(),
            "needs published": needs.live().count(),
            "needs in review": needs.not_live().filter(pk__in=in_review).count(),
            "needs stage changes": NeedStageChange.objects.filter(
                need__in=needs
            ).count(),
            "organisations": len(organizations),
            "seeds": seeds.count(),
            "seeds published": seeds.live().count(),
            "seeds in review": seeds.not_live().filter(pk__in=in_review).count(),
            "case studies": CaseStudyPage.objects.live().count(),
            "columns": ColumnPage.objects.live().count(),
            "idea calls open": IdeaCall.objects.filter(
                opens_at__lte=timezone.now(), closes_at__gt=timezone.now()
            ).count(),
            "proposals submitted": Proposal.objects.exclude(
                status__in=[ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN]
            ).count(),
        }
        logins = [(COORDINATOR_EMAIL, "coordinator", "デジタル統括本部")]
        logins += [
            (email, "department staff", name) for email, name in STAFF_LOGINS.items()
        ]
        logins += [
            (email, "organisation owner", name) for email, name in MEMBER_LOGINS.items()
        ]
        for email, role, where in logins:
            user = User.objects.get(email__iexact=email)
            self.report.logins.append(
                DemoLogin(email, role, where, password_ok=self.has_demo_password(user))
            )


def load_demo(
    *, password: str, reset_passwords: bool = False, progress: Progress | None = None
) -> DemoReport:
    """Create (or complete) the demo content. Existing users keep their password
    unless `reset_passwords` is set (the command sets it when DEMO_PASSWORD is)."""
    loader = DemoLoader(
        password=password,
        reset_passwords=reset_passwords,
        progress=progress or (lambda stage, done, total: None),
    )
    try:
        with _quiet_workflow_emails(), transaction.atomic():
            with _index_once_per_object() as saved:
                report = loader.run()
            with loader.timed("indexes"):
                _enqueue_index_updates(saved)
            return report
    except (PermissionDenied, ValidationError) as error:
        raise DemoError(
            f"The database holds users or organisations the demo cannot reuse: {error}"
        ) from error
