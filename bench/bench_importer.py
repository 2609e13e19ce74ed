"""How much of each hand-written seed playbook the importer's draft reproduces.

Run: .venv/bin/python bench/bench_importer.py [-v]
Reads each seed document from playbooks/<org>/sources/ and its hand-written playbook from
playbooks/<org>/playbook.yaml; skips, saying why, when one is absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from sopdesk.playbooks.importer import import_sop
from sopdesk.playbooks.importer.score import Score, score
from sopdesk.playbooks.language.schema import Playbook

ROOT = Path(__file__).resolve().parent.parent
# Seed document -> the folder of its hand-written playbook.
PAIRS = {
    "004_bd3fd1b67684f510.txt": "rondesse",
    "000_ca12d654b0457964.txt": "myoperator",
}
TARGET = 0.9


def measure(seed: Path, reference: Path) -> tuple[Score, int]:
    """The draft's score against the reference, and how many source lines it left unplaced."""
    result = import_sop(seed.read_text(encoding="utf-8"), seed.name)
    text = reference.read_text(encoding="utf-8")
    return score(result.playbook, Playbook.model_validate(yaml.safe_load(text)), text), len(
        result.unplaced
    )


def report(name: str, result: Score, unplaced: int, verbose: bool) -> str:
    rows = [
        f"{name}",
        f"  {'category':<18}{'matched':>9}{'share':>8}{'assumed*':>10}{'drafted':>9}",
    ]
    for c in result.categories:
        share = f"{c.share:.0%}" if c.share is not None else "-"
        assumed = f"{c.assumed_matched}/{c.assumed}" if c.assumed else ""
        rows.append(
            f"  {c.name:<18}{f'{c.matched}/{c.expected}':>9}{share:>8}{assumed:>10}{c.drafted:>9}"
        )
    rows.append(f"  total (document-derived elements): {result.total:.1%}")
    rows.append(f"  total (assumptions counted too):   {result.total_all:.1%}")
    rows.append(f"  unplaced source lines: {unplaced}")
    if verbose:
        rows.append("  missed (document-derived reference elements the draft lacks):")
        rows.extend(f"    {c.name}: {what[:90]}" for c in result.categories for what in c.missed)
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    totals = []
    for seed_name, folder in PAIRS.items():
        seed = ROOT / "playbooks" / folder / "sources" / seed_name
        reference = ROOT / "playbooks" / folder / "playbook.yaml"
        if not (seed.is_file() and reference.is_file()):
            print(f"skipped {folder}: {seed if not seed.is_file() else reference} not found")
            continue
        result, unplaced = measure(seed, reference)
        totals.append(result.total)
        print(report(f"{folder} ({seed_name})", result, unplaced, verbose))
    print(
        "* assumed: reference elements marked 'Assumption:' / 'Not in the SOP' in its YAML; "
        "not expected from an importer and left out of the first total."
    )
    met = sum(t >= TARGET for t in totals)
    print(f"target {TARGET:.0%} met for {met} of {len(totals)} seed(s); -v lists what was missed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
