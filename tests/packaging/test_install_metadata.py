"""What installers ship besides the program: the Linux desktop entry and AppStream metadata (checked
with desktop-file-validate and appstreamcli when installed), the icons, the Inno Setup script."""

from __future__ import annotations

import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ward_app import __version__

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
APP_ID = "org.wardapp.ward_app"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
ICONS = ROOT / "resources" / "icons"
ISS = ROOT / "packaging" / "windows" / "ward-app.iss"
SPEC = ROOT / "packaging" / "ward_app.spec"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (apt-get install desktop-file-utils appstream)")
    return path


def test_desktop_entry_is_valid() -> None:
    result = subprocess.run([_tool("desktop-file-validate"), str(DESKTOP)], capture_output=True,
                            text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "error:" not in output and "warning:" not in output, output


def test_metainfo_is_valid() -> None:
    result = subprocess.run([_tool("appstreamcli"), "validate", "--no-net", "--pedantic", str(METAINFO)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_installed_tree_is_valid(tmp_path: Path) -> None:
    """Desktop entry, metainfo and icon laid out as packaging/linux/install.sh installs them."""
    appstreamcli = _tool("appstreamcli")
    share = tmp_path / "usr" / "share"
    for folder, source, name in (
        ("applications", DESKTOP, DESKTOP.name),
        ("metainfo", METAINFO, METAINFO.name),
        ("icons/hicolor/scalable/apps", ICONS / "ward-app.svg", f"{APP_ID}.svg"),
        ("icons/hicolor/256x256/apps", ICONS / "ward-app-256.png", f"{APP_ID}.png"),
    ):
        (share / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(source, share / folder / name)
    result = subprocess.run([appstreamcli, "validate-tree", "--no-net", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _desktop_keys(path: Path) -> dict[str, str]:
    """The [Desktop Entry] group's keys (case-sensitive, unlike configparser's)."""
    keys: dict[str, str] = {}
    group = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            group = line.strip()
        elif group == "[Desktop Entry]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            keys[key.strip()] = value.strip()
    return keys


def test_desktop_entry_and_metainfo_agree() -> None:
    desktop = _desktop_keys(DESKTOP)
    assert desktop["Exec"].split()[0] == "ward-app"
    assert desktop["Icon"] == APP_ID
    # Qt's WM_CLASS class is the application name set in ward_app/gui/app.py.
    assert desktop["StartupWMClass"] == "ward_app"

    component = ET.parse(METAINFO).getroot()
    assert component.get("type") == "desktop-application"
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable") == DESKTOP.name
    assert component.find("content_rating") is not None
    releases = [r.get("version") for r in component.iter("release")]
    assert __version__ in releases, f"metainfo has no <release> for {__version__}: add one"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_raster_icons() -> None:
    assert _png_size((ICONS / "ward-app-256.png").read_bytes()) == (256, 256)
    ico = (ICONS / "ward-app.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 4
    sizes = set()
    for i in range(count):
        width, _h, _c, _r, _p, _b, length, offset = struct.unpack("<BBBBHHII", ico[6 + 16 * i:22 + 16 * i])
        sizes.add(width or 256)
        assert _png_size(ico[offset:offset + length])[0] == (width or 256)
    assert {16, 32, 48, 256} <= sizes


def test_inno_setup_script_matches_the_build() -> None:
    iss = ISS.read_text(encoding="utf-8")
    spec = SPEC.read_text(encoding="utf-8")
    assert "PrivilegesRequired=admin" in iss
    assert "DefaultDirName={autopf}" in iss
    assert "{autoprograms}" in iss
    assert "/VERYSILENT /SUPPRESSMSGBOXES /NORESTART" in iss
    # The shortcut's program and the bundle folder are the ones the spec builds.
    assert '#define GuiExe "ward-app-gui.exe"' in iss and 'name="ward-app-gui"' in spec
    assert r"dist\ward-app" in iss and 'name="ward-app",' in spec
    # Frozen, ward_app/resources.py finds its files in <bundle>/ward_app/resources.
    assert '"ward_app/resources"' in spec
