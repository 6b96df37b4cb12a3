#!/bin/sh
# Installs (or removes) PersonalBudget from this folder, made by installer/linux/build_linux.sh.
#   sudo ./install.sh              for everyone: /opt/personalbudget, /usr/local/bin, /usr/local/share
#   ./install.sh --user            for you only: ~/.local/lib/personalbudget, ~/.local/bin, ~/.local/share
#   add --uninstall to remove it   (the caseload in your data folder is never touched)
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
scope=system
action=install
for arg in "$@"; do
  case "$arg" in
    --user) scope=user ;;
    --uninstall) action=uninstall ;;
    *) echo "usage: $0 [--user] [--uninstall]" >&2; exit 2 ;;
  esac
done
if [ "$scope" = user ]; then
  app_dir="$HOME/.local/lib/personalbudget"; bin_dir="$HOME/.local/bin"; share="$HOME/.local/share"
else
  app_dir=/opt/personalbudget; bin_dir=/usr/local/bin; share=/usr/local/share
fi
sizes="16 24 32 48 64 128 256 512"

refresh_menus() {  # where the desktop has these tools; menus pick the changes up anyway after a login
  if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database "$share/applications" 2>/dev/null || true
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t "$share/icons/hicolor" 2>/dev/null || true
  fi
}

if [ "$action" = uninstall ]; then
  rm -rf "$app_dir"
  rm -f "$bin_dir/personalbudget" "$share/applications/personalbudget.desktop"
  for n in $sizes; do rm -f "$share/icons/hicolor/${n}x${n}/apps/personalbudget.png"; done
  refresh_menus
  echo "PersonalBudget removed. Caseloads in the PersonalBudget data folder were left as they were."
  exit 0
fi

rm -rf "$app_dir"
mkdir -p "$app_dir" "$bin_dir" "$share/applications"
cp -R "$here/personalbudget/." "$app_dir/"
ln -sf "$app_dir/personalbudget" "$bin_dir/personalbudget"
sed "s|^Exec=.*|Exec=$app_dir/personalbudget|" "$here/share/applications/personalbudget.desktop" \
  > "$share/applications/personalbudget.desktop"
for n in $sizes; do
  mkdir -p "$share/icons/hicolor/${n}x${n}/apps"
  cp "$here/share/icons/hicolor/${n}x${n}/apps/personalbudget.png" "$share/icons/hicolor/${n}x${n}/apps/"
done
refresh_menus
echo "PersonalBudget installed in $app_dir; command: $bin_dir/personalbudget; check it with: personalbudget --self-test"
