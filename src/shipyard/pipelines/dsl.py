"""``@step`` and ``@pipeline``: plain functions that build a step graph when traced.

Inside a pipeline body, calling a step records a node and returns a ``StepOutput``
placeholder; the graph is then executed by a runner (registered by the client layer,
which owns tracking and artifacts). Outside a pipeline a step is a plain function call.
"""

from __future__ import annotations

import contextvars
import inspect
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, overload

from shipyard.core.errors import InvalidPipelineError, ShipyardError
from shipyard.pipelines.hashing import code_hash

__all__ = [
    "RUN_OPTIONS",
    "Graph",
    "Node",
    "Pipeline",
    "Step",
    "StepOutput",
    "parse_duration",
    "pipeline",
    "set_runner",
    "step",
]

#: keyword arguments of ``Pipeline.run`` that are options, not pipeline parameters
RUN_OPTIONS = frozenset({"executor", "tracking_uri", "max_workers", "ray_address", "progress"})
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
_trace: contextvars.ContextVar[Graph | None] = contextvars.ContextVar(
    "shipyard_trace", default=None
)
_runner: Callable[..., Any] | None = None
#: modules loaded from a file path (``load_module``), imported by path in workers
_FILE_MODULES: set[str] = set()


def load_module(spec_text: str) -> Any:
    """Import ``package.module`` or ``path/to/file.py`` (once per process)."""
    import importlib
    import importlib.util
    import sys
    from pathlib import Path

    if not spec_text.endswith(".py"):
        try:
            return importlib.import_module(spec_text)
        except ImportError as exc:
            raise InvalidPipelineError(f"Cannot import {spec_text!r}: {exc}") from exc
    path = Path(spec_text).resolve()
    name = "shipyard_file_" + "".join(c if c.isalnum() else "_" for c in str(path))
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None or not path.exists():
        raise InvalidPipelineError(f"No Python file at {spec_text!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    _FILE_MODULES.add(name)
    try:
        spec.loader.exec_module(module)
    except Exception:
        del sys.modules[name]
        raise
    return module


def resolve(ref: str) -> Any:
    """The object a "module:qualname" (or "file.py:qualname") reference names."""
    module_name, sep, attr = ref.rpartition(":")
    if not sep or not module_name or not attr:
        raise InvalidPipelineError(f"Expected MODULE:ATTR, got {ref!r}")
    obj: Any = load_module(module_name)
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise InvalidPipelineError(f"{module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    return obj


def parse_duration(value: str | float | None) -> float | None:
    """Seconds from ``"10m"``, ``"30s"``, ``"2h"``, ``"500ms"`` or a number."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if match is None:
            raise InvalidPipelineError(
                f"Invalid duration {value!r}: use a number of seconds or '500ms', '30s', "
                "'10m', '2h', '1d'"
            )
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise InvalidPipelineError(f"A duration must be positive, got {value!r}")
    return seconds


def set_runner(runner: Callable[..., Any]) -> None:
    """Install the function that executes a graph (done by ``shipyard.client``)."""
    global _runner  # noqa: PLW0603 - one process-wide registration point
    _runner = runner


class StepOutput:
    """The future value of a step, inside a pipeline body."""

    __slots__ = ("node",)

    def __init__(self, node: str) -> None:
        self.node = node

    def __repr__(self) -> str:
        return f"StepOutput({self.node!r})"

    def __bool__(self) -> bool:
        raise InvalidPipelineError(
            f"The output of step {self.node!r} is not known while the pipeline is built: "
            "pass it to another step instead of testing it"
        )

    def __iter__(self) -> Any:
        raise InvalidPipelineError(
            f"The output of step {self.node!r} cannot be unpacked: a step has one output"
        )


@dataclass
class Node:
    """One step call in a pipeline: arguments are upstream outputs or JSON parameters."""

    name: str
    step: Step
    refs: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def upstream(self) -> list[str]:
        return sorted(set(self.refs.values()))


@dataclass
class Graph:
    """The step graph of one pipeline invocation, nodes in call order (topological)."""

    nodes: list[Node] = field(default_factory=list)
    output: str | None = None

    def add(self, step: Step, refs: dict[str, str], params: dict[str, Any]) -> Node:
        taken = {n.name for n in self.nodes}
        name, i = step.name, 2
        while name in taken:
            name, i = f"{step.name}_{i}", i + 1
        node = Node(name, step, refs, params)
        self.nodes.append(node)
        return node

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def definition(self) -> dict[str, Any]:
        """A JSON description of the graph (stored with the pipeline)."""
        return {
            "steps": [
                {
                    "name": n.name,
                    "function": n.step.qualified_name,
                    "upstream": n.upstream,
                    "cache": n.step.cache,
                    "retries": n.step.retries,
                    "timeout_s": n.step.timeout_s,
                }
                for n in self.nodes
            ],
            "output": self.output,
        }


def _check_param(step: str, arg: str, value: Any) -> Any:
    if _contains_output(value):
        raise InvalidPipelineError(
            f"Argument {arg!r} of step {step!r} nests a step output in a container; pass "
            "each output as its own argument"
        )
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise InvalidPipelineError(
            f"Argument {arg!r} of step {step!r} is neither a step output nor a JSON value "
            f"({type(value).__name__}); parameters go into the cache key"
        ) from exc
    return value


def _contains_output(value: Any) -> bool:
    if isinstance(value, StepOutput):
        return True
    if isinstance(value, list | tuple):
        return any(_contains_output(v) for v in value)
    if isinstance(value, dict):
        return any(_contains_output(v) for v in value.values())
    return False


class Step:
    """A step: a plain function plus caching, retry, timeout and pickle options."""

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        cache: bool = False,
        retries: int = 0,
        retry_delay: str | float = 1.0,
        timeout: str | float | None = None,
        pickle: bool = False,
    ) -> None:
        if not callable(fn):
            raise InvalidPipelineError(f"@step needs a function, got {fn!r}")
        if not isinstance(retries, int) or isinstance(retries, bool) or not 0 <= retries <= 100:
            raise InvalidPipelineError(f"retries must be an integer in 0..100, got {retries!r}")
        self.fn = fn
        self.name = name or fn.__name__
        self.cache = bool(cache)
        self.retries = retries
        self.retry_delay_s = parse_duration(retry_delay) or 1.0
        self.timeout_s = parse_duration(timeout)
        self.pickle = bool(pickle)
        self.signature = inspect.signature(fn)
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn

    @property
    def qualified_name(self) -> str:
        return f"{self.fn.__module__}:{self.fn.__qualname__}"

    @property
    def ref(self) -> str:
        """How a worker process imports this step: "module:qualname", or the file path
        when the module cannot be imported by name (a script, a file loaded by path)."""
        import sys

        module = sys.modules.get(self.fn.__module__)
        by_path = self.fn.__module__ == "__main__" or self.fn.__module__ in _FILE_MODULES
        if by_path and module is not None and getattr(module, "__file__", None):
            return f"{module.__file__}:{self.fn.__qualname__}"
        return self.qualified_name

    def code_hash(self) -> str:
        return code_hash(self.fn)

    def __repr__(self) -> str:
        return f"<step {self.name}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        graph = _trace.get()
        if graph is None:
            return self.fn(*args, **kwargs)
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise InvalidPipelineError(f"Step {self.name!r} called wrongly: {exc}") from exc
        bound.apply_defaults()
        refs: dict[str, str] = {}
        params: dict[str, Any] = {}
        for arg, value in bound.arguments.items():
            if isinstance(value, StepOutput):
                refs[arg] = value.node
            else:
                params[arg] = _check_param(self.name, arg, value)
        return StepOutput(graph.add(self, refs, params).name)


@overload
def step(fn: Callable[..., Any], /) -> Step: ...
@overload
def step(
    *,
    name: str | None = None,
    cache: bool = False,
    retries: int = 0,
    retry_delay: str | float = 1.0,
    timeout: str | float | None = None,
    pickle: bool = False,
) -> Callable[[Callable[..., Any]], Step]: ...
def step(fn: Callable[..., Any] | None = None, /, **options: Any) -> Any:
    """Make ``fn`` a pipeline step: ``@step`` or ``@step(cache=True, retries=2,
    timeout="10m", retry_delay="2s", pickle=False)``. Retries back off exponentially
    from ``retry_delay``; ``timeout`` kills the step's process."""
    if fn is not None:
        return Step(fn, **options)
    return lambda f: Step(f, **options)


class Pipeline:
    """A pipeline: a function whose body calls steps; ``run(**params)`` executes it."""

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        project: str | None = None,
        schedule: str | None = None,
        timezone: str = "UTC",
    ) -> None:
        self.fn = fn
        self.name = name or fn.__name__
        self.project = project or "default"
        self.schedule = schedule
        self.timezone = timezone
        self.signature = inspect.signature(fn)
        self.target = f"{fn.__module__}:{fn.__qualname__}"
        clash = RUN_OPTIONS & set(self.signature.parameters)
        if clash:
            raise InvalidPipelineError(
                f"Pipeline {self.name!r} has parameters named like run options: {sorted(clash)}"
            )
        if schedule is not None:
            from shipyard.pipelines.cron import check_cron, check_timezone

            check_cron(schedule)
            check_timezone(timezone)
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn

    def __repr__(self) -> str:
        return f"<pipeline {self.name} project={self.project}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the body directly: steps run in-process, untracked (for debugging)."""
        return self.fn(*args, **kwargs)

    def bind(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The full parameter set (defaults filled in); unknown names are an error."""
        sig = self.signature
        accepts_any = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
        unknown = set(params) - set(sig.parameters)
        if unknown and not accepts_any:
            raise InvalidPipelineError(
                f"Pipeline {self.name!r} has no parameter(s) {sorted(unknown)}; it takes "
                f"{list(sig.parameters)}"
            )
        try:
            bound = sig.bind(**params)
        except TypeError as exc:
            raise InvalidPipelineError(f"Pipeline {self.name!r}: {exc}") from exc
        bound.apply_defaults()
        out = dict(bound.arguments)
        extra = out.pop(
            next((n for n, p in sig.parameters.items() if p.kind is p.VAR_KEYWORD), ""), {}
        )
        out.update(extra)
        return {k: _check_param(self.name, k, v) for k, v in out.items()}

    def definition(self, graph: Graph | None) -> dict[str, Any]:
        """What is stored with the pipeline: its schedule and (when known) step graph."""
        steps = graph.definition() if graph is not None else {}
        return {**steps, "schedule": self.schedule, "timezone": self.timezone}

    def accepts(self, name: str) -> bool:
        params = self.signature.parameters
        return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())

    def build(self, params: Mapping[str, Any]) -> Graph:
        """Trace the body with ``params`` into a step graph."""
        graph = Graph()
        token = _trace.set(graph)
        try:
            result = self.fn(**self.bind(params))
        finally:
            _trace.reset(token)
        if not graph.nodes:
            raise InvalidPipelineError(f"Pipeline {self.name!r} calls no step")
        if result is not None and not isinstance(result, StepOutput):
            raise InvalidPipelineError(
                f"Pipeline {self.name!r} must return a step output or None, got "
                f"{type(result).__name__}"
            )
        graph.output = result.node if result is not None else None
        return graph

    def run(self, **kwargs: Any) -> Any:
        """Run the pipeline, tracked: ``training.run(lr=0.05)``; options ``executor``
        ("local" or "ray"), ``max_workers``, ``ray_address``, ``tracking_uri``."""
        options = {k: kwargs.pop(k) for k in list(kwargs) if k in RUN_OPTIONS}
        if _runner is None:  # pragma: no cover - shipyard.client registers it on import
            raise ShipyardError("No pipeline runner is installed; import shipyard first")
        return _runner(self, kwargs, **options)


@overload
def pipeline(fn: Callable[..., Any], /) -> Pipeline: ...
@overload
def pipeline(
    *,
    name: str | None = None,
    project: str | None = None,
    schedule: str | None = None,
    timezone: str = "UTC",
) -> Callable[[Callable[..., Any]], Pipeline]: ...
def pipeline(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    project: str | None = None,
    schedule: str | None = None,
    timezone: str = "UTC",
) -> Any:
    """Make ``fn`` a pipeline: ``@pipeline(project="energy", schedule="0 * * * *")``."""
    if fn is not None:
        return Pipeline(fn, name=name, project=project, schedule=schedule, timezone=timezone)
    return lambda f: Pipeline(f, name=name, project=project, schedule=schedule, timezone=timezone)
