"""Idea calls and proposals built through the services, as users would."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hack.calls import services
from hack.calls.models import IdeaCall, Proposal

# The smallest valid PDF header filetype recognises, and a PNG signature.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
    b"\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00"
    b"\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def pdf_upload(name: str = "提案資料.pdf", size: int | None = None):
    content = PDF_BYTES if size is None else PDF_BYTES + b"0" * (size - len(PDF_BYTES))
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def make_call(need, by, *, days_open: int = 14, opened_days_ago: int = 1, **fields):
    now = timezone.now()
    data = {
        "opens_at": now - timedelta(days=opened_days_ago),
        "closes_at": now + timedelta(days=days_open),
        "what_we_want": "窓口の待ち時間を半分にする仕組みを提案してください。",
        "review_criteria": "実現可能性と費用を重視します。",
    }
    data.update(fields)
    return services.open_idea_call(need=need, by=by, **data)


def proposal_data(**overrides) -> dict:
    data = {
        "title": "AI 受付で待ち時間を半分に",
        "public_summary": "受付を自動化し、待ち時間の見通しを伝えます。",
        "summary_is_public": False,
        "body": "【機密】弊社の受付システムを 3 か月試行し、待ち時間を計測します。",
        "accept_terms": True,
    }
    data.update(overrides)
    return data


def make_proposal(call: IdeaCall, member, *, submit: bool = True, **overrides):
    proposal = services.start_proposal(call=call, by=member)
    proposal = services.save_proposal_draft(
        proposal=proposal, by=member, data=proposal_data(**overrides)
    )
    if submit:
        proposal = services.submit_proposal(proposal=proposal, by=member)
    return proposal


def close_call(call: IdeaCall) -> IdeaCall:
    """Move the call's dates into the past, as if its deadline had passed."""
    now = timezone.now()
    IdeaCall.objects.filter(pk=call.pk).update(
        opens_at=now - timedelta(days=30), closes_at=now - timedelta(minutes=1)
    )
    call.refresh_from_db()
    return call


def reload(proposal: Proposal) -> Proposal:
    return Proposal.objects.get(pk=proposal.pk)
