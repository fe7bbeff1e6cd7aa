#!/usr/bin/env bash
# Install the frozen app (dist/ward-app, made by packaging/build.sh) for every user of this
# Linux machine, with its menu entry, icon and AppStream metadata. Run as root:
#
#   sudo bash packaging/linux/install.sh              # install or upgrade
#   sudo bash packaging/linux/install.sh --uninstall  # remove the program (never the ward data)
#
# Where it goes (override with environment variables):
#   APP_DIR=/opt/ward-app     the one-folder program
#   PREFIX=/usr/local         bin/ward-app (a link), share/applications, share/metainfo, share/icons
#   DESTDIR=                  stage into this folder instead of / (for building a .deb or .rpm)
# Ward databases live in each user's data folder (~/.local/share/ward-app/) or where WARD_APP_DB
# or WARD_APP_DATA point; this script never touches them.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
app_id="org.wardapp.ward_app"
app_dir="${APP_DIR:-/opt/ward-app}"
prefix="${PREFIX:-/usr/local}"
dest="${DESTDIR:-}"
dist="${DIST:-$root/dist/ward-app}"

share="$dest$prefix/share"
files=(
  "$dest$prefix/bin/ward-app"
  "$share/applications/$app_id.desktop"
  "$share/metainfo/$app_id.metainfo.xml"
  "$share/icons/hicolor/scalable/apps/$app_id.svg"
  "$share/icons/hicolor/256x256/apps/$app_id.png"
)

refresh_caches() {
  [ -n "$dest" ] && return 0
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$share/applications" || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "${files[@]}"
  rm -rf "$dest$app_dir"
  refresh_caches
  echo "Removed ward-app from $dest$app_dir and $dest$prefix (ward databases were not touched)."
  exit 0
fi

if [ ! -x "$dist/ward-app" ]; then
  echo "No frozen app at $dist: build it first with 'bash packaging/build.sh'." >&2
  exit 1
fi

# Replace the program folder whole, so no file of an older version stays behind.
mkdir -p "$(dirname "$dest$app_dir")"
rm -rf "$dest$app_dir.new"
cp -a "$dist" "$dest$app_dir.new"
rm -rf "$dest$app_dir"
mv "$dest$app_dir.new" "$dest$app_dir"

install -d "$dest$prefix/bin" "$share/applications" "$share/metainfo" \
  "$share/icons/hicolor/scalable/apps" "$share/icons/hicolor/256x256/apps"
ln -sfn "$app_dir/ward-app" "$dest$prefix/bin/ward-app"
install -m 644 "$here/$app_id.desktop" "$share/applications/$app_id.desktop"
install -m 644 "$here/$app_id.metainfo.xml" "$share/metainfo/$app_id.metainfo.xml"
install -m 644 "$root/resources/icons/ward-app.svg" "$share/icons/hicolor/scalable/apps/$app_id.svg"
install -m 644 "$root/resources/icons/ward-app-256.png" "$share/icons/hicolor/256x256/apps/$app_id.png"
refresh_caches
echo "Installed ward-app $("$dest$app_dir/ward-app" --version 2>/dev/null | sed 's/.*version //') in $dest$app_dir; command: $prefix/bin/ward-app"
