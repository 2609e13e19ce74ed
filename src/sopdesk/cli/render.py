"""The call screen in a terminal, for `sopdesk call`."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from sopdesk.playbooks.engine import Screen


def _header(screen: Screen) -> Text:
    text = Text()
    text.append(f" {screen.urgency.name.upper()} ", style=f"bold white on {screen.urgency.color}")
    text.append(f"  {screen.org.name} · {screen.line.name}", style="bold")
    text.append(f"  (matched by {screen.matched_by}, playbook {screen.playbook_version})", "dim")
    return text


def _opening(screen: Screen) -> Text:
    if screen.greeting is not None:
        return Text.assemble(("Say: ", "bold"), (f"“{screen.greeting}”", "green"))
    return Text(screen.banner or screen.mode.upper(), style="bold white on red")


def _steps(screen: Screen) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    for number, step in enumerate(screen.steps, 1):
        flag = "" if step.required else " (optional)"
        when = " [after the call]" if step.kind == "after_call" else ""
        table.add_row(f"☐ {number}.", f"{step.text}{flag}{when}")
        for choice in step.choices:
            table.add_row("", f"  → {choice.label}")
    return table


def print_screen(console: Console, screen: Screen) -> None:
    parts: list[Text | Table] = [_header(screen)]
    parts += [Text(f"⚠ {w}", style="bold yellow") for w in screen.warnings]
    parts += [Text(), _opening(screen), Text(), Text("Steps", style="bold underline")]
    parts.append(_steps(screen))
    if screen.advice:
        parts += [Text(), Text("Advice you may give", style="bold underline")]
        parts += [Text(f"• {a}") for a in screen.advice]
    if screen.scenarios:
        parts += [Text(), Text("Scenarios that may arise", style="bold underline")]
        for sc in screen.scenarios:
            team = f" → {sc.handoff.team_name}" if sc.handoff else ""
            parts.append(Text(f"• {sc.name}{team}: {', '.join(f.label for f in sc.fields)}"))
    for policy in screen.policies:
        parts += [Text(), Text(f"Escalation: {policy.name}", style="bold underline")]
        parts.append(Text(f"{policy.tell_caller} ({policy.sla or 'no SLA'})"))
        if policy.forbidden_channels:
            parts.append(Text(f"Never by: {', '.join(policy.forbidden_channels)}", style="red"))
    parts += [Text(), Text("Before wrap-up, document", style="bold underline")]
    for doc in screen.documentation:
        stage = f" stage {doc.stage}" if doc.stage else ""
        parts.append(Text(f"• {doc.record.replace('_', ' ')}{stage}: {doc.when}"))
    console.print(Panel(Group(*parts), title="Incoming call", border_style=screen.urgency.color))
