"""``shipyard --version``, ``projects``, ``db`` and ``token``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

import shipyard as sy
from shipyard.store.db import head_revision

Invoke = Callable[..., Result]


def test_version_and_help(invoke: Invoke) -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"shipyard {sy.__version__}"
    for args in (["--help"], ["runs", "--help"], ["runs", "list", "--help"], ["sync", "--help"]):
        shown = invoke(*args)
        assert shown.exit_code == 0, args
        assert "Usage" in shown.stdout


def test_every_command_and_option_has_help() -> None:
    import typer

    from shipyard.cli.main import app

    def walk(command: object, path: str) -> list[str]:
        missing = []
        if not getattr(command, "help", None):
            missing.append(path)
        for param in getattr(command, "params", []):
            if getattr(param, "param_type_name", "") == "option" and not param.help:
                missing.append(f"{path} {param.name}")
            if getattr(param, "param_type_name", "") == "argument" and not getattr(
                param, "help", None
            ):
                missing.append(f"{path} <{param.name}>")
        for name, sub in getattr(command, "commands", {}).items():
            missing.extend(walk(sub, f"{path} {name}"))
        return missing

    assert walk(typer.main.get_command(app), "shipyard") == []


def test_projects_list_create_and_duplicate(invoke: Invoke) -> None:
    empty = invoke("projects", "list")
    assert empty.exit_code == 0 and "No projects yet" in empty.stdout

    created = invoke("projects", "create", "energy", "--description", "load forecasting")
    assert created.exit_code == 0, created.output
    assert "energy" in created.stdout

    listed = invoke("projects", "list")
    assert "energy" in listed.stdout and "load forecasting" in listed.stdout
    data = json.loads(invoke("projects", "list", "--json").stdout)
    assert [(p["name"], p["description"]) for p in data] == [("energy", "load forecasting")]

    duplicate = invoke("projects", "create", "energy")
    assert duplicate.exit_code == 1
    assert "Error [PROJECT_ALREADY_EXISTS]:" in duplicate.stderr
    assert "energy" in duplicate.stderr


def test_db_upgrade_and_current(invoke: Invoke, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    head = head_revision()
    assert head is not None

    before = invoke("db", "current", "--backend-store-uri", url)
    assert before.exit_code == 0, before.output
    assert "(empty database)" in before.stdout and "Out of date" in before.stdout

    upgraded = invoke("db", "upgrade", "--backend-store-uri", url)
    assert upgraded.exit_code == 0, upgraded.output
    assert f"(empty) → {head}" in upgraded.stdout

    after = invoke("db", "current", "--backend-store-uri", url)
    assert f"Current revision: {head}" in after.stdout and "Up to date" in after.stdout

    again = invoke("db", "upgrade", "--backend-store-uri", url)
    assert "already at the newest revision" in again.stdout

    default = invoke("db", "upgrade")  # the embedded database in SHIPYARD_HOME
    assert default.exit_code == 0, default.output

    server_url = invoke("db", "current", "--backend-store-uri", "http://localhost:5000")
    assert server_url.exit_code == 1 and "Error [INVALID_INPUT]" in server_url.stderr


def test_token_create_list_revoke(invoke: Invoke, tmp_path: Path) -> None:
    store = ["--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}"]
    created = invoke("token", "create", "ci", "--role", "admin", *store)
    assert created.exit_code == 0, created.output
    secrets_shown = [w for w in created.stdout.split() if w.startswith("sy_")]
    assert len(secrets_shown) == 1
    secret = secrets_shown[0]
    assert "cannot be shown again" in created.stdout

    assert invoke("token", "create", "reader", "--role", "read", *store).exit_code == 0
    default_role = invoke("token", "create", "writer", *store)
    assert "role write" in default_role.stdout

    listed = invoke("token", "list", *store)
    assert listed.exit_code == 0
    assert "ci" in listed.stdout and "admin" in listed.stdout and "active" in listed.stdout
    assert secret not in listed.stdout

    revoked = invoke("token", "revoke", "ci", *store)
    assert revoked.exit_code == 0 and "Revoked token 'ci'" in revoked.stdout

    listed = invoke("token", "list", *store)
    ci_line = next(line for line in listed.stdout.splitlines() if " ci " in line)
    assert "revoked" in ci_line
    data = {t["name"]: t for t in json.loads(invoke("token", "list", "--json", *store).stdout)}
    assert data["ci"]["revoked_at"] is not None and data["reader"]["revoked_at"] is None
    assert data["reader"]["role"] == "read"
    assert all(secret not in json.dumps(t) for t in data.values())

    unknown = invoke("token", "revoke", "nope", *store)
    assert unknown.exit_code == 1 and "Error [TOKEN_NOT_FOUND]" in unknown.stderr
    bad_role = invoke("token", "create", "x", "--role", "root", *store)
    assert bad_role.exit_code == 2
