"""Entry point of the windowed Windows executable (cctv-review.exe)."""

import multiprocessing
import sys

from cctv_review.cli import main

if __name__ == "__main__":
    # A large export reads its cases in a process of its own (cctv_review.export.stream.read_in_process):
    # in a frozen program that process is this executable again, which freeze_support turns into the reader.
    multiprocessing.freeze_support()
    sys.exit(main())
