#!/usr/bin/env bash
# macOS: build PersonalBudget.app with PyInstaller (the BUNDLE step of installer/personalbudget.spec)
# and pack it into a disk image with a link to /Applications.
#   installer/macos/build_dmg.sh
# Makes dist/PersonalBudget.app and dist/PersonalBudget-VERSION-macos-ARCH.dmg (ARCH: arm64 or x86_64,
# the builder's; build once on each kind of Mac you support).
#
# Signing (optional, needed for Gatekeeper on other Macs): set MACOS_CODESIGN_IDENTITY to a
# "Developer ID Application: ..." identity in the keychain (and MACOS_ENTITLEMENTS to an entitlements
# plist if you need one); PyInstaller then signs every binary and the .app with the hardened runtime.
# Then notarise and staple the .dmg (needs an Apple developer account):
#   xcrun notarytool submit dist/PersonalBudget-*.dmg --keychain-profile PROFILE --wait
#   xcrun stapler staple dist/PersonalBudget-*.dmg
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(uname -s)" = Darwin ] || { echo "build_dmg.sh: run this on macOS (hdiutil and the .app build need it)" >&2; exit 1; }
source scripts/ensure-venv.sh build
.venv/bin/python installer/build.py
version="$(.venv/bin/python installer/build.py --print-version)"
app="dist/PersonalBudget.app"
[ -d "$app" ] || { echo "build_dmg.sh: $app was not built" >&2; exit 1; }

# The app must work before it is shipped: the same self-test as CI's, on the .app's own executable.
QT_QPA_PLATFORM=offscreen "$app/Contents/MacOS/personalbudget" --self-test >/dev/null
if [ -n "${MACOS_CODESIGN_IDENTITY:-}" ]; then
  codesign --verify --deep --strict "$app"
fi

dmg="dist/PersonalBudget-$version-macos-$(uname -m).dmg"
staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
rm -f "$dmg"
hdiutil create -volname "PersonalBudget $version" -srcfolder "$staging" -fs HFS+ -format UDZO -ov "$dmg"
if [ -n "${MACOS_CODESIGN_IDENTITY:-}" ]; then
  codesign --sign "$MACOS_CODESIGN_IDENTITY" --timestamp "$dmg"
fi
echo "build_dmg.sh: $dmg"
