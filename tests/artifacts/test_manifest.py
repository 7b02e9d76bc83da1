"""Manifests: canonical digests, entry validation, diffs (with hypothesis properties)."""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipyard.artifacts import (
    FileEntry,
    ManifestDiff,
    apply_diff,
    diff,
    incremental,
    manifest_digest,
)
from shipyard.artifacts.manifest import canonical_manifest, normalize_entries
from shipyard.core.errors import InvalidInputError


def stored(path: str, content: bytes) -> FileEntry:
    return FileEntry(path, hashlib.sha256(content).hexdigest(), len(content))


HEX64 = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
SEGMENT = st.text(alphabet="abcxyz019._- é", min_size=1, max_size=6).filter(
    lambda s: s.strip(". ") != "" and s == s.strip()
)
PATH = st.lists(SEGMENT, min_size=1, max_size=3).map("/".join)


@st.composite
def entry_for(draw: st.DrawFn, path: str) -> FileEntry:
    size = draw(st.integers(min_value=0, max_value=2**40))
    if draw(st.booleans()):
        return FileEntry(path, draw(HEX64), size)
    uri = "s3://bucket/" + draw(st.text(alphabet="abc/xyz", min_size=1, max_size=10))
    etag = draw(st.none() | st.text(alphabet="0123456789abcdef-", max_size=40))
    return FileEntry(path, draw(st.none() | HEX64), size, ref_uri=uri, ref_etag=etag)


@st.composite
def manifests(draw: st.DrawFn, min_size: int = 0) -> list[FileEntry]:
    paths = draw(st.lists(PATH, min_size=min_size, max_size=12, unique=True))
    return [draw(entry_for(p)) for p in paths]


@settings(max_examples=100, deadline=None)
@given(manifests(), st.randoms(use_true_random=False))
def test_digest_is_independent_of_entry_order(entries: list[FileEntry], rnd: random.Random) -> None:
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    assert manifest_digest(shuffled) == manifest_digest(entries)


@settings(max_examples=150, deadline=None)
@given(manifests(min_size=1), st.data())
def test_digest_changes_when_any_entry_changes(
    entries: list[FileEntry], data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(entries) - 1))
    old = entries[i]
    field = data.draw(st.sampled_from(["path", "digest", "size", "ref_uri", "ref_etag", "kind"]))
    if field == "path":
        taken = {e.path for e in entries}
        new_path = data.draw(PATH.filter(lambda p: p not in taken))
        new = FileEntry(new_path, old.digest, old.size, old.ref_uri, old.ref_etag)
    elif field == "digest":
        new = FileEntry(
            old.path,
            data.draw(HEX64.filter(lambda d: d != old.digest)),
            old.size,
            old.ref_uri,
            old.ref_etag,
        )
    elif field == "size":
        new = FileEntry(old.path, old.digest, old.size + 1, old.ref_uri, old.ref_etag)
    elif field == "ref_uri" and old.is_reference:
        new = FileEntry(old.path, old.digest, old.size, f"{old.ref_uri}x", old.ref_etag)
    elif field == "ref_etag" and old.is_reference:
        new = FileEntry(old.path, old.digest, old.size, old.ref_uri, f"{old.ref_etag or ''}e")
    elif old.is_reference:  # a reference becomes a stored file
        new = FileEntry(old.path, old.digest or "0" * 64, old.size)
    else:  # a stored file becomes a reference
        new = FileEntry(old.path, old.digest, old.size, "https://example.com/x")
    changed = [*entries[:i], new, *entries[i + 1 :]]
    assert manifest_digest(changed) != manifest_digest(entries)
    # removing or adding an entry changes it too
    assert manifest_digest(entries[:i] + entries[i + 1 :]) != manifest_digest(entries)


@settings(max_examples=150, deadline=None)
@given(manifests(), manifests())
def test_diff_applied_to_a_yields_b(a: list[FileEntry], b: list[FileEntry]) -> None:
    change = diff(a, b)
    result = apply_diff(a, change)
    assert result == sorted(b, key=lambda e: e.path)
    assert manifest_digest(result) == manifest_digest(b)
    assert len(change.added) + len(change.changed) + change.unchanged_count == len(b)
    assert len(change.removed) + len(change.changed) + change.unchanged_count == len(a)
    assert change.is_empty == (manifest_digest(a) == manifest_digest(b))
    assert ManifestDiff.from_dict(change.to_dict()) == change


