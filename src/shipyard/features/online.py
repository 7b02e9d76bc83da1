"""Online stores: the latest feature values per entity key, for low-latency reads.

``sqlite:///path`` (the default, a file beside the offline store) or
``redis://host:port/db`` (the production option; needs the ``redis`` extra). A row is
``(view, key) -> (event time in µs, orjson of {feature: value})`` and a write never
replaces a newer event time with an older one.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlparse

from shipyard.core.errors import InvalidInputError

__all__ = ["OnlineRow", "OnlineStore", "RedisOnlineStore", "SqliteOnlineStore", "open_online_store"]

OnlineRow = tuple[str, int, bytes]  # (entity key, event time µs, encoded values)


class OnlineStore(Protocol):
    """Latest values per (view, entity key)."""

    uri: str

    def write(self, view: str, rows: Iterable[OnlineRow]) -> int: ...

    def read(self, view: str, keys: Sequence[str]) -> list[tuple[int, bytes] | None]: ...

    def drop_view(self, view: str) -> None: ...


class SqliteOnlineStore:
    """One SQLite table keyed by (view, key); one connection per thread."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.uri = f"sqlite:///{self.path}"
        self._local = threading.local()
        with self._conn() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS online_features (view TEXT NOT NULL, "
                "key TEXT NOT NULL, ts INTEGER NOT NULL, vals BLOB NOT NULL, "
                "PRIMARY KEY (view, key)) WITHOUT ROWID"
            )

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk upserts touch many pages
            conn.isolation_level = "DEFERRED"
            self._local.conn = conn
        return conn

    def write(self, view: str, rows: Iterable[OnlineRow]) -> int:
        conn = self._conn()
        with conn:
            cur = conn.executemany(
                "INSERT INTO online_features (view, key, ts, vals) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (view, key) DO UPDATE SET ts = excluded.ts, vals = excluded.vals "
                "WHERE excluded.ts >= online_features.ts",
                ((view, k, ts, v) for k, ts, v in rows),
            )
        return max(cur.rowcount, 0)

    def read(self, view: str, keys: Sequence[str]) -> list[tuple[int, bytes] | None]:
        conn = self._conn()
        if len(keys) == 1:
            row = conn.execute(
                "SELECT ts, vals FROM online_features WHERE view = ? AND key = ?",
                (view, keys[0]),
            ).fetchone()
            return [(row[0], row[1]) if row else None]
        found: dict[str, tuple[int, bytes]] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, ts, vals in conn.execute(
                f"SELECT key, ts, vals FROM online_features WHERE view = ? AND key IN ({marks})",
                (view, *chunk),
            ):
                found[key] = (ts, vals)
        return [found.get(k) for k in keys]

    def drop_view(self, view: str) -> None:
        conn = self._conn()
        with conn:
            conn.execute("DELETE FROM online_features WHERE view = ?", (view,))


# Keep the newer event time: the stored value starts with "<ts>|".
_UPSERT = """
local n = 0
for i, key in ipairs(KEYS) do
  local ts = tonumber(ARGV[2 * i - 1])
  local cur = redis.call('GET', key)
  local old = cur and tonumber(string.match(cur, '^(%-?%d+)|'))
  if not old or ts >= old then
    redis.call('SET', key, ARGV[2 * i - 1] .. '|' .. ARGV[2 * i])
    n = n + 1
  end
end
return n
"""


class RedisOnlineStore:
    """Redis strings ``<prefix><view>:<key>`` holding ``<ts>|<values>``."""

    def __init__(self, url: str, prefix: str = "shipyard:features:") -> None:
        try:
            import redis
        except ImportError as exc:  # pragma: no cover - the extra is installed in tests
            raise InvalidInputError(
                "The Redis online store needs the redis package: pip install 'shipyard[redis]'"
            ) from exc
        self.uri = f"{url}?prefix={prefix}"  # the prefix is part of the store's identity
        self.prefix = prefix
        self._redis = redis.Redis.from_url(url)
        self._upsert = self._redis.register_script(_UPSERT)

    def _key(self, view: str, key: str) -> str:
        return f"{self.prefix}{view}:{key}"

    def write(self, view: str, rows: Iterable[OnlineRow]) -> int:
        written = 0
        batch: list[OnlineRow] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 2000:
                written += self._write(view, batch)
                batch = []
        if batch:
            written += self._write(view, batch)
        return written

    def _write(self, view: str, batch: Sequence[OnlineRow]) -> int:
        keys = [self._key(view, k) for k, _ts, _v in batch]
        args: list[Any] = []
        for _k, ts, vals in batch:
            args += [str(ts), vals]
        return int(self._upsert(keys=keys, args=args))

    def read(self, view: str, keys: Sequence[str]) -> list[tuple[int, bytes] | None]:
        raw = self._redis.mget([self._key(view, k) for k in keys])
        out: list[tuple[int, bytes] | None] = []
        for value in raw:
            if value is None:
                out.append(None)
                continue
            data = value if isinstance(value, bytes) else str(value).encode()
            ts, _, vals = data.partition(b"|")
            out.append((int(ts), vals))
        return out

    def drop_view(self, view: str) -> None:
        keys = list(self._redis.scan_iter(match=f"{self.prefix}{view}:*", count=1000))
        for start in range(0, len(keys), 1000):
            self._redis.delete(*keys[start : start + 1000])


def open_online_store(uri: str) -> OnlineStore:
    """The online store a URI names: ``sqlite:///path`` or ``redis://…[?prefix=…]``."""
    if uri.startswith("sqlite:///"):
        return SqliteOnlineStore(uri[len("sqlite:///") :])
    if uri.startswith(("redis://", "rediss://", "unix://")):
        parsed = urlparse(uri)
        prefix = parse_qs(parsed.query).get("prefix", ["shipyard:features:"])[0]
        return RedisOnlineStore(parsed._replace(query="").geturl(), prefix=prefix)
    raise InvalidInputError(
        f"Unsupported online store {uri!r}: use sqlite:///path or redis://host:port/db"
    )
