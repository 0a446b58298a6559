; Inno Setup script: a per-user installer for the PyInstaller folder dist\cctv-review\.
;
; Build (the GitHub workflow .github/workflows/windows.yml does this; so does build.ps1):
;   ISCC.exe /DAppVersion=0.1.0 /DDistDir=C:\path\to\dist\cctv-review /OC:\path\to\dist packaging\windows\cctv-review.iss
; Install silently, per user, no admin rights (what IT runs; see packaging\windows\README.md):
;   cctv-review-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /CURRENTUSER /NORESTART
;
; - PrivilegesRequired=lowest: never asks for admin rights; installs for the current user only,
;   into %LOCALAPPDATA%\Programs\cctv-review, with a Start-menu entry in the user's own menu.
;   (/CURRENTUSER is accepted and changes nothing: the installer allows no other mode.)
; - AppId is fixed for ever: a newer installer with the same AppId upgrades in place (same folder,
;   one entry in "Installed apps"), closing a running cctv-review first.
; - The review database and logs live in %LOCALAPPDATA%\cctv-review (not under Programs): this
;   installer and its uninstaller never touch them, so upgrading or uninstalling keeps every case.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef DistDir
  #define DistDir "..\..\dist\cctv-review"
#endif

[Setup]
; Never change this GUID: it is how Windows knows a newer version is the same application.
AppId={{19175E91-2121-46C4-92FD-9A5856397CE5}
AppName=cctv-review
AppVersion={#AppVersion}
AppVerName=cctv-review {#AppVersion}
AppPublisher=cctv-review developers
DefaultDirName={localappdata}\Programs\cctv-review
DisableDirPage=yes
DefaultGroupName=cctv-review
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
CloseApplications=yes
RestartApplications=no
UninstallDisplayName=cctv-review
UninstallDisplayIcon={app}\cctv-review.exe
OutputBaseFilename=cctv-review-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
SetupLogging=yes

[InstallDelete]
; An upgrade replaces the whole bundle: libraries a newer build no longer ships must not linger.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\cctv-review"; Filename: "{app}\cctv-review.exe"; WorkingDir: "{app}"
Name: "{group}\Uninstall cctv-review"; Filename: "{uninstallexe}"

[Run]
Filename: "{app}\cctv-review.exe"; Description: "Open cctv-review"; Flags: nowait postinstall skipifsilent
