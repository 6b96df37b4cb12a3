; Inno Setup 6 script for PersonalBudget on Windows: a per-machine install of the PyInstaller bundle.
;
; Build (on Windows, from the repository root): powershell -ExecutionPolicy Bypass -File installer\windows\build_installer.ps1
; which builds dist\personalbudget\ and then runs
;   iscc /DAppVersion=0.1.0 installer\windows\personalbudget.iss
; Output: dist\installer\PersonalBudget-<version>-windows-x64-setup.exe
;
; Silent install, for IT deployment (Intune, SCCM/ConfigMgr, Group Policy scripts):
;   PersonalBudget-0.1.0-windows-x64-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /LOG="%TEMP%\personalbudget-install.log"
;     /VERYSILENT        no wizard and no progress window
;     /SUPPRESSMSGBOXES  take the default answer to any message box
;     /NORESTART         never restart the computer (none is needed)
;     optional: /DIR="D:\Apps\PersonalBudget"  /TASKS="desktopicon"  /LOG="file"
; Exit code 0 means installed. Check the installed copy with:
;   "C:\Program Files\PersonalBudget\personalbudget-cli.exe" --self-test
; Silent uninstall:
;   "C:\Program Files\PersonalBudget\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
; Upgrading: run the newer setup the same way; it replaces the program files in place (same AppId).
; Caseloads and settings live in each user's data folder (%LOCALAPPDATA%\PersonalBudget) and are never
; touched by installing, upgrading or uninstalling.

#define AppName "PersonalBudget"
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppExe "PersonalBudget.exe"
#define Bundle "..\..\dist\personalbudget"

[Setup]
; The AppId identifies the product for upgrades and uninstall: never change it.
AppId={{BDD18C04-B3FE-4FC4-9B06-C6B19BE001DD}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=PersonalBudget developers
VersionInfoVersion={#AppVersion}
; Per machine: Program Files, Start menu for all users, needs administrator rights.
PrivilegesRequired=admin
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist\installer
OutputBaseFilename={#AppName}-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\personalbudget.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Close a running PersonalBudget before replacing its files, and do not restart it afterwards.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the whole bundle: no library from an older version may be left beside the new ones.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Personal budgets and support plans"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only the program folder; each user's caseloads in %LOCALAPPDATA%\PersonalBudget stay.
Type: filesandordirs; Name: "{app}\_internal"
