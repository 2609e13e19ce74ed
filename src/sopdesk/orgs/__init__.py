"""Orgs (tenants), their people and roles, API tokens, and the playbooks published for them.

May import the playbook core and `sopdesk.db`; must not import the desk, the web or channels.

Must not import: sopdesk.events, sopdesk.crm, sopdesk.kb, sopdesk.escalations, sopdesk.desk,
sopdesk.channels, sopdesk.web, sopdesk.cli, sopdesk.demo, sopdesk.models.
"""
