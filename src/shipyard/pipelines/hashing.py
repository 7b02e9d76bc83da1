"""Code hashes and cache keys of steps."""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["cache_key", "code_hash"]


def code_hash(fn: Callable[..., Any]) -> str:
    """SHA-256 of the function's source with its name, decorators, comments and
    formatting normalised away (``ast.unparse``); the bytecode when no source is available."""
    try:
        source = textwrap.dedent(inspect.getsource(fn))
        tree = ast.parse(source)
        node = tree.body[0]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.decorator_list = []
            node.name = "_"  # renaming a function does not change what it computes
        text = ast.unparse(node)
    except (OSError, TypeError, SyntaxError, IndexError):
        code = fn.__code__
        text = code.co_code.hex() + repr(code.co_consts) + repr(code.co_names)
    return hashlib.sha256(text.encode()).hexdigest()


def cache_key(code: str, params: Mapping[str, Any], input_digests: Mapping[str, str]) -> str:
    """The key under which a step's result is reused: code, parameters, input digests."""
    payload = {"code": code, "params": dict(params), "inputs": dict(input_digests), "v": 1}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()
