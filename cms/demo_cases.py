"""Demo case studies and columns: the early real cases from BRIEF.md.

The stories follow the brief (the Yokohama Rapport field trial, the AI concierge
for COVID-19 vaccination questions, the traffic survey moved from manual counts
to LiDAR and camera AI); every number in the outcome tables is illustrative, and
each page says so. Kept apart from `cms/demo.py`, which only calls
`load_case_studies`.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from wagtail.rich_text import RichText

from hack.accounts.models import Organization, User
from hack.matching.match_types import MatchType
from hack.needs.choices import Field
from hack.needs.models import NeedPage

from .models import (
    CaseStudyIndexPage,
    CaseStudyPage,
    ColumnIndexPage,
    ColumnKind,
    ColumnPage,
    Direction,
    OutcomeMeasure,
    TimelineEntry,
    TimelineStage,
)

ILLUSTRATIVE_NOTE = (
    "<p>※ このページはデモ用のコンテンツです。成果の数値は説明のための例示であり、"
    "実際の実績値ではありません。</p>"
)


@dataclass(frozen=True)
class Measure:
    label: str
    unit: str
    target: str
    result: str | None = None
    baseline: str | None = None
    direction: str = Direction.HIGHER
    measures_time: bool = False


@dataclass(frozen=True)
class CaseData:
    slug: str
    title: str
    summary: str
    field: str
    matching_type: int
    need_title: str | None
    organizations: tuple[str, ...]
    other_participants: str
    timeline: tuple[tuple[str, date, str], ...]
    measures: tuple[Measure, ...]
    body: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ColumnData:
    slug: str
    title: str
    kind: str
    date: date
    lead: str
    body: tuple[str, ...]
    related_case: str | None


RAPPORT_SOLUTIONS = (
    (
        "オンラインボッチャ",
        "投球台（ランプ）をネット越しに遠隔操作し、映像とタブレットを見ながら、"
        "離れた場所にいる人も同じ試合に参加しました。",
    ),
    (
        "待ち時間のヘルスケアゲーム",
        "小型ロボットとスマートフォンを使い、受付や送迎の待ち時間に体と頭を動かす"
        "ゲームを楽しめるようにしました。",
    ),
    (
        "スマートフェンシング",
        "やわらかい剣とスマートフォンのアプリで、安全に、判定もわかりやすく"
        "フェンシングを体験できます。",
    ),
    (
        "コミュニケーションロボットのワークショップ",
        "話すことが苦手な子どもたちが、コミュニケーションロボットを分身（アバター）"
        "にして、自分の言葉で発表するワークショップを開きました。",
    ),
    (
        "遠隔レッスン（スマートコーチ）",
        "スポーツや文化のレッスンを、自宅や別の施設から双方向で受けられるように"
        "しました。",
    ),
    (
        "非常放送と連動した災害情報",
        "館内の非常放送の音を検知し、その内容をサイネージの文字・光・振動で知らせ"
        "ます。聞こえにくい人にも届くユニバーサルデザインです。",
    ),
)

CASES = (
    CaseData(
        slug="yokohama-rapport",
        title="横浜ラポールを舞台に、6 つのデジタル技術で「誰もが一緒に」を試す",
        summary=(
            "障害者スポーツ文化センター横浜ラポールを実証の場として、2022 年夏から"
            "公募で選ばれた 6 つのデジタルソリューションを利用者とともに試しました。"
        ),
        field=Field.WELFARE,
        matching_type=MatchType.CO_CREATION,
        need_title=(
            "障害の有無や住む場所にかかわらず、誰もが一緒にスポーツを楽しめる形を"
            "探りたい"
        ),
        organizations=(
            "株式会社リモボッチャ",
            "株式会社ケアプレイ",
            "一般社団法人やわらかフェンシング協会",
            "株式会社アバタリンク",
            "株式会社ヒビキサイン",
        ),
        other_participants=(
            "横浜市障害者スポーツ文化センター横浜ラポール\n健康福祉局 障害施策推進課"
        ),
        timeline=(
            (
                TimelineStage.NEED,
                date(2022, 5, 16),
                "「障害の有無や住む場所にかかわらず、誰もが一緒にスポーツを楽しめる"
                "形」をニーズとして公開しました。",
            ),
            (
                TimelineStage.IDEA_CALL,
                date(2022, 6, 1),
                "実証の場としてラポールを開放し、解決策のアイデアを募集しました。",
            ),
            (
                TimelineStage.WORKING_GROUP,
                date(2022, 7, 11),
                "選ばれた 6 社・団体と施設の職員、利用者がワーキンググループで"
                "試し方を決めました。",
            ),
            (
                TimelineStage.PILOT,
                date(2022, 8, 1),
                "夏休みから、施設の利用者とともに 6 つのソリューションの実証を"
                "始めました。",
            ),
        ),
        measures=(
            Measure(
                "遠隔で参加した人数（延べ）",
                "人",
                target="100",
                result="142",
            ),
            Measure(
                "「また参加したい」と答えた参加者の割合",
                "%",
                target="80",
                result="87",
            ),
            Measure(
                "非常放送の内容を文字・光・振動で受け取れた参加者の割合",
                "%",
                target="90",
                result="94",
            ),
            Measure(
                "待ち時間を「長い」と感じた利用者の割合",
                "%",
                baseline="62",
                target="40",
                result="43",
                direction=Direction.LOWER,
            ),
        ),
        body=(
            "<p>横浜ラポールは、障害のある人もない人も、スポーツや文化活動を楽しむ"
            "ための施設です。「遠くに住んでいて通えない」「待ち時間がつらい」"
            "「放送が聞こえにくい」といった声に、デジタル技術で応えられないか。"
            "YOKOHAMA Hack! でニーズを公開し、施設を実証の場として開きました。</p>",
            "<h3>試した 6 つのソリューション</h3><ul>"
            + "".join(
                f"<li><b>{name}</b>：{text}</li>" for name, text in RAPPORT_SOLUTIONS
            )
            + "</ul>",
            "<h3>わかったこと</h3><p>遠隔操作のボッチャでは、施設に来られない人も"
            "同じ試合に加われました。一方で、待ち時間の感じ方は目標に少し届かず、"
            "ゲームを置く場所や案内の仕方を見直しています。</p>",
            ILLUSTRATIVE_NOTE,
        ),
    ),
    CaseData(
        slug="ai-concierge-vaccination",
        title="ワクチン接種の問い合わせに AI コンシェルジュが 24 時間答える",
        summary=(
            "新型コロナウイルスワクチンの接種に関する市民からの質問に、AI "
            "コンシェルジュが自動で答えるようにし、電話の混雑と職員の負担を"
            "減らしました。"
        ),
        field=Field.HEALTH,
        matching_type=MatchType.READY_TO_DEPLOY,
        need_title="予防接種に関する電話問い合わせをAIで自動応答したい",
        organizations=("株式会社こたえるAI",),
        other_participants="健康福祉局 健康安全課",
        timeline=(
            (
                TimelineStage.NEED,
                date(2022, 4, 20),
                "予約や接種会場についての電話が集中し、つながりにくい状態が"
                "続いていることをニーズとして公開しました。",
            ),
            (
                TimelineStage.IDEA_CALL,
                date(2022, 5, 9),
                "ほかの自治体ですでに使われているサービスを中心に提案を募りました。",
            ),
            (
                TimelineStage.PILOT,
                date(2022, 7, 1),
                "よくある質問 300 件を登録し、ウェブと LINE で試験運用しました。",
            ),
            (
                TimelineStage.IMPLEMENTATION,
                date(2022, 10, 3),
                "試験運用の結果を受けて本格導入し、夜間や休日も答えられるように"
                "なりました。",
            ),
        ),
        measures=(
            Measure(
                "AI が自動で回答できた質問の割合",
                "%",
                target="80",
                result="86",
            ),
            Measure(
                "電話での問い合わせ件数（1 日あたり）",
                "件",
                baseline="1200",
                target="840",
                result="780",
                direction=Direction.LOWER,
            ),
            Measure(
                "職員が電話対応に使う時間（1 日あたり）",
                "時間",
                baseline="160",
                target="120",
                result="104",
                direction=Direction.LOWER,
                measures_time=True,
            ),
        ),
        body=(
            "<p>接種の予約が始まると、コールセンターへの電話が一度に集中しました。"
            "質問の多くは「どこで」「いつ」「何を持って行けばよいか」といった、"
            "答えの決まっているものでした。</p>",
            "<h3>すぐに導入できるサービスを選ぶ</h3><p>ほかの自治体で使われている AI "
            "コンシェルジュを、横浜市の情報に合わせて設定しました。答えられない"
            "質問は職員につなぎ、その質問と答えを翌日には登録に加えています。</p>",
            ILLUSTRATIVE_NOTE,
        ),
    ),
    CaseData(
        slug="traffic-survey-lidar",
        title="交差点に立たない交通量調査：LiDAR とカメラ AI で自動計測",
        summary=(
            "市内 50〜60 か所の交差点で、1 か所 3〜7 人が手で数えていた交通量調査を、"
            "ワーキンググループと実証を経て、LiDAR とカメラ画像 AI による自動計測に"
            "切り替えました。"
        ),
        field=Field.TRANSPORT,
        matching_type=MatchType.SOLUTION_TECHNOLOGY,
        need_title=None,
        organizations=(),
        other_participants=(
            "道路局（交通量調査の担当課）\n"
            "LiDAR 計測の事業者（実証参加企業）\n"
            "カメラ画像 AI の事業者（実証参加企業）"
        ),
        timeline=(
            (
                TimelineStage.NEED,
                date(2022, 6, 6),
                "交差点ごとに 3〜7 人が立って数える調査を、より少ない手間で正確に"
                "行いたいというニーズを公開しました。",
            ),
            (
                TimelineStage.IDEA_CALL,
                date(2022, 7, 4),
                "計測の方法、精度の確かめ方、費用の考え方について提案を募りました。",
            ),
            (
                TimelineStage.WORKING_GROUP,
                date(2022, 9, 5),
                "道路局と提案企業で、交差点の形や天候による精度の違い、設置の条件を"
                "整理しました。",
            ),
            (
                TimelineStage.PILOT,
                date(2022, 11, 14),
                "6 か所の交差点で、人の計測と LiDAR・カメラ AI の計測を同時に行い、"
                "精度を比べました。",
            ),
            (
                TimelineStage.IMPLEMENTATION,
                date(2023, 4, 3),
                "目標の精度を確かめたうえで、次の調査から自動計測に切り替えました。",
            ),
        ),
        measures=(
            Measure(
                "LiDAR による計測の精度（人の計測との一致率）",
                "%",
                target="95",
                result="97.2",
            ),
            Measure(
                "カメラ画像 AI による計測の精度（人の計測との一致率）",
                "%",
                target="90",
                result="92.5",
            ),
            Measure(
                "1 回の調査にかかる作業時間（全交差点の合計）",
                "人時",
                baseline="3300",
                target="2475",
                result="1980",
                direction=Direction.LOWER,
                measures_time=True,
            ),
            Measure(
                "1 交差点あたりの調査員",
                "人",
                baseline="5",
                target="1",
                result="1",
                direction=Direction.LOWER,
            ),
        ),
        body=(
            "<p>交通量調査では、市内 50〜60 か所の交差点に、1 か所あたり 3〜7 人の"
            "調査員が立ち、車や歩行者を手で数えていました。人手の確保が年々難しく"
            "なり、長時間の屋外作業は調査員の負担にもなっていました。</p>",
            "<h3>2 つの技術を組み合わせる</h3><p>車の流れは LiDAR（レーザーによる"
            "距離の計測）で、歩行者や自転車はカメラ画像の AI で数えます。実証では、"
            "LiDAR が目標の 95% 以上、カメラ AI が目標の 90% 以上の精度を示しました。"
            "カメラ映像は計測後すぐに数値に変え、映像そのものは保存しません。</p>",
            "<h3>時間の価値</h3><p>作業時間は目標とした 25% を上回って減り、"
            "調査員は機器の設置と確認に専念できるようになりました。</p>",
            ILLUSTRATIVE_NOTE,
        ),
    ),
)

COLUMNS = (
    ColumnData(
        slug="interview-avatar-workshop",
        title="「分身があると、話すのが楽しくなる」ロボットを使ったワークショップの現場から",
        kind=ColumnKind.INTERVIEW,
        date=date(2022, 12, 5),
        lead=(
            "横浜ラポールでの実証に参加した株式会社アバタリンクの担当者に、"
            "コミュニケーションロボットを分身にしたワークショップについて聞きました。"
        ),
        body=(
            "<h2>なぜロボットを「分身」に？</h2><p>人前で話すのが苦手な子どもでも、"
            "ロボットが代わりに話してくれると思うと、言葉が出てくることがあります。"
            "ワークショップでは、子どもたちが自分で話す内容を考え、ロボットを通して"
            "発表しました。</p>",
            "<h2>市と一緒に試してみて</h2><p>施設の職員や保護者の方と、毎回の"
            "振り返りで進め方を変えていきました。YOKOHAMA Hack! を通じて、現場の"
            "声をすぐに聞ける場があったことが大きかったです。</p>",
            "<p>※ デモ用の架空のインタビューです。</p>",
        ),
        related_case="yokohama-rapport",
    ),
    ColumnData(
        slug="article-traffic-survey",
        title="交差点に立たない交通量調査ができるまで",
        kind=ColumnKind.ARTICLE,
        date=date(2023, 5, 15),
        lead=(
            "手で数える交通量調査から、LiDAR とカメラ AI による自動計測へ。"
            "ニーズの公開から導入までの 10 か月をふり返ります。"
        ),
        body=(
            "<p>道路局の交通量調査は、長年、調査員が交差点に立って数える方法で"
            "行われてきました。YOKOHAMA Hack! でニーズを公開したところ、計測技術を"
            "持つ複数の企業から提案が寄せられました。</p>",
            "<p>ワーキンググループでは、精度だけでなく、機器の設置場所やプライバシー"
            "への配慮も話し合いました。実証で精度を確かめたうえで、翌年度の調査から"
            "自動計測に切り替えています。</p>",
            "<p>※ デモ用の記事です。数値は説明のための例示です。</p>",
        ),
        related_case="traffic-survey-lidar",
    ),
)


def _body(paragraphs: tuple[str, ...]) -> list:
    return [("paragraph", RichText(html)) for html in paragraphs]


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _build_case(data: CaseData) -> CaseStudyPage:
    need = (
        NeedPage.objects.filter(title=data.need_title).first()
        if data.need_title
        else None
    )
    page = CaseStudyPage(
        title=data.title,
        slug=data.slug,
        summary=data.summary,
        need=need,
        field=data.field,
        matching_type=data.matching_type,
        other_participants=data.other_participants,
        body=_body(data.body),
    )
    page.organizations = list(Organization.objects.filter(name__in=data.organizations))
    page.timeline_entries = [
        TimelineEntry(stage=stage, date=when, description=text)
        for stage, when, text in data.timeline
    ]
    page.outcome_measures = [
        OutcomeMeasure(
            label=measure.label,
            unit=measure.unit,
            baseline=_decimal(measure.baseline),
            target=Decimal(measure.target),
            result=_decimal(measure.result),
            direction=measure.direction,
            measures_time=measure.measures_time,
        )
        for measure in data.measures
    ]
    return page


def _publish_child(parent, model, slug: str, build, by: User) -> tuple[object, bool]:
    """Find the page by slug under `parent`, or create it; publish it through
    Wagtail (a revision, then publish) as a coordinator would in the admin."""
    page = model.objects.child_of(parent).filter(slug=slug).first()
    created = page is None
    if page is None:
        page = build()
        page.owner = by
        page.live = False  # a new Page is live by default: start as a draft
        parent.add_child(instance=page)
    if not page.live:
        page.save_revision(user=by, log_action=True).publish(user=by)
    return page, created


def load_case_studies(*, by: User, count) -> None:
    """Create and publish the demo case studies and columns once; `count(stage,
    created)` feeds the load_demo report."""
    cases_index = CaseStudyIndexPage.objects.get()
    columns_index = ColumnIndexPage.objects.get()
    cases = {}
    for data in CASES:
        page, created = _publish_child(
            cases_index,
            CaseStudyPage,
            data.slug,
            lambda data=data: _build_case(data),
            by,
        )
        cases[data.slug] = page
        count("case studies", created)
    for data in COLUMNS:

        def build(data=data):
            return ColumnPage(
                title=data.title,
                slug=data.slug,
                kind=data.kind,
                date=data.date,
                lead=data.lead,
                body=_body(data.body),
                related_case=cases.get(data.related_case),
            )

        _page, created = _publish_child(columns_index, ColumnPage, data.slug, build, by)
        count("columns", created)
