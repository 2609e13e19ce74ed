"""JSON API under /api/v1: each module here with a `router: APIRouter` is mounted automatically.

Routes take `SessionDep` and `CurrentUser`/`CurrentAgent` from `sopdesk.web.deps`, call a room's
service and let its refusals (`sopdesk.errors.Refusal`) through: the one handler in
`sopdesk.web.errors` answers them in the shared error shape. Raise `ApiError`/`NotFound` only
for what the web itself refuses.
"""
