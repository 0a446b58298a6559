# Build the Windows installer of cctv-review on a Windows PC (the GitHub workflow
# .github/workflows/windows.yml does the same, and more, on every push):
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
# Needs Python 3.11 (the `py` launcher) and Inno Setup 6 or later (https://jrsoftware.org/isdl.php).
# Produces dist\cctv-review\ (the PyInstaller folder), smoke-tests it, then
# dist\cctv-review-<version>-setup.exe (the per-user installer; see packaging\windows\README.md).
$ErrorActionPreference = "Stop"
$root = Resolve-Path "$PSScriptRoot\..\.."
Set-Location $root
py -3.11 -m venv .build-venv
.\.build-venv\Scripts\python -m pip install --upgrade pip
.\.build-venv\Scripts\python -m pip install ".[dev]"
.\.build-venv\Scripts\pyinstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\windows\cctv-review.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
# Smoke test: --version, --demo summary, and the GUI opening the demo case offscreen and exiting.
.\.build-venv\Scripts\python packaging\smoke_test.py --cli dist\cctv-review\cctv-review-cli.exe --gui dist\cctv-review\cctv-review.exe
if ($LASTEXITCODE -ne 0) { throw "smoke test failed" }
$version = (.\.build-venv\Scripts\python -c "import cctv_review; print(cctv_review.__version__)")
$iscc = Get-ChildItem "${env:ProgramFiles(x86)}\Inno Setup*\ISCC.exe", "$env:ProgramFiles\Inno Setup*\ISCC.exe" -ErrorAction SilentlyContinue | Select-Object -First 1
if (-not $iscc) { throw "Inno Setup (ISCC.exe) not found: install it from https://jrsoftware.org/isdl.php" }
& $iscc.FullName "/DAppVersion=$version" "/DDistDir=$root\dist\cctv-review" "/O$root\dist" packaging\windows\cctv-review.iss
if ($LASTEXITCODE -ne 0) { throw "ISCC failed" }
Write-Host "Built dist\cctv-review-$version-setup.exe"
