"""SQLite schema of a project file, connection settings and the format/version check.

The file is marked as an lmapp project by `meta.format`; `meta.schema_version` must be
SCHEMA_VERSION or an older version that :func:`upgrade` brings up to date (in one transaction,
when the file is opened for writing), so an lmapp never misreads a file written under a
different layout. `meta.identity` records the identity rule the minima were last identified
with (IDENTITY_VERSION); older files are re-identified (``lmapp dedupe``).

History: 1 — first layout; 2 — ``connect_attempts`` (the outcome of every connect attempt)
and ``meta.identity``.
"""

from __future__ import annotations

import enum
import sqlite3
from pathlib import Path

from .errors import ProjectError

SCHEMA_VERSION = 3
#: the identity rule of SPEC §2.3 (alignment over the symmetry group; 1: sorted canonical form)
IDENTITY_VERSION = "2"
FORMAT = "lmapp-project"
BUSY_TIMEOUT_S = 10.0


class RunStatus(str, enum.Enum):
    """Status of a run (stored as its value)."""

    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    FINISHED = "finished"
    FAILED = "failed"
    #: ended because its cluster's scheduler went away; what it committed is kept, and the
    #: next run continues it (files created before this status record such runs as failed)
    INTERRUPTED = "interrupted"

    def __str__(self) -> str:
        return self.value


RUN_STATUSES = tuple(s.value for s in RunStatus)
FINAL_STATUSES = (
    RunStatus.CANCELLED.value,
    RunStatus.FINISHED.value,
    RunStatus.FAILED.value,
    RunStatus.INTERRUPTED.value,
)
DATASET_ARRAYS = ("X_train", "y_train", "X_test", "y_test")

_CONNECT_ATTEMPTS = (
    """CREATE TABLE connect_attempts (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id),
        min1 INTEGER NOT NULL,
        min2 INTEGER NOT NULL,
        tier INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        new_ts INTEGER NOT NULL,
        new_minima INTEGER NOT NULL,
        elapsed REAL NOT NULL)""",
    "CREATE INDEX connect_attempts_run ON connect_attempts(run_id)",
)

#: transition states looked up by loss (a connect job matches new ones against the stored
#: without loading them all: 3·10⁵ of them are 50 MB and seconds to read)
_TS_LOSS_INDEX = ("CREATE INDEX IF NOT EXISTS transition_states_loss ON transition_states(loss)",)

