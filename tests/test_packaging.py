"""Packaging: one version number, the desktop entry, MIME type, icon and menu install script, the
bundle's cache settings, and (slow) the wheel and the PyInstaller bundle smoke-tested headless."""

from __future__ import annotations

import configparser
import importlib.metadata
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from fnmatch import fnmatch
from pathlib import Path

import numpy as np
import pytest

import lmapp
from lmapp.store import ProjectFile

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "lmapp" / "resources" / "icons"
MIME = "application/x-lmapp-project"
SIZES = (16, 24, 32, 48, 64, 128, 256)
LMAPP = Path(sys.executable).parent / "lmapp"  # this venv's console script


def desktop_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    return struct.unpack(">II", data[16:24])


def test_one_version_number(tmp_path):
    assert importlib.metadata.version("lmapp") == lmapp.__version__
    out = subprocess.run([LMAPP, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"lmapp {lmapp.__version__}"
    rng = np.random.default_rng(0)
    arrays = {
        "X_train": rng.normal(size=(4, 2)),
        "y_train": np.array([0, 1, 1, 0]),
        "X_test": rng.normal(size=(2, 2)),
        "y_test": np.array([1, 0]),
    }
    with ProjectFile.create(
        tmp_path / "v.lmapp",
        dataset_spec={"kind": "xor"},
        dataset_arrays=arrays,
        model_spec={"hidden": [2]},
    ) as project:
        assert project.meta()["lmapp_version"] == lmapp.__version__  # "written by"


def test_desktop_entry_opens_projects_with_the_icon():
    entry = desktop_entry(PACKAGING / "lmapp.desktop")
    assert entry["Type"] == "Application" and entry["Name"] == "lmapp"
    assert entry["Exec"] == "lmapp %f"  # one project file per start: `lmapp PROJECT.lmapp`
    assert entry["Icon"] == "lmapp" and entry["Terminal"] == "false"
    assert entry["MimeType"].split(";") == [MIME, ""]
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", PACKAGING / "lmapp.desktop"],
            check=False,
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0 and "error" not in check.stdout, check.stdout


def test_mime_type_names_lmapp_files():
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    (kind,) = ET.parse(PACKAGING / "lmapp-mime.xml").getroot().findall("m:mime-type", ns)
    assert kind.get("type") == MIME
    globs = [g.get("pattern") for g in kind.findall("m:glob", ns)]
    assert globs == ["*.lmapp"] and fnmatch("demo.lmapp", globs[0])
    assert not fnmatch("demo.lmapp-wal", globs[0])
    assert kind.find("m:icon", ns).get("name") == "lmapp"


def test_icon_svg_and_pngs():
    svg = ET.parse(ICONS / "lmapp.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox") == "0 0 256 256"
    assert sorted(p.name for p in ICONS.glob("lmapp-*.png")) == sorted(
        f"lmapp-{s}.png" for s in SIZES
    )
    for size in SIZES:
        assert png_size(ICONS / f"lmapp-{size}.png") == (size, size)


def test_window_icon_offers_every_size(qapp):
    from lmapp.gui.app import app_icon

    icon = app_icon()
    assert sorted(s.width() for s in icon.availableSizes()) == list(SIZES)
    image = icon.pixmap(48, 48).toImage()
    assert image.width() == 48 and image.pixelColor(24, 24).alpha() == 255  # drawn, not blank


def test_about_names_the_version_and_the_build(qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from lmapp.gui.window.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append(text))
    window.about()
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # as in the PyInstaller bundle
    window.about()
    assert all(f"<b>lmapp {lmapp.__version__}</b>" in text for text in shown)
    assert "Python package" in shown[0] and "standalone bundle" in shown[1]


def run_install(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    return subprocess.run(
        [PACKAGING / "install-desktop", *args],
        check=False,
        capture_output=True,
        text=True,
        env={**env, "HOME": str(home)},
        timeout=120,
    )


def test_install_desktop_and_uninstall(tmp_path):
    data = tmp_path / ".local" / "share"
    done = run_install(tmp_path, "--exec", str(LMAPP))
    assert done.returncode == 0, done.stderr
    entry = desktop_entry(data / "applications" / "lmapp.desktop")
    assert entry["Exec"] == f'"{LMAPP}" %f' and entry["MimeType"] == f"{MIME};"
    assert (data / "mime" / "packages" / "lmapp.xml").read_bytes() == (
        PACKAGING / "lmapp-mime.xml"
    ).read_bytes()
    assert (data / "icons/hicolor/scalable/apps/lmapp.svg").is_file()
    for size in SIZES:
        assert png_size(data / f"icons/hicolor/{size}x{size}/apps/lmapp.png") == (size, size)
    if shutil.which("update-mime-database"):
        assert f"{MIME}:*.lmapp" in (data / "mime" / "globs2").read_text()
    undone = run_install(tmp_path, "--uninstall")
    assert undone.returncode == 0, undone.stderr
    left = {p.relative_to(data).as_posix() for p in data.rglob("*") if "lmapp" in p.name}
    assert left == set()


@pytest.mark.parametrize("exe", ["/nonexistent/lmapp", "/bin/true"])
def test_install_desktop_refuses_what_is_not_lmapp(tmp_path, exe):
    done = run_install(tmp_path, "--exec", exe)
    assert done.returncode == 2 and done.stderr.startswith("install-desktop: error:")
    assert not (tmp_path / ".local").exists()  # nothing written


def test_bundle_runtime_hook_puts_caches_in_the_users_cache(tmp_path):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "lmapp-build-id").write_text("0123abcd\n", encoding="ascii")
    show = (
        "import os, runpy, sys; sys._MEIPASS = sys.argv[1]; runpy.run_path(sys.argv[2]); "
        "print(os.environ['NUMBA_CACHE_DIR']); print(sys.pycache_prefix)"
    )
    hook = str(PACKAGING / "bundle_runtime_hook.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "NUMBA_"))}
    for extra, cache in (
        ({"HOME": str(tmp_path)}, tmp_path / ".cache" / "lmapp"),
        ({"XDG_CACHE_HOME": str(tmp_path / "xdg")}, tmp_path / "xdg" / "lmapp"),
    ):
        out = subprocess.run(
            [sys.executable, "-c", show, str(bundle), hook],
            env={**env, **extra},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
        assert out[:2] == [str(cache / "numba" / "0123abcd"), str(cache / "pycache")]
    out = subprocess.run(
        [sys.executable, "-c", show, str(bundle), hook],
        capture_output=True,
        env={**env, "NUMBA_CACHE_DIR": "/mine"},
        text=True,
        check=True,
    ).stdout
    assert out.startswith("/mine\n")  # the user's own setting wins


@pytest.mark.slow
def test_wheel_and_bundle_build_and_run_headless():
    # both at once: each compiles numba's kernels on one core. -o: this test runs inside .venv,
    # which must not be reinstalled under it
    done = subprocess.run(
        [
            "make",
            "-s",
            "-j2",
            "--output-sync=target",
            "-o",
            ".venv/bin/lmapp",
            "smoke-wheel",
            "smoke-bundle",
        ],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=2400,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-6000:]
    assert "smoke-test wheel: 6 passed, 0 failed" in done.stdout, out[-6000:]
    assert "smoke-test bundle: 7 passed, 0 failed" in done.stdout, out[-6000:]
    assert (ROOT / "dist" / f"lmapp-{lmapp.__version__}.tar.gz").is_file()  # the sdist
    for name in ("install-desktop", "lmapp.desktop", "lmapp-mime.xml"):
        assert (ROOT / "dist" / "lmapp-bundle" / name).is_file()
