"""Artifact file paths: one validator used everywhere a path enters Shipyard.

A valid path is relative, POSIX (``/`` separators), NFC-normalised UTF-8 of at most
1,024 bytes with segments of at most 255 bytes, and stays inside the artifact whatever
decodes it later: no ``..``, no backslashes, no drive letters or UNC prefixes, nothing that
percent-decodes or Unicode-compatibility-folds (NFKC) into traversal, no control or
bidirectional-override characters, no ``#``, ``;`` or ``?`` (URLs cut paths there), no
leading ``~`` and no URL schemes. ``.`` segments and doubled slashes are normalised away
(``./a//b`` → ``a/b``); a trailing slash names a folder and is refused.

``TRAVERSAL_CORPUS`` holds payloads modelled on MLflow's artifact path CVEs (CVE-2023-1177,
CVE-2023-2780, CVE-2023-6831, CVE-2024-1560, CVE-2024-1483); every one must be refused by
:func:`validate_artifact_path` and by every endpoint that takes a path.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

from shipyard.core.errors import InvalidInputError

__all__ = ["MAX_PATH_BYTES", "MAX_SEGMENT_BYTES", "TRAVERSAL_CORPUS", "validate_artifact_path"]

MAX_PATH_BYTES = 1024
MAX_SEGMENT_BYTES = 255
_DECODE_ROUNDS = 4

# the common case, accepted without further work: plain ASCII names, no dot-only segments
_PLAIN = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
_DRIVE = re.compile(r"^[A-Za-z]:")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:$")
_IIS_UNICODE = re.compile(r"%u[0-9A-Fa-f]{4}")
_URL_SPECIAL = {"#": "a URL fragment", ";": "URL path parameters", "?": "a URL query"}
# control characters (Unicode category Cc) and bidirectional controls
_BAD_CHAR = re.compile("[\x00-\x1f\x7f-\x9f]|([\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069])")

TRAVERSAL_CORPUS: tuple[str, ...] = (
    # CVE-2023-1177: absolute paths, file:// sources and plain ``..`` escape the root
    "../../../../etc/passwd",
    "..",
    "../",
    "a/../../b",
    "models/../../../root/.ssh/id_rsa",
    "/etc/passwd",
    "//etc/passwd",
    "/",
    "file:///etc/passwd",
    "file:/etc/passwd",
    "mlflow-artifacts:/../../../etc/passwd",
    "s3://other-bucket/secret",
    "http://169.254.169.254/latest/meta-data",
    # CVE-2023-2780: the 1177 fix bypassed with Windows separators and drive paths
    "..\\..\\windows\\win.ini",
    "\\..\\..\\etc\\passwd",
    "a\\..\\..\\b",
    "C:\\Windows\\System32\\config\\SAM",
    "C:/Windows/win.ini",
    "c:secret.txt",
    "\\\\server\\share\\secret",
    "\\\\?\\C:\\secret",
    # CVE-2023-6831: URL-encoded traversal in the artifact delete endpoint
    "%2e%2e/%2e%2e/etc/passwd",
    "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "..%2f..%2fetc%2fpasswd",
    "..%5c..%5cwindows%5cwin.ini",
    "a%2f..%2f..%2fb",
    "%2e%2e",
    "%2fetc%2fpasswd",
    "a/%2e/b",
    # CVE-2024-1560: double (and triple) encoding past a single decode
    "%252e%252e/%252e%252e/etc/passwd",
    "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "..%252f..%252fetc%252fpasswd",
    "%25252e%25252e/etc/passwd",
    "a%255c..%255cb",
    # CVE-2024-1483 (and CVE-2024-1593): fragments and ``;`` parameters smuggle ``..``
    "a#/../../etc/passwd",
    "#/../../../etc/passwd",
    "x/..;/..;/etc/passwd",
    "a;/../../etc/passwd",
    "model.pkl;.txt",
    "model?x=/../../etc/passwd",
    # NUL and control characters truncate or split paths in C, logs and terminals
    "model.pkl\x00.txt",
    "a/\x00/../b",
    "evil\n../../etc/passwd",
    "a\rb",
    "\x1b[31mred",
    "tab\there",
    "del\x7f",
    # home expansion
    "~/.ssh/id_rsa",
    "~root/.bashrc",
    # overlong UTF-8, IIS %u encoding and Unicode lookalikes that fold into traversal
    "%c0%ae%c0%ae/etc/passwd",
    "%u002e%u002e/etc/passwd",
    "\uff0e\uff0e/etc/passwd",
    "a\uff0f..\uff0fb",
    "a\uff3c..\uff3cb",
    # Windows drops trailing dots and spaces: these become ``..`` there
    "... /x",
    ".. /etc/passwd",
    "a/.../b",
    # empty, folder-only and over-long paths
    "",
    "   ",
    ".",
    "./",
    "a/b/",
    "a/" * 600 + "b",
    "x" * 300,
    # a right-to-left override disguises the extension ("evilexe.png" displayed)
    "evil\u202egnp.exe",
)


def validate_artifact_path(path: object) -> str:
    """The normalised relative POSIX form of ``path``, or ``InvalidInputError`` naming
    the path and why it was refused."""
    if (
        isinstance(path, str)
        and len(path) <= MAX_PATH_BYTES
        and _PLAIN.fullmatch(path)
        and all(len(seg) <= MAX_SEGMENT_BYTES for seg in path.split("/"))
    ):
        return path
    return _validate(path)


def _validate(path: object) -> str:
    """Every rule, step by step (``validate_artifact_path`` short-cuts plain names)."""
    if not isinstance(path, str):
        raise _refuse(path, f"it is a {type(path).__name__}, not a string")
    if not path.strip():
        raise _refuse(path, "it is empty")
    plain = path.isascii()  # ASCII is NFC and NFKC already: skip the Unicode work
    text = path if plain else unicodedata.normalize("NFC", path)
    size = len(text) if plain else _utf8_size(path, text)
    if size > MAX_PATH_BYTES:
        raise _refuse(path, f"it is {size} bytes of UTF-8; the limit is {MAX_PATH_BYTES}")
    problem = _structural_problem(text)
    if problem is None and "%" in text:
        problem = _encoded_problem(text)
    if problem is None and not plain:
        problem = _lookalike_problem(text)
    if problem is not None:
        raise _refuse(path, problem)
    return _normalise(path, text)


def _utf8_size(original: str, text: str) -> int:
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise _refuse(original, "it holds a lone surrogate, which is not valid UTF-8") from None


def _structural_problem(text: str) -> str | None:
    """Why ``text`` (taken literally) is not a safe relative path, or None."""
    bad = _BAD_CHAR.search(text)
    if bad is not None:
        kind = "bidirectional control" if bad.group(1) else "control"
        return f"it contains the {kind} character U+{ord(bad.group()):04X}"
    if "\\" in text:
        return "it contains a backslash (a Windows separator that can smuggle '..')"
    for ch, meaning in _URL_SPECIAL.items():
        if ch in text:
            return f"it contains {ch!r}, which starts {meaning} and cuts the path"
    if text.startswith("/"):
        return "it is absolute (starts with '/')"
    if _DRIVE.match(text):
        return "it starts with a Windows drive letter"
    first = text.split("/", 1)[0]
    if "://" in text or _SCHEME.match(first):
        return "it looks like a URL, not a path inside the artifact"
    if first.startswith("~"):
        return "it starts with '~' (home-directory expansion)"
    return _segment_problem(text)


def _segment_problem(text: str) -> str | None:
    for segment in text.split("/"):
        if segment in ("", "."):
            continue
        if not segment.strip(". "):
            if segment == "..":
                return "it has a '..' segment (parent-directory traversal)"
            return f"it has the segment {segment!r}, which Windows trims to '', '.' or '..'"
        if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
            return f"a segment is longer than {MAX_SEGMENT_BYTES} bytes"
    return None


def _encoded_problem(text: str) -> str | None:
    """Traversal hidden behind (repeated) percent-encoding."""
    if _IIS_UNICODE.search(text):
        return "it contains %u-encoding, which some servers decode into '.' or '/'"
    current = text
    for _ in range(_DECODE_ROUNDS):
        try:
            decoded = unquote(current, errors="strict")
        except UnicodeDecodeError:
            return "it percent-encodes bytes that are not UTF-8 (overlong '.' or '/')"
        if decoded == current:
            return None
        if _changes_structure(text, decoded):
            return f"it percent-decodes to {decoded!r}"
        current = decoded
    return "it is percent-encoded more times than any client would"


def _lookalike_problem(text: str) -> str | None:
    """Traversal hidden behind compatibility characters (fullwidth dot, slash, …)."""
    folded = unicodedata.normalize("NFKC", text)
    if folded != text and _changes_structure(text, folded):
        return f"it folds (Unicode NFKC) to {folded!r}"
    return None


def _changes_structure(original: str, transformed: str) -> bool:
    if transformed.count("/") != original.count("/"):
        return True
    if original.split("/") != transformed.split("/") and any(
        seg in (".", "..") for seg in transformed.split("/")
    ):
        return True
    return _structural_problem(transformed) is not None


def _normalise(original: str, text: str) -> str:
    if text.endswith("/"):
        raise _refuse(original, "it ends with '/', which names a folder, not a file")
    segments = [seg for seg in text.split("/") if seg not in ("", ".")]
    if not segments:
        raise _refuse(original, "it names no file")
    return "/".join(segments)


def _refuse(path: object, reason: str) -> InvalidInputError:
    shown = repr(path)
    if len(shown) > 120:
        shown = shown[:117] + "..."
    return InvalidInputError(
        f"Invalid artifact path {shown}: {reason}",
        path=str(path)[:1100] if isinstance(path, str) else repr(path)[:200],
    )
