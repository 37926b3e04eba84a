"""Who writes a project: a run records its owner process by host, boot id, PID and the
process's start time, so a PID reused by another process (or a reboot) is not mistaken for the
owner, and a run left 'running' by a killed process can be recognised as interrupted."""

from __future__ import annotations

import os
import socket
from dataclasses import asdict, dataclass
from pathlib import Path


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _start_time(pid: int) -> str:
    """The process's start time (clock ticks since boot, /proc/PID/stat field 22); "" where
    unknown (no such process, or no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat[stat.rindex(")") + 2 :].split()[
        19
    ]  # fields after "pid (comm)": 3 … ; 22 is index 19


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Owner:
    """A process that writes a project."""

    host: str
    pid: int
    boot_id: str = ""
    started: str = ""

    @classmethod
    def current(cls) -> Owner:
        pid = os.getpid()
        return cls(socket.gethostname(), pid, _boot_id(), _start_time(pid))

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: object) -> Owner | None:
        """The owner a run records (None for runs written without one)."""
        if not isinstance(d, dict) or not isinstance(d.get("pid"), int) or not d.get("host"):
            return None
        return cls(
            str(d["host"]), int(d["pid"]), str(d.get("boot_id", "")), str(d.get("started", ""))
        )

    def is_alive(self) -> bool | None:
        """True if this process still runs, False if it is gone, None when that cannot be told
        from here (another host)."""
        me = Owner.current()
        if self.host != me.host:
            return None
        if self.boot_id and me.boot_id and self.boot_id != me.boot_id:
            return False  # the machine rebooted since
        if self.pid == me.pid:
            return True
        if not _pid_exists(self.pid):
            return False
        now = _start_time(self.pid)
        return not (self.started and now and now != self.started)  # PID reused by another

    def describe(self) -> str:
        return f"process {self.pid} on {self.host}"


def judge(owner: object) -> bool | None:
    """Liveness of a recorded owner (see :meth:`Owner.is_alive`); runs without an owner are
    from old files and count as gone."""
    o = Owner.from_dict(owner)
    return False if o is None else o.is_alive()
