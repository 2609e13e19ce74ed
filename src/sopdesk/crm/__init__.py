"""The CRM: accounts, contacts, leads, call logs, notes on accounts, tasks, and the audit log.

May import `sopdesk.db`, `sopdesk.events` (tasks are live for the teams that work them) and
`sopdesk.orgs`; must not import the desk, the web or channels.

Must not import: sopdesk.kb, sopdesk.escalations, sopdesk.desk,
sopdesk.channels, sopdesk.web, sopdesk.cli, sopdesk.demo, sopdesk.models.
"""
