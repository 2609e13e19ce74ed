"""SOP authors' work on playbooks: an uploaded SOP document turned into a linted draft (`drafts`).

Uses the playbook language through its front doors and answers refusals as `sopdesk.errors`
does for every room. Stores nothing yet.

Must not import: sopdesk.db, sopdesk.events, sopdesk.settings, sopdesk.orgs, sopdesk.crm,
sopdesk.kb, sopdesk.escalations, sopdesk.desk, sopdesk.channels, sopdesk.web, sopdesk.cli,
sopdesk.demo, sopdesk.models.
"""
