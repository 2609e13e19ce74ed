"""Which methods a path allows, answered the same way everywhere (RFC 9110 §9.3.7, §15.5.6).

A path served by several routes (`GET` and `POST /api/v1/tickets`, say) is still one resource:
`OPTIONS` on it answers 204 with `Allow` naming every method of every route on the path, and
a 405 for a method none of them takes carries that same `Allow`. The router alone answers
with the first matching route's methods only.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
# Every path a route serves answers OPTIONS, here.
ALWAYS = ("OPTIONS",)


def allowed_methods(routes: list[BaseRoute], scope: Scope) -> list[str]:
    """The methods some route takes on the request's path, sorted; [] when no route serves it.

    Asked of each route through `matches` alone (FastAPI's included routers are routes too);
    mounts are left out: they take every method, and their apps say what they allow.
    """
    found = {
        method
        for route in routes
        if not isinstance(route, Mount)
        for method in METHODS
        if route.matches({**scope, "method": method})[0] == Match.FULL
    }
    return sorted(found | set(ALWAYS)) if found else []


class AllowedMethods:
    """Pure ASGI: answers OPTIONS, and completes the `Allow` of the router's 405s. The routes
    are only looked through for those two, not for every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            allowed = allowed_methods(scope["app"].router.routes, scope)
            if allowed:
                headers = [(b"allow", ", ".join(allowed).encode()), (b"content-length", b"0")]
                await send({"type": "http.response.start", "status": 204, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return

        async def send_with_allow(message: Message) -> None:
            allowed = []
            if message["type"] == "http.response.start" and message["status"] == 405:
                allowed = allowed_methods(scope["app"].router.routes, scope)
            if allowed:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                message["headers"] = [*headers, (b"allow", ", ".join(allowed).encode())]
            await send(message)

        await self.app(scope, receive, send_with_allow)
