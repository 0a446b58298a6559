"""Probe a video file: duration, frame rate, frame count, size, codec.

:func:`probe` opens the file with OpenCV's FFmpeg backend and checks what the
container claims against what actually decodes:

* **Frame timing** - the timestamps of the first frames (up to ~2 s) are
  read.  Irregular intervals, or an average rate that disagrees with the
  container's nominal rate, mark the clip as *variable frame rate*; the
  measured average rate is then used as ``fps`` (frame numbers become nominal:
  ``round(time * fps)``; positions in milliseconds remain exact).
* **Frame count** - NVR exports often carry a wrong frame count (or none).
  The real last frame is found by seeking near the claimed end and decoding
  forward to the end of the file; if nothing decodes there (a truncated
  file), the last decodable position is found by bisection.  When the two
  disagree a warning is recorded and the decoded count is used.
* Files without timestamps (raw ``.h264`` streams) are counted packet by
  packet (fast: no decoding) and numbered by counting.

Errors are raised as the plain-language :mod:`cctv_review.video.errors`.
Probing costs a few seeks and at most a couple of GOPs of decoding.
"""

from __future__ import annotations

import itertools
import math
import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from ._capture import Decoder, header_codec, open_capture, sniff_container
from .errors import CorruptVideo, EmptyVideo, NotAVideo, UnsupportedCodec, VideoError, VideoFileMissing

