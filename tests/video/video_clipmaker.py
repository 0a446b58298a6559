"""Make small test clips whose frames carry their own frame number.

Each frame has a 16-bit binary barcode of its index in large black/white
blocks across the top (robust to lossy compression), the digits below it,
and optionally a moving square during chosen seconds (for activity tests).
Clips are encoded with the ffmpeg CLI from a pipe of raw BGR frames.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np

W, H = 320, 240
BITS = 16
BAR_H = 40
BLOCK_W = W // BITS


def ffmpeg_exe() -> str | None:
    return shutil.which("ffmpeg")


def _background(width: int, height: int) -> np.ndarray:
    """A still, textured 'cell' scene (deterministic)."""
    y, x = np.mgrid[0:height, 0:width]
    base = (60 + 40 * np.sin(x / 17.0) * np.cos(y / 23.0) + (x * 60 // max(width, 1))).astype(np.uint8)
    img = cv2.merge([base, (base * 0.9).astype(np.uint8), (base * 0.8).astype(np.uint8)])
    cv2.rectangle(img, (20, 150), (120, 220), (30, 90, 30), -1)  # a 'bench'
    cv2.rectangle(img, (200, 120), (300, 230), (90, 60, 40), 3)  # a 'door'
    return img


def draw_frame(
    index: int,
    width: int = W,
    height: int = H,
    *,
    moving: bool = False,
    t: float = 0.0,
    background: np.ndarray | None = None,
    numbered: bool = True,
) -> np.ndarray:
    img = (background if background is not None else _background(width, height)).copy()
    if not numbered:
        index = 0
    block_w = width // BITS
    for b in range(BITS):
        bit = (index >> (BITS - 1 - b)) & 1
        colour = 255 if bit else 0
        img[0:BAR_H, b * block_w : (b + 1) * block_w] = colour
    cv2.putText(
        img, str(index), (10, BAR_H + 35), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2, cv2.LINE_AA
    )
    if moving:
        cx = int((width - 60) * (0.5 + 0.5 * np.sin(t * 3.0)))
        cy = int(BAR_H + 50 + (height - BAR_H - 110) * (0.5 + 0.5 * np.cos(t * 2.3)))
        cv2.rectangle(img, (cx, cy), (cx + 60, cy + 60), (20, 200, 240), -1)
    return img


def read_frame_number(img: np.ndarray) -> int:
    """Decode the barcode drawn by :func:`draw_frame`."""
    _height, width = img.shape[:2]
    block_w = width // BITS
    gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    value = 0
    for b in range(BITS):
        x0 = b * block_w + block_w // 4
        x1 = (b + 1) * block_w - block_w // 4
        patch = gray[BAR_H // 4 : 3 * BAR_H // 4, x0:x1]
        value = (value << 1) | int(patch.mean() > 128)
    return value


CODECS = {
    # name: (suffix, ffmpeg codec args)
    "h264_gop50": (
        ".mp4",
        [
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-g",
            "50",
            "-keyint_min",
            "50",
            "-sc_threshold",
            "0",
            "-pix_fmt",
            "yuv420p",
        ],
    ),
    "h264_gop250": (
        ".mp4",
        [
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-g",
            "250",
            "-keyint_min",
            "250",
            "-sc_threshold",
            "0",
            "-pix_fmt",
            "yuv420p",
        ],
    ),
    "h264_bframes_mkv": (
        ".mkv",
        ["-c:v", "libx264", "-preset", "medium", "-g", "50", "-bf", "3", "-pix_fmt", "yuv420p"],
    ),
    "h264_ts": (".ts", ["-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-pix_fmt", "yuv420p"]),
    "h264_raw": (
        ".h264",
        ["-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-pix_fmt", "yuv420p", "-f", "h264"],
    ),
    "mjpeg": (".avi", ["-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj420p"]),
    "mpeg4": (".avi", ["-c:v", "mpeg4", "-q:v", "3", "-g", "50"]),
}


def make_clip(
    out: Path,
    codec: str,
    seconds: float,
    fps: int = 25,
    *,
    moving_seconds: set[int] | None = None,
    width: int = W,
    height: int = H,
    extra: list[str] | None = None,
    numbered: bool = True,
) -> Path:
    """Encode a numbered clip; ``moving_seconds`` get a moving square."""
    suffix, args = CODECS[codec]
    out = Path(out).with_suffix(suffix) if not str(out).endswith(suffix) else Path(out)
    exe = ffmpeg_exe()
    assert exe, "ffmpeg CLI missing"
    cmd = [
        exe,
        "-loglevel",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "bgr24",
        "-s",
        f"{width}x{height}",
        "-r",
        str(fps),
        "-i",
        "-",
        *args,
        *(extra or []),
        str(out),
    ]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    bg = _background(width, height)
    n = round(seconds * fps)
    try:
        for i in range(n):
            t = i / fps
            moving = bool(moving_seconds) and int(t) in moving_seconds
            proc.stdin.write(
                draw_frame(i, width, height, moving=moving, t=t, background=bg, numbered=numbered).tobytes()
            )
    finally:
        proc.stdin.close()
        rc = proc.wait(timeout=120)
    assert rc == 0, f"ffmpeg failed for {out}"
    return out


# ---------------------------------------------------------------------------
# Recorder formats, made with ffmpeg's lavfi sources (no pipe): the scene and the
# 16-bit frame barcode of the field cases (../shared/field-cases/common.sh),
# copied here so the tests do not depend on that folder.
# ---------------------------------------------------------------------------

FIELD_BARCODE = (
    "geq=lum='if(lt(Y,40),255*mod(floor(N/pow(2,15-floor(X/floor(W/16)))),2),lum(X,Y))'"
    ":cb='if(lt(Y,40),128,cb(X,Y))':cr='if(lt(Y,40),128,cr(X,Y))'"
)


def scene(
    w: int, h: int, fps: int, secs: float, move: tuple[float, float] = (1, 2), pix_fmt: str = "yuv420p"
) -> str:
    """The field cases' lavfi graph (bars, noise, a moving box, the barcode), without the text."""
    m0, m1 = move
    return (
        f"smptebars=size={w}x{h}:rate={fps}:duration={secs}[bg];"
        f"color=c=yellow:size={w // 6}x{h // 3}:rate={fps}[box];"
        f"[bg][box]overlay=shortest=1:x='mod(t*W/4,W-w)':y='H/2':enable='between(t,{m0},{m1})',"
        f"noise=alls=4:allf=t,format={pix_fmt},{FIELD_BARCODE}"
    )


