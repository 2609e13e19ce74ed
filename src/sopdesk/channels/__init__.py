"""Edges that parse outside input (RingCentral webhooks, email, plain call APIs) into core types.

Each channel is a pure parser plus, where useful, a sender for demos and load tests. Channels
may import the core (`sopdesk.playbooks`) but must not import `sopdesk.web`, the desk or the
database: the web layer calls a channel's parser and hands the result to the desk.
"""
