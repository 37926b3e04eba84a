"""ProjectFile: one SQLite file (`*.lmapp`) holding a whole project.

Every write is one explicit transaction, so a killed writer loses at most its last batch;
WAL mode lets other processes read (open(..., readonly=True)) while one process writes.
One ProjectFile may be shared between threads: all access goes through one lock.
"""

from __future__ import annotations

import datetime
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from . import schema
from .codec import array_to_blob, blob_to_array, blobs_to_matrix, from_json, to_json
from .errors import ProjectError, UncheckedOwner
from .merge import Merge
from .owner import Owner, judge
from .rows import MINIMUM_FIELDS, TRANSITION_STATE_FIELDS, as_int, as_real, prepare_rows

# (result key, SQL expression, dtype) of the columns returned as arrays; missing integers
# read back as -1 and missing reals as NaN.
_MINIMA_COLUMNS = (
    ("id", "id", np.int64),
    ("loss", "loss", np.float64),
    ("rms_grad", "rms_grad", np.float64),
    ("hessian_index", "COALESCE(hessian_index, -1)", np.int64),
    ("min_eig", "min_eig", np.float64),
    ("lpphe", "lpphe", np.float64),
    ("n_zero_modes", "COALESCE(n_zero_modes, -1)", np.int64),
    ("run_id", "COALESCE(run_id, -1)", np.int64),
    ("walker", "COALESCE(walker, -1)", np.int64),
    ("step", "COALESCE(step, -1)", np.int64),
    ("found_at", "found_at", np.float64),
)
_TRANSITION_STATE_COLUMNS = (
    ("id", "id", np.int64),
    ("loss", "loss", np.float64),
    ("rms_grad", "rms_grad", np.float64),
    ("eigenvalue", "eigenvalue", np.float64),
    ("lpphe", "lpphe", np.float64),
    ("min1", "min1", np.int64),
    ("min2", "min2", np.int64),
    ("run_id", "COALESCE(run_id, -1)", np.int64),
    ("found_at", "found_at", np.float64),
)
_TS_END_COLUMNS = tuple(c for c in _TRANSITION_STATE_COLUMNS if c[0] in ("id", "min1", "min2"))
_RUN_KEYS = (
    "id",
    "kind",
    "params",
    "seed",
    "status",
    "started_at",
    "finished_at",
    "elapsed",
    "stats",
)
_ATTEMPT_COLUMNS = (
    ("id", "id", np.int64),
    ("run_id", "COALESCE(run_id, -1)", np.int64),
    ("min1", "min1", np.int64),
    ("min2", "min2", np.int64),
    ("tier", "tier", np.int64),
    ("outcome", "outcome", object),
    ("new_ts", "new_ts", np.int64),
    ("new_minima", "new_minima", np.int64),
    ("elapsed", "elapsed", np.float64),
)


def _lmapp_version() -> str:
    """This lmapp's version, recorded in new files for provenance."""
    from .. import __version__

    return __version__


def _publish(tmp: Path, path: Path) -> None:
    """Give the finished file ``tmp`` its name, never replacing a file that appeared meanwhile
    (a hard link is atomic and fails if ``path`` exists; where links are impossible, a
    rename after one more check)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise ProjectError(f"{path}: file already exists; not overwriting it") from None
    except OSError:
        if path.exists():
            raise ProjectError(f"{path}: file already exists; not overwriting it") from None
        os.replace(tmp, path)


def _sidecars(path: Path) -> tuple[Path, Path]:
    """SQLite's WAL and shared-memory files belonging to `path`."""
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def _inserted_id(cursor: sqlite3.Cursor) -> int:
    """The rowid an INSERT just wrote (sqlite3 types ``lastrowid`` as None-able)."""
    row_id = cursor.lastrowid
    if row_id is None:
        raise ProjectError("SQLite reported no row id for an INSERT")
    return row_id


def _fits(value: Any, dtype: Any) -> bool:
    """Whether one stored cell converts to ``dtype`` (to find the bad cell of a column)."""
    try:
        np.array([value], dtype=dtype)
    except (TypeError, ValueError):
        return False
    return dtype is object or not isinstance(value, (str, bytes))


def _require_dict(value: Any, what: str) -> dict:
    """`value` itself if it is a dict (specs, params, stats and states are JSON objects)."""
    if not isinstance(value, dict):
        raise ProjectError(f"{what} must be a dict, got {type(value).__name__}")
    return value


