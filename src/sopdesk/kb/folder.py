"""Which files of a folder are articles: every `*.md`, outside folders that hold no articles.

`sopdesk kb import .` on a project folder must not walk into its virtual environment or its
`node_modules` (hundreds of packages' README files, each then "not an article"): hidden
folders, virtual environments, `node_modules` and `__pycache__` are skipped, and named.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# Folders that hold tools' files, never a team's articles.
_NOT_ARTICLES = frozenset({"node_modules", "__pycache__", "site-packages"})
# A folder holding one of these is a Python virtual environment (venv, virtualenv or conda).
_VENV_MARKERS = ("pyvenv.cfg", "conda-meta")


@dataclass(frozen=True)
class ArticleFiles:
    """The article files under a folder, sorted, and the folders skipped (relative to it)."""

    paths: list[Path]
    skipped: list[str]


def _skipped(folder: Path) -> bool:
    name = folder.name
    if name.startswith(".") or name in _NOT_ARTICLES:
        return True
    return any((folder / marker).exists() for marker in _VENV_MARKERS)


def article_files(directory: Path) -> ArticleFiles:
    """Every `*.md` under `directory`, except inside skipped folders (not entered at all)."""
    paths: list[Path] = []
    skipped: list[str] = []
    for top, folders, files in os.walk(directory):
        here = Path(top)
        kept = []
        for name in sorted(folders):
            if _skipped(here / name):
                skipped.append(str((here / name).relative_to(directory)))
            else:
                kept.append(name)
        folders[:] = kept  # os.walk enters only what is left in the list
        paths.extend(here / f for f in files if f.endswith(".md"))
    return ArticleFiles(sorted(paths), sorted(skipped))
