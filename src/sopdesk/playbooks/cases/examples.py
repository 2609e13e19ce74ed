"""What the authors typed into each scenario's form in the org's test cases, as examples.

A case that expects the call to close typed values the playbook accepts; the history generator
(`sopdesk.history`) fills scenario forms with them, so a demo history holds scenarios without
the generator inventing values a field's pattern would refuse.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from sopdesk.playbooks.cases.model import CaseFile
from sopdesk.playbooks.engine import FieldValue
from sopdesk.playbooks.language.loader import PlaybookError, parse_text

ScenarioExamples = dict[str, list[dict[str, FieldValue]]]


def scenario_examples(folder: Path) -> ScenarioExamples:
    """Scenario id -> the value sets of `folder/tests/*.yaml` cases that expect to close;
    files that cannot be read give nothing (the linter and `sopdesk test` report them)."""
    found: ScenarioExamples = {}
    for path in sorted((folder / "tests").glob("*.y*ml")):
        try:
            data, _ = parse_text(path.read_text(encoding="utf-8"), str(path))
            spec = CaseFile.model_validate(data)
        except (OSError, UnicodeDecodeError, ValidationError, PlaybookError):
            continue
        for case in spec.cases:
            if case.expect.can_close is not True:
                continue
            for record in case.scenarios:
                if record.values and record.values not in found.setdefault(record.id, []):
                    found[record.id].append(dict(record.values))
    return found