def read_barcode(img: np.ndarray) -> int:
    """The field cases' barcode: 16 equal blocks across the top 40 rows (any width)."""
    gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    bw = gray.shape[1] / BITS
    value = 0
    for b in range(BITS):
        x0, x1 = int(b * bw + bw / 4), int((b + 1) * bw - bw / 4)
        value = (value << 1) | int(gray[10:30, x0:x1].mean() > 128)
    return value


def _ff(*args: str) -> None:
    exe = ffmpeg_exe()
    assert exe, "ffmpeg CLI missing"
    subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


X264 = ["-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0"]
X265 = [
    "-c:v",
    "libx265",
    "-preset",
    "ultrafast",
    "-x265-params",
    "keyint=50:min-keyint=50:scenecut=0:bframes=0:log-level=error",
]


def write_dhav(payload: Path, out: Path, start: datetime.datetime, fps: int = 25) -> None:
    """Wrap a raw H.265/H.264 stream in DHAV packets as FFmpeg's dhav demuxer reads them.

    Layout (libavformat/dhav.c; the same as field case 02-dahua-dav.sh): "DHAV",
    type (0xfd keyframe / 0xfc other), 3 bytes, frame number, length, packed
    date-time (u32 LE: s | min<<6 | h<<12 | day<<17 | month<<22 | (year-2000)<<26),
    16-bit ms counter, extension length, 0; keyframes carry an extension
    (0x81 codec/fps, 0x82 width/height); payload; "dhav" + length.
    """
    import struct

    import av

    def packed(dt: datetime.datetime) -> int:
        return (
            dt.second
            | dt.minute << 6
            | dt.hour << 12
            | dt.day << 17
            | dt.month << 22
            | (dt.year - 2000) << 26
        )

    step = 1000 // fps
    with av.open(str(payload)) as c, open(out, "wb") as fh:
        vs = c.streams.video[0]
        w, h = vs.codec_context.width, vs.codec_context.height
        n = 0
        for pkt in c.demux(vs):
            data = bytes(pkt)
            if not data:
                continue
            t = start + datetime.timedelta(milliseconds=step * n)
            key = pkt.is_keyframe
            ext = (
                bytes([0x81, 0, 0x0C, fps]) + bytes([0x82, 0, 0, 0]) + struct.pack("<HH", w, h)
                if key
                else b""
            )
            length = 24 + len(ext) + len(data) + 8
            hdr = (
                b"DHAV" + bytes([0xFD if key else 0xFC, 0, 0, 0]) + struct.pack("<III", n, length, packed(t))
            )
            hdr += struct.pack("<HBB", (step * n) & 0xFFFF, len(ext), 0)
            fh.write(hdr + ext + data + b"dhav" + struct.pack("<I", length))
            n += 1


