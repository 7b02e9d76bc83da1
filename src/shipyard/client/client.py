"""``Client``: query and manage projects and runs through whichever backend is configured."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from shipyard.client.backend import Backend
from shipyard.client.factory import backend_for
from shipyard.client.run import Run
from shipyard.tracking.entities import MetricHistory, Project


class RunList(list[Run]):
    """A page of runs; ``next_page_token`` fetches the next page (None on the last)."""

    next_page_token: str | None = None


class Client:
    """Read and manage tracking data: ``sy.Client()`` follows ``SHIPYARD_TRACKING_URI``."""

    def __init__(
        self,
        tracking_uri: str | None = None,
        *,
        token: str | None = None,
        backend: Backend | None = None,
    ) -> None:
        self.backend = backend or backend_for(tracking_uri, token=token)

    @property
    def tracking_uri(self) -> str:
        return self.backend.uri

    def list_projects(self) -> list[Project]:
        return self.backend.list_projects()

    def create_project(self, name: str, description: str = "") -> Project:
        return self.backend.create_project(name, description)

    def get_project(self, name: str) -> Project:
        return self.backend.get_project(name)

    def get_run(self, run_id: str) -> Run:
        return Run.from_record(self.backend.get_run(run_id), self.backend)

    def delete_run(self, run_id: str) -> None:
        self.backend.delete_run(run_id)

    def get_metric_history(self, run_id: str, key: str) -> MetricHistory:
        """Every point of one metric, in step order (any length)."""
        return self.backend.get_metric_history(run_id, key)

    def search_runs(
        self,
        project: str | Sequence[str],
        filter: str | None = None,
        order_by: Sequence[str] = (),
        limit: int = 1000,
        page_token: str | None = None,
    ) -> RunList:
        """One page of runs matching ``filter`` (see docs/search.md), in ``order_by`` order."""
        projects = [project] if isinstance(project, str) else list(project)
        page = self.backend.search_runs(projects, filter, order_by, limit, page_token)
        result = RunList(Run.from_record(r, self.backend) for r in page.runs)
        result.next_page_token = page.next_page_token
        return result

    def iter_runs(
        self,
        project: str | Sequence[str],
        filter: str | None = None,
        order_by: Sequence[str] = (),
        page_size: int = 1000,
    ) -> Iterator[Run]:
        """Every matching run, fetching pages as needed."""
        token: str | None = None
        while True:
            page = self.search_runs(project, filter, order_by, page_size, token)
            yield from page
            token = page.next_page_token
            if token is None:
                return

    def close(self) -> None:
        self.backend.close()
