"""The rooms' import rules, read from their own docstrings and enforced on every import.

A package's docstring may say `Must not import: a, b, c.` (none of its modules may import those
modules or anything below them) and `Front doors only: x, y.` (outside package x, import x itself,
never its modules). Every room must state its rule, so a new room cannot slip in unruled.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
# Rooms without a "Must not import" rule, and why.
UNRULED = {
    "sopdesk.cli": "the outermost edge: it may import every room",
    "sopdesk.migrations": "Alembic scripts, loaded by Alembic, not imported by rooms",
}


@dataclass(frozen=True)
class Rules:
    forbidden: dict[str, tuple[str, ...]]  # package -> modules it must not import
    front_doors: tuple[str, ...]


def module_name(path: Path, src: Path) -> str:
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _listed(doc: str, heading: str) -> tuple[str, ...]:
    match = re.search(rf"{heading}:(.*?)\.(?:\n|$)", doc, re.S)
    if not match:
        return ()
    return tuple(name.strip() for name in match.group(1).replace("\n", " ").split(","))


def read_rules(src: Path) -> Rules:
    forbidden: dict[str, tuple[str, ...]] = {}
    doors: list[str] = []
    for init in sorted(src.rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        package = module_name(init, src)
        if names := _listed(doc, "Must not import"):
            forbidden[package] = names
        doors += _listed(doc, "Front doors only")
    return Rules(forbidden, tuple(doors))


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, anywhere in it (functions too), with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from pkg import mod` imports pkg.mod when mod is a module.
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _is_module(name: str, src: Path) -> bool:
    path = src.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def violations(src: Path) -> list[str]:
    rules = read_rules(src)
    found = []
    for path in sorted(src.rglob("*.py")):
        me = module_name(path, src)
        for line, target in imports_of(path):
            if not target.startswith("sopdesk") or not _is_module(target, src):
                continue
            where = f"{path.relative_to(src)}:{line}: {me} imports {target}"
            for package, banned in rules.forbidden.items():
                if _under(me, package):
                    found += [f"{where} ({package} must not import {b})" for b in banned
                              if _under(target, b)]  # fmt: skip
            for door in rules.front_doors:
                if target.startswith(door + ".") and not _under(me, door):
                    found.append(f"{where} (use the front door {door})")
    return found


def test_every_import_keeps_the_rooms_rules() -> None:
    assert violations(SRC) == []


def test_every_room_states_its_rule() -> None:
    rules = read_rules(SRC)
    rooms = {module_name(p, SRC) for p in (SRC / "sopdesk").glob("*/__init__.py")}
    unruled = sorted(rooms - set(rules.forbidden) - set(UNRULED))
    assert unruled == [], (
        f"rooms whose docstring says nothing of what they must not import: {unruled}"
    )
    assert rules.front_doors, "the playbook package names its front doors"


def test_the_check_catches_a_broken_rule(tmp_path: Path) -> None:
    """A room importing what its docstring forbids, and a module behind a front door."""
    pkg = tmp_path / "sopdesk"
    for folder, doc in {
        "crm": "The CRM.\n\nMust not import: sopdesk.desk.",
        "desk": "The desk.",
        "playbooks": "Front doors only: sopdesk.playbooks.engine.",
        "playbooks/engine": "The engine.",
    }.items():
        (pkg / folder).mkdir(parents=True)
        (pkg / folder / "__init__.py").write_text(f'"""{doc}\n"""\n')
    (pkg / "__init__.py").write_text("")
    (pkg / "playbooks/engine/screen.py").write_text("")
    (pkg / "desk/service.py").write_text("X = 1\n")
    (pkg / "crm/service.py").write_text(
        "def f():\n"
        "    from sopdesk.desk import service\n"
        "    import sopdesk.playbooks.engine.screen\n"
    )
    found = violations(tmp_path)
    assert len(found) == 3, found  # desk (from-import of a module counts twice: pkg and module)
    assert any("use the front door sopdesk.playbooks.engine" in f for f in found)
    assert any("must not import sopdesk.desk" in f for f in found)


@pytest.mark.parametrize("package", sorted(UNRULED))
def test_unruled_rooms_exist(package: str) -> None:
    assert _is_module(package, SRC) or (SRC / package.replace(".", "/")).is_dir()
