"""The CRM: accounts, contacts, leads, call logs, notes on accounts, tasks, and the audit log.

May import `sopdesk.db` and `sopdesk.orgs`; must not import the desk, the web or channels.

Must not import: sopdesk.events, sopdesk.kb, sopdesk.escalations, sopdesk.desk,
sopdesk.channels, sopdesk.web, sopdesk.cli, sopdesk.demo, sopdesk.models.
"""
