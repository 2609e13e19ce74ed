"""A playbook's folder on disk and back: `playbook.yaml` beside its other files (test cases,
the traceability table, articles, the SOP sources), so that a team can keep the source of
truth in git, publish from CI, and export what the desk holds without loss.

Only text travels: the desk stores each file as UTF-8 text, so a file that is not (an image,
a .docx) is refused by name rather than dropped. Hidden files and folders (`.git`, editor
swap files) are not the playbook's and are left out; the caller is told which.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sopdesk.errors import FieldProblem, Refusal

PLAYBOOK_FILE = "playbook.yaml"


class FolderError(Refusal):
    def __init__(self, path: Path | str, message: str) -> None:
        text = f"{path}: {message}"
        super().__init__(422, "invalid", text, [FieldProblem("folder", text)])


@dataclass(frozen=True)
class PlaybookFolder:
    content: str  # playbook.yaml
    files: dict[str, str]  # every other file, by its path relative to the folder
    left_out: list[str] = field(default_factory=list)  # hidden files and folders


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") or part == "__pycache__" for part in relative.parts)


def read_folder(folder: Path) -> PlaybookFolder:
    """The playbook and its files as the desk stores them."""
    main = folder / PLAYBOOK_FILE
    if main.is_symlink() or not main.is_file():
        raise FolderError(folder, f"no {PLAYBOOK_FILE} in this folder")
    files: dict[str, str] = {}
    left_out: list[str] = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if _hidden(relative):
            if path.is_file():
                left_out.append(relative.as_posix())
            continue
        if path.is_symlink():
            # A link could publish a file from outside the folder (a key, a CI secret) to
            # everyone who can download the version.
            raise FolderError(relative, "is a symbolic link: only the folder's own files travel")
        if not path.is_file() or path == main:
            continue
        try:
            files[relative.as_posix()] = _read(path)
        except UnicodeDecodeError:
            raise FolderError(
                relative, "is not UTF-8 text: only text files travel with a playbook"
            ) from None
    return PlaybookFolder(_read(main), files, left_out)


def _read(path: Path) -> str:
    # newline="": the text as it is on disk (CRLF stays CRLF), so a round trip loses nothing.
    with path.open(encoding="utf-8", newline="") as source:
        return source.read()


def write_folder(folder: Path, content: str, files: Mapping[str, str]) -> list[Path]:
    """Write the playbook and its files into `folder`, which must be empty or new, so that
    nothing of another export is left mixed in."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise FolderError(folder, "exists and is not an empty folder")
    written = []
    for relative, text in {PLAYBOOK_FILE: content, **files}.items():
        target = folder / relative
        if folder.resolve() not in target.resolve().parents:
            raise FolderError(relative, "is outside the folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        # newline="": the text is written exactly as stored, no line endings translated.
        with target.open("w", encoding="utf-8", newline="") as out:
            out.write(text)
        written.append(target)
    return written


def folder_zip(folder_name: str, content: str, files: Mapping[str, str]) -> bytes:
    """The folder as a .zip (`folder_name/playbook.yaml`, `folder_name/tests/...`): what a
    browser downloads to put in git, the same files `write_folder` writes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative, text in sorted({PLAYBOOK_FILE: content, **files}.items()):
            archive.writestr(f"{folder_name}/{relative}", text.encode("utf-8"))
    return out.getvalue()