# One statement per entry: executescript() would commit the surrounding transaction.
DDL = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE dataset (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        spec TEXT NOT NULL,
        X_train BLOB NOT NULL, y_train BLOB NOT NULL,
        X_test BLOB NOT NULL, y_test BLOB NOT NULL)""",
    "CREATE TABLE model (id INTEGER PRIMARY KEY CHECK (id = 1), spec TEXT NOT NULL)",
    f"""CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        params TEXT NOT NULL,
        seed INTEGER,
        status TEXT NOT NULL CHECK (status IN {RUN_STATUSES!r}),
        started_at REAL NOT NULL,
        finished_at REAL,
        elapsed REAL,
        stats TEXT NOT NULL)""",
    """CREATE TABLE minima (
        id INTEGER PRIMARY KEY,
        loss REAL NOT NULL,
        rms_grad REAL,
        hessian_index INTEGER,
        min_eig REAL,
        lpphe REAL,
        n_zero_modes INTEGER,
        weights BLOB NOT NULL,
        run_id INTEGER REFERENCES runs(id),
        found_at REAL NOT NULL,
        walker INTEGER,
        step INTEGER)""",
    "CREATE INDEX minima_loss ON minima(loss)",
    """CREATE TABLE transition_states (
        id INTEGER PRIMARY KEY,
        loss REAL NOT NULL,
        rms_grad REAL,
        eigenvalue REAL,
        lpphe REAL,
        min1 INTEGER NOT NULL REFERENCES minima(id),
        min2 INTEGER NOT NULL REFERENCES minima(id),
        weights BLOB NOT NULL,
        run_id INTEGER REFERENCES runs(id),
        found_at REAL NOT NULL)""",
    "CREATE INDEX transition_states_min1 ON transition_states(min1)",
    "CREATE INDEX transition_states_min2 ON transition_states(min2)",
    *_TS_LOSS_INDEX,
    """CREATE TABLE failed_pairs (
        min1 INTEGER NOT NULL REFERENCES minima(id),
        min2 INTEGER NOT NULL REFERENCES minima(id),
        attempts INTEGER NOT NULL,
        last_run INTEGER REFERENCES runs(id),
        PRIMARY KEY (min1, min2),
        CHECK (min1 < min2))""",
    """CREATE TABLE walker_states (
        run_kind TEXT NOT NULL,
        walker INTEGER NOT NULL,
        state TEXT NOT NULL,
        x BLOB NOT NULL,
        PRIMARY KEY (run_kind, walker))""",
    """CREATE TABLE derived (
        key TEXT PRIMARY KEY,
        value BLOB NOT NULL,
        meta TEXT NOT NULL,
        updated_at REAL NOT NULL)""",
    *_CONNECT_ATTEMPTS,
)

#: statements that bring a file of schema version k − 1 to version k
UPGRADES = {2: _CONNECT_ATTEMPTS, 3: _TS_LOSS_INDEX}


def connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """Open an existing file (never creates one) without reading or changing it yet.

    Autocommit mode (transactions are explicit), usable from several threads (the caller
    serialises access), and a busy timeout for waiting on a writer's lock.
    """
    uri = f"{path.as_uri()}?mode={'ro' if readonly else 'rw'}"
    return sqlite3.connect(
        uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )


def configure(conn: sqlite3.Connection) -> None:
    """Per-connection settings: foreign keys on, and synchronous=NORMAL, which with WAL keeps
    the file consistent after any crash and can lose only the last commits on power loss."""
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")


def create_schema(conn: sqlite3.Connection, meta: dict[str, str]) -> None:
    """Create all tables and the meta rows; call inside the transaction that creates the project."""
    for statement in DDL:
        conn.execute(statement)
    rows = {
        **meta,
        "format": FORMAT,
        "schema_version": str(SCHEMA_VERSION),
        "identity": IDENTITY_VERSION,
    }
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", rows.items())


def check_project(conn: sqlite3.Connection, path: Path) -> int:
    """The file's schema version; ProjectError unless it is an lmapp project this version can
    read (SCHEMA_VERSION, or an older one to upgrade). Reads only."""
    try:
        has_meta = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        info = (
            dict(
                conn.execute(
                    "SELECT key, value FROM meta WHERE key IN ('format', 'schema_version')"
                )
            )
            if has_meta
            else {}
        )
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{path}: not an lmapp project ({exc})") from exc
    if info.get("format") != FORMAT:
        raise ProjectError(f"{path}: not an lmapp project (SQLite file without lmapp metadata)")
    try:
        version = int(info["schema_version"])
    except (KeyError, ValueError) as exc:
        raise ProjectError(
            f"{path}: lmapp project with a missing or unreadable schema version"
        ) from exc
    if not 1 <= version <= SCHEMA_VERSION:
        writer = "a newer" if version > SCHEMA_VERSION else "an unknown"
        raise ProjectError(
            f"{path}: project schema version {version} is not supported; this lmapp reads "
            f"schema versions 1 to {SCHEMA_VERSION} (the file was written by {writer} lmapp)"
        )
    return version


def upgrade(conn: sqlite3.Connection, version: int) -> None:
    """Bring a file of schema ``version`` to SCHEMA_VERSION; call inside one transaction."""
    for target in range(version + 1, SCHEMA_VERSION + 1):
        for statement in UPGRADES[target]:
            conn.execute(statement)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))


def _damaged(path: Path, what: str) -> ProjectError:
    """The refusal for a file that must not be written to, with how to get the data out."""
    return ProjectError(
        f"{path}: the file is {what}; nothing was written. Save what is readable "
        f"with `lmapp export {path} OUT.json` (or copy the file aside) and "
        "restore a backup"
    )


def _tables(version: int) -> set[str]:
    """The tables a file of schema ``version`` has."""
    later = {s for k in range(version + 1, SCHEMA_VERSION + 1) for s in UPGRADES[k]}
    return {s.split()[2] for s in DDL if s.startswith("CREATE TABLE") and s not in later}


#: files found sound in this process, by path → (size, mtime) of the file and its WAL: a job
#: opening the file its caller just opened does not read it all again (0.9 s at 10⁵ minima)
_SOUND: dict[Path, tuple] = {}


def _stamp(path: Path) -> tuple:
    wal = Path(f"{path}-wal")
    stats = [path.stat(), *([wal.stat()] if wal.exists() else [])]
    return tuple((s.st_size, s.st_mtime_ns) for s in stats)


def check_integrity(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """Refuse to write to a damaged file: SQLite's page check, the tables of ``version`` and
    every foreign key (a transition state naming a missing minimum, say). Reads only; skipped
    for a file this process found sound and that has not changed since."""
    stamp = _stamp(path)
    if _SOUND.get(path) == stamp:
        return
    try:
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise _damaged(path, f"damaged ({'; '.join(problems)})")
        present = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        missing = sorted(_tables(version) - present)
        if missing:
            raise _damaged(path, f"damaged (missing table(s) {', '.join(missing)})")
        bad = conn.execute("PRAGMA foreign_key_check").fetchmany(5)
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, f"damaged ({exc})") from exc
    if bad:
        where = "; ".join(
            f"{table} row id {rowid} names a missing {parent} row"
            for table, rowid, parent, _ in bad
        )
        raise _damaged(path, f"inconsistent ({where})")
    _SOUND[path] = stamp
