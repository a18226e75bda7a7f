; Exact Keeper's Windows installer: per user, no administrator rights.
; Built on Linux with makensis (Debian's nsis) by `make package-windows`,
; which passes every name and version from FyneApp.toml and core/platform
; (pkgtool meta), so nothing here repeats them:
;
;   makensis -DNAME=… -DVERSION=… -DWINVER=a.b.c.d -DAUMID=… -DURLSCHEME=…
;            -DRUNVALUE=… -DWEBSITE=… -DSRC=dir-with-the-exes -DICON=app.ico
;            -DOUTFILE=…-setup.exe [-DSIGNCMD=packaging/windows/sign.sh]
;            packaging/windows/installer.nsi
;
; What it does (packaging/README.md says why NSIS):
; - the programs into %LOCALAPPDATA%\Programs\Exact Keeper;
; - a Start-menu shortcut carrying the AppUserModelID, which Windows needs
;   to show the keeper's toasts as Exact Keeper's;
; - the exactkeeper: URL scheme, so a click on a toast opens the dashboard;
; - start at sign-in (the HKCU Run value the app itself manages);
; - an Apps & Features entry and an uninstaller that stops the keeper and
;   asks whether to remove the connections' secrets from Credential Manager.

Unicode true
Target amd64-unicode
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID lzma

!ifndef NAME | VERSION | WINVER | AUMID | URLSCHEME | RUNVALUE | SRC | ICON | OUTFILE
  !error "pass every -D…: see the top of installer.nsi (make package-windows does)"
!endif
!ifndef WEBSITE
  !define WEBSITE ""
!endif

; Signing (packaging/windows/sign.sh, a no-op without a certificate): the
; uninstaller is written during the build, so it is signed then too.
!ifdef SIGNCMD
  !finalize '${SIGNCMD} "%1"' = 0
  !uninstfinalize '${SIGNCMD} "%1"' = 0
!endif

!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${RUNVALUE}"
!define RUNKEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define SHORTCUT "$SMPROGRAMS\${NAME}.lnk"

Name "${NAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${NAME}"
InstallDirRegKey HKCU "${UNINSTKEY}" "InstallLocation"
BrandingText "${NAME} ${VERSION}"

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\exactkeeper.exe"
!define MUI_FINISHPAGE_RUN_TEXT "$(StartNow)"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "Dutch"

LangString StartNow ${LANG_ENGLISH} "Start ${NAME} now"
LangString StartNow ${LANG_DUTCH} "${NAME} nu starten"
LangString SecAppText ${LANG_ENGLISH} "${NAME}"
LangString SecAppText ${LANG_DUTCH} "${NAME}"
LangString SecLoginText ${LANG_ENGLISH} "Start when I sign in to Windows"
LangString SecLoginText ${LANG_DUTCH} "Starten wanneer ik mij aanmeld bij Windows"
LangString StillRunning ${LANG_ENGLISH} "${NAME} is still running. Choose Quit in its menu in the notification area, then choose Retry."
LangString StillRunning ${LANG_DUTCH} "${NAME} is nog actief. Kies Afsluiten in het menu in het systeemvak en kies daarna Opnieuw."
LangString AskSecrets ${LANG_ENGLISH} "Also remove your connections and their secrets (client secrets and Exact Online logins) from Windows Credential Manager?$\r$\n$\r$\nChoose No to keep them for a later installation; you then will not need to log in again."
LangString AskSecrets ${LANG_DUTCH} "Ook uw koppelingen en hun geheimen (clientgeheimen en Exact Online-aanmeldingen) uit Windows Referentiebeheer verwijderen?$\r$\n$\r$\nKies Nee om ze te bewaren voor een latere installatie; u hoeft dan niet opnieuw in te loggen."
LangString SecretsFailed ${LANG_ENGLISH} "Not every secret could be removed. Open Credential Manager (Windows Credentials) and remove the entries starting with exactkeeper."
LangString SecretsFailed ${LANG_DUTCH} "Niet alle geheimen konden worden verwijderd. Open Referentiebeheer (Windows-referenties) en verwijder de items die met exactkeeper beginnen."

VIProductVersion "${WINVER}"
VIFileVersion "${WINVER}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${NAME}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${NAME} Setup"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "CompanyName" "${NAME}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "${NAME} contributors"

; StopKeeper asks the running keeper and window to end (a close request,
; as at sign-out: the keeper finishes a refresh in flight and saves the
; rotated token first) and waits up to 20 s for their programs in $INSTDIR
; to be free, deleting them: a running program cannot be deleted, on
; Windows as under wine (whose tasklist and taskkill know fewer options).
; It never kills: a keeper killed mid-refresh can lose the Exact login. If
; one still runs, the owner is asked to quit it from the tray; Cancel aborts.
!macro StopKeeper un
Function ${un}StopKeeper
  Push $0
  Push $1
  retry:
  nsExec::Exec 'taskkill /IM exactkeeper-dashboard.exe'
  Pop $0
  nsExec::Exec 'taskkill /IM exactkeeper.exe'
  Pop $0
  StrCpy $1 0
  wait:
  ClearErrors
  Delete "$INSTDIR\exactkeeper-dashboard.exe"
  Delete "$INSTDIR\exactkeeper.exe"
  ${If} ${FileExists} "$INSTDIR\exactkeeper.exe"
  ${OrIf} ${FileExists} "$INSTDIR\exactkeeper-dashboard.exe"
    ${If} $1 < 40
      Sleep 500
      IntOp $1 $1 + 1
      Goto wait
    ${EndIf}
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "$(StillRunning)" /SD IDCANCEL IDRETRY retry
    Abort
  ${EndIf}
  Pop $1
  Pop $0
FunctionEnd
!macroend
!insertmacro StopKeeper ""
!insertmacro StopKeeper "un."

; SetShortcutAppID gives the shortcut $0 the AppUserModelID $1
; (PKEY_AppUserModel_ID) through IShellLink, IPersistFile and
; IPropertyStore. Windows shows toasts of an unpackaged app only when a
; Start-menu shortcut carries its ID.
Function SetShortcutAppID
  Push $2
  Push $3
  Push $4
  Push $5
  Push $6
  Push $7
  Push $8
  ; CLSID_ShellLink, IID_IShellLinkW
  System::Call 'ole32::CoCreateInstance(g "{00021401-0000-0000-C000-000000000046}", p 0, i 1, g "{000214F9-0000-0000-C000-000000000046}", *p .r2) i .r3'
  ${If} $3 = 0
    ; IShellLinkW::QueryInterface(IID_IPersistFile)
    System::Call '$2->0(g "{0000010b-0000-0000-C000-000000000046}", *p .r4) i .r3'
    ${If} $3 = 0
      ; IPersistFile::Load(path, STGM_READWRITE)
      System::Call '$4->5(w r0, i 2) i .r3'
      ${If} $3 = 0
        ; IShellLinkW::QueryInterface(IID_IPropertyStore)
        System::Call '$2->0(g "{886D8EEB-8CF2-4446-8D02-CDBA1DBDCF99}", *p .r5) i .r3'
        ${If} $3 = 0
          ; PROPERTYKEY PKEY_AppUserModel_ID = {9F4C2855-…}, 5
          System::Call '*(g "{9F4C2855-9F79-4B39-A8D0-E1D42DE1D5F3}", i 5) p .r6'
          ; the ID as a wide string, and a PROPVARIANT (24 bytes on
          ; x64) of VT_LPWSTR (31) pointing at it
          System::Call '*(&w${NSIS_MAX_STRLEN} r1) p .r8'
          System::Call '*(&i2 31, &i2 0, i 0, p r8, p 0, p 0) p .r7'
          System::Call '$5->6(p r6, p r7) i .r3'   ; IPropertyStore::SetValue
          ${If} $3 = 0
            System::Call '$5->7() i .r3'           ; IPropertyStore::Commit
          ${EndIf}
          ${If} $3 = 0
            System::Call '$4->6(p 0, i 1) i .r3'   ; IPersistFile::Save(NULL, TRUE)
          ${EndIf}
          System::Free $6
          System::Free $7
          System::Free $8
          System::Call '$5->2()'                   ; Release
        ${EndIf}
      ${EndIf}
      System::Call '$4->2()'
    ${EndIf}
    System::Call '$2->2()'
  ${EndIf}
  ${If} $3 <> 0
    DetailPrint "The shortcut's AppUserModelID could not be set (HRESULT $3): notifications may show as Windows PowerShell's."
  ${EndIf}
  Pop $8
  Pop $7
  Pop $6
  Pop $5
  Pop $4
  Pop $3
  Pop $2
FunctionEnd

Section "$(SecAppText)" SecMain
  SectionIn RO
  Call StopKeeper
  SetOutPath "$INSTDIR"
  File "${SRC}\exactkeeper.exe"
  File "${SRC}\exactkeeper-dashboard.exe"
  File "${SRC}\exactkeeperctl.exe"
  File "${SRC}\exactkeeper.png"
  File "${SRC}\README.txt"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "${SHORTCUT}" "$INSTDIR\exactkeeper.exe" "" "$INSTDIR\exactkeeper.exe" 0
  StrCpy $0 "${SHORTCUT}"
  StrCpy $1 "${AUMID}"
  Call SetShortcutAppID

  ; exactkeeper:open?connection=… starts the keeper with the link, which
  ; hands it to the running one (core/platform.ParseLink).
  WriteRegStr HKCU "Software\Classes\${URLSCHEME}" "" "URL:${NAME}"
  WriteRegStr HKCU "Software\Classes\${URLSCHEME}" "URL Protocol" ""
  WriteRegStr HKCU "Software\Classes\${URLSCHEME}\DefaultIcon" "" '"$INSTDIR\exactkeeper.exe",0'
  WriteRegStr HKCU "Software\Classes\${URLSCHEME}\shell\open\command" "" '"$INSTDIR\exactkeeper.exe" "%1"'

  WriteRegStr HKCU "${UNINSTKEY}" "DisplayName" "${NAME}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTKEY}" "Publisher" "${NAME}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayIcon" '"$INSTDIR\exactkeeper.exe",0'
  WriteRegStr HKCU "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegStr HKCU "${UNINSTKEY}" "URLInfoAbout" "${WEBSITE}"
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINSTKEY}" "EstimatedSize" $0
SectionEnd

