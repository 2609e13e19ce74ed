"""The email edge: SMTP intake listener, the pure ingestion decision, MIME decoding, outbound mail.

May import the escalations services and core types; must not import `sopdesk.web`.

Must not import: sopdesk.web, sopdesk.cli, sopdesk.desk, sopdesk.channels.ringcentral.
"""
