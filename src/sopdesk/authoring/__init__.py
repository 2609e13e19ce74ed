"""SOP authors' work on playbooks: an uploaded SOP document turned into a linted draft
(`drafts`), and the library (`library`): drafts edited, tested, reviewed, published, and
versions rolled back, each step in the org's audit trail.

Uses the playbook language through its front doors, publishes through `sopdesk.orgs`, audits
through `sopdesk.crm`, and answers refusals as `sopdesk.errors` does for every room.

Must not import: sopdesk.events, sopdesk.settings, sopdesk.kb, sopdesk.escalations,
sopdesk.desk, sopdesk.channels, sopdesk.web, sopdesk.cli, sopdesk.demo, sopdesk.models.
"""
