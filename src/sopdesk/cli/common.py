"""What every `sopdesk` command shares: the way it refuses."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `error: message` on stderr; raise the answer to exit with `code` (2: usage)."""
    # Escaped: a message may hold brackets ("[default: ...]") that Rich would take as markup.
    Console(stderr=True).print(
        f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True
    )
    return typer.Exit(code)
