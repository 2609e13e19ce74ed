"""The playbook language: the typed shape of an SOP (`schema`), its durations, and reading
playbook files into it with a map back to source lines (`loader`).

`schema` and `durations` are pure. `loader.load_text` reads the text it is given; its file
functions (`load_file`, `load_org`, `discover`) are the language's one I/O edge, used by the
linter, the test cases and the CLI, never by the engine.

Must not import: sopdesk.playbooks.engine, sopdesk.playbooks.lint, sopdesk.playbooks.cases,
sopdesk.playbooks.importer.
"""
