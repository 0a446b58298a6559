from cctv_review.cli import main

raise SystemExit(main())
