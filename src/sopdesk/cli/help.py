"""How `sopdesk ... --help` reads: `--org ORG`, `--json`, `PATHS...`, never `<str>` or `<bool>`.

Typer labels every parameter with its Python type (`--json <bool>`, `paths... <list[Path]>`,
`{file}` in the usage line). Our commands print the classic Unix form instead: a value option
shows its metavar (its name in capitals unless it names one), a flag shows nothing, an
argument shows its metavar. The help text of each parameter (with its default, range and
`[required]`) is Typer's own.
"""

from __future__ import annotations

import typer
from typer import _click  # Typer vendors Click: its Context and HelpFormatter types live here
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

SHORT_HELP_LIMIT = 200


def metavar(param: _click.Parameter) -> str:
    """The parameter's own metavar, else its name in capitals (`smtp_port` -> `SMTP_PORT`)."""
    return param.metavar or (param.name or "value").upper()


def label(param: _click.Parameter) -> str:
    """What the help shows for a parameter: `-o, --out OUT`, `--json`, `PATHS...`."""
    if isinstance(param, TyperArgument):
        return metavar(param) + ("..." if param.nargs != 1 else "")
    names = _click.formatting.join_options(param.opts)[0]
    if param.secondary_opts:
        names += " / " + _click.formatting.join_options(param.secondary_opts)[0]
    if isinstance(param, TyperOption) and (param.is_flag or param.count):
        return names
    return f"{names} {metavar(param)}"


def _usage(param: _click.Parameter) -> list[str]:
    if not isinstance(param, TyperArgument):
        return []
    shown = label(param)
    return [shown if param.required else f"[{shown}]"]


def _format_params(
    command: _click.Command, ctx: _click.Context, formatter: _click.HelpFormatter
) -> None:
    sections: dict[str, list[tuple[str, str]]] = {"Arguments": [], "Options": []}
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is not None:
            section = "Arguments" if isinstance(param, TyperArgument) else "Options"
            sections[section].append((label(param), record[1]))
    for title, rows in sections.items():
        if rows:
            with formatter.section(title):
                formatter.write_dl(rows)


class DeskCommand(TyperCommand):
    """A command whose help shows metavars, not Python types."""

    def collect_usage_pieces(self, ctx: _click.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            pieces += _usage(param)
        return pieces

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _format_params(self, ctx, formatter)


class DeskGroup(TyperGroup):
    """A group of commands; its own options (`--version`, `--help`) read as DeskCommand's."""

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _format_params(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        # Each command's whole first sentence, wrapped: Click cuts it to one line with "...".
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=SHORT_HELP_LIMIT)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def use_desk_help(app: typer.Typer) -> None:
    """Give every command and group registered under `app` the desk's help.

    Called once, after every command is registered, so commands defined in the rooms (for
    example `sopdesk kb ...`, which must not import the CLI) get it without knowing about it.
    """
    for command in app.registered_commands:
        if command.cls in (None, TyperCommand):  # Typer's default; a class of its own stays
            command.cls = DeskCommand
    for group in app.registered_groups:
        if not group.cls or group.cls is TyperGroup:  # unset is a falsy placeholder
            group.cls = DeskGroup
        if group.typer_instance is not None:
            use_desk_help(group.typer_instance)
