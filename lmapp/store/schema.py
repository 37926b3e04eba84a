"""SQLite schema of a project file, connection settings and the format/version check.

The file is marked as an lmapp project by `meta.format`; `meta.schema_version` must equal
SCHEMA_VERSION, so an lmapp never misreads a file written under a different layout.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from .errors import ProjectError

SCHEMA_VERSION = 1
FORMAT = "lmapp-project"
BUSY_TIMEOUT_S = 10.0

RUN_STATUSES = ("running", "paused", "cancelled", "finished", "failed")
FINAL_STATUSES = ("cancelled", "finished", "failed")
DATASET_ARRAYS = ("X_train", "y_train", "X_test", "y_test")

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
)


def connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """Open an existing file (never creates one) without reading or changing it yet.

    Autocommit mode (transactions are explicit), usable from several threads (the caller
    serialises access), and a busy timeout for waiting on a writer's lock.
    """
    uri = f"{path.as_uri()}?mode={'ro' if readonly else 'rw'}"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                           check_same_thread=False)


def configure(conn: sqlite3.Connection) -> None:
    """Per-connection settings: foreign keys on, and synchronous=NORMAL, which with WAL keeps
    the file consistent after any crash and can lose only the last commits on power loss."""
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")


def create_schema(conn: sqlite3.Connection, meta: dict[str, str]) -> None:
    """Create all tables and the meta rows; call inside the transaction that creates the project."""
    for statement in DDL:
        conn.execute(statement)
    rows = {**meta, "format": FORMAT, "schema_version": str(SCHEMA_VERSION)}
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", rows.items())


def check_project(conn: sqlite3.Connection, path: Path) -> None:
    """Raise ProjectError unless the file is an lmapp project of this schema version; reads only."""
    try:
        has_meta = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        info = dict(conn.execute(
            "SELECT key, value FROM meta WHERE key IN ('format', 'schema_version')")) if has_meta else {}
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{path}: not an lmapp project ({exc})") from exc
    if info.get("format") != FORMAT:
        raise ProjectError(f"{path}: not an lmapp project (SQLite file without lmapp metadata)")
    try:
        version = int(info["schema_version"])
    except (KeyError, ValueError) as exc:
        raise ProjectError(f"{path}: lmapp project with a missing or unreadable schema version") from exc
    if version != SCHEMA_VERSION:
        writer = "a newer" if version > SCHEMA_VERSION else "an older"
        raise ProjectError(
            f"{path}: project schema version {version} is not supported; this lmapp reads "
            f"schema version {SCHEMA_VERSION} (the file was written by {writer} lmapp)")
