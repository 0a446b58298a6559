"""Entry point of the windowed Windows executable (cctv-review.exe)."""

import sys

from cctv_review.cli import main

if __name__ == "__main__":
    sys.exit(main())