def _encode_walker_states(states: list[tuple[dict, np.ndarray]]) -> list[tuple[int, str, bytes]]:
    """(walker index, state JSON, coordinates blob) for each walker, validated up front."""
    encoded = []
    for walker, (state, x) in enumerate(states):
        encoded.append(
            (walker, to_json(_require_dict(state, f"walker {walker} state")), array_to_blob(x))
        )
    return encoded


class ProjectFile:
    """An open project file; create with ProjectFile.create, open with ProjectFile.open."""

    def __init__(
        self,
        path: Path,
        conn: sqlite3.Connection,
        readonly: bool,
        schema_version: int = schema.SCHEMA_VERSION,
    ) -> None:
        self.path = path
        self.readonly = readonly
        #: the file's layout version (older ones are upgraded when opened for writing)
        self.schema_version = schema_version
        self._conn: sqlite3.Connection | None = conn
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ life cycle
    @classmethod
    def create(
        cls,
        path: str | Path,
        *,
        dataset_spec: dict,
        dataset_arrays: dict[str, np.ndarray],
        model_spec: dict,
        name: str | None = None,
    ) -> ProjectFile:
        """Create a new project file in one transaction; on any failure no file is left behind."""
        path = Path(path).absolute()
        missing = [key for key in schema.DATASET_ARRAYS if key not in dataset_arrays]
        extra = sorted(set(dataset_arrays) - set(schema.DATASET_ARRAYS))
        if missing or extra:
            raise ProjectError(
                f"dataset arrays must be exactly {list(schema.DATASET_ARRAYS)} "
                f"(missing {missing}, unexpected {extra})"
            )
        blobs = [array_to_blob(dataset_arrays[key]) for key in schema.DATASET_ARRAYS]
        dataset_json = to_json(_require_dict(dataset_spec, "dataset_spec"))
        model_json = to_json(_require_dict(model_spec, "model_spec"))
        meta = {
            "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(
                timespec="seconds"
            ),
            "lmapp_version": _lmapp_version(),
            "name": path.stem if name is None else str(name),
        }
        if path.exists():
            raise ProjectError(f"{path}: file already exists; not overwriting it")
        if not path.parent.is_dir():
            raise ProjectError(f"{path}: folder {path.parent} does not exist")
        # built beside its place and published whole: a kill at any moment leaves either no
        # project or a complete one (at worst a hidden temporary file), never a stub
        tmp = path.with_name(f".{path.name}.creating-{os.getpid()}-{secrets.token_hex(4)}")
        conn = None
        try:
            tmp.open("xb").close()
            conn = schema.connect(tmp, readonly=False)
            schema.configure(conn)
            conn.execute("BEGIN IMMEDIATE")
            schema.create_schema(conn, meta)
            conn.execute(
                f"INSERT INTO dataset (id, spec, {', '.join(schema.DATASET_ARRAYS)}) "
                "VALUES (1, ?, ?, ?, ?, ?)",
                (dataset_json, *blobs),
            )
            conn.execute("INSERT INTO model (id, spec) VALUES (1, ?)", (model_json,))
            conn.execute("COMMIT")
            ((mode,),) = conn.execute("PRAGMA journal_mode = WAL").fetchall()  # in the header
            if mode != "wal":
                raise ProjectError(f"{path}: cannot use WAL journal mode here (got {mode!r})")
            conn.close()  # checkpoints: the temporary file alone holds everything
            conn = None
            for side in _sidecars(path):  # a stale journal must not be applied to the new file
                side.unlink(missing_ok=True)
            _publish(tmp, path)
        except OSError as exc:
            raise ProjectError(f"{path}: cannot create project file: {exc}") from exc
        except sqlite3.Error as exc:
            raise ProjectError(f"{path}: cannot create project file: {exc}") from exc
        finally:
            if conn is not None:
                conn.close()
            for leftover in (tmp, *_sidecars(tmp)):
                leftover.unlink(missing_ok=True)
        return cls.open(path)

    @classmethod
    def open(cls, path: str | Path, *, readonly: bool = False) -> ProjectFile:
        """Open an existing project; a non-project file or a newer schema version is refused
        without being changed; an older schema version is upgraded in one transaction when
        opened for writing (read-only, it is read as it is)."""
        path = Path(path).absolute()
        if not path.is_file():
            raise ProjectError(f"{path}: no such project file")
        try:
            conn = schema.connect(path, readonly=readonly)
        except sqlite3.Error as exc:
            raise ProjectError(f"{path}: cannot open: {exc}") from exc
        try:
            version = schema.check_project(conn, path)
            schema.configure(conn)
            if not readonly:
                schema.check_integrity(conn, path, version)
            if version < schema.SCHEMA_VERSION and not readonly:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    schema.upgrade(conn, version)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                version = schema.SCHEMA_VERSION
        except sqlite3.Error as exc:
            conn.close()
            raise ProjectError(f"{path}: cannot upgrade the project file: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        return cls(path, conn, readonly=readonly, schema_version=version)

    def close(self) -> None:
        """Close the connection (idempotent); later calls raise ProjectError."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> ProjectFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ProjectFile({str(self.path)!r}, readonly={self.readonly})"

    # ------------------------------------------------------------------ low level
    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ProjectError(f"{self.path}: project file is closed")
        return self._conn

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """All rows of one SELECT (a single statement sees one consistent snapshot)."""
        with self._lock:
            try:
                return self._connection().execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise ProjectError(f"{self.path}: read failed: {exc}") from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and one write transaction: all of it is committed or none of it."""
        with self._lock:
            if self.readonly:
                raise ProjectError(f"{self.path}: project is open read-only; cannot write")
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")  # take the write lock now, not at the first write
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise ProjectError(f"{self.path}: write failed, nothing written: {exc}") from exc

    @staticmethod
    def _check_n_params(conn: sqlite3.Connection, n_params: int | None) -> None:
        """All weight vectors in a project (minima and transition states) have one length."""
        if n_params is None:
            return
        for table in ("minima", "transition_states"):
            row = conn.execute(f"SELECT weights FROM {table} ORDER BY id LIMIT 1").fetchone()
            if row is not None:
                stored = blob_to_array(row[0]).size
                if stored != n_params:
                    raise ProjectError(
                        f"weights have length {n_params}, but this project's have {stored}"
                    )
                return

    @staticmethod
    def _insert(
        conn: sqlite3.Connection,
        table: str,
        fields: dict[str, str],
        rows: list[tuple],
        run_id: int | None,
    ) -> list[int]:
        columns = [*fields, "run_id"]
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        return [_inserted_id(conn.execute(sql, (*row, run_id))) for row in rows]

    def _arrays(
        self,
        table: str,
        columns: tuple,
        order_by: str,
        with_weights: bool,
        where: str = "",
        params: tuple = (),
    ) -> dict[str, np.ndarray]:
        exprs = [expr for _, expr, _ in columns] + (["weights"] if with_weights else [])
        rows = self._query(
            f"SELECT {', '.join(exprs)} FROM {table} {where} ORDER BY {order_by}", params
        )
        values = list(zip(*rows)) if rows else [()] * len(exprs)
        result = {}
        for (key, _, dtype), col in zip(columns, values):
            try:
                result[key] = np.array(col, dtype=dtype)
            except (TypeError, ValueError):
                bad = next((i for i, v in enumerate(col) if not _fits(v, dtype)), 0)
                keys = [k for k, _, _ in columns]
                row = f"row id {rows[bad][keys.index('id')]}" if "id" in keys else f"row {bad + 1}"
                raise ProjectError(
                    f"{self.path.name}: table {table}, {row}, column {key}: "
                    f"expected a number, got {col[bad]!r}"
                ) from None
        if with_weights:
            try:
                result["weights"] = (
                    blobs_to_matrix(values[-1]) if rows else np.zeros((0, 0), dtype=np.float64)
                )
            except (ProjectError, TypeError) as exc:
                raise ProjectError(
                    f"{self.path.name}: table {table}, column weights: {exc}"
                ) from None
        return result

    # ------------------------------------------------------------------ project description
    def dataset(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The dataset spec and its arrays X_train, y_train, X_test, y_test (dtypes as stored)."""
        rows = self._query(f"SELECT spec, {', '.join(schema.DATASET_ARRAYS)} FROM dataset")
        if len(rows) != 1:
            raise ProjectError(
                f"{self.path.name}: table dataset must have one row, has {len(rows)}"
            )
        spec, *blobs = rows[0]
        spec = self._decode_dict(spec, "dataset", 1, "spec")
        return spec, {
            key: self._array(blob, "dataset", 1, key)
            for key, blob in zip(schema.DATASET_ARRAYS, blobs)
        }

    def model_spec(self) -> dict:
        """The model spec given at creation."""
        rows = self._query("SELECT spec FROM model")
        if len(rows) != 1:
            raise ProjectError(f"{self.path.name}: table model must have one row, has {len(rows)}")
        return self._decode_dict(rows[0][0], "model", 1, "spec")

    def meta(self) -> dict[str, str]:
        """File metadata: format, schema_version, identity, created_at, lmapp_version, name."""
        return dict(self._query("SELECT key, value FROM meta"))

    @property
    def needs_reidentification(self) -> bool:
        """Whether the minima were identified under an older identity rule (``lmapp dedupe``)."""
        return self.meta().get("identity") != schema.IDENTITY_VERSION

    # ------------------------------------------------------------------ runs
    def start_run(self, kind: str, params: dict, seed: int | None) -> int:
        """Claim the project for this process and record a new run with status 'running'
        (see :meth:`_claim`); returns its id."""
        with self._transaction() as conn:
            return self._claim(conn, kind, params, seed)

    def _claim(self, conn: sqlite3.Connection, kind: str, params: dict, seed: int | None) -> int:
        """Inside a write transaction (so two processes cannot both pass, on any host: SQLite's
        lock decides): refuse while a live process owns a running or paused run, record runs of
        gone processes as failed (interrupted), and insert this process's run."""
        if not isinstance(kind, str) or not kind:
            raise ProjectError(f"run kind must be a non-empty string, got {kind!r}")
        me = Owner.current()
        params_json = to_json({**_require_dict(params, "run params"), "owner": me.to_dict()})
        seed = as_int(seed, "seed")
        self._settle_runs(conn, force=False)
        return _inserted_id(
            conn.execute(
                "INSERT INTO runs (kind, params, seed, status, started_at, stats) "
                "VALUES (?, ?, ?, 'running', ?, '{}')",
                (kind, params_json, seed, time.time()),
            )
        )

    def _settle_runs(self, conn: sqlite3.Connection, force: bool) -> list[int]:
        """Runs of processes that are gone become failed (interrupted); a live owner (or, unless
        ``force``, one on another host) makes this raise. Returns the runs settled."""
        settled = []
        rows = conn.execute(
            "SELECT id, kind, params, stats FROM runs WHERE status IN ('running', 'paused')"
        ).fetchall()
        for run_id, kind, params_json, stats_json in rows:
            params = self._decode(params_json, "runs", run_id, "params")
            owner = Owner.from_dict(params.get("owner")) if isinstance(params, dict) else None
            alive = judge(owner.to_dict() if owner else None)
            who = owner.describe() if owner else "an unknown process"
            if alive is True and owner != Owner.current():
                raise ProjectError(
                    f"{self.path.name} is being written by {who} ({kind} run "
                    f"{run_id}); wait for it to finish or stop it first"
                )
            if alive is None and not force:
                raise UncheckedOwner(
                    f"{self.path.name} is being written by {who} ({kind} run "
                    f"{run_id}), which cannot be checked from this host; if that "
                    f"process is gone: lmapp unlock {self.path.name} --force"
                )
            if alive is True:
                continue  # this very process (an earlier run of it): left as it is
            stats = self._decode(stats_json, "runs", run_id, "stats")
            stats = dict(stats if isinstance(stats, dict) else {}, interrupted=True)
            self._update_run(conn, run_id, status="failed", stats=stats, elapsed=None)
            settled.append(int(run_id))
        return settled

    def unlock(self, force: bool = False) -> list[int]:
        """Free a project whose writer was killed: its running runs become failed (refused
        while the owner lives; ``force`` for an owner on another host). Returns their ids."""
        with self._transaction() as conn:
            return self._settle_runs(conn, force)

    def _decode(self, text: str, table: str, row: object, column: str) -> Any:
        """JSON of one stored cell; a ProjectError naming table, row and column if unreadable."""
        try:
            return from_json(text)
        except (TypeError, ValueError) as exc:
            raise ProjectError(
                f"{self.path.name}: table {table}, row {row}, column {column}: "
                f"not valid JSON ({exc})"
            ) from None

    def _decode_dict(self, text: str, table: str, row: object, column: str) -> dict:
        """A stored JSON object (specs, params, stats, states)."""
        value = self._decode(text, table, row, column)
        if not isinstance(value, dict):
            raise ProjectError(
                f"{self.path.name}: table {table}, row {row}, column {column}: "
                f"expected a JSON object, got {type(value).__name__}"
            )
        return value

    def _array(self, blob: bytes, table: str, row: object, column: str) -> np.ndarray:
        """A stored array; a ProjectError naming table, row and column if unreadable."""
        try:
            return blob_to_array(blob)
        except ProjectError as exc:
            raise ProjectError(
                f"{self.path.name}: table {table}, row {row}, column {column}: {exc}"
            ) from None

    def update_run(
        self,
        run_id: int,
        *,
        status: str | None = None,
        stats: dict | None = None,
        elapsed: float | None = None,
    ) -> None:
        """Change a run's status, stats and/or elapsed time; a final status sets finished_at."""
        with self._transaction() as conn:
            self._update_run(conn, run_id, status=status, stats=stats, elapsed=elapsed)

    @staticmethod
    def _update_run(
        conn: sqlite3.Connection,
        run_id: int,
        *,
        status: str | None,
        stats: dict | None,
        elapsed: float | None,
    ) -> None:
        run_id = as_int(run_id, "run_id", required=True)
        assignments: dict[str, Any] = {}
        if status is not None:
            if status not in schema.RUN_STATUSES:
                raise ProjectError(
                    f"run status must be one of {schema.RUN_STATUSES}, got {status!r}"
                )
            assignments["status"] = str(status)
            assignments["finished_at"] = time.time() if status in schema.FINAL_STATUSES else None
        if stats is not None:
            assignments["stats"] = to_json(_require_dict(stats, "run stats"))
        if elapsed is not None:
            assignments["elapsed"] = as_real(elapsed, "elapsed", finite=True)
        if assignments:
            sets = ", ".join(f"{column} = ?" for column in assignments)
            found = conn.execute(
                f"UPDATE runs SET {sets} WHERE id = ?", (*assignments.values(), run_id)
            ).rowcount
        else:
            found = (
                conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is not None
            )
        if not found:
            raise ProjectError(f"no run with id {run_id}")

    def runs(self) -> list[dict]:
        """All runs in id order, params and stats decoded."""
        result = []
        for row in self._query(f"SELECT {', '.join(_RUN_KEYS)} FROM runs ORDER BY id"):
            run = dict(zip(_RUN_KEYS, row))
            run["params"] = self._decode_dict(run["params"], "runs", run["id"], "params")
            run["stats"] = self._decode_dict(run["stats"], "runs", run["id"], "stats")
            result.append(run)
        return result

    # ------------------------------------------------------------------ minima
    def add_minima(self, rows: list[dict], run_id: int | None) -> list[int]:
        """Store a batch of minima in one transaction; returns their ids in order."""
        return self.commit_batch(minima=rows, run_id=run_id)

    def n_minima(self) -> int:
        """Number of stored minima."""
        ((count,),) = self._query("SELECT COUNT(*) FROM minima")
        return count

    def minima(self, *, with_weights: bool = True, order: str = "id") -> dict[str, np.ndarray]:
        """All minima as column arrays (missing integers -1, missing reals NaN), ordered by
        "id" or "loss"; "weights" is (n, P) float64, (0, 0) when there are none."""
        order_by = {"id": "id", "loss": "loss, id"}.get(order)
        if order_by is None:
            raise ProjectError(f"order must be 'id' or 'loss', got {order!r}")
        return self._arrays("minima", _MINIMA_COLUMNS, order_by, with_weights)

    def minimum(self, min_id: int) -> dict:
        """One minimum as a dict of Python values (None where missing) plus its weights."""
        keys = ["id", *MINIMUM_FIELDS, "run_id"]
        rows = self._query(
            f"SELECT {', '.join(keys)} FROM minima WHERE id = ?",
            (as_int(min_id, "min_id", required=True),),
        )
        if not rows:
            raise ProjectError(f"no minimum with id {min_id}")
        result = dict(zip(keys, rows[0]))
        result["weights"] = blob_to_array(result["weights"])
        return result

    # ------------------------------------------------------------------ transition states
    def add_transition_states(self, rows: list[dict], run_id: int | None) -> list[int]:
        """Store transition states (min1/min2 must be stored minima) in one transaction."""
        prepared, n_params = prepare_rows(
            rows, TRANSITION_STATE_FIELDS, "transition state", time.time()
        )
        run_id = as_int(run_id, "run_id")
        with self._transaction() as conn:
            self._check_n_params(conn, n_params)
            return self._insert(
                conn, "transition_states", TRANSITION_STATE_FIELDS, prepared, run_id
            )

    def n_transition_states(self) -> int:
        """Number of stored transition states."""
        ((count,),) = self._query("SELECT COUNT(*) FROM transition_states")
        return count

    def transition_states(self, *, with_weights: bool = False) -> dict[str, np.ndarray]:
        """All transition states as column arrays in id order (see minima())."""
        return self._arrays("transition_states", _TRANSITION_STATE_COLUMNS, "id", with_weights)

    def transition_state_ends(self) -> dict[str, np.ndarray]:
        """``id``, ``min1`` and ``min2`` of every transition state in id order (the network
        of minima without reading the rest)."""
        return self._arrays("transition_states", _TS_END_COLUMNS, "id", False)

    def transition_states_near(self, loss: float, tolerance: float) -> dict[str, np.ndarray]:
        """The transition states within ``tolerance`` of ``loss``, with weights (read through
        the loss index: telling a new one from the stored needs only these)."""
        loss, tolerance = (
            as_real(loss, "loss", finite=True),
            as_real(tolerance, "tolerance", finite=True),
        )
        return self._arrays(
            "transition_states",
            _TRANSITION_STATE_COLUMNS,
            "id",
            True,
            "WHERE loss BETWEEN ? AND ?",
            (loss - tolerance, loss + tolerance),
        )

    def record_failed_pair(self, min1: int, min2: int, run_id: int | None) -> None:
        """Count one more failed connection attempt between two minima (order-insensitive)."""
        a, b = as_int(min1, "min1", required=True), as_int(min2, "min2", required=True)
        if a == b:
            raise ProjectError(f"a failed pair needs two different minima, got {a} twice")
        run_id = as_int(run_id, "run_id")
        with self._transaction() as conn:
            self._count_failed(conn, a, b, run_id)

    @staticmethod
    def _count_failed(conn: sqlite3.Connection, a: int, b: int, run_id: int | None) -> None:
        conn.execute(
            "INSERT INTO failed_pairs (min1, min2, attempts, last_run) VALUES (?, ?, 1, ?) "
            "ON CONFLICT (min1, min2) DO UPDATE SET attempts = attempts + 1, "
            "last_run = excluded.last_run",
            (min(a, b), max(a, b), run_id),
        )

    def failed_pairs(self) -> dict[tuple[int, int], int]:
        """{(smaller id, larger id): number of failed attempts}."""
        return {
            (a, b): n for a, b, n in self._query("SELECT min1, min2, attempts FROM failed_pairs")
        }

    def commit_connect_attempt(
        self,
        *,
        minima: list[dict],
        transition_states: list[dict],
        attempt: dict,
        run_id: int | None,
        failed_pair: tuple[int, int] | None = None,
    ) -> tuple[list[int], list[int]]:
        """One connect attempt in one transaction: its new minima, its transition states (whose
        ``min1``/``min2`` are stored ids, or −(k + 1) for the k-th of ``minima``), the record of
        the attempt (``min1``, ``min2``, ``tier``, ``outcome``, ``elapsed``) and, if it failed,
        one more failed attempt for ``failed_pair``. Returns (minima ids, transition state ids)."""
        prepared, n_params = prepare_rows(minima, MINIMUM_FIELDS, "minimum", time.time())
        run_id = as_int(run_id, "run_id")
        a, b = (as_int(attempt.get(k), f"attempt {k}", required=True) for k in ("min1", "min2"))
        tier = as_int(attempt.get("tier", 0), "attempt tier", required=True)
        outcome = attempt.get("outcome")
        if not isinstance(outcome, str) or not outcome:
            raise ProjectError(f"attempt outcome must be a non-empty string, got {outcome!r}")
        elapsed = as_real(attempt.get("elapsed", 0.0), "attempt elapsed", finite=True)
        if failed_pair is not None:
            fa, fb = (as_int(v, "failed pair", required=True) for v in failed_pair)
            if fa == fb:
                raise ProjectError(f"a failed pair needs two different minima, got {fa} twice")
        with self._transaction() as conn:
            min_ids, ts_ids = self._insert_points(
                conn, prepared, n_params, transition_states, run_id
            )
            if failed_pair is not None:
                self._count_failed(conn, fa, fb, run_id)
            conn.execute(
                "INSERT INTO connect_attempts (run_id, min1, min2, tier, outcome, new_ts, "
                "new_minima, elapsed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, a, b, tier, outcome, len(ts_ids), len(min_ids), elapsed),
            )
            return min_ids, ts_ids

    def _insert_points(
        self,
        conn: sqlite3.Connection,
        prepared: list[tuple],
        n_params: int | None,
        transition_states: list[dict],
        run_id: int | None,
    ) -> tuple[list[int], list[int]]:
        """Insert prepared minima, then transition states whose ends are stored ids or −(k + 1)
        for the k-th of these minima. Returns (minima ids, transition state ids)."""
        self._check_n_params(conn, n_params)
        min_ids = self._insert(conn, "minima", MINIMUM_FIELDS, prepared, run_id)
        resolved = []
        for given in transition_states:
            row = dict(given)
            for end in ("min1", "min2"):
                ref = as_int(row.get(end), f"transition state {end}", required=True)
                if ref < 0:
                    if -ref > len(min_ids):
                        raise ProjectError(f"transition state {end} = {ref} names no new minimum")
                    ref = min_ids[-ref - 1]
                row[end] = ref
            resolved.append(row)
        ts_prepared, ts_n = prepare_rows(
            resolved, TRANSITION_STATE_FIELDS, "transition state", time.time()
        )
        self._check_n_params(conn, ts_n)
        ts_ids = self._insert(
            conn, "transition_states", TRANSITION_STATE_FIELDS, ts_prepared, run_id
        )
        return min_ids, ts_ids

    def commit_import(
        self,
        *,
        kind: str,
        params: dict,
        minima: list[dict],
        transition_states: list[dict],
        stats: dict,
    ) -> tuple[int, list[int], list[int]]:
        """An import in one transaction: claim the project, record a finished run of ``kind``,
        store its minima and transition states (ends as in :meth:`commit_connect_attempt`); a
        killed import leaves nothing. Returns (run id, minima ids, transition state ids)."""
        prepared, n_params = prepare_rows(minima, MINIMUM_FIELDS, "minimum", time.time())
        with self._transaction() as conn:
            run_id = self._claim(conn, kind, params, None)
            min_ids, ts_ids = self._insert_points(
                conn, prepared, n_params, transition_states, run_id
            )
            self._update_run(conn, run_id, status="finished", stats=stats, elapsed=None)
            return run_id, min_ids, ts_ids

    def connect_attempts(self, run_id: int | None = None) -> dict[str, np.ndarray]:
        """Every recorded connect attempt (of one run, or all) as column arrays in id order;
        empty for a file of schema version 1 opened read-only."""
        if self.schema_version < 2:
            return {key: np.zeros(0, dtype) for key, _, dtype in _ATTEMPT_COLUMNS}
        rows = self._arrays("connect_attempts", _ATTEMPT_COLUMNS, "id", False)
        if run_id is None:
            return rows
        keep = rows["run_id"] == as_int(run_id, "run_id", required=True)
        return {key: col[keep] for key, col in rows.items()}

    def apply_merge(self, merge: Merge, run_id: int, stats: dict) -> None:
        """Re-identification in one transaction: rewrite canonical weights, fold duplicate
        minima into the ids they repeat (transition states, failed pairs and saved ensembles'
        member lists re-pointed), drop duplicate transition states, drop cached metrics (they
        are recomputed on next use), mark the file as identified by the current rule and
        finish run ``run_id`` with ``stats``."""
        for dup, keep in [*merge.minima.items(), *merge.transition_states.items()]:
            if not keep < dup:
                raise ProjectError(
                    f"a duplicate ({dup}) must be merged into a lower id, not {keep}"
                )
        blobs = {
            k: {i: array_to_blob(w) for i, w in d.items()}
            for k, d in (("minima", merge.weights), ("transition_states", merge.ts_weights))
        }
        with self._transaction() as conn:
            for table, rows in blobs.items():
                conn.executemany(
                    f"UPDATE {table} SET weights = ? WHERE id = ?",
                    [(blob, i) for i, blob in rows.items()],
                )
            for dup, keep in merge.minima.items():
                for end in ("min1", "min2"):
                    conn.execute(
                        f"UPDATE transition_states SET {end} = ? WHERE {end} = ?", (keep, dup)
                    )
            if merge.minima:
                self._repoint_failed_pairs(conn, merge.minima)
                self._repoint_members(conn, merge.minima)
            conn.executemany(
                "DELETE FROM transition_states WHERE id = ?",
                [(i,) for i in merge.transition_states],
            )
            conn.executemany("DELETE FROM minima WHERE id = ?", [(i,) for i in merge.minima])
            conn.execute("DELETE FROM derived WHERE key LIKE 'metrics:%'")
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('identity', ?)",
                (schema.IDENTITY_VERSION,),
            )
            self._update_run(conn, run_id, status="finished", stats=stats, elapsed=None)

    @staticmethod
    def _repoint_failed_pairs(conn: sqlite3.Connection, mapping: dict[int, int]) -> None:
        rows = conn.execute("SELECT min1, min2, attempts, last_run FROM failed_pairs").fetchall()
        merged: dict[tuple[int, int], list] = {}
        for old_a, old_b, n, last in rows:
            a, b = mapping.get(old_a, old_a), mapping.get(old_b, old_b)
            if a == b:
                continue  # both ends are one minimum now
            key = (min(a, b), max(a, b))
            if key in merged:
                merged[key][0] += n
                merged[key][1] = max(merged[key][1] or 0, last or 0) or None
            else:
                merged[key] = [n, last]
        conn.execute("DELETE FROM failed_pairs")
        conn.executemany(
            "INSERT INTO failed_pairs (min1, min2, attempts, last_run) VALUES (?, ?, ?, ?)",
            [(a, b, n, last) for (a, b), (n, last) in merged.items()],
        )

    @staticmethod
    def _repoint_members(conn: sqlite3.Connection, mapping: dict[int, int]) -> None:
        """Derived entries listing minimum ids as ``members`` (saved ensembles) follow a merge."""
        for key, meta_json in conn.execute("SELECT key, meta FROM derived").fetchall():
            meta = from_json(meta_json)
            if isinstance(meta, dict) and isinstance(meta.get("members"), list):
                meta["members"] = [mapping.get(m, m) for m in meta["members"]]
                conn.execute("UPDATE derived SET meta = ? WHERE key = ?", (to_json(meta), key))

    # ------------------------------------------------------------------ resume state
    def save_walker_states(self, run_kind: str, states: list[tuple[dict, np.ndarray]]) -> None:
        """Replace all walker states of `run_kind` (walker i = states[i]) in one transaction."""
        self.commit_batch(minima=[], run_id=None, walker_kind=run_kind, walker_states=states)

    def walker_states(self, run_kind: str) -> list[tuple[dict, np.ndarray]]:
        """Saved (state, coordinates) per walker, in walker order; empty if none saved."""
        rows = self._query(
            "SELECT walker, state, x FROM walker_states WHERE run_kind = ? ORDER BY walker",
            (run_kind,),
        )
        return [
            (
                self._decode_dict(state, "walker_states", f"{run_kind}/{w}", "state"),
                self._array(x, "walker_states", f"{run_kind}/{w}", "x"),
            )
            for w, state, x in rows
        ]

    def commit_batch(
        self,
        *,
        minima: list[dict],
        run_id: int | None,
        walker_kind: str | None = None,
        walker_states: list[tuple[dict, np.ndarray]] | None = None,
        run_stats: dict | None = None,
    ) -> list[int]:
        """Store new minima, replace the walker states of `walker_kind` and update the run's
        stats, all in one transaction; returns the new minima ids."""
        prepared, n_params = prepare_rows(minima, MINIMUM_FIELDS, "minimum", time.time())
        run_id = as_int(run_id, "run_id")
        if walker_states is not None and not (isinstance(walker_kind, str) and walker_kind):
            raise ProjectError(f"walker states need a non-empty walker_kind, got {walker_kind!r}")
        walkers = None if walker_states is None else _encode_walker_states(walker_states)
        if run_stats is not None and run_id is None:
            raise ProjectError("run_stats given without a run_id")
        with self._transaction() as conn:
            self._check_n_params(conn, n_params)
            ids = self._insert(conn, "minima", MINIMUM_FIELDS, prepared, run_id)
            if walkers is not None:
                conn.execute("DELETE FROM walker_states WHERE run_kind = ?", (walker_kind,))
                conn.executemany(
                    "INSERT INTO walker_states (run_kind, walker, state, x) VALUES (?, ?, ?, ?)",
                    [(walker_kind, *walker) for walker in walkers],
                )
            if run_stats is not None and run_id is not None:  # run_stats without run_id: refused
                self._update_run(conn, run_id, status=None, stats=run_stats, elapsed=None)
            return ids

    # ------------------------------------------------------------------ derived data
    def put_derived(self, key: str, value: np.ndarray, meta: dict | None = None) -> None:
        """Store (or replace) a derived array under `key`, with optional JSON metadata."""
        if not isinstance(key, str) or not key:
            raise ProjectError(f"derived key must be a non-empty string, got {key!r}")
        blob = array_to_blob(value)
        meta_json = to_json({} if meta is None else _require_dict(meta, "derived meta"))
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO derived (key, value, meta, updated_at) VALUES (?, ?, ?, ?)",
                (key, blob, meta_json, time.time()),
            )

    def get_derived(self, key: str) -> tuple[np.ndarray, dict] | None:
        """The derived array and its metadata, or None if `key` was never stored."""
        rows = self._query("SELECT value, meta FROM derived WHERE key = ?", (key,))
        if not rows:
            return None
        blob, meta_json = rows[0]
        return (
            self._array(blob, "derived", key, "value"),
            self._decode_dict(meta_json, "derived", key, "meta"),
        )
