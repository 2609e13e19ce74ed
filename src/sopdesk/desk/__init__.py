"""The desk: interactions from ring to wrap-up, and the live queue.

May import the playbook engine, the CRM and orgs; must not import the web or channels (they
call in here).

Must not import: sopdesk.kb, sopdesk.channels, sopdesk.web, sopdesk.cli, sopdesk.demo,
sopdesk.models.
"""
