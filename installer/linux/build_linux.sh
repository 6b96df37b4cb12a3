#!/usr/bin/env bash
# Linux: build the one-folder bundle and lay it out for installing, with a menu entry and icons.
#   installer/linux/build_linux.sh
# Makes dist/linux/personalbudget-VERSION-linux-ARCH/ and a .tar.gz of it:
#   personalbudget/                                  the app folder (personalbudget/personalbudget)
#   share/applications/personalbudget.desktop        the menu entry
#   share/icons/hicolor/NxN/apps/personalbudget.png  the icon, 16 to 512 pixels
#   install.sh                                       sudo ./install.sh, or ./install.sh --user
# and, when appimagetool is on PATH, dist/linux/PersonalBudget-VERSION-ARCH.AppImage.
# Build on the oldest Linux you support: the bundle needs a glibc at least as new as the builder's.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/ensure-venv.sh build
.venv/bin/python installer/build.py
version="$(.venv/bin/python installer/build.py --print-version)"
arch="$(uname -m)"
bundle=dist/personalbudget
name="personalbudget-$version-linux-$arch"
out="dist/linux/$name"
sizes="16 24 32 48 64 128 256 512"

# Lay out share/ (menu entry and icons) under a root folder: the tarball's and the AppImage's.
lay_out_share() {
  local root="$1"
  mkdir -p "$root/share/applications"
  cp installer/linux/personalbudget.desktop "$root/share/applications/"
  for n in $sizes; do
    mkdir -p "$root/share/icons/hicolor/${n}x${n}/apps"
    cp "resources/icons/personalbudget-$n.png" "$root/share/icons/hicolor/${n}x${n}/apps/personalbudget.png"
  done
}

rm -rf "$out" "$out.tar.gz"
mkdir -p "$out"
cp -R "$bundle" "$out/personalbudget"
lay_out_share "$out"
install -m 755 installer/linux/install.sh "$out/install.sh"
QT_QPA_PLATFORM=offscreen "$out/personalbudget/personalbudget" --self-test >/dev/null
tar -C dist/linux -czf "$out.tar.gz" "$name"
echo "build_linux.sh: $out.tar.gz ($(du -h "$out.tar.gz" | cut -f1))"

if command -v appimagetool >/dev/null 2>&1; then
  appdir="dist/linux/PersonalBudget.AppDir"
  rm -rf "$appdir"
  mkdir -p "$appdir/usr/lib"
  cp -R "$bundle" "$appdir/usr/lib/personalbudget"
  lay_out_share "$appdir/usr"
  cp installer/linux/personalbudget.desktop "$appdir/personalbudget.desktop"
  cp resources/icons/personalbudget-256.png "$appdir/personalbudget.png"
  cp resources/icons/personalbudget-256.png "$appdir/.DirIcon"
  cat >"$appdir/AppRun" <<'APPRUN'
#!/bin/sh
here="$(dirname "$(readlink -f "$0")")"
exec "$here/usr/lib/personalbudget/personalbudget" "$@"
APPRUN
  chmod 755 "$appdir/AppRun"
  QT_QPA_PLATFORM=offscreen "$appdir/AppRun" --self-test >/dev/null
  ARCH="$arch" appimagetool --no-appstream "$appdir" "dist/linux/PersonalBudget-$version-$arch.AppImage"
  echo "build_linux.sh: dist/linux/PersonalBudget-$version-$arch.AppImage"
else
  echo "build_linux.sh: appimagetool is not on PATH; no AppImage made (the tarball is complete without it)"
fi
