from cctv_review.cli import main

if __name__ == "__main__":  # not when a spawned export reader imports the main module
    raise SystemExit(main())
