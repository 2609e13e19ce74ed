"""The baseline the desk's ring path is measured against, in the same run: a minimal FastAPI
app on the same server stack (uvicorn, FastAPI, SQLAlchemy on the same database, with the
desk's engine settings) that parses the same RingCentral webhook, inserts one row and
publishes one SSE event to the streams open on it. Nothing more: no auth, no routing, no
audit. The desk's CPU per ringing call divided by this app's is the figure issue 14 targets.

Run by bench_desk.py: `python bench/baseline_app.py DATABASE_URL PORT`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table
from starlette.concurrency import run_in_threadpool

from sopdesk.db import make_engine

metadata = MetaData()
calls = Table(
    "baseline_call",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_id", String(200), unique=True),
    Column("caller", String(200)),
    Column("line", String(200)),
    Column("at", DateTime(timezone=True)),
)


def build_app(database_url: str) -> FastAPI:
    engine = make_engine(database_url)
    metadata.create_all(engine)
    streams: set[asyncio.Queue[str]] = set()
    app = FastAPI()

    def insert(session_id: str, caller: str, line: str) -> int:
        with engine.begin() as conn:
            row = conn.execute(
                calls.insert()
                .values(session_id=session_id, caller=caller, line=line, at=datetime.now(UTC))
                .returning(calls.c.id)
            )
            return int(row.scalar_one())

    @app.post("/webhook")
    async def webhook(request: Request) -> JSONResponse:
        event = json.loads(await request.body())
        party = event["body"]["parties"][0]
        session_id = event["body"]["telephonySessionId"]
        row = await run_in_threadpool(
            insert, session_id, party["from"]["name"], party["to"]["name"]
        )
        data = json.dumps({"id": row, "external_id": f"rc:{session_id}"})
        for queue in streams:
            queue.put_nowait(f"event: interaction.ringing\ndata: {data}\n\n")
        return JSONResponse({"accepted": 1, "interactions": [row]})

    @app.get("/events")
    async def events() -> StreamingResponse:
        queue: asyncio.Queue[str] = asyncio.Queue()
        streams.add(queue)

        async def stream() -> AsyncIterator[str]:
            try:
                yield "retry: 2000\n\n"
                while True:
                    yield await queue.get()
            finally:
                streams.discard(queue)

        return StreamingResponse(stream(), media_type="text/event-stream")

    @app.get("/ready")
    def ready() -> dict[str, bool]:
        return {"ready": True}

    return app


def main() -> None:
    database_url, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(
        build_app(database_url), host="127.0.0.1", port=port, log_level="info"
    )  # as `sopdesk serve`


if __name__ == "__main__":
    main()
