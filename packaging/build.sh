#!/usr/bin/env bash
# Build the one-folder app with PyInstaller: dist/ward-app/ (work files in build/pyinstaller/).
#
#   bash packaging/build.sh
#
# WARD_APP_DIST and WARD_APP_WORK put the bundle and the work files elsewhere (the tests build into
# a temporary folder, so the checkout stays clean): WARD_APP_DIST=/tmp/out makes /tmp/out/ward-app/.
# Uses the project's virtual environment (.venv, made by packaging/quickstart.sh), or the Python
# named by WARD_APP_PYTHON; installs PyInstaller into it when it is missing. On Windows (Git Bash)
# the same script works with .venv/Scripts/python.exe; see packaging/README.md.
# Exit code 0 only when the bundle was made.
set -euo pipefail

cd "$(dirname "$0")/.."
root="$(pwd)"

python="${WARD_APP_PYTHON:-}"
for candidate in "$root/.venv/bin/python" "$root/.venv/Scripts/python.exe"; do
  if [ -z "$python" ] && [ -x "$candidate" ]; then python="$candidate"; fi
done
if [ -z "$python" ]; then
  echo "No virtual environment in $root/.venv: run 'bash packaging/quickstart.sh test' first" >&2
  echo "(or: python3 -m venv .venv && .venv/bin/python -m pip install -e .)." >&2
  exit 1
fi

# The app itself must be importable from the venv (PyInstaller follows its imports).
if ! "$python" -c "import ward_app, PySide6, reportlab" 2>/dev/null; then
  echo "Installing ward_app into the environment of $python"
  "$python" -m pip install --quiet --disable-pip-version-check -e .
fi

# PYINSTALLER_SPEC lets CI pin a version, e.g. PYINSTALLER_SPEC='pyinstaller==6.*'.
if ! "$python" -m PyInstaller --version >/dev/null 2>&1; then
  echo "Installing PyInstaller into the environment of $python"
  "$python" -m pip install --quiet --disable-pip-version-check "${PYINSTALLER_SPEC:-pyinstaller>=6.10}"
fi

echo "PyInstaller $("$python" -m PyInstaller --version), $("$python" -V)"
# The app's icon for the executable (Windows) comes from resources/icons/ward-app.ico.
distpath="${WARD_APP_DIST:-$root/dist}"
workpath="${WARD_APP_WORK:-$root/build/pyinstaller}"
start=$(date +%s)
"$python" -m PyInstaller \
  --noconfirm --clean --log-level WARN \
  --workpath "$workpath" \
  --distpath "$distpath" \
  "$root/packaging/ward_app.spec"
end=$(date +%s)

out="$distpath/ward-app"
exe="$out/ward-app"
[ -x "$exe" ] || exe="$out/ward-app.exe"
if [ ! -f "$exe" ]; then
  echo "PyInstaller finished but $out has no ward-app executable." >&2
  exit 1
fi
size="$(du -sh "$out" | cut -f1)"
echo "Built in $((end - start)) s, $size: $out"
echo "$out"
