"""Project routes: list, create, get."""

from __future__ import annotations

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from shipyard.server._common import JSONBytesResponse, Tracking, json_response

MAX_NAME = 256
MAX_DESCRIPTION = 65_536
router = APIRouter(tags=["projects"])


class ProjectCreate(BaseModel):
    """Body of ``POST /projects``."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=MAX_NAME)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)


@router.get("/projects", summary="List projects")
def list_projects(service: Tracking) -> JSONBytesResponse:
    """``{"projects": [...]}`` ordered by name."""
    return json_response({"projects": [p.to_dict() for p in service.list_projects()]})


@router.post("/projects", status_code=201, summary="Create a project")
def create_project(body: ProjectCreate, service: Tracking) -> JSONBytesResponse:
    """The new project; 409 PROJECT_ALREADY_EXISTS if the name is taken."""
    project = service.create_project(body.name, body.description)
    return json_response(project.to_dict(), 201)


@router.get("/projects/{name:path}", summary="Get a project")
def get_project(
    service: Tracking, name: str = Path(min_length=1, max_length=MAX_NAME)
) -> JSONBytesResponse:
    """The project; 404 PROJECT_NOT_FOUND if missing."""
    return json_response(service.get_project(name).to_dict())
