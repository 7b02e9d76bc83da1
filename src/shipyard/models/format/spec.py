"""``model.yaml``: what a saved model is, what it needs, where it came from.

format_version: 1
flavor: sklearn             # which loader reads it
format: skops               # the file format inside the flavor
files: {model.skops: {sha256: ..., size: ...}}   # verified before anything is read
flavor_info: {...}          # what the flavor needs to load (class names, classes)
requirements: [scikit-learn==1.9.1, ...]         # versions actually used
python_version: 3.11.9
signature: {inputs: [...], outputs: ...}
input_example: {type: dataframe, data: [...records]}
metrics: {...}              # of the producing run, when there is one
lineage: {run_id, project, datasets: [...], git_commit}
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shipyard.core.errors import ModelFormatError

__all__ = ["FORMAT_VERSION", "MODEL_YAML", "ModelSpec", "file_digests", "verify_files"]

FORMAT_VERSION = 1
MODEL_YAML = "model.yaml"
CHUNK = 1 << 20


@dataclass
class ModelSpec:
    """The parsed ``model.yaml``."""

    flavor: str
    format: str
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    flavor_info: dict[str, Any] = field(default_factory=dict)
    requirements: list[str] = field(default_factory=list)
    python_version: str = ""
    signature: dict[str, Any] | None = None
    input_example: dict[str, Any] | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    lineage: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    shipyard_version: str = ""
    format_version: int = FORMAT_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "flavor": self.flavor,
            "format": self.format,
            "created_at": self.created_at,
            "shipyard_version": self.shipyard_version,
            "python_version": self.python_version,
            "requirements": list(self.requirements),
            "files": self.files,
            "flavor_info": self.flavor_info,
            "signature": self.signature,
            "input_example": self.input_example,
            "metrics": self.metrics,
            "lineage": self.lineage,
        }

    def write(self, folder: Path) -> Path:
        path = folder / MODEL_YAML
        path.write_text(yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True))
        return path

    @classmethod
    def read(cls, folder: Path) -> ModelSpec:
        path = folder / MODEL_YAML
        if not path.is_file():
            raise ModelFormatError(f"{folder} holds no {MODEL_YAML}: it is not a Shipyard model")
        try:
            data = yaml.safe_load(path.read_text())
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ModelFormatError(f"{path} is not valid YAML: {exc}") from exc
        if not isinstance(data, Mapping):
            raise ModelFormatError(f"{path} must hold a mapping")
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = MODEL_YAML) -> ModelSpec:
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise ModelFormatError(
                f"{where}: format_version {version!r} is not supported (this Shipyard reads "
                f"version {FORMAT_VERSION})"
            )
        for key in ("flavor", "format"):
            if not isinstance(data.get(key), str):
                raise ModelFormatError(f"{where}: {key!r} must be a string")
        files = data.get("files") or {}
        if not isinstance(files, Mapping):
            raise ModelFormatError(f"{where}: 'files' must map each file to its digest")
        return cls(
            flavor=data["flavor"],
            format=data["format"],
            files={str(k): dict(v) for k, v in files.items()},
            flavor_info=dict(data.get("flavor_info") or {}),
            requirements=[str(r) for r in data.get("requirements") or []],
            python_version=str(data.get("python_version") or ""),
            signature=data.get("signature"),
            input_example=data.get("input_example"),
            metrics=dict(data.get("metrics") or {}),
            lineage=dict(data.get("lineage") or {}),
            created_at=str(data.get("created_at") or ""),
            shipyard_version=str(data.get("shipyard_version") or ""),
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_digests(folder: Path) -> dict[str, dict[str, Any]]:
    """``{relative path: {sha256, size}}`` of every file under ``folder`` but model.yaml."""
    found: dict[str, dict[str, Any]] = {}
    for dirpath, _dirs, names in os.walk(folder):
        for name in sorted(names):
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            if rel != MODEL_YAML:
                found[rel] = {"sha256": _sha256(path), "size": path.stat().st_size}
    return dict(sorted(found.items()))


def file_digests_names(folder: Path) -> list[str]:
    """Relative paths of every file under ``folder`` but model.yaml."""
    names = []
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            rel = (Path(dirpath) / name).relative_to(folder).as_posix()
            if rel != MODEL_YAML:
                names.append(rel)
    return names


def verify_files(folder: Path, spec: ModelSpec) -> None:
    """Every file ``model.yaml`` lists exists inside ``folder`` with its recorded digest."""
    root = folder.resolve()
    unlisted = sorted(set(file_digests_names(folder)) - set(spec.files))
    if unlisted:
        raise ModelFormatError(
            f"the model holds files {MODEL_YAML} does not list: {unlisted[:5]}; it is not loaded",
            path=unlisted[0],
        )
    for rel, info in spec.files.items():
        path = (folder / rel).resolve()
        if not path.is_relative_to(root):
            raise ModelFormatError(f"{MODEL_YAML} lists {rel!r}, which is outside the model")
        if not path.is_file():
            raise ModelFormatError(f"{MODEL_YAML} lists {rel!r} but the model has no such file")
        actual = _sha256(path)
        if actual != info.get("sha256"):
            raise ModelFormatError(
                f"{rel!r} does not match {MODEL_YAML}: its SHA-256 is {actual[:16]}…, the "
                f"recorded one {str(info.get('sha256'))[:16]}…; the model was changed after "
                "it was saved, so it is not loaded",
                path=rel,
            )
