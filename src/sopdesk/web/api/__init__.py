"""JSON API under /api/v1: each module here with a `router: APIRouter` is mounted automatically.

Routes take `SessionDep` and `CurrentUser`/`CurrentAgent` from `sopdesk.web.deps`, raise
`sopdesk.web.errors.ApiError` for client errors, and fetch by id with `deps.get_in_org`.
"""
