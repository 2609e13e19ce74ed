"""Edges that parse outside input (RingCentral webhooks, email, plain call APIs) into core types.

Each channel is a parser, pure where it can be, plus where useful a sender for demos and load
tests. Imports flow inward: a channel may import services and the core, never `sopdesk.web`;
the web layer calls a channel and hands what it parsed to the services.

Must not import: sopdesk.web, sopdesk.cli, sopdesk.demo.
"""
