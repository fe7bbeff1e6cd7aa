#!/usr/bin/env bash
# Set up ward_app from a clone and run it: `demo` opens the window on the demo ward,
# `test` runs the whole test suite. Used by the README's Quick start and by .ci/run.
#
# On Debian/Ubuntu it installs the system libraries Qt needs (as root, or through sudo when
# available), makes a virtual environment in .venv and installs the app into it.
set -euo pipefail

mode="${1:-}"
case "$mode" in
  demo|test) shift ;;
  *) echo "usage: bash packaging/quickstart.sh demo|test [extra arguments]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
root="$(pwd)"

# Qt's xcb platform plugin (windows) and the offscreen plugin (tests) need these on a bare machine;
# libpulse0 lets QtMultimedia play the alert chime.
debian_packages=(
  python3 python3-venv
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0
  libxkbcommon-x11-0 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-xfixes0
  libxcb-shm0 libxcb-sync1 libxcb-render0 libxrender1 libx11-xcb1 libsm6 libice6
  libwayland-client0 libwayland-cursor0 libwayland-egl1 libcups2 libpulse0
  fonts-dejavu-core
)

# The tests also drive the sqlite3 shell (a raw DELETE must be refused by a trigger), validate
# the desktop entry and AppStream metadata, and build the frozen app with PyInstaller, which reads
# the libraries' dependencies with objdump (binutils). The ward server sync tests start a real
# PostgreSQL server of their own (initdb and pg_ctl, tests/helpers/postgres.py; CI starts nothing
# by hand): Debian's postgresql package brings them (/usr/lib/postgresql/N/bin). The wristband
# test renders the label (pdftoppm, poppler-utils) and reads its barcodes back (zbarimg, zbar-tools).
[ "$mode" = test ] && debian_packages+=(sqlite3 desktop-file-utils appstream binutils postgresql
                                        poppler-utils zbar-tools)

install_system_packages() {
  command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 || return 0
  local missing=()
  for pkg in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "These system packages are missing and this user cannot install them:" >&2
      echo "  ${missing[*]}" >&2
      echo "Ask IT to run: apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "Installing system packages: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

pick_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "ward_app needs Python 3.11 or newer; none was found." >&2
  exit 1
}

install_system_packages
python="$(pick_python)"
# PyInstaller (the frozen-build test) bundles Python's shared library, which Debian ships apart
# from its interpreter: libpython3.X, for the Debian Python picked here.
if [ "$mode" = test ] && command -v dpkg >/dev/null 2>&1 \
  && dpkg -S "$(readlink -f "$(command -v "$python")")" >/dev/null 2>&1; then
  debian_packages+=("libpython$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')")
  install_system_packages
fi
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi

extra=""
[ "$mode" = test ] && extra="[test]"
# Reinstall only when the project's dependencies changed (pyproject.toml), to keep reruns quick.
stamp="$venv/.ward-app-installed${extra:+-test}"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e ".${extra}"
  echo "$want" > "$stamp"
fi

# Bytecode goes into the install folder, not __pycache__ folders all over the checkout (a test
# run leaves `git status --ignored` showing only .venv/).
export PYTHONPYCACHEPREFIX="${PYTHONPYCACHEPREFIX:-$venv/pycache}"

if [ "$mode" = demo ]; then
  exec "$venv/bin/ward-app" gui --demo "$@"
fi
exec "$venv/bin/python" -m pytest "$@"
