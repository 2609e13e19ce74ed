"""The playbook language: the typed shape of an SOP (`schema`), its durations, and reading
playbook files into it with a map back to source lines (`loader`).

Must not import the engine, the linter, the test cases, the importer or anything with I/O
beyond reading the text it is given.

Must not import: sopdesk.playbooks.engine, sopdesk.playbooks.lint, sopdesk.playbooks.cases,
sopdesk.playbooks.importer.
"""
