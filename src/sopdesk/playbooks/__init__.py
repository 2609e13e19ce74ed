"""The playbook language and everything that reads it: the engine, the linter, the test cases and
the SOP importer. Pure: it imports no other part of sopdesk, so every room can use it.

Outside this package, the engine, the linter, the test cases and the importer are used through
their package's front door, never their modules; the language's modules (`language.schema`,
`language.loader`) are public.

Front doors only: sopdesk.playbooks.engine, sopdesk.playbooks.lint, sopdesk.playbooks.cases,
sopdesk.playbooks.importer.

Must not import: sopdesk.db, sopdesk.events, sopdesk.errors, sopdesk.settings, sopdesk.orgs,
sopdesk.crm, sopdesk.kb, sopdesk.escalations, sopdesk.desk, sopdesk.channels, sopdesk.web,
sopdesk.cli, sopdesk.demo, sopdesk.models.
"""
