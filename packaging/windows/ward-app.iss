; Inno Setup script: a per-machine Windows installer for the PyInstaller one-folder build.
;
; Build on Windows (see packaging/README.md), from the repository root:
;   1. bash packaging/build.sh            (Git Bash; or the PyInstaller command in the README)
;      -> dist\ward-app\ward-app.exe, ward-app-gui.exe, _internal\
;   2. "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" packaging\windows\ward-app.iss
;      -> dist\ward-app-<version>-setup.exe
; Inno Setup 6.3 or later (for the x64compatible architecture names). The version is read from
; ward-app.exe's version resource; pass /DAppVersion=1.2.3 to ISCC to override it.
;
; Silent, per-machine install (run as an administrator, e.g. from SCCM/Intune/GPO):
;   ward-app-<version>-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /SP- /LOG="%TEMP%\ward-app-setup.log"
;   optional: /DIR="D:\Apps\Ward App"   /MERGETASKS="desktopicon"
; Silent uninstall:
;   "C:\Program Files\Ward App\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
; Exit code 0 means success. Ward databases are in each user's %LOCALAPPDATA%\ward-app\ (or where
; WARD_APP_DB / WARD_APP_DATA point): neither install, upgrade nor uninstall touches them.

#define AppName "Ward App"
#define AppPublisher "Ward App team"
#define DistDir AddBackslash(SourcePath) + "..\..\dist\ward-app"
#define GuiExe "ward-app-gui.exe"
#define CliExe "ward-app.exe"

#ifndef AppVersion
  #define AppVersion GetStringFileInfo(DistDir + "\" + CliExe, "ProductVersion")
#endif
#if AppVersion == ""
  #error "No version: build dist\ward-app first (packaging\build.sh), or pass /DAppVersion=x.y.z"
#endif

[Setup]
; AppId identifies the product for upgrades and uninstall: never change it.
AppId={{6350F630-2C66-4F92-ACD2-B5FF86757998}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
; Per machine: Program Files, Start menu for all users, needs an administrator.
PrivilegesRequired=admin
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
; An upgrade closes a running Ward App first (Restart Manager); it is not restarted.
CloseApplications=yes
RestartApplications=no
SetupIconFile=..\..\resources\icons\ward-app.ico
UninstallDisplayIcon={app}\{#GuiExe}
UninstallDisplayName={#AppName}
OutputDir=..\..\dist
OutputBaseFilename=ward-app-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the whole program: no library of an older version may stay behind.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Comment: "Baclofen medication record, observations and alerts"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; [UninstallDelete] is left out on purpose: the uninstaller removes only what it installed,
; never a ward database or its backups.
