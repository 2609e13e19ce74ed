"""Decode any message the wire brings: headers, text, HTML and attachments, never crashing.

Pure: bytes in, `InboundEmail` out. Built on the stdlib `email` package (policy.default); every
step that real-world mail can break (unknown charsets, missing boundaries, 8-bit headers,
malformed addresses) falls back to a lossy but readable value rather than an exception.
"""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message

from sopdesk.channels.email.headers import addresses, clean, header, message_ids
from sopdesk.channels.email.htmltext import html_to_text
from sopdesk.escalations.inbound import InboundAttachment, InboundEmail


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)  # policy.default always builds EmailMessage
    return message


def _message_id(message: Message, raw: bytes) -> str:
    ids = message_ids(header(message, "Message-ID"))
    if ids:
        return ids[0]
    # No Message-ID: derive one from the bytes, so the same message redelivered is still a dup.
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.invalid>"


def _payload_bytes(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    return clean(str(part.get_payload())).encode("utf-8")


def _text_of(part: Message) -> str:
    """A text part decoded by its charset; unknown or lying charsets fall back to UTF-8/Latin-1."""
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return clean(content)
    except Exception:  # LookupError, UnicodeError, malformed transfer encoding
        pass
    data = _payload_bytes(part)
    for charset in (part.get_content_charset(), "utf-8"):
        if not charset:
            continue
        try:
            return clean(data.decode(charset))
        except (LookupError, UnicodeError):
            continue
    return clean(data.decode("latin-1"))


def _filename(part: Message, index: int) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    name = clean(name or "").replace("/", "_").replace("\\", "_").strip(". ")
    name = re.sub(r"[\x00-\x1f\x7f]", "", name)[:200]
    if name:
        return name
    ctype = part.get_content_type()
    ext = {"message/rfc822": "eml", "text/plain": "txt", "text/html": "html"}.get(ctype, "bin")
    return f"part-{index}.{ext}"


def _attachment(part: Message, index: int) -> InboundAttachment:
    ctype = part.get_content_type()
    if ctype == "message/rfc822" and part.is_multipart():
        inner = part.get_payload(0)
        try:
            assert isinstance(inner, Message)
            data = inner.as_bytes(policy=policy.default.clone(linesep="\r\n"))
        except Exception:  # an enclosed message too broken to re-serialise
            data = clean(str(inner)).encode("utf-8")
    else:
        data = _payload_bytes(part)
    return InboundAttachment(_filename(part, index), ctype, data)


@dataclass
class _Parts:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[InboundAttachment] = field(default_factory=list)


def _is_attachment(part: Message) -> bool:
    if part.get_content_disposition() == "attachment":
        return True
    try:
        has_name = bool(part.get_filename())
    except Exception:
        has_name = True
    return has_name or part.get_content_maintype() not in ("text", "multipart")


def _collect(part: Message, out: _Parts, depth: int = 0) -> None:
    ctype = part.get_content_type()
    if depth > 30:  # a hostile nesting depth: keep what we have
        return
    if ctype == "message/rfc822":
        out.attachments.append(_attachment(part, len(out.attachments) + 1))
    elif part.is_multipart() and ctype == "multipart/alternative":
        _alternative(part, out, depth)
    elif part.is_multipart():
        for child in _children(part):
            _collect(child, out, depth + 1)
    elif part.get_content_maintype() == "multipart":
        # Boundary never found: the body is plain text that merely claims to be multipart.
        out.texts.append(_unboundaried(_text_of(part)))
    elif _is_attachment(part) and not _charset_text(part):
        out.attachments.append(_attachment(part, len(out.attachments) + 1))
    elif ctype == "text/html":
        out.htmls.append(_text_of(part))
    else:
        out.texts.append(_text_of(part))


def _unboundaried(text: str) -> str:
    """Drop what looks like MIME scaffolding (boundary lines, part headers) from a broken body."""
    kept: list[str] = []
    in_headers = False
    for line in text.splitlines():
        if re.fullmatch(r"--\S+", line.strip()):
            in_headers = True
            continue
        if in_headers and re.match(r"^[A-Za-z-]+:", line):
            continue
        in_headers = False
        kept.append(line)
    return "\n".join(kept)


def _charset_text(part: Message) -> bool:
    """An unnamed inline part that declares a charset is text whatever its type says."""
    try:
        named = bool(part.get_filename())
    except Exception:
        named = True
    inline = part.get_content_disposition() != "attachment"
    return inline and not named and part.get_content_charset() is not None


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [c for c in payload if isinstance(c, Message)] if isinstance(payload, list) else []


def _alternative(part: Message, out: _Parts, depth: int) -> None:
    options = []
    for child in _children(part):
        sub = _Parts()
        _collect(child, sub, depth + 1)
        options.append(sub)
    text = next((o for o in options if o.texts), None)
    html = next((o for o in reversed(options) if o.htmls), None)
    if text is not None:
        out.texts.extend(text.texts)
        out.attachments.extend(text.attachments)
    if html is not None:
        out.htmls.extend(html.htmls)
        if html is not text:
            out.attachments.extend(html.attachments)


def _body(out: _Parts) -> tuple[str, str | None]:
    html = "\n".join(out.htmls) if out.htmls else None
    text = "\n\n".join(t.strip("\r\n") for t in out.texts if t.strip())
    if not text and html:
        text = html_to_text(html)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip(), html


def decode(message: EmailMessage, raw: bytes) -> InboundEmail:
    """Every field the desk needs from a parsed message."""
    out = _Parts()
    try:
        _collect(message, out)
    except Exception as exc:  # last resort: show the raw body as text
        out = _Parts(texts=[clean(raw.decode("utf-8", "replace"))])
        message.defects.append(exc)  # type: ignore[arg-type]
    text, html = _body(out)
    sender = addresses(message, "From")
    name, addr = sender[0] if sender else ("", "")
    return InboundEmail(
        message_id=_message_id(message, raw),
        in_reply_to=next(iter(message_ids(header(message, "In-Reply-To"))), None),
        references=tuple(message_ids(header(message, "References"))[-50:]),
        from_addr=addr,
        from_name=name or None,
        to_addrs=tuple(a for _, a in addresses(message, "To")),
        cc_addrs=tuple(a for _, a in addresses(message, "Cc")),
        subject=header(message, "Subject")[:500],
        text=text,
        html=html,
        date_header=header(message, "Date")[:100] or None,
        attachments=tuple(out.attachments),
        defects=tuple(type(d).__name__ for d in message.defects),
    )
