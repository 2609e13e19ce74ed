"""The FastAPI application: JSON API under /api/v1, pages under /, live events at /events.

Routes are found, not listed: every module in `sopdesk.web.api` with a module-level
`router: APIRouter` is mounted under /api/v1, every module in `sopdesk.web.ui` at /. Both get
the CSRF check and the shared error shape.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from sopdesk import events
from sopdesk.db import (
    make_engine,
    make_if_free_sessionmaker,
    make_reader_sessionmaker,
    make_sessionmaker,
    migrate,
)
from sopdesk.settings import BUNDLED_VENDOR, Settings, installed_version
from sopdesk.web import api, live, ui
from sopdesk.web.bus import make_bus
from sopdesk.web.errors import BAD_BODY, documented, install_error_handlers
from sopdesk.web.headers import SecurityHeaders
from sopdesk.web.install_secret import check_serving, installation_secret
from sopdesk.web.limits import BodyLimit
from sopdesk.web.methods import AllowedMethods
from sopdesk.web.security import SESSION_MAX_AGE, csrf_protect

STATIC = Path(__file__).resolve().parent / "static"
VENDOR_FILES = (
    "htmx.org/dist/htmx.min.js",
    "htmx-ext-sse/dist/sse.js",
    "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui-dist/swagger-ui.css",
    "chart.js/dist/chart.umd.min.js",
)
KEEPALIVE_SECONDS = 15.0

ERROR_RESPONSES = documented(
    (401, "Not logged in, or a bad token"),
    (403, "Not allowed for your role, or a missing CSRF token"),
    (404, "Not found in your org"),
    (422, "Invalid input; `fields` names each problem"),
    (503, "The database is busy or full: nothing was changed; retry after `Retry-After` seconds"),
)


def check_vendor(vendor: Path) -> None:
    missing = [name for name in VENDOR_FILES if not (vendor / name).is_file()]
    if missing:
        raise RuntimeError(
            f"front-end libraries missing under {vendor} ({', '.join(missing)}): in a checkout, "
            "run `make setup` (it installs them from npm and bundles them into the package); "
            "else set SOPDESK_VENDOR_DIR to a folder holding " + " and ".join(VENDOR_FILES)
        )


def discover_routers(package: ModuleType) -> list[APIRouter]:
    """The `router` of every module in `package`, by module name."""
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            found.append(router)
    return found


def wall_clock() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings,
    *,
    vendor_dir: Path | None = None,
    demo: Any = None,
    clock: Callable[[], datetime] = wall_clock,
) -> FastAPI:
    """The web app for `settings`; migrates the database and starts the event bus on start-up.

    `demo` (a `sopdesk.demo.DemoData`) shows the demo logins on the login page. `clock` is the
    one source of "now" for every route and page (tests pass their own).
    """
    settings.check_production()
    secret = installation_secret(settings)
    check_serving(settings, secret)
    vendor = vendor_dir or settings.vendor_dir or BUNDLED_VENDOR
    check_vendor(vendor)
    engine = make_engine(settings.database_url)
    bus = make_bus(settings.redis_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(migrate, settings.database_url)
        await bus.start()
        try:
            yield
        finally:
            await bus.stop()
            engine.dispose()

    app = FastAPI(
        title="sopdesk",
        version=installed_version(),
        description="The contact-center desk that runs your SOPs. Errors share one JSON shape.",
        lifespan=lifespan,
        # /docs is our own page (web/ui/api_docs.py): FastAPI's loads Swagger UI from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    # The app's sessions carry its bus: what they commit reaches this app's streams only.
    app.state.sessionmaker = events.bind_bus(make_sessionmaker(engine), bus)
    app.state.reader_sessionmaker = make_reader_sessionmaker(engine)
    # Bookkeeping a request may skip rather than wait for (a token's last use: web.deps).
    app.state.if_free_sessionmaker = make_if_free_sessionmaker(engine)
    app.state.bus = bus
    app.state.clock = clock
    app.state.keepalive_seconds = KEEPALIVE_SECONDS
    app.state.demo = demo

    install_error_handlers(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie="sopdesk_session",
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=settings.production,
    )
    app.add_middleware(AllowedMethods)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)

    csrf = [Depends(csrf_protect)]
    for router in discover_routers(api):
        app.include_router(router, prefix="/api/v1", dependencies=csrf, responses=ERROR_RESPONSES)
    app.include_router(live.router)
    for router in discover_routers(ui):
        app.include_router(router, dependencies=csrf, include_in_schema=False)
    # The vendor mount comes first: "/static" would otherwise swallow "/static/vendor/...".
    app.mount("/static/vendor", StaticFiles(directory=vendor), name="vendor")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    refine_openapi(app)
    return app


def _omitted_not_null(parameter: dict[str, Any]) -> None:
    """A query or header parameter is left out when it has no value: a null cannot be sent in
    a query string or a header (it would arrive as the text "null"), so none is documented."""
    schema = parameter.get("schema", {})
    kept = [s for s in schema.get("anyOf", []) if s != {"type": "null"}]
    if len(kept) == 1 and len(schema["anyOf"]) == 2:
        del schema["anyOf"]
        parameter["schema"] = {**kept[0], **schema}


def refine_openapi(app: FastAPI) -> None:
    """/openapi.json as the app answers: `BAD_BODY`'s answers on every operation that takes a
    request body, and optional parameters that are omitted rather than null."""
    generate = app.openapi
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()  # FastAPI keeps it in app.openapi_schema
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                for parameter in operation.get("parameters", []):
                    _omitted_not_null(parameter)
                if "requestBody" in operation:
                    for status, answer in BAD_BODY.items():
                        documented_answer = {"description": answer["description"], "content": error}
                        operation["responses"].setdefault(str(status), documented_answer)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
