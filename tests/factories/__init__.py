"""Build test state through the services, as users would (STYLE.md, convention 8)."""

import itertools

from hack.accounts import services as account_services
from hack.accounts.models import Department, Organization, OrganizationType, User
from hack.needs import services as need_services
from hack.needs.choices import Field, Specificity
from hack.needs.models import NeedPage
from hack.seeds import services as seed_services
from hack.seeds.choices import Maturity
from hack.seeds.models import SeedPage

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"  # noqa: S105


def make_user(email: str | None = None, **fields) -> User:
    number = next(_counter)
    email = email or f"user{number}@example.jp"
    user = User.objects.create_user(
        username=f"user{number}", email=email, password=PASSWORD, **fields
    )
    # allauth's mandatory verification: mark the address verified for fixtures.
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_department(slug: str | None = None, **fields) -> Department:
    number = next(_counter)
    department = account_services.create_department(
        bureau=fields.get("bureau", f"第{number}区役所"),
        section=fields.get("section", "区政推進課"),
        slug=slug or f"dept-{number}",
    )
    need_services.set_up_department_needs(department=department)
    return department


def make_staff(department: Department, email: str | None = None) -> User:
    user = make_user(email)
    return account_services.add_department_staff(user=user, department=department)


def make_coordinator(email: str | None = None) -> User:
    return account_services.make_coordinator(user=make_user(email))


def make_organization(owner: User | None = None, **fields) -> Organization:
    owner = owner or make_user()
    fields.setdefault("name", f"株式会社テスト{next(_counter)}")
    fields.setdefault("org_type", OrganizationType.COMPANY)
    return account_services.create_organization(by=owner, **fields)


def make_member(organization: Organization, email: str | None = None) -> User:
    from hack.accounts.models import Membership

    user = make_user(email)
    Membership.objects.create(user=user, organization=organization)
    return user


def need_data(**overrides) -> dict:
    data = {
        "title": f"窓口の待ち時間を減らしたい {next(_counter)}",
        "summary": "区役所の窓口で待ち時間が長く、市民の負担になっています。",
        "current_situation": "繁忙期には二時間待ちになることがあります。",
        "pain_points": "待ち時間の見通しが伝わらず、苦情が増えています。",
        "desired_outcome": "待ち時間を短くし、来庁前に混雑がわかるようにしたい。",
        "constraints": "個人情報は庁外に出せません。",
        "field": Field.COUNTER,
        "specificity": Specificity.MEDIUM,
    }
    data.update(overrides)
    return data


def make_need(
    department: Department, by: User, *, publish_by: User | None = None, **overrides
) -> NeedPage:
    """A need drafted by `by`; published when `publish_by` (a coordinator) is given."""
    need = need_services.create_need_draft(
        department=department, by=by, **need_data(**overrides)
    )
    if publish_by is not None:
        need = need_services.publish_need(need=need, by=publish_by)
    return need


def seed_data(**overrides) -> dict:
    data = {
        "title": f"独居シニアの見守りIoT {next(_counter)}",
        "summary": "電力センサーで一人暮らしの高齢者の異変を見つけます。",
        "description": (
            "工事不要のセンサーで生活リズムを見守り、異変を家族と地域に知らせます。"
        ),
        "tags": ["IoT", "見守り"],
        "maturity": Maturity.VALIDATED,
        "deployments": 0,
        "municipalities": "",
        "contact_name": "山田 花子",
        "contact_email": "contact@example.jp",
        "contact_phone": "",
        "image_alt": "",
    }
    data.update(overrides)
    return data


def make_seed(
    organization: Organization, by: User, *, publish_by: User | None = None, **overrides
) -> SeedPage:
    seed = seed_services.save_seed_draft(
        by=by, organization=organization, data=seed_data(**overrides)
    )
    if publish_by is not None:
        seed = seed_services.publish_seed(seed=seed, by=publish_by)
    return seed
