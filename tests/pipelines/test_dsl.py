"""Building step graphs: tracing, naming, parameter checks, durations, code hashes."""

from __future__ import annotations

import pytest

from shipyard.core.errors import InvalidPipelineError
from shipyard.pipelines import parse_duration, pipeline, step
from shipyard.pipelines.hashing import cache_key, code_hash


@step
def double(x: float) -> float:
    return 2 * x


@step(cache=True, retries=2, timeout="10m")
def add(a: float, b: float) -> float:
    return a + b


def test_steps_are_plain_functions_outside_a_pipeline() -> None:
    assert double(2.0) == 4.0 and add(1.0, 2.0) == 3.0
    assert add.cache and add.retries == 2 and add.timeout_s == 600.0
    assert double.cache is False and double.timeout_s is None


def test_tracing_records_nodes_edges_params_and_unique_names() -> None:
    @pipeline(project="p")
    def flow(x: float = 1.0):
        return add(double(x), double(3.0))

    graph = flow.build({"x": 5.0})
    assert [n.name for n in graph.nodes] == ["double", "double_2", "add"]
    assert graph.node("double").params == {"x": 5.0}
    assert graph.node("add").refs == {"a": "double", "b": "double_2"}
    assert graph.node("add").upstream == ["double", "double_2"]
    assert graph.output == "add"
    assert graph.definition()["steps"][2]["timeout_s"] == 600.0
    assert flow(x=1.0) == 8.0  # calling the pipeline runs its body directly


def test_pipeline_parameters_are_checked() -> None:
    @pipeline
    def flow(x: float = 1.0):
        return double(x)

    assert flow.bind({}) == {"x": 1.0}
    with pytest.raises(InvalidPipelineError, match="no parameter"):
        flow.bind({"y": 1})
    with pytest.raises(InvalidPipelineError, match="JSON value"):
        flow.build({"x": object()})


def test_misusing_a_step_output_is_an_error() -> None:
    @pipeline
    def branching():
        if double(1.0):
            return None
        return None

    with pytest.raises(InvalidPipelineError, match="not known while the pipeline is built"):
        branching.build({})

    @pipeline
    def nested():
        return add([double(1.0)], 2.0)

    with pytest.raises(InvalidPipelineError, match="nests a step output"):
        nested.build({})

    @pipeline
    def empty():
        return None

    with pytest.raises(InvalidPipelineError, match="calls no step"):
        empty.build({})


def test_run_option_names_cannot_be_parameters() -> None:
    with pytest.raises(InvalidPipelineError, match="run options"):

        @pipeline
        def flow(executor: str = "x"):
            return double(1.0)


def test_schedules_are_validated_at_definition() -> None:
    from shipyard.core.errors import InvalidScheduleError

    with pytest.raises(InvalidScheduleError, match="cron"):
        pipeline(schedule="every hour")(lambda: None)
    with pytest.raises(InvalidScheduleError, match="time zone"):
        pipeline(schedule="0 * * * *", timezone="Mars/Olympus")(lambda: None)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("10m", 600.0), ("30s", 30.0), ("2h", 7200.0), ("500ms", 0.5), ("1d", 86400.0), (3, 3.0)],
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["ten minutes", "-5s", "0", "5 weeks"])
def test_bad_durations(bad: str) -> None:
    with pytest.raises(InvalidPipelineError, match="duration"):
        parse_duration(bad)


def test_bad_step_options() -> None:
    with pytest.raises(InvalidPipelineError, match="retries"):
        step(retries=-1)(lambda: None)
    with pytest.raises(InvalidPipelineError, match="duration"):
        step(timeout="soon")(lambda: None)


def _f(x):
    return x + 1


def _g(x):
    # a comment does not change the hash
    return x + 1  # neither does this one


def _h(x):
    return x + 2


def test_code_hash_ignores_formatting_and_decorators_but_not_code() -> None:
    assert code_hash(_f) == code_hash(_g)
    assert code_hash(_f) != code_hash(_h)
    decorated = step(cache=True)(_f)
    assert decorated.code_hash() == code_hash(_f)


def test_cache_key_covers_code_params_and_inputs() -> None:
    base = cache_key("c", {"lr": 0.1}, {"raw": "d1"})
    assert base == cache_key("c", {"lr": 0.1}, {"raw": "d1"})
    assert base != cache_key("c2", {"lr": 0.1}, {"raw": "d1"})
    assert base != cache_key("c", {"lr": 0.2}, {"raw": "d1"})
    assert base != cache_key("c", {"lr": 0.1}, {"raw": "d2"})
