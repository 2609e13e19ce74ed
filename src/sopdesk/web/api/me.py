"""GET /api/v1/me: who the token or session belongs to (integrations check their token here)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from sopdesk.web.deps import CurrentUser

router = APIRouter(tags=["people"])


class MePublic(BaseModel):
    id: int
    org_id: str
    email: str
    name: str
    role: str
    team: str | None


@router.get("/me", response_model=MePublic)
def me(user: CurrentUser) -> MePublic:
    """The authenticated user."""
    return MePublic(
        id=user.id,
        org_id=user.org_id,
        email=user.email,
        name=user.name,
        role=user.role,
        team=user.team,
    )
