"""`/docs`: Swagger UI on the API's OpenAPI document, served from our own origin.

FastAPI's own page loads Swagger UI from a CDN (blank offline) and starts it with an inline
script (refused by the strict CSP). Here the assets come from the npm install (`make setup`
copies `swagger-ui-dist` into static/vendor) and `static/api_docs.js` starts it. ReDoc is off:
its styles are inline, which the CSP refuses. Public, like `/openapi.json`: no org data.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sopdesk.web.templating import render

router = APIRouter()


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    return render(request, "api_docs.html", {"openapi_url": request.app.openapi_url})