# Codec tags OpenCV reports (FourCC) mapped to names people recognise.
_CODEC_NAMES = {
    "h264": "H.264",
    "avc1": "H.264",
    "H264": "H.264",
    "x264": "H.264",
    "hevc": "H.265/HEVC",
    "hev1": "H.265/HEVC",
    "hvc1": "H.265/HEVC",
    "H265": "H.265/HEVC",
    "MJPG": "MJPEG",
    "mjpg": "MJPEG",
    "jpeg": "MJPEG",
    "AVDJ": "MJPEG",
    "FMP4": "MPEG-4 Part 2",
    "mp4v": "MPEG-4 Part 2",
    "XVID": "MPEG-4 Part 2",
    "DIVX": "MPEG-4 Part 2",
    "DX50": "MPEG-4 Part 2",
    "MP4V": "MPEG-4 Part 2",
    "mpg2": "MPEG-2",
    "MPG2": "MPEG-2",
    "mpg1": "MPEG-1",
    "vp80": "VP8",
    "VP80": "VP8",
    "vp09": "VP9",
    "VP90": "VP9",
    "av01": "AV1",
    "AV01": "AV1",
    "wmv3": "WMV9",
    "WMV3": "WMV9",
    "WVC1": "VC-1",
    # Matroska codec IDs
    "V_MPEG4/ISO/AVC": "H.264",
    "V_MPEGH/ISO/HEVC": "H.265/HEVC",
    "V_MJPEG": "MJPEG",
    "V_MPEG4/ISO/ASP": "MPEG-4 Part 2",
    "V_MPEG4/ISO/SP": "MPEG-4 Part 2",
    "V_MPEG2": "MPEG-2",
    "V_MPEG1": "MPEG-1",
    "V_VP8": "VP8",
    "V_VP9": "VP9",
    "V_AV1": "AV1",
    "V_MS/VFW/FOURCC": "VfW",
}


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe` found.  Positions are integer milliseconds."""

    path: str
    duration_ms: int
    fps: float
    frame_count: int
    width: int
    height: int
    codec: str
    container_frame_count: int
    variable_frame_rate: bool
    warnings: tuple[str, ...] = ()
    #: Internal: how frames are numbered ("pts" or "count"), and the first
    #: frame's timestamp (subtracted so the first frame is frame 0 at 0 ms).
    timing: str = field(default="pts", compare=False)
    start_ms: float = field(default=0.0, compare=False)

    @property
    def frame_ms(self) -> float:
        """Nominal duration of one frame in milliseconds."""
        return 1000.0 / self.fps

    def frame_at_ms(self, ms: float) -> int:
        """Index of the frame on screen at ``ms`` (clamped to the clip)."""
        idx = math.floor(ms * self.fps / 1000.0 + 1e-6)
        return max(0, min(self.frame_count - 1, idx))

    def ms_of_frame(self, index: int) -> int:
        """Start time of frame ``index`` in milliseconds."""
        return round(index * 1000.0 / self.fps)


def codec_name(fourcc: int | str) -> str:
    if isinstance(fourcc, int):
        tag = fourcc.to_bytes(4, "little", signed=False).decode("latin-1") if fourcc > 0 else ""
    else:
        tag = fourcc
    tag = tag.strip("\x00 ")
    return _CODEC_NAMES.get(tag, tag or "unknown")


def _check_file(path: Path) -> None:
    if not path.exists():
        raise VideoFileMissing(path)
    if path.is_dir():
        raise NotAVideo(
            path, "is a folder, not a video file", advice="Open one of the video files inside it instead."
        )
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            fh.read(1)
    except PermissionError as exc:
        raise VideoError(
            path,
            "cannot be read because access was refused",
            advice="Check that you have permission to read it, or copy it to a folder you can use.",
        ) from exc
    except OSError as exc:
        raise VideoError(
            path,
            f"cannot be read ({exc.strerror or exc})",
            advice="Check the drive or network share it is on and try again.",
        ) from exc
    if size == 0:
        raise EmptyVideo(
            path, "is empty (0 bytes)", advice="The copy or export probably failed. Copy or export it again."
        )


def _open_failed(path: Path) -> VideoError:
    kind = sniff_container(path)
    if kind in ("dav", "hikvision"):
        vendor = "Dahua (.dav)" if kind == "dav" else "Hikvision"
        return UnsupportedCodec(
            path,
            f"is in a proprietary {vendor} recorder format",
            advice="Export it again from the recorder's player as MP4 or AVI, or convert it "
            "with the manufacturer's player, then open the new file.",
        )
    if kind is None:
        return NotAVideo(path)
    tag = header_codec(path)
    if tag:
        name = codec_name(tag)
        known = name != tag  # a codec we recognise should decode; so damage is likelier
        if not known:
            return UnsupportedCodec(path, f'uses a video format ("{tag}") this application cannot decode')
    if kind == "mp4":
        return CorruptVideo(
            path,
            "is incomplete or damaged: its index (the 'moov' part written "
            "at the end of an MP4 export) is missing or unreadable",
        )
    return CorruptVideo(
        path, f"looks like a {kind.upper()} video but cannot be opened; it is damaged or incomplete"
    )


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Open ``path`` and describe it; raise a :class:`VideoError` if unusable."""
    p = Path(os.fspath(path))
    _check_file(p)
    cap = open_capture(p)
    try:
        if not cap.isOpened():
            raise _open_failed(p)
        fps_c = cap.get(cv2.CAP_PROP_FPS) or 0.0
        cc_raw = cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0.0
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        codec = codec_name(int(cap.get(cv2.CAP_PROP_FOURCC) or 0))
        # -- first frames: timing --------------------------------------
        pts: list[float] = []
        first_img = None
        for _ in range(60):
            if not cap.grab():
                break
            pts.append(cap.get(cv2.CAP_PROP_POS_MSEC))
            if first_img is None:
                ok, first_img = cap.retrieve()
                if not ok or first_img is None:
                    first_img = None
        if not pts or first_img is None:
            if cc_raw <= 0 or cc_raw > 1e12:
                raise EmptyVideo(p)
            kind = sniff_container(p)
            if kind is None:
                raise NotAVideo(p)
            raise CorruptVideo(
                p,
                f"claims to hold {codec} video but no picture in it can be "
                "decoded; it is damaged or incomplete",
            )
        height, width = first_img.shape[:2]
    finally:
        cap.release()

    warnings: list[str] = []
    container_count = int(cc_raw) if 0 < cc_raw < 1e12 else 0
    increasing = all(b > a for a, b in itertools.pairwise(pts))
    timing = "pts" if (len(pts) < 2 or increasing) and not (len(pts) > 1 and pts[-1] == 0) else "count"
    start_ms = pts[0] if timing == "pts" else 0.0
    deltas = [b - a for a, b in itertools.pairwise(pts)] if timing == "pts" else []

    fps_valid = 0.5 <= fps_c <= 1000
    vfr = False
    fps = fps_c if fps_valid else 0.0
    if deltas:
        med = statistics.median(deltas)
        measured = 1000.0 / med if med > 0 else 0.0
        if not fps_valid and measured:
            fps = measured
        nominal = 1000.0 / fps if fps else med
        irregular = sum(1 for d in deltas if abs(d - nominal) > max(2.0, 0.25 * nominal))
        if irregular > max(1, len(deltas) // 20):
            vfr = True
    if fps <= 0:
        fps = 25.0
        warnings.append("The file does not state its frame rate; 25 frames per second is assumed.")

    # -- last frame: real frame count ----------------------------------
    try:
        if timing == "count":
            frame_count = _count_packets(p) or len(pts)
            warnings.append(
                "The file has no timestamps (a raw stream); frames are counted "
                "from the start, so seeking far into it is slow. Converting it "
                "to MP4 makes seeking fast."
            )
            last_ms = (frame_count - 1) * 1000.0 / fps
        else:
            last_idx, last_ms = _find_last_frame(p, fps, start_ms, container_count, pts)
            if vfr and last_ms > 0 and len(pts) > 1:
                # Use the clip-wide average rate for nominal frame numbers.
                fps = max(0.5, (last_idx) * 1000.0 / last_ms) if last_idx > 0 else fps
                last_idx = round(last_ms * fps / 1000.0)
            frame_count = last_idx + 1
    except VideoError:
        raise
    except Exception as exc:  # pragma: no cover - defensive
        raise CorruptVideo(p, f"could not be read to the end ({exc})") from exc

    if vfr:
        warnings.append(
            f"The frame rate varies (about {fps:.2f} frames per second on "
            "average); frame numbers are approximate, times are exact."
        )
    if container_count and abs(container_count - frame_count) > max(1, frame_count // 1000):
        warnings.append(
            f"The file claims {container_count} frames but {frame_count} were "
            "found; the decoded count is used."
        )
    elif not container_count and timing == "pts":
        warnings.append(f"The file does not state its frame count; {frame_count} frames were found.")

    duration_ms = round(last_ms + 1000.0 / fps)
    return VideoInfo(
        path=str(p),
        duration_ms=duration_ms,
        fps=float(fps),
        frame_count=int(frame_count),
        width=width,
        height=height,
        codec=codec,
        container_frame_count=container_count,
        variable_frame_rate=vfr,
        warnings=tuple(warnings),
        timing=timing,
        start_ms=start_ms,
    )


def _count_packets(path: Path) -> int:
    """Count video packets without decoding (raw mode)."""
    cap = open_capture(path, raw=True)
    n = 0
    try:
        while cap.grab():
            n += 1
    finally:
        cap.release()
    return n


def _find_last_frame(
    path: Path, fps: float, start_ms: float, container_count: int, first_pts: list[float]
) -> tuple[int, float]:
    """Index and timestamp (ms) of the last decodable frame."""
    dec = Decoder(path, fps, start_ms=start_ms)
    try:
        known_idx = round((first_pts[-1] - start_ms) * fps / 1000.0)
        known_ms = first_pts[-1] - start_ms

        def tail_from(start: int) -> tuple[int, float] | None:
            """Seek to ``start`` (approximately) and decode to the end."""
            dec.capture.set(cv2.CAP_PROP_POS_FRAMES, max(0, start))
            dec.index = None
            idx = dec.grab()
            if idx is None:
                return None
            best = (idx, dec.pts_ms)
            # Bound the forward decode: if the file is much longer than claimed
            # we still stop after ~10 minutes of frames and report what we saw.
            limit = int(fps * 600)
            while limit > 0:
                limit -= 1
                idx = dec.grab()
                if idx is None:
                    break
                if idx >= best[0]:
                    best = (idx, dec.pts_ms)
            return best

        if container_count <= len(first_pts):
            # Short clip, or count unknown: decode from the last frame we saw.
            dec.rewind()
            best = (known_idx, known_ms)
            while True:
                idx = dec.grab()
                if idx is None:
                    break
                if idx >= best[0]:
                    best = (idx, dec.pts_ms)
                if dec.grabs > fps * 600 and container_count:
                    break
            return best
        back = max(2, int(fps))
        res = tail_from(container_count - back)
        if res is not None:
            return res
        # Nothing decodes near the claimed end: bisect for the real end.
        lo, hi = known_idx, container_count - back
        while hi - lo > max(2 * fps, 10):
            mid = (lo + hi) // 2
            dec.capture.set(cv2.CAP_PROP_POS_FRAMES, mid)
            dec.index = None
            idx = dec.grab()
            if idx is not None:
                lo = max(lo, idx)
            else:
                hi = mid
        res = tail_from(lo)
        return res if res is not None else (known_idx, known_ms)
    finally:
        dec.close()
