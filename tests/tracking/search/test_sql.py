"""build_search_query against real databases: SQLite in a temp dir and PostgreSQL.

The PostgreSQL runs use a fresh schema per test module (``test_search_<random>``) reached
through ``schema_translate_map``; it is dropped afterwards.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from shipyard.core.errors import InvalidInputError
from shipyard.store.schema import latest_metrics, metadata, params, projects, runs, tags
from shipyard.tracking.search import build_search_query, parse_filter, parse_order_by

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NAN = math.nan
INF = math.inf

# id: (project, name, status, user, start, end, parent, params, tags, metrics)
RUNS: dict[str, tuple[Any, ...]] = {
    "r1": (1, "alpha", "FINISHED", "ann", 1000, 2000, None,
           {"lr": "0.01", "opt": "adam"}, {"team": "a", "pct": "100%"},
           {"acc": 0.9, "loss": 0.5}),
    "r2": (1, "beta", "FAILED", "bob", 2000, None, "r1",
           {"lr": "0.1", "opt": "sgd"}, {"team": "b", "pct": "1000"},
           {"acc": 0.7, "loss": NAN}),
    "r3": (1, "Gamma", "RUNNING", "ann", 3000, None, None,
           {"lr": "0.01"}, {"team": "A", "it's": "x"},
           {"loss": 0.2, "val/rmse": 1.5}),
    "r4": (1, "delta", "FINISHED", "cy", 3000, 4000, None,
           {"opt": "adam"}, {},
           {"acc": 0.9, "loss": -INF}),
    "r6": (1, "epsilon", "FINISHED", "cy", 500, 600, None,
           {}, {"w": "x*[y]?%_\\z'"}, {}),
    "r5": (2, "alpha", "FINISHED", "ann", 5000, None, None,
           {"lr": "0.01"}, {}, {"acc": 0.95}),
}  # fmt: skip
DEFAULT_ORDER = ["r3", "r4", "r2", "r1", "r6"]


def _fill(conn: sa.Connection) -> None:
    conn.execute(
        projects.insert(),
        [{"id": i, "name": f"p{i}", "description": "", "created_at": 0} for i in (1, 2)],
    )
    for run_id, (project, name, status, user, start, end, parent, ps, ts, ms) in RUNS.items():
        conn.execute(
            runs.insert().values(
                id=run_id,
                project_id=project,
                name=name,
                status=status,
                user=user,
                start_time=start,
                end_time=end,
                parent_id=parent,
            )
        )
        for key, value in ps.items():
            conn.execute(params.insert().values(run_id=run_id, key=key, value=value))
        for key, value in ts.items():
            conn.execute(tags.insert().values(run_id=run_id, key=key, value=value))
        for key, value in ms.items():
            nan = math.isnan(value)
            conn.execute(
                latest_metrics.insert().values(
                    run_id=run_id,
                    key=key,
                    value=0.0 if nan else value,
                    is_nan=nan,
                    step=0,
                    timestamp=0,
                )
            )


def _sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    path = tmp_path_factory.mktemp("search") / "runs.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    with engine.begin() as conn:
        _fill(conn)
    yield engine
    engine.dispose()


def _postgres_engine() -> Iterator[sa.Engine]:
    base = sa.create_engine(PG_URL)  # a required service of the suite: no skipping
    schema = f"test_search_{uuid.uuid4().hex[:12]}"
    with base.begin() as conn:
        conn.execute(sa.schema.CreateSchema(schema))
    engine = base.execution_options(schema_translate_map={None: schema})
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            _fill(conn)
        yield engine
    finally:
        with base.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True))
        base.dispose()


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        yield from _sqlite_engine(tmp_path_factory)
    else:
        yield from _postgres_engine()


def search(
    engine: sa.Engine,
    filter_text: str = "",
    order_by: str | list[str] | None = None,
    *,
    projects: tuple[int, ...] = (1,),
    limit: int = 100,
    offset: int = 0,
) -> list[str]:
    query = build_search_query(
        list(projects), parse_filter(filter_text), parse_order_by(order_by), limit, offset
    )
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def test_no_filter_is_newest_first_with_id_tiebreak(engine: sa.Engine) -> None:
    assert search(engine) == DEFAULT_ORDER


def test_projects(engine: sa.Engine) -> None:
    assert search(engine, projects=(2,)) == ["r5"]
    assert search(engine, projects=(1, 2)) == ["r5", *DEFAULT_ORDER]
    assert search(engine, projects=()) == []
    assert search(engine, "attributes.name = 'alpha'", projects=(1, 2)) == ["r5", "r1"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.acc > 0.8", ["r4", "r1"]),
        ("metrics.acc >= 0.9 and params.opt = 'adam'", ["r4", "r1"]),
        ("metrics.acc = 0.7", ["r2"]),
        ("metrics.acc <= 0.7", ["r2"]),
        ("metrics.`val/rmse` > 1", ["r3"]),
        ("metrics.loss < 1", ["r3", "r4", "r1"]),
        ("metrics.loss > -inf", ["r3", "r1"]),
        ("metrics.loss = -inf", ["r4"]),
        ("metrics.loss != 0.5", ["r3", "r4"]),
        ("metrics.loss = NaN", ["r2"]),
        ("metrics.loss != NaN", ["r3", "r4", "r1"]),
        ("metrics.loss < NaN", []),
        ("metrics.loss >= nan", []),
        ("metrics.acc < 1" + "0" * 400, ["r4", "r2", "r1"]),  # beyond float: +inf
        ("metrics.acc IS NULL", ["r3", "r6"]),
        ("metrics.acc IS NOT NULL", ["r4", "r2", "r1"]),
    ],
)
def test_metric_filters(engine: sa.Engine, text: str, expected: list[str]) -> None:
    assert search(engine, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("params.lr = '0.01'", ["r3", "r1"]),
        ("params.lr != '0.01'", ["r2"]),  # r4 and r6 lack lr: no match
        ("params.lr IS NULL", ["r4", "r6"]),
        ("params.lr IS NOT NULL", ["r3", "r2", "r1"]),
        ("params.lr IN ('0.01', '0.1')", ["r3", "r2", "r1"]),
        ("params.lr NOT IN ('0.1')", ["r3", "r1"]),
        ("params.lr = '0.01' and params.opt = 'adam'", ["r1"]),
        ("params.lr LIKE '0.0%'", ["r3", "r1"]),
        ("params.nope = 'x'", []),
        ("tags.team = 'a'", ["r1"]),
        ("tags.team LIKE 'a'", ["r1"]),  # case-sensitive on every backend
        ("tags.team ILIKE 'a'", ["r3", "r1"]),
        ("tags.team LIKE '_'", ["r3", "r2", "r1"]),
        ("tags.pct LIKE '100%'", ["r2", "r1"]),
        ("tags.pct LIKE '100\\%'", ["r1"]),
        ("tags.pct ILIKE '100\\%'", ["r1"]),
        ("tags.`it's` = 'x'", ["r3"]),
        ("tags.team != 'a' and tags.team != 'b'", ["r3"]),
        # wildcard, GLOB, backslash and quote characters match literally where they should
        (r"tags.w = 'x*[y]?%_\z'''", ["r6"]),
        (r"tags.w LIKE 'x*[y]?\%\_\\z'''", ["r6"]),
        ("tags.w LIKE 'x*[%'", ["r6"]),
        ("tags.w LIKE 'x_[%'", ["r6"]),
        ("tags.w LIKE 'x?%'", []),
        ("tags.w LIKE '%]%'", ["r6"]),
        ("tags.w ILIKE 'X*[Y]%Z'''", ["r6"]),
        ("tags.w LIKE 'X%'", []),
    ],
)
def test_param_and_tag_filters(engine: sa.Engine, text: str, expected: list[str]) -> None:
    assert search(engine, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("attributes.id = 'r1'", ["r1"]),
        ("run.run_id IN ('r1', 'r2', 'zz')", ["r2", "r1"]),
        ("attributes.name LIKE 'G%'", ["r3"]),
        ("attributes.name LIKE 'g%'", []),
        ("attributes.run_name ILIKE 'g%'", ["r3"]),
        ("attributes.name LIKE '_e%'", ["r4", "r2"]),
        ("attributes.status IN ('FAILED', 'RUNNING')", ["r3", "r2"]),
        ("attributes.status != 'FINISHED'", ["r3", "r2"]),
        ("attributes.user = 'ann'", ["r3", "r1"]),
        ("attributes.parent_id IS NULL", ["r3", "r4", "r1", "r6"]),
        ("attributes.parent_id = 'r1'", ["r2"]),
        ("attributes.parent_id != 'r1'", []),  # a missing parent never matches !=
        ("attributes.end_time IS NULL", ["r3", "r2"]),
        ("attributes.end_time > 1000", ["r4", "r1"]),
        ("attributes.start_time >= 2000 and attributes.start_time < 3000", ["r2"]),
        ("attributes.start_time = 3000", ["r3", "r4"]),
    ],
)
def test_attribute_filters(engine: sa.Engine, text: str, expected: list[str]) -> None:
    assert search(engine, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("params.opt = 'sgd' or metrics.acc > 0.85", ["r4", "r2", "r1"]),
        ("(params.opt = 'adam' or params.opt = 'sgd') and tags.team = 'a'", ["r1"]),
        ("params.lr IS NULL or (metrics.loss = NaN and tags.team = 'b')", ["r4", "r2", "r6"]),
        ("params.lr = '0.01' and (metrics.acc IS NULL or attributes.user = 'ann')", ["r3", "r1"]),
        ("metrics.loss < NaN or attributes.id = 'r6'", ["r6"]),
    ],
)
def test_boolean_combinations(engine: sa.Engine, text: str, expected: list[str]) -> None:
    assert search(engine, text) == expected


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("metrics.acc DESC", ["r4", "r1", "r2", "r3", "r6"]),
        ("metrics.acc ASC", ["r2", "r4", "r1", "r3", "r6"]),
        # -inf first, NaN after every number, missing last: in both directions
        ("metrics.loss", ["r4", "r3", "r1", "r2", "r6"]),
        ("metrics.loss DESC", ["r1", "r3", "r4", "r2", "r6"]),
        ("params.lr ASC", ["r3", "r1", "r2", "r4", "r6"]),
        ("params.lr DESC", ["r2", "r3", "r1", "r4", "r6"]),
        ("tags.pct", ["r1", "r2", "r3", "r4", "r6"]),
        ("attributes.end_time", ["r6", "r1", "r4", "r3", "r2"]),
        ("attributes.end_time DESC", ["r4", "r1", "r6", "r3", "r2"]),
        ("start_time", ["r6", "r1", "r2", "r3", "r4"]),
        ("attributes.id DESC", ["r6", "r4", "r3", "r2", "r1"]),
        (["params.opt DESC", "metrics.acc"], ["r2", "r4", "r1", "r3", "r6"]),
        ("params.opt, metrics.acc DESC", ["r4", "r1", "r2", "r3", "r6"]),
    ],
)
def test_order_by(engine: sa.Engine, order_by: str | list[str], expected: list[str]) -> None:
    assert search(engine, order_by=order_by) == expected


def test_order_by_name_and_filtered_order(engine: sa.Engine) -> None:
    assert search(engine, "attributes.name != 'Gamma'", "name") == ["r1", "r2", "r4", "r6"]
    assert search(engine, "params.lr = '0.01'", "metrics.acc DESC") == ["r1", "r3"]
    # the same key in the filter and the order-by uses two aliases
    assert search(engine, "metrics.acc > 0", "metrics.acc") == ["r2", "r4", "r1"]


@pytest.mark.parametrize("order_by", [None, "metrics.acc DESC", "params.lr", "metrics.loss"])
def test_paging_is_stable(engine: sa.Engine, order_by: str | None) -> None:
    full = search(engine, order_by=order_by)
    pages = [search(engine, order_by=order_by, limit=2, offset=o) for o in (0, 2, 4, 6)]
    assert [run for page in pages for run in page] == full
    assert pages[-1] == []


def test_limit_zero_and_negative(engine: sa.Engine) -> None:
    assert search(engine, limit=0) == []
    with pytest.raises(InvalidInputError):
        build_search_query([1], None, [], -1, 0)
    with pytest.raises(InvalidInputError):
        build_search_query([1], None, [], 1, -5)


def test_values_are_bound_parameters() -> None:
    evil = "x' OR '1'='1"
    query = build_search_query(
        [1],
        parse_filter(f"params.`a'b` = '{evil.replace(chr(39), chr(39) * 2)}' and metrics.m > 0.25"),
        parse_order_by("tags.`k'` DESC"),
        10,
        0,
    )
    sql = str(query)
    assert "OR '1'" not in sql
    assert "0.25" not in sql
    assert "a'b" not in sql
    assert "k'" not in sql
    assert set(query.compile().params.values()) >= {evil, "a'b", 0.25, "k'"}
