"""``packaging/check-qt-libs`` (run by ``make run``) names the Debian packages of the missing X11
libraries, with a fake loader so the test does not depend on this machine's libraries."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "packaging" / "check-qt-libs"


def _fake_bin(tmp_path: Path, ldd_output: str) -> Path:
    """A PATH with the tools the script uses, a fake ldd and ldconfig, and no apt-get/sudo."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("awk", "sort", "grep", "tr", "bash", "env", "cat"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    (bin_dir / "ldd").write_text(f"#!{shutil.which('bash')}\ncat <<'END'\n{ldd_output}\nEND\n")
    (bin_dir / "ldconfig").write_text(
        f"#!{shutil.which('bash')}\necho ' libxcb-cursor.so.0 (libc6) => /x'\n"
    )
    for f in ("ldd", "ldconfig"):
        (bin_dir / f).chmod(0o755)
    return bin_dir


def _run(tmp_path: Path, ldd_output: str) -> subprocess.CompletedProcess:
    env = {"PATH": str(_fake_bin(tmp_path, ldd_output)), "HOME": str(tmp_path)}
    return subprocess.run(
        [shutil.which("bash"), str(SCRIPT), sys.executable],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_missing_libraries_are_named_with_their_packages(tmp_path):
    r = _run(tmp_path, "\tlibxcb-icccm.so.4 => not found\n\tlibxcb-keysyms.so.1 => not found")
    assert r.returncode == 1
    assert "libxcb-icccm.so.4" in r.stderr and "libxcb-icccm4 libxcb-keysyms1" in r.stderr


def test_nothing_missing_passes_quietly(tmp_path):
    r = _run(tmp_path, "\tlibxcb.so.1 => /usr/lib/libxcb.so.1")
    assert r.returncode == 0 and r.stderr == ""
