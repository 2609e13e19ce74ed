"""Escalations: tickets opened by email or from the desk, their SLA clocks, the sweeper, replies.

May import `sopdesk.db`, `sopdesk.events`, `sopdesk.orgs`, `sopdesk.crm`, `sopdesk.desk` models
and the playbook core; must not import `sopdesk.web` or `sopdesk.channels` (edges call in here;
outbound mail leaves through the `Mailer` protocol that an edge implements).

Must not import: sopdesk.kb, sopdesk.desk, sopdesk.channels, sopdesk.web, sopdesk.cli,
sopdesk.demo, sopdesk.models.
"""
