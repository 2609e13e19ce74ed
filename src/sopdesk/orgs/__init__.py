"""Orgs (tenants), their people and roles, API tokens, and the playbooks published for them.

May import the playbook core and `sopdesk.db`; must not import the desk, the web or channels.
"""
