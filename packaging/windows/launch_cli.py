"""Entry point of the console Windows executable (cctv-review-cli.exe)."""

import sys

from cctv_review.cli import main

if __name__ == "__main__":
    sys.exit(main())
