"""kb: the knowledge base. Articles (Markdown with front matter, versioned per org), their
keyword and semantic index, search, and the suggestions an agent sees on a call.

Owns the `kb_*` tables. Imports the orgs room (org rows, published playbooks) and the playbook
schema; never imports desk, crm, escalations, channels or web: those call `kb.service`.

Must not import: sopdesk.events, sopdesk.crm, sopdesk.escalations, sopdesk.desk,
sopdesk.channels, sopdesk.web, sopdesk.cli, sopdesk.demo, sopdesk.models.
"""
