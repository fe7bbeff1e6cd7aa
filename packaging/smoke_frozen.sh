#!/usr/bin/env bash
# Smoke-test the frozen app (PyInstaller one-folder build) without Python or a display:
#
#   bash packaging/smoke_frozen.sh [dist/ward-app]
#
# Runs the bundled executable on a throw-away database: --version, --help, init --drill (with an admin
# password, so argon2 runs), check, user add, demo, check again, handover (a PDF with barcodes,
# when this version has the command), backup, init with only the bundled tzdata (as on Windows),
# and the window offscreen for a few seconds. Prints one line per step; exits non-zero at the
# first failure with what went wrong. KEEP_SMOKE_DIR=1 keeps the temporary folder.
set -euo pipefail

cd "$(dirname "$0")/.."
root="$(pwd)"
dist="${1:-$root/dist/ward-app}"
app="$dist/ward-app"
[ -x "$app" ] || app="$dist/ward-app.exe"
if [ ! -x "$app" ]; then
  echo "FAIL: no frozen app at $dist (build it with: bash packaging/build.sh)" >&2
  exit 1
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ward-app-smoke.XXXXXX")"
cleanup() { if [ "${KEEP_SMOKE_DIR:-}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT

# Never touch the real user's data; no display needed.
export QT_QPA_PLATFORM=offscreen
export WARD_APP_DATA="$tmp/data"
unset WARD_APP_DB WARD_APP_USER WARD_APP_DEBUG || true
db="$tmp/x.db"
want_version="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$root/ward_app/__init__.py")"

fail() { echo "FAIL: $*" >&2; exit 1; }

# run NAME CMD...: run the frozen app, keep its output in $tmp/NAME.{out,err}, fail on non-zero.
# Standard input is $STDIN_LINES (the passwords that prove who acts, one a line), else empty.
run() {
  local name="$1"; shift
  local rc=0
  printf '%s' "${STDIN_LINES:-}" | "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "--- stdout" >&2; cat "$tmp/$name.out" >&2
    echo "--- stderr" >&2; cat "$tmp/$name.err" >&2
    fail "$name exited $rc: $*"
  fi
  if grep -q "Traceback\|internal error" "$tmp/$name.err"; then
    cat "$tmp/$name.err" >&2
    fail "$name printed an error: $*"
  fi
  echo "ok: $name"
}

run version "$app" --version
grep -q "$want_version" "$tmp/version.out" \
  || fail "--version printed '$(cat "$tmp/version.out")', expected version $want_version"

run help "$app" --help
for command in init check demo backup gui; do
  grep -qE "^  $command\b" "$tmp/help.out" || fail "--help does not list the '$command' command"
done

admin_pw='smoke-Test-passw0rd-long'
charge_pw='another-Long-passw0rd'
rc=0
# a drill ward: the demo goes only into a new file or an empty drill ward
printf '%s\n' "$admin_pw" | "$app" --db "$db" init --ward "Ward 7" --tz Europe/London \
  --drill --admin-password-stdin >"$tmp/init.out" 2>"$tmp/init.err" || rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/init.out" "$tmp/init.err" >&2; fail "init exited $rc"; }
[ -s "$db" ] || fail "init made no database at $db"
echo "ok: init"

run check "$app" --db "$db" check
grep -q "status: healthy" "$tmp/check.out" || fail "check did not say healthy"

rc=0
# A charge nurse may print the handover sheet; the admin made by init may not.
printf '%s\n' "$admin_pw" "$charge_pw" | "$app" --db "$db" --user admin user add charge.smoke \
  --role charge_nurse --password-stdin >"$tmp/user.out" 2>"$tmp/user.err" || rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/user.out" "$tmp/user.err" >&2; fail "user add exited $rc"; }
echo "ok: user add (argon2)"

STDIN_LINES="$admin_pw"$'\n' run demo "$app" --db "$db" --user admin demo
run check-after-demo "$app" --db "$db" check
grep -q "status: healthy" "$tmp/check-after-demo.out" || fail "check after demo did not say healthy"
STDIN_LINES="$charge_pw"$'\n' run patient-list "$app" --db "$db" --user charge.smoke patient list --json
grep -q '"mrn"' "$tmp/patient-list.out" || fail "patient list --json printed no patients"

if grep -qE "^  handover\b" "$tmp/help.out"; then
  STDIN_LINES="$charge_pw"$'\n' run handover "$app" --db "$db" --user charge.smoke handover --out "$tmp/h.pdf"
  head -c 5 "$tmp/h.pdf" | grep -q "%PDF-" || fail "handover wrote no PDF at $tmp/h.pdf"
else
  echo "skip: handover (this version has no handover command)"
fi

STDIN_LINES="$admin_pw"$'\n' run backup "$app" --db "$db" --user admin backup
ls "$tmp"/backups/x-*.db >/dev/null 2>&1 || fail "backup wrote nothing in $tmp/backups"

# Windows has no system time zone database: zoneinfo must find the bundled tzdata.
rc=0
printf '%s\n' "$admin_pw" | PYTHONTZPATH="$tmp/no-such-tz-folder" "$app" --db "$tmp/tz.db" \
  init --ward "Ward 9" --tz Europe/London --admin-password-stdin \
  >"$tmp/tz.out" 2>"$tmp/tz.err" || rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/tz.out" "$tmp/tz.err" >&2; fail "init with only the bundled tzdata exited $rc"; }
echo "ok: init with only the bundled tzdata"

# The window: it must still be running after a few seconds (a startup failure exits at once).
rc=0
timeout "${SMOKE_GUI_SECONDS:-8}" "$app" --db "$db" --user charge.smoke gui \
  >"$tmp/gui.out" 2>"$tmp/gui.err" </dev/null || rc=$?
if [ "$rc" -ne 124 ]; then
  cat "$tmp/gui.out" "$tmp/gui.err" >&2
  fail "the window exited with $rc before the timeout (it should keep running)"
fi
if grep -qi "Traceback\|internal error\|could not load\|cannot load\|no resource named" "$tmp/gui.err"; then
  cat "$tmp/gui.err" >&2
  fail "the window printed errors while starting"
fi
echo "ok: gui (still running after ${SMOKE_GUI_SECONDS:-8} s, offscreen)"

echo "frozen app OK: $app ($want_version)"
