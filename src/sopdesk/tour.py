"""`make run` until the web desk lands: lint and test the seed playbooks, then pop three calls."""

from __future__ import annotations

import io

from rich.console import Console

from sopdesk.playbooks import engine
from sopdesk.playbooks.cases import run_cases
from sopdesk.playbooks.lint import run_lint
from sopdesk.playbooks.loader import load_org
from sopdesk.playbooks.render import print_screen
from sopdesk.settings import get_settings

CALLS = [
    ("rondesse", {"label": "Rondesse Main Number"}),
    ("rondesse", {"label": "Rondesse PSOS"}),
    ("myoperator", {"number": "+91 22 4000 0000"}),
]


def main() -> int:
    console = Console()
    directory = get_settings().playbooks
    console.rule(f"sopdesk: playbooks in {directory}")
    lint_out, test_out = io.StringIO(), io.StringIO()
    lint_code = run_lint([directory], lint_out)
    test_code = run_cases([directory], test_out)
    console.print(f"lint:  {lint_out.getvalue().strip().splitlines()[-1]}")
    console.print(f"tests: {test_out.getvalue().strip().splitlines()[-1]}")
    for org, call in CALLS:
        playbook = load_org(directory, org).playbook
        console.rule(f"A call rings for {playbook.org.name}: {call}")
        print_screen(console, engine.resolve_call(playbook, "Ana Reyes", **call))
    console.print(
        "\nTry it yourself:  .venv/bin/sopdesk call --org rondesse --label 'Rondesse USOS' "
        "--agent 'Your Name'"
    )
    return lint_code or test_code


if __name__ == "__main__":
    raise SystemExit(main())
