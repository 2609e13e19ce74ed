"""The README documents every command and every setting: adding one without it fails here."""

from __future__ import annotations

from pathlib import Path

import typer.main

from sopdesk.cli import app
from sopdesk.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _commands(group: typer.Typer, prefix: str = "sopdesk") -> list[str]:
    click_group = typer.main.get_command(group)
    names = []
    for name, command in click_group.commands.items():  # type: ignore[attr-defined]
        if hasattr(command, "commands"):
            names += [f"{prefix} {name} {sub}" for sub in command.commands]
        else:
            names.append(f"{prefix} {name}")
    return names


def test_every_command_is_in_the_readme() -> None:
    missing = [name for name in _commands(app) if f"`{name}" not in README]
    assert missing == []


def test_every_setting_is_in_the_readme() -> None:
    variables = [f"SOPDESK_{name.upper()}" for name in Settings.model_fields]
    assert [v for v in variables if v not in README] == []


def test_the_two_commands_are_shown() -> None:
    assert "make run" in README and "make test" in README
