"""Reports: figures over interactions, wrap-ups, CRM records, tasks and tickets, for one org.

`query.py` reads typed rows (`rows.py`) through the rooms' tables, always filtered by org;
`volume.py`, `handling.py`, `documentation.py` and `sla.py` are pure aggregations of those rows
into typed reports; `service.py` scopes a request to what the reader's role may see. Reports
only read: nothing here writes a row.

Must not import: sopdesk.kb, sopdesk.channels, sopdesk.web, sopdesk.cli, sopdesk.demo,
sopdesk.models.
"""
