"""The ``shipyard`` command line: a thin adapter over the SDK (parse, call, render)."""
