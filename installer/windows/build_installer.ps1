# Windows: build the PersonalBudget bundle and its Inno Setup installer.
#   powershell -ExecutionPolicy Bypass -File installer\windows\build_installer.ps1
# Needs Python 3.11-3.13 (the py launcher) and Inno Setup 6 (iscc.exe on PATH, or in its default folder).
# Makes .venv with the build extra if needed, builds dist\personalbudget\ with PyInstaller, runs the
# bundle's --self-test, then compiles dist\installer\PersonalBudget-<version>-windows-x64-setup.exe.
$ErrorActionPreference = "Stop"
Set-Location (Resolve-Path "$PSScriptRoot\..\..")

$python = ".venv\Scripts\python.exe"
if (-not (Test-Path $python)) {
    py -3.11 -m venv .venv
    if ($LASTEXITCODE -ne 0) { throw "could not create .venv (is Python 3.11 installed?)" }
}
& $python -m pip install --quiet --disable-pip-version-check -e ".[build]"
if ($LASTEXITCODE -ne 0) { throw "pip install failed" }

& $python installer\build.py
if ($LASTEXITCODE -ne 0) { throw "the PyInstaller build failed" }
$version = (& $python installer\build.py --print-version).Trim()

# The console exe prints the self-test report; the windowed PersonalBudget.exe has no console.
$env:QT_QPA_PLATFORM = "offscreen"
& dist\personalbudget\personalbudget-cli.exe --self-test | Out-Null
if ($LASTEXITCODE -ne 0) { throw "the bundle's --self-test failed" }
Remove-Item Env:QT_QPA_PLATFORM

$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $iscc)) { throw "Inno Setup 6 is not installed (iscc.exe not found)" }
& $iscc "/DAppVersion=$version" installer\windows\personalbudget.iss
if ($LASTEXITCODE -ne 0) { throw "iscc failed" }
Write-Host "build_installer.ps1: dist\installer\PersonalBudget-$version-windows-x64-setup.exe"
