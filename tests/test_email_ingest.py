"""The pure ingestion decision and MIME decoding, including the flanker corpus of tricky mail."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import skip_or_fail
from mailkit import ACCOUNTS, LEGAL, make_email
from sopdesk.channels.email.ingest import Action, Limits, ingest
from sopdesk.channels.email.mime import decode, parse
from sopdesk.escalations.inbound import (
    InboundEmail,
    TeamAddress,
    TeamDirectory,
    reference_in_subject,
    subject_with_reference,
    ticket_reference,
)

ROOT = Path(__file__).resolve().parents[1]
# The flanker corpus: its small messages ship in tests/data (with their licence), the whole of
# it (two large messages more) is in ../shared beside the checkout.
SHIPPED_FLANKER = ROOT / "tests" / "data" / "email" / "flanker"
FLANKER = ROOT.parent / "shared" / "data" / "email" / "flanker"
LARGE_FLANKER = {"russian-attachment-yahoo.eml", "bounce_office365.eml"}
AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
DIRECTORY = TeamDirectory.of(
    [
        TeamAddress("myoperator", "legal", "Legal", LEGAL),
        TeamAddress("myoperator", "accounts", "Accounts", ACCOUNTS),
    ]
)


def decide(raw: bytes, rcpts: list[str] | None = None, mailfrom: str = "ravi@client.example"):  # type: ignore[no-untyped-def]
    return ingest(raw, mailfrom, rcpts or [LEGAL], AT, DIRECTORY)


def test_a_new_email_to_a_team_is_delivered_with_receipt_time_not_the_date_header() -> None:
    decision = decide(make_email(date=datetime(2001, 1, 1, tzinfo=UTC)))
    assert decision.action is Action.DELIVER
    assert decision.received_at == AT
    assert decision.email is not None and decision.email.date_header is not None
    assert "2001" in decision.email.date_header
    (delivery,) = decision.deliveries
    assert (delivery.org_id, delivery.team_id, delivery.subject_reference) == (
        "myoperator",
        "legal",
        None,
    )
    assert decision.email.from_addr == "ravi@client.example"
    assert decision.email.from_name == "Ravi Kumar"
    assert decision.email.text == "Please explain clause 4."


def test_unknown_recipients_are_rejected_with_550_and_known_ones_case_insensitive() -> None:
    rejected = decide(make_email(), ["nobody@myoperator.co"])
    assert rejected.action is Action.REJECT
    assert rejected.smtp_reply.startswith("550 5.1.1")
    both = decide(make_email(), ["<LEGAL@MyOperator.co>", "accounts@myoperator.co", "x@y.z"])
    assert [d.team_id for d in both.deliveries] == ["legal", "accounts"]


@pytest.mark.parametrize(
    ("headers", "mailfrom", "why"),
    [
        ({}, "", "bounce"),
        ({}, "<>", "bounce"),
        ({}, "MAILER-DAEMON@mx.example", "mailer daemon"),
        ({"Auto-Submitted": "auto-replied"}, "ravi@client.example", "Auto-Submitted"),
        ({"Auto-Submitted": "auto-generated; x"}, "ravi@client.example", "Auto-Submitted"),
        ({"Precedence": "bulk"}, "ravi@client.example", "Precedence"),
        ({"Precedence": "junk"}, "ravi@client.example", "Precedence"),
        ({"Precedence": "list"}, "ravi@client.example", "Precedence"),
        ({"X-Autoreply": "yes"}, "ravi@client.example", "x-autoreply"),
        ({"X-Sopdesk-Loop": "myoperator"}, "ravi@client.example", "loop"),
        ({"X-Loop": LEGAL}, "ravi@client.example", "X-Loop"),
    ],
)
def test_bounces_auto_replies_and_loops_are_accepted_but_never_ticketed(
    headers: dict[str, str], mailfrom: str, why: str
) -> None:
    decision = decide(make_email(headers=headers), mailfrom=mailfrom)
    assert decision.action is Action.IGNORE, decision
    assert why.lower() in decision.reason.lower()
    assert decision.smtp_reply.startswith("250")


def test_an_address_claimed_by_two_orgs_stays_with_the_first() -> None:
    first = TeamAddress("myoperator", "legal", "Legal", LEGAL)
    squatter = TeamAddress("rondesse", "lawyers", "Lawyers", LEGAL.upper())
    assert TeamDirectory.of([first, squatter]).lookup(LEGAL) == first


def test_auto_submitted_no_is_a_person_writing() -> None:
    assert decide(make_email(headers={"Auto-Submitted": "no"})).action is Action.DELIVER


def test_thread_hints_come_from_headers_and_the_subject_reference() -> None:
    ref = ticket_reference("myoperator", 123)
    assert ref == "MYO-000123"
    raw = make_email(
        subject=f"Re: [{ref}] Contract question",
        headers={"In-Reply-To": "<a@x>", "References": "<root@x> <a@x>"},
    )
    decision = decide(raw)
    assert decision.email is not None
    assert decision.email.thread_ids == ("<a@x>", "<root@x>")
    assert decision.deliveries[0].subject_reference == 123
    # Another org's prefix is not ours.
    assert reference_in_subject("myoperator", "Re: [RON-000123] hi") is None
    assert subject_with_reference(ref, "RE: Fwd: Contract") == f"Re: [{ref}] Contract"
    assert subject_with_reference(ref, f"Re: [{ref}] Contract") == f"Re: [{ref}] Contract"


def test_attachments_over_the_limit_are_rejected_with_552_naming_the_file() -> None:
    raw = make_email(attachments=[("scan.pdf", "application/pdf", b"x" * 2048)])
    ok = ingest(raw, "a@b.c", [LEGAL], AT, DIRECTORY, Limits(max_attachment_bytes=4096))
    assert ok.action is Action.DELIVER and ok.email is not None
    assert [(a.filename, a.size) for a in ok.email.attachments] == [("scan.pdf", 2048)]
    big = ingest(raw, "a@b.c", [LEGAL], AT, DIRECTORY, Limits(max_attachment_bytes=1024))
    assert big.action is Action.REJECT
    assert big.smtp_reply.startswith("552 5.3.4 Attachment 'scan.pdf'")
    many = make_email(attachments=[(f"{i}.txt", "text/plain", b"x") for i in range(3)])
    refused = ingest(many, "a@b.c", [LEGAL], AT, DIRECTORY, Limits(max_attachments=2))
    assert refused.action is Action.REJECT and "Too many attachments" in refused.reason


def test_a_message_without_message_id_gets_a_stable_one() -> None:
    raw = make_email(message_id=None)
    first, second = decide(raw), decide(raw)
    assert first.email is not None and second.email is not None
    assert first.email.message_id == second.email.message_id
    assert first.email.message_id.endswith("@no-message-id.invalid>")


# What each flanker message must decode to: the action and a piece of its text (or attachment).
EXPECTED = {
    "8bitmime.eml": (Action.DELIVER, "Превел"),
    "attached-pdf.eml": (Action.DELIVER, "Test - body content"),
    "bilingual-simple.eml": (Action.DELIVER, "по-русски"),
    "bounce_mailbox-full.eml": (Action.IGNORE, None),
    "bounce_office365.eml": (Action.IGNORE, None),
    "complaints_aol.eml": (Action.IGNORE, None),
    "dashed-boundaries.eml": (Action.DELIVER, "Hi"),
    "disposition-notification.eml": (Action.IGNORE, None),
    "enclosed-bad-encoding.eml": (Action.DELIVER, "Hello"),
    "enclosed.eml": (Action.DELIVER, "Hello"),
    "encoded-header.eml": (Action.DELIVER, "hello, world"),
    "false-multipart.eml": (Action.DELIVER, ""),
    "from-encoding.eml": (Action.IGNORE, None),  # mailing-list mail: Precedence: bulk
    "iphone.eml": (Action.DELIVER, "Hello"),
    "mailformed-headers.eml": (Action.DELIVER, "Hello"),
    "missing-final-boundary.eml": (Action.DELIVER, "Some body"),
    "multipart.eml": (Action.DELIVER, "Sasha"),
    "no-ctype.eml": (Action.DELIVER, "testing message parsing"),
    "outlook-express.eml": (Action.DELIVER, ""),
    "quoted-printable.eml": (Action.DELIVER, "extremely long links"),
    "relative.eml": (Action.DELIVER, "This is html and text message"),
    "russian-attachment-yahoo.eml": (Action.DELIVER, "Hello"),
    "signed.eml": (Action.DELIVER, "a pöstal sign of our times"),
    "text-only.eml": (Action.DELIVER, "testing message parsing"),
    "torture-part.eml": (Action.DELIVER, "multi-part mail with encapsulated messages"),
}


def flanker_path(name: str) -> Path:
    """A flanker message: the copy in tests/data, else (the large ones) the full corpus."""
    shipped = SHIPPED_FLANKER / name
    if shipped.is_file():
        return shipped
    path = FLANKER / name
    if not path.is_file():
        skip_or_fail(
            f"{name} is too large to ship in tests/data (see its README); it is read from "
            f"../shared/data/email/flanker, absent here: expected {path}"
        )
    return path


def test_the_shipped_flanker_messages_are_the_corpus_less_its_large_ones() -> None:
    shipped = {p.name for p in SHIPPED_FLANKER.glob("*.eml")}
    assert shipped == set(EXPECTED) - LARGE_FLANKER
    if FLANKER.is_dir():  # the full corpus beside the checkout: every message is known here
        assert {p.name for p in FLANKER.glob("*.eml")} == set(EXPECTED)
        for name in shipped:
            assert (SHIPPED_FLANKER / name).read_bytes() == (FLANKER / name).read_bytes(), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_flanker_messages_decode_without_crashing(name: str) -> None:
    raw = flanker_path(name).read_bytes()
    mail = decode(parse(raw), raw)  # decoding must work even for mail we then ignore
    for text in (mail.subject, mail.text, mail.from_addr, *(a.filename for a in mail.attachments)):
        text.encode("utf-8")  # valid Unicode, storable in PostgreSQL
        assert "\x00" not in text
    action, snippet = EXPECTED[name]
    decision = decide(raw)
    assert decision.action is action, decision.reason
    if snippet:
        assert snippet.lower() in mail.text.lower()


def _decoded(name: str) -> InboundEmail:
    return decode(parse(flanker_path(name).read_bytes()), b"")


def test_flanker_attachments_and_encoded_names() -> None:
    raw = flanker_path("attached-pdf.eml").read_bytes()
    pdf = decode(parse(raw), raw)
    assert [(a.filename, a.content_type) for a in pdf.attachments] == [
        ("test.pdf", "application/pdf")
    ]
    assert pdf.attachments[0].data.startswith(b"%PDF")
    assert _decoded("enclosed.eml").attachments[0].content_type == "message/rfc822"
    broken = _decoded("mailformed-headers.eml")
    assert broken.subject == "\xb4!"  # raw Latin-1 byte in the header, not a replacement mark
    assert "Content-Type" not in broken.text


def test_flanker_attachment_with_a_cyrillic_name() -> None:
    yahoo = _decoded("russian-attachment-yahoo.eml")
    assert yahoo.attachments[0].filename.startswith("Картинка")
    assert yahoo.attachments[0].data.startswith(b"\x89PNG")