#: Recorder file kinds :func:`make_kind` can make.
KINDS = (
    "hevc_mp4",
    "hevc_mkv",
    "hevc_raw",
    "dahua_dav",
    "hikvision_ps",
    "ts_wrap",
    "pts_hours",
    "mjpeg_avi",
    "avi_empty_packets",
    "avi_bframes",
    "d1_interlaced",
    "full_range",
    "hevc_4k",
    "audio_first",
    "motion_gaps",
    "repeated_timestamp",
)


def make_kind(folder: Path, kind: str) -> Path:
    """Make a small numbered file of one recorder kind in ``folder``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    g = scene(320, 240, 25, 4)
    if kind == "hevc_mp4":
        out = folder / "hevc.mp4"
        _ff("-f", "lavfi", "-i", g, *X265, "-tag:v", "hvc1", str(out))
    elif kind == "hevc_mkv":
        out = folder / "hevc.mkv"
        _ff("-f", "lavfi", "-i", g, *X265, str(out))
    elif kind == "hevc_raw":
        out = folder / "hevc.265"
        _ff("-f", "lavfi", "-i", g, *X265, "-f", "hevc", str(out))
    elif kind == "dahua_dav":
        raw = make_kind(folder, "hevc_raw")
        out = folder / "ch01.dav"
        write_dhav(raw, out, datetime.datetime(2026, 3, 14, 22, 41, 5))
    elif kind == "hikvision_ps":
        ps = folder / "ps.mpg"  # D1 as the field case: packs then hold two small frames at times
        _ff(
            "-f",
            "lavfi",
            "-i",
            scene(704, 576, 25, 12),
            *X264,
            "-bf",
            "0",
            "-pix_fmt",
            "yuv420p",
            "-f",
            "vob",
            str(ps),
        )
        header = b"IMKH\x01\x02\x00\x00\x01\x00\x01\x00\x11\x71\x01\x10\x40\x1f\x00\x00\x00\xfa" + bytes(18)
        out = folder / "hik.mp4"
        out.write_bytes(header + ps.read_bytes())
    elif kind == "ts_wrap":
        out = folder / "wrap.ts"  # 2^33 / 90 kHz = 95443.7 s: wraps 1.7 s into the clip
        _ff("-f", "lavfi", "-i", g, *X264, "-bf", "2", "-output_ts_offset", "95442", str(out))
    elif kind == "pts_hours":
        out = folder / "hours.mkv"  # first frame stamped 10:00:00
        _ff("-f", "lavfi", "-i", g, *X264, "-output_ts_offset", "36000", str(out))
    elif kind == "mjpeg_avi":
        out = folder / "mjpeg.avi"
        _ff("-f", "lavfi", "-i", g, "-c:v", "mjpeg", "-q:v", "3", str(out))
    elif kind == "avi_empty_packets":
        # 5 pictures a second in a 25 fps AVI: the muxer fills the slots between with empty chunks.
        out = folder / "sparse.avi"
        g5 = scene(320, 240, 5, 4)
        _ff("-f", "lavfi", "-i", f"{g5},settb=1/25,setpts=N*5", "-c:v", "mjpeg", "-q:v", "3",
            "-fps_mode", "passthrough", "-enc_time_base", "1/25", str(out))  # fmt: skip
    elif kind == "avi_bframes":
        out = folder / "bframes.avi"
        _ff("-f", "lavfi", "-i", g, *X264, "-bf", "2", str(out))
    elif kind == "d1_interlaced":
        out = folder / "d1.mp4"
        g50 = scene(704, 576, 50, 2).split(f",{FIELD_BARCODE}")[0]
        _ff("-f", "lavfi", "-i", f"{g50},tinterlace=mode=interleave_top,setsar=12/11,{FIELD_BARCODE}",
            *X264, "-flags", "+ildct+ilme", "-x264-params", "tff=1", "-pix_fmt", "yuv420p", "-aspect", "4:3",
            str(out))  # fmt: skip
    elif kind == "full_range":
        out = folder / "fullrange.mp4"
        _ff("-f", "lavfi", "-i", g, *X264, "-pix_fmt", "yuvj420p", str(out))
    elif kind == "hevc_4k":
        out = folder / "uhd.mp4"
        _ff("-f", "lavfi", "-i", scene(3840, 2160, 25, 1, (0, 1)), *X265, "-tag:v", "hvc1", str(out))
    elif kind == "audio_first":
        out = folder / "audio_first.mp4"
        _ff("-f", "lavfi", "-i", g, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=4",
            "-map", "1:a", "-map", "0:v", "-c:a", "aac", "-b:a", "32k", *X264, "-pix_fmt", "yuv420p",
            "-timecode", "22:41:05:00", str(out))  # fmt: skip
    elif kind == "motion_gaps":
        # 10 s recorded, 50 s without frames, 10 s recorded (field case 07, smaller picture).
        out = folder / "gaps.mp4"
        g20 = scene(320, 240, 25, 20, (12, 15))
        _ff("-f", "lavfi", "-i", f"{g20},settb=1/1000,setpts='N*40+gte(N\\,250)*50000'",
            "-fps_mode", "passthrough", *X264, "-video_track_timescale", "1000", str(out))  # fmt: skip
    elif kind == "repeated_timestamp":
        # A clean 25 fps stream in Matroska in which frame 40 repeats frame 39's timestamp.
        out = folder / "repeat.mkv"
        _ff("-f", "lavfi", "-i", f"{g},settb=1/1000,setpts='N*40-eq(N\\,40)*40'", "-fps_mode", "passthrough",
            *X264, "-bf", "0", str(out))  # fmt: skip
    else:
        raise ValueError(kind)
    return out


def make_broken(folder: Path, kind: str) -> Path:
    """Files that cannot be (fully) read: cut-off MP4/AVI, cut fragmented MP4, audio only."""
    folder.mkdir(parents=True, exist_ok=True)
    g = scene(320, 240, 25, 6)
    if kind == "audio_only":
        out = folder / "audio_only.mp4"
        _ff("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=3", "-c:a", "aac", str(out))
        return out
    full = folder / f"full_{kind}.{'avi' if kind == 'cut_avi' else 'mp4'}"
    args = ["-movflags", "+frag_keyframe+empty_moov+default_base_moof"] if kind == "cut_fragmented" else []
    _ff("-f", "lavfi", "-i", g, *X264, "-pix_fmt", "yuv420p", *args, str(full))
    data = full.read_bytes()
    out = folder / f"{kind}{full.suffix}"
    out.write_bytes(data[: len(data) * 6 // 10])
    return out
