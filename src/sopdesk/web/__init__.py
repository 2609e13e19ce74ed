"""The web edge: FastAPI app, JSON API (`api/`), HTML pages with htmx (`ui/`), live events.

Routes parse requests and call the rooms' service functions; no business rule lives here.
May import every room's services; nothing may import the web.

Must not import: sopdesk.cli, sopdesk.demo.
"""
