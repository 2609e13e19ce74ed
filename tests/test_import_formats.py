"""SOP documents in every format SOPs are kept in: the same seed text as .txt, .md, .html, .docx
and .pdf (made at run time by tests/sop_formats.py) gives the same draft score; unreadable files
are refused naming the problem (CLI exit 2, API 422 on `file`); a document that is no SOP gets
"nothing recognised"; only supervisors and admins import."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from sop_formats import FORMATS, SEEDS, render
from sopdesk.playbooks.importer import import_document, run_import
from sopdesk.playbooks.importer.formats import DocumentError, detect
from sopdesk.playbooks.importer.score import score
from sopdesk.playbooks.language.schema import Playbook
from web_helpers import make_app, token_for

API = "/api/v1/playbooks/imports"
RECIPE = """Grandma's Banana Bread
Ingredients:
- 3 ripe bananas
- 1/3 cup melted butter
Method
1. Preheat the oven to 175 C.
2. Mash the bananas in a bowl and stir in the butter.
3. Bake for 60 minutes, until a skewer comes out clean.
Serves 8.
"""


@cache
def _document(org: str, fmt: str) -> bytes:
    return render(SEEDS[org].read_text(encoding="utf-8"), fmt)


def _score(org: str, fmt: str) -> float:
    reference = (SEEDS[org].parent.parent / "playbook.yaml").read_text(encoding="utf-8")
    draft = import_document(_document(org, fmt), f"{org}.{fmt}").result
    return score(
        draft.playbook, Playbook.model_validate(yaml.safe_load(reference)), reference
    ).total


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("org", sorted(SEEDS))
def test_every_format_gives_the_plain_texts_score(org: str, fmt: str) -> None:
    """Tolerance 0: each parser gives the reader the seed's lines (headings marked `##`,
    which the reader already took for headings), so the draft must be the same."""
    imported = import_document(_document(org, fmt), f"{org}.{fmt}")
    assert imported.result.recognised
    expected = {"txt": "text", "md": "text"}.get(fmt, fmt)
    assert imported.document.format.value == expected
    assert _score(org, fmt) == _score(org, "txt")


@pytest.mark.parametrize("fmt", ["html", "docx", "pdf"])
def test_the_format_is_told_by_content_not_by_name(fmt: str) -> None:
    data = _document("rondesse", fmt)
    assert detect(data, "sop.txt", "application/octet-stream").value == fmt
    assert import_document(data, "no-extension").result.recognised


def test_tables_and_lists_become_lines() -> None:
    import docx

    page = b"<html><body><h1>Lines</h1><ol start='3'><li>Third</li></ol><table>"
    page += b"<tr><th>Line</th><th>Number</th></tr><tr><td>Main</td><td>888 5333002</td></tr>"
    page += b"</table></body></html>"
    assert import_document(page, "kb.html").document.text.splitlines() == [
        "# Lines",
        "3. Third",
        "Line | Number",
        "Main | 888 5333002",
    ]
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Main", "888 5333002"
    out = io.BytesIO()
    document.save(out)
    assert import_document(out.getvalue(), "t.docx").document.text == "Main | 888 5333002"


def _zip(names: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in names.items():
            archive.writestr(name, content)
    return out.getvalue()


def _pdf(encrypt: str | None = None, text: bool = True) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, encrypt=encrypt)
    if text:
        page.drawString(72, 720, "Main Hotline (888 5333002)")
    else:  # a scan: only a picture of the page, no text layer
        page.rect(72, 72, 400, 600, fill=1)
    page.save()
    return out.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BAD = {
    "truncated.pdf": (lambda: _document("rondesse", "pdf")[:400], "damaged PDF"),
    "locked.pdf": (lambda: _pdf(encrypt="secret"), "password-protected"),
    "scan.pdf": (lambda: _pdf(text=False), "no text layer"),
    "archive.docx": (lambda: _zip({"notes.txt": b"hello"}), "not a Word .docx"),
    "truncated.docx": (lambda: _document("rondesse", "docx")[:300], "corrupt zip"),
    "broken.docx": (lambda: _zip({"word/document.xml": b"<w:document"}), "damaged Word"),
    "locked.docx": (lambda: OLE + "EncryptedPackage".encode("utf-16-le"), "password-protected"),
    "old.doc": (lambda: OLE + b"\x00" * 64, "legacy Word .doc"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_unreadable_files_are_refused_naming_the_problem(name: str, tmp_path: Path) -> None:
    make, said = BAD[name]
    with pytest.raises(DocumentError) as refused:
        import_document(make(), name)
    assert said in refused.value.message
    source, out, err = tmp_path / name, tmp_path / "draft.yaml", io.StringIO()
    source.write_bytes(make())
    assert run_import(source, out, err) == 2
    assert said in err.getvalue() and "no draft written" in err.getvalue()
    assert not out.exists()


def test_the_command_reads_a_docx_and_refuses_a_scan_with_exit_2(tmp_path: Path) -> None:
    good, scan = tmp_path / "sop.docx", tmp_path / "scan.pdf"
    good.write_bytes(_document("rondesse", "docx"))
    scan.write_bytes(_pdf(text=False))
    command = [sys.executable, "-m", "sopdesk", "import-sop"]
    done = subprocess.run([*command, str(good)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("# DRAFT playbook")
    assert "(read as docx)" in done.stderr
    done = subprocess.run([*command, str(scan)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert "no text layer" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_recipe_is_nothing_recognised_in_every_format(fmt: str, tmp_path: Path) -> None:
    source, err = tmp_path / f"bread.{fmt}", io.StringIO()
    source.write_bytes(render(RECIPE, fmt))
    assert run_import(source, None, err) == 1
    assert "nothing recognised as an SOP" in err.getvalue()


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url)) as c:
        yield c


def _post(
    client: TestClient, factory: sessionmaker[Session], user: object, name: str, data: bytes
) -> httpx.Response:
    bearer = {"Authorization": f"Bearer {token_for(factory, user)}"}  # type: ignore[arg-type]
    return client.post(API, headers=bearer, files={"file": (name, data)})


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_supervisor_gets_the_draft_findings_and_unplaced_text(
    client: TestClient, session_factory: sessionmaker[Session], world: World, fmt: str
) -> None:
    response = _post(
        client, session_factory, world.supervisor_sam, f"sop.{fmt}", _document("rondesse", fmt)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["playbook_yaml"].startswith("# DRAFT playbook")
    assert Playbook.model_validate(yaml.safe_load(body["playbook_yaml"])).lines
    assert isinstance(body["findings"], list)
    document = body["document_text"].splitlines()
    assert body["unplaced"] and all(document[u["line"] - 1] == u["text"] for u in body["unplaced"])
    assert any("Introduction" in u["text"] for u in body["unplaced"])


def test_only_supervisors_and_admins_import(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    data = _document("myoperator", "docx")
    agent = _post(client, session_factory, world.agent_ana, "sop.docx", data)
    assert agent.status_code == 403
    assert client.post(API, files={"file": ("sop.docx", data)}).status_code == 401
    # Nothing is stored or read from an org: another org's supervisor gets the same draft.
    sam = _post(client, session_factory, world.supervisor_sam, "sop.docx", data)
    olga = _post(client, session_factory, world.other_org_olga, "sop.docx", data)
    assert sam.json() == olga.json()


@pytest.mark.parametrize(
    ("name", "data", "code", "said"),
    [
        ("scan.pdf", None, "unreadable_document", "no text layer"),
        ("archive.docx", _zip({"a.txt": b"x"}), "unreadable_document", "not a Word .docx"),
        ("bread.html", render(RECIPE, "html"), "nothing_recognised", "nothing recognised"),
        ("empty.txt", b"", "nothing_recognised", "holds no text"),
    ],
    ids=["scan", "zip", "recipe", "empty"],  # a zip's bytes hold its time: ids must not
)
def test_bad_uploads_are_422_naming_file(
    client: TestClient,
    session_factory: sessionmaker[Session],
    world: World,
    name: str,
    data: bytes | None,
    code: str,
    said: str,
) -> None:
    response = _post(
        client,
        session_factory,
        world.supervisor_sam,
        name,
        _pdf(text=False) if data is None else data,
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code and said in error["message"]
    assert error["fields"][0]["field"] == "file"


def test_a_missing_file_and_an_oversized_one_are_refused(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    bearer = {"Authorization": f"Bearer {token_for(session_factory, world.supervisor_sam)}"}
    missing = client.post(API, headers=bearer, data={"other": "x"})
    assert missing.status_code == 422
    assert missing.json()["error"]["fields"][0]["field"] == "file"
    big = client.post(API, headers=bearer, files={"file": ("big.txt", b"x" * (10 * 2**20 + 1))})
    assert big.status_code == 413
