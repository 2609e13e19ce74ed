"""Reading playbook files: YAML text in, a validated `Playbook` plus a map back to source lines.

Owns parsing and schema validation. Semantic checks live in `lint`; running lives in `engine`.
Never raises anything but `PlaybookError`, whose findings carry `file:line` and a plain message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sopdesk.playbooks.language.schema import Playbook

PathKey = tuple[str | int, ...]

PLAYBOOK_FILENAMES = ("playbook.yaml", "playbook.yml")


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in a playbook file, as an author would want it reported.

    `line` 0: the problem is with the file or folder as a whole, not one of its lines.
    """

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line == 0:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


class PlaybookError(Exception):
    """A playbook that cannot be loaded; `findings` says every reason found."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__("\n".join(str(f) for f in findings))
        self.findings = list(findings)


class UnknownOrg(PlaybookError):
    """No playbook under the directory is for `org`; `known` lists the org ids that are."""

    def __init__(self, directory: Path, org: str, known: Sequence[str], unloaded: int) -> None:
        listed = f"known: {', '.join(known)}" if known else "no playbook loaded"
        hint = f"; {unloaded} playbook files did not load" if unloaded else ""
        message = f"no playbook for org '{org}' ({listed}{hint})"
        # The directory, not a line in it: no file is at fault.
        super().__init__([Finding(str(directory), 0, message)])
        self.org = org
        self.known = tuple(known)


@dataclass(frozen=True)
class SourceMap:
    """Where each key path of the parsed document starts in its file."""

    file: str
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: Iterable[str | int]) -> int:
        """Line of the deepest known node on `path` (1 when nothing is known)."""
        key: PathKey = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), 1)

    def finding(self, path: Iterable[str | int], message: str) -> Finding:
        return Finding(self.file, self.line_of(path), message)


@dataclass(frozen=True)
class LoadedPlaybook:
    playbook: Playbook
    source: SourceMap
    raw: dict[str, Any]


# libyaml's parser is ~10x faster; the pure-Python one is the fallback where it is missing.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# A scalar's implicit tag depends only on its text and how it was written (no path resolvers
# are registered), and resolving it is regular expressions in Python even under libyaml: the
# answers are kept, so the editor's check (the same text parsed on every keystroke) and the
# test cases skip the work. Bounded: a cache of a few thousand short strings.
_SCALAR_TAGS: dict[tuple[str, tuple[bool, bool]], str] = {}
_SCALAR_TAGS_MAX = 50_000
_SCALAR_CACHED_CHARS = 200


class _UniqueKeyLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that refuses duplicate keys, which PyYAML would otherwise overwrite."""

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is not yaml.ScalarNode or len(value) > _SCALAR_CACHED_CHARS:
            tag: str = super().resolve(kind, value, implicit)
            return tag
        key = (value, implicit)
        cached = _SCALAR_TAGS.get(key)
        if cached is None:
            cached = super().resolve(kind, value, implicit)
            if len(_SCALAR_TAGS) < _SCALAR_TAGS_MAX:
                _SCALAR_TAGS[key] = cached
        return cached


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    mapping: dict[Any, Any] = loader.construct_mapping(node)
    return mapping


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _walk(node: yaml.Node, path: PathKey, out: dict[PathKey, int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            child = (*path, key)
            _walk(value_node, child, out)
            # The key's own line is what an author looks for, not where its value starts.
            out[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), out)


def _yaml_finding(file: str, exc: yaml.YAMLError) -> Finding:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    detail = f"{context}: {problem}" if context else str(problem)
    return Finding(file, line, f"malformed YAML: {detail}")


def _describe(error: Any) -> str:
    kind = error["type"]
    loc = ".".join(str(p) for p in error["loc"])
    if kind == "extra_forbidden":
        return f"unknown key '{error['loc'][-1]}'"
    if kind == "missing":
        return f"missing required key '{error['loc'][-1]}'"
    where = f"'{loc}': " if loc else ""
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if kind.endswith("_type") or kind in {"literal_error", "enum", "string_pattern_mismatch"}:
        return f"{where}{message} (got {value!r})"
    return f"{where}{message}"


def _validation_findings(source: SourceMap, exc: ValidationError) -> list[Finding]:
    findings = []
    for error in exc.errors():
        # Discriminated unions put the tag name in the location; drop it so lines resolve.
        path = tuple(p for p in error["loc"] if p not in ("weekly_cycle", "recurring_reminder"))
        findings.append(source.finding(path, _describe(error)))
    return sorted(set(findings))


def parse_text(text: str, file: str = "<string>") -> tuple[dict[str, Any], SourceMap]:
    """Parse YAML into plain data and its source map; malformed YAML raises PlaybookError."""
    loader = _UniqueKeyLoader(text)
    try:
        # One parse gives both the node tree (for line numbers) and the data built from it.
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise PlaybookError([_yaml_finding(file, exc)]) from None
    finally:
        loader.dispose()
    if node is None or not isinstance(data, dict):
        raise PlaybookError([Finding(file, 1, "a playbook must be a YAML mapping of keys")])
    lines: dict[PathKey, int] = {}
    _walk(node, (), lines)
    return data, SourceMap(file, lines)


def load_text(text: str, file: str = "<string>") -> LoadedPlaybook:
    """Parse and validate one playbook document."""
    data, source = parse_text(text, file)
    try:
        playbook = Playbook.model_validate(data)
    except ValidationError as exc:
        raise PlaybookError(_validation_findings(source, exc)) from None
    return LoadedPlaybook(playbook, source, data)


def load_file(path: Path) -> LoadedPlaybook:
    """Read and validate a playbook file; unreadable files are findings too."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PlaybookError([Finding(name, 1, f"not UTF-8 text: {exc.reason}")]) from None
    except OSError as exc:
        raise PlaybookError([Finding(name, 1, f"cannot read file: {exc.strerror}")]) from None
    return load_text(text, name)


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Playbook files named by `paths`: files as given, directories searched recursively.

    In a directory, every `playbook.yaml` is a playbook; so is any other `*.yaml` outside a
    `tests/` folder, so that many playbooks can share one directory.
    """
    for path in paths:
        if path.is_dir():
            for candidate in sorted(path.rglob("*.y*ml")):
                if "tests" not in candidate.relative_to(path).parts[:-1]:
                    yield candidate
        else:
            yield path


def load_org(directory: Path, org_id: str) -> LoadedPlaybook:
    """The playbook under `directory` whose org id or name is `org_id` (case-insensitive)."""
    unloaded = 0
    known: list[str] = []
    for path in discover([directory]):
        try:
            loaded = load_file(path)
        except PlaybookError:
            unloaded += 1
            continue
        org = loaded.playbook.org
        if org_id.strip().lower() in (org.id, org.name.lower()):
            return loaded
        known.append(org.id)
    raise UnknownOrg(directory, org_id, known, unloaded)
