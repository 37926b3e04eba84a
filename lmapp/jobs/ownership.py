"""Who is running what on a project: a run records its process, so a run left 'running' by a
killed process is marked failed (interrupted) and two live writers never explore one project."""
from __future__ import annotations

import os
import socket

from ..store import ProjectError, ProjectFile

LIVE = ("running", "paused")


def owner() -> dict[str, object]:
    """This process, as recorded in a run's parameters."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def settle_stale_runs(pf: ProjectFile) -> None:
    """Mark runs of dead processes as failed; refuse if a live process still runs one."""
    me = owner()
    for run in pf.runs():
        if run["status"] not in LIVE:
            continue
        who = (run.get("params") or {}).get("owner") or {}
        same_host = who.get("host") == me["host"]
        if same_host and who.get("pid") not in (None, me["pid"]) and _alive(int(who["pid"])):
            raise ProjectError(f"{pf.path} is being explored by process {who['pid']} "
                               f"(run {run['id']}); stop it first")
        if same_host or not who:
            stats = dict(run.get("stats") or {}, interrupted=True)
            pf.update_run(run["id"], status="failed", stats=stats)
