# Build the Windows distribution of cctv-review (run on a Windows build PC).
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
# Produces dist\cctv-review\ (one folder) and dist\cctv-review-<version>-windows.zip.
$ErrorActionPreference = "Stop"
$root = Resolve-Path "$PSScriptRoot\..\.."
Set-Location $root
py -3.11 -m venv .build-venv
.\.build-venv\Scripts\python -m pip install --upgrade pip
.\.build-venv\Scripts\python -m pip install . "pyinstaller>=6.3"
.\.build-venv\Scripts\pyinstaller --noconfirm --clean --distpath dist --workpath build packaging\windows\cctv-review.spec
# Smoke test: the command-line program starts and reads its bundled template.
.\dist\cctv-review\cctv-review-cli.exe --db "$env:TEMP\cctv-review-smoke.sqlite" summary
if ($LASTEXITCODE -ne 0) { throw "smoke test failed" }
$version = (.\.build-venv\Scripts\python -c "import cctv_review; print(cctv_review.__version__)")
Compress-Archive -Force -Path dist\cctv-review -DestinationPath "dist\cctv-review-$version-windows.zip"
Write-Host "Built dist\cctv-review-$version-windows.zip"
