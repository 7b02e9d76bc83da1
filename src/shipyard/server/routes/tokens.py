"""Token routes (admin only): list, create, revoke."""

from __future__ import annotations

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from shipyard.auth.tokens import MAX_TOKEN_NAME_LENGTH, Role
from shipyard.server._common import JSONBytesResponse, Tokens, json_response

router = APIRouter(tags=["tokens"])


class TokenCreate(BaseModel):
    """Body of ``POST /tokens``."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=MAX_TOKEN_NAME_LENGTH)
    role: Role


@router.get("/tokens", summary="List tokens")
def list_tokens(service: Tokens) -> JSONBytesResponse:
    """``{"tokens": [...]}``, active and revoked; secrets are never returned."""
    return json_response({"tokens": [t.to_dict() for t in service.list()]})


@router.post("/tokens", status_code=201, summary="Create a token")
def create_token(body: TokenCreate, service: Tokens) -> JSONBytesResponse:
    """``{"token": {...}, "secret": "sy_..."}``; the secret is shown only here."""
    info, secret = service.create(body.name, body.role)
    return json_response({"token": info.to_dict(), "secret": secret}, 201)


@router.delete("/tokens/{id_or_name:path}", summary="Revoke a token")
def revoke_token(
    service: Tokens, id_or_name: str = Path(min_length=1, max_length=MAX_TOKEN_NAME_LENGTH)
) -> JSONBytesResponse:
    """The revoked token; 404 TOKEN_NOT_FOUND if no token has that id or name."""
    return json_response(service.revoke(id_or_name).to_dict())
