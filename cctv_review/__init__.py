"""cctv-review: review police custody CCTV and record what it teaches."""

__version__ = "0.1.0"