def test_diff_reports_added_removed_changed() -> None:
    a = [stored("same", b"1"), stored("gone", b"2"), stored("edit", b"3")]
    b = [stored("same", b"1"), stored("edit", b"33"), stored("new", b"4")]
    change = diff(a, b)
    assert [e.path for e in change.added] == ["new"]
    assert [e.path for e in change.removed] == ["gone"]
    assert [(c.path, c.before.size, c.after.size) for c in change.changed] == [("edit", 1, 2)]
    assert change.unchanged_count == 1


def test_digest_is_pinned() -> None:
    """The canonical form is part of the storage format: changing it re-versions data."""
    entries = [stored("b/data.csv", b"hello"), stored("a.txt", b"")]
    assert canonical_manifest(entries).startswith(b'{"files":[{"digest":"e3b0c442')
    assert manifest_digest(entries) == hashlib.sha256(canonical_manifest(entries)).hexdigest()
    assert manifest_digest(entries) == PINNED
    assert manifest_digest([]) != manifest_digest(entries)


PINNED = "ef2db319a8ea2990e9e9d00b5e943423c2e52ad83d8d79f0d1d2268851df760d"


def test_paths_are_normalised_before_hashing() -> None:
    assert manifest_digest([stored("./a//b.txt", b"x")]) == manifest_digest(
        [stored("a/b.txt", b"x")]
    )
    assert normalize_entries([stored("./x", b"")])[0].path == "x"


def test_duplicate_paths_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="lists 'a/b' twice"):
        manifest_digest([stored("a/b", b"1"), stored("a//b", b"2")])


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (FileEntry("../x", "0" * 64, 1), "'..' segment"),
        (FileEntry("x", "ABC", 1), "not 64 lowercase hex"),
        (FileEntry("x", "0" * 64, -1), "non-negative integer"),
        (FileEntry("x", "0" * 64, True), "non-negative integer"),
        (FileEntry("x", "0" * 64, 1.5), "non-negative integer"),  # type: ignore[arg-type]
        (FileEntry("x", None, 1), "neither a digest nor a reference"),
        (FileEntry("x", "0" * 64, 1, ref_etag="e"), "only meaningful on a reference"),
        (FileEntry("x", None, 1, ref_uri="ftp://h/x"), "scheme 'ftp'"),
        (FileEntry("x", None, 1, ref_uri="not a uri"), "is not a URI"),
        (FileEntry("x", None, 1, ref_uri="https://h/\nx"), "control characters"),
        (FileEntry("x", None, 1, ref_uri="s3://b/k", ref_etag="e" * 300), "ETag"),
    ],
)
def test_bad_entries_are_refused(entry: FileEntry, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason):
        manifest_digest([entry])


def test_references_are_valid_entries() -> None:
    ref = FileEntry("ext/data.bin", None, 10, ref_uri="s3://bucket/key", ref_etag='"abc"')
    assert ref.is_reference
    assert FileEntry.from_dict(ref.to_dict()) == ref
    assert manifest_digest([ref]) != manifest_digest([FileEntry("ext/data.bin", "0" * 64, 10)])
    with pytest.raises(InvalidInputError, match="Malformed manifest entry"):
        FileEntry.from_dict({"digest": "x"})


@settings(max_examples=150, deadline=None)
@given(manifests(), manifests(), st.data())
def test_incremental_removes_then_adds(
    base: list[FileEntry], added: list[FileEntry], data: st.DataObject
) -> None:
    base = normalize_entries(base)
    paths = [e.path for e in base]
    folders = sorted({p.rsplit("/", 1)[0] for p in paths if "/" in p})
    choices = paths + folders
    remove = data.draw(st.lists(st.sampled_from(choices), max_size=4)) if choices else []
    result = incremental(base, added, remove)

    def gone(path: str) -> bool:
        return any(path == r or path.startswith(f"{r}/") for r in remove)

    expected = {e.path: e for e in base if not gone(e.path)}
    expected.update((e.path, e) for e in normalize_entries(added))
    assert result == [expected[p] for p in sorted(expected)]


def test_incremental_refuses_to_remove_what_is_not_there() -> None:
    base = [stored("a/x.txt", b"x")]
    with pytest.raises(InvalidInputError, match="'a/y'"):
        incremental(base, [], ["a/y"])
    assert incremental(base, [], ["a/", "a/x.txt"]) == []  # overlapping removals are fine