; The same value core/platform.RunValue writes, so the app's Settings and
; `exactkeeperctl autostart` see and manage it.
Section "$(SecLoginText)" SecLogin
  WriteRegStr HKCU "${RUNKEY}" "${RUNVALUE}" '"$INSTDIR\exactkeeper.exe"'
SectionEnd

Section "-StartSilently"
  ; A silent installation (/S) has no finish page to start the keeper from;
  ; /NOSTART (scripted deployments, the smoke test) leaves it to them.
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/NOSTART" $1
  ${If} ${Silent}
  ${AndIf} ${Errors}
    Exec '"$INSTDIR\exactkeeper.exe"'
  ${EndIf}
SectionEnd

Function .onInit
  ; An update keeps the owner's start-at-sign-in choice: the box starts
  ; ticked on a first installation, and as the Run value is otherwise.
  ReadRegStr $0 HKCU "${UNINSTKEY}" "UninstallString"
  ${If} $0 != ""
    ReadRegStr $0 HKCU "${RUNKEY}" "${RUNVALUE}"
    ${If} $0 == ""
      SectionSetFlags ${SecLogin} 0
    ${EndIf}
  ${EndIf}
FunctionEnd

Section "Uninstall"
  Call un.StopKeeper
  ; Default No, also for a silent uninstall: secrets are only removed when
  ; the owner says so, or a script passes /REMOVESECRETS.
  ${GetParameters} $0
  ClearErrors
  ${un.GetOptions} $0 "/REMOVESECRETS" $1
  ${If} ${Errors}
    MessageBox MB_YESNO|MB_ICONQUESTION|MB_DEFBUTTON2 "$(AskSecrets)" /SD IDNO IDNO keep
  ${EndIf}
  nsExec::Exec '"$INSTDIR\exactkeeperctl.exe" __forget-all'
  Pop $0
  ${If} $0 != 0
    MessageBox MB_OK|MB_ICONEXCLAMATION "$(SecretsFailed)" /SD IDOK
  ${EndIf}
  keep:
  Delete "${SHORTCUT}"
  DeleteRegValue HKCU "${RUNKEY}" "${RUNVALUE}"
  DeleteRegKey HKCU "Software\Classes\${URLSCHEME}"
  DeleteRegKey HKCU "Software\Classes\AppUserModelId\${AUMID}"
  DeleteRegKey HKCU "${UNINSTKEY}"
  Delete "$INSTDIR\exactkeeper.exe"
  Delete "$INSTDIR\exactkeeper-dashboard.exe"
  Delete "$INSTDIR\exactkeeperctl.exe"
  Delete "$INSTDIR\exactkeeper.png"
  Delete "$INSTDIR\README.txt"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
SectionEnd
