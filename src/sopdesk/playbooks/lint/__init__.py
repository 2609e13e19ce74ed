"""The playbook linter: every problem in a set of playbook files, as `file:line: message`.

Owns semantic checks (here and in the `lint_*` modules) and the `sopdesk lint` report.
`lint_playbook` is pure; `lint_paths` and `run_lint` are the I/O edge. Must not import the
engine, the CLI or anything beyond the playbook package.

Must not import: sopdesk.playbooks.engine, sopdesk.playbooks.cases, sopdesk.playbooks.importer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from sopdesk.playbooks.language.loader import (
    Finding,
    LoadedPlaybook,
    PlaybookError,
    SourceMap,
    discover,
    load_file,
)
from sopdesk.playbooks.language.schema import Playbook
from sopdesk.playbooks.lint.docs import check_documentation
from sopdesk.playbooks.lint.fields import (
    check_collection,
    check_fields,
    check_no_collect,
    check_ticket_handoffs,
)
from sopdesk.playbooks.lint.flow import check_steps, duplicate_ids
from sopdesk.playbooks.lint.lines import check_lines, phone_key, region_ok
from sopdesk.playbooks.lint.missed import check_on_missed
from sopdesk.playbooks.lint.refs import (
    check_choice_scenarios,
    check_policies,
    check_scenario_lines,
    check_teams,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class LintUsageError(Exception):
    """The command was asked to lint something that is not there (exit code 2)."""


def lint_playbook(loaded: LoadedPlaybook) -> list[Finding]:
    """Every semantic problem of one playbook that loaded and passed schema validation."""
    playbook, source = loaded.playbook, loaded.source
    findings = [
        *_duplicates(playbook, source),
        *_steps(playbook, source),
        *check_lines(playbook, source),
        *check_documentation(playbook, source),
        *check_teams(playbook, source),
        *check_scenario_lines(playbook, source),
        *check_choice_scenarios(playbook, source),
        *check_policies(playbook, source),
        *check_ticket_handoffs(playbook, source),
        *check_on_missed(playbook, source),
    ]
    return sorted(set(findings))


def _duplicates(playbook: Playbook, source: SourceMap) -> Iterator[Finding]:
    yield from duplicate_ids(playbook.urgencies, ("urgencies",), "urgency", source)
    yield from duplicate_ids(playbook.teams, ("teams",), "team", source)
    yield from duplicate_ids(playbook.lines, ("lines",), "line", source)
    yield from duplicate_ids(playbook.scenarios, ("scenarios",), "scenario", source)
    yield from duplicate_ids(playbook.policies, ("policies",), "policy", source)
    categories = playbook.ticket_categories
    yield from duplicate_ids(categories, ("ticket_categories",), "ticket category", source)
    yield from duplicate_ids(playbook.schedules, ("schedules",), "schedule", source)


def _steps(playbook: Playbook, source: SourceMap) -> Iterator[Finding]:
    """Flow of every step list, plus the fields scenarios collect and categories require."""
    for i, line in enumerate(playbook.lines):
        owner = f"line '{line.id}'"
        yield from check_steps(line.steps, ("lines", i, "steps"), owner, source)
        yield from check_no_collect(line.steps, ("lines", i, "steps"), owner, source)
    for i, scenario in enumerate(playbook.scenarios):
        owner = f"scenario '{scenario.id}'"
        yield from check_steps(scenario.steps, ("scenarios", i, "steps"), owner, source)
        yield from check_fields(scenario.fields, ("scenarios", i, "fields"), owner, source)
        yield from check_collection(scenario, ("scenarios", i), source)
    for i, policy in enumerate(playbook.policies):
        owner = f"policy '{policy.id}'"
        yield from check_steps(policy.steps, ("policies", i, "steps"), owner, source)
        yield from check_no_collect(policy.steps, ("policies", i, "steps"), owner, source)
    for i, category in enumerate(playbook.ticket_categories):
        owner = f"ticket category '{category.id}'"
        yield from check_fields(category.fields, ("ticket_categories", i, "fields"), owner, source)


def _cross_file(loaded: Sequence[LoadedPlaybook]) -> Iterator[Finding]:
    """Problems that only show across files: one org twice, one number in two orgs."""
    org_at: dict[str, str] = {}
    number_at: dict[str, tuple[str, str]] = {}
    for item in loaded:
        org, source = item.playbook.org, item.source
        here = f"{source.file}:{source.line_of(('org', 'id'))}"
        first = org_at.setdefault(org.id, here)
        if first != here:
            yield source.finding(
                ("org", "id"), f"org '{org.id}' is also declared in {first}; one file per org"
            )
            continue
        if not region_ok(org.default_region):
            continue  # reported by check_lines; its numbers cannot be read
        for i, line in enumerate(item.playbook.lines):
            for k, number in enumerate(line.numbers):
                key = phone_key(number, org.default_region)
                path = ("lines", i, "numbers", k)
                if key is None:
                    continue
                other_org, where = number_at.setdefault(
                    key, (org.id, f"{source.file}:{source.line_of(path)}")
                )
                if other_org != org.id:
                    yield source.finding(
                        path,
                        f"number {key} is also claimed by org '{other_org}' in {where}; "
                        "a dialed number must belong to one org",
                    )


def _lint_file(path: Path) -> tuple[LoadedPlaybook | None, list[Finding]]:
    try:
        loaded = load_file(path)
    except PlaybookError as exc:
        return None, exc.findings
    try:
        return loaded, lint_playbook(loaded)
    except Exception as exc:  # the edge: a lint bug must not become a traceback
        return loaded, [_internal_error(str(path), exc)]


def _internal_error(file: str, exc: BaseException) -> Finding:
    return Finding(file, 1, f"internal error while linting: {type(exc).__name__}: {exc}")


def lint_paths(paths: Sequence[Path]) -> tuple[list[Finding], int]:
    """Findings in every playbook under `paths` and the number of files checked.

    Raises LintUsageError when a path does not exist.
    """
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise LintUsageError(f"no such file or directory: {', '.join(missing)}")
    files: dict[Path, Path] = {}
    for path in discover(paths):
        # The same file named twice (a folder and a file in it) is checked once.
        files.setdefault(path.resolve(), path)
    findings: list[Finding] = []
    loaded: list[LoadedPlaybook] = []
    for path in files.values():
        item, found = _lint_file(path)
        findings.extend(found)
        if item is not None:
            loaded.append(item)
    findings.extend(_cross_file(loaded))
    return findings, len(files)


def _summary(findings: Sequence[Finding], checked: int) -> str:
    if not findings:
        return f"{checked} file{'s' if checked != 1 else ''}, no problems"
    count, files = len(findings), len({f.file for f in findings})
    return f"{count} problem{'s' if count != 1 else ''} in {files} file{'s' if files != 1 else ''}"


def run_lint(paths: Sequence[Path], out: TextIO) -> int:
    """Print every finding, sorted, and a summary line; return the process exit code."""
    try:
        findings, checked = lint_paths(paths)
    except LintUsageError as exc:
        print(f"error: {exc}", file=out)
        return EXIT_USAGE
    except Exception as exc:  # the edge: never a traceback, but say what went wrong
        print(_internal_error("-", exc), file=out)
        return EXIT_FINDINGS
    if checked == 0:
        names = ", ".join(str(p) for p in paths)
        print(f"error: no playbook files found in {names}", file=out)
        return EXIT_USAGE
    unique = sorted(set(findings))
    for finding in unique:
        print(finding, file=out)
    print(_summary(unique, checked), file=out)
    return EXIT_FINDINGS if unique else EXIT_CLEAN
