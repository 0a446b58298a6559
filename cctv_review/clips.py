"""Adding footage to a case: probe it, hash it, record it (never copy or change it).

A clip's exact frame index (:mod:`cctv_review.video.index`) is built when it
is added and kept in the store; :func:`clip_index` returns it for a stored
clip, building and saving it first if the clip predates the index (or the
file changed since), so every clip is demuxed only once.

**Footage in bulk** (File > Add footage…, ``cctv-review add-footage``):

1. :func:`find_footage` lists the files to look at: the files given, and
   every file in a folder given (subfolders included), less those whose name
   says they are not video (documents, pictures, the recorder's player
   program).  Whether a file is video is decided by probing it, not by its
   extension: a Hikvision export is a program stream under a ``.mp4`` name,
   a Dahua one a ``.dav``.
2. :func:`scan_footage` probes (the exact frame index: one demux pass) and
   hashes (SHA-256: one read) each file, with one progress fraction over all
   of them (weighted by size) and a cancel check; it stores nothing.  Each
   file gets a proposed camera and recorded start
   (:func:`propose_camera`, :func:`cctv_review.recorded_time.propose_recorded_start`),
   or the reason it is not added (not video, already in the case).
3. The reviewer confirms (and may edit) the list; the store adds every clip
   in one transaction (:meth:`cctv_review.store.Store.add_clips`), which
   refuses again a SHA-256 already in the case.

A camera name is never made from a file name: it comes from a recorder
file-name pattern that recognised a camera
(:func:`cctv_review.recorded_time.match_file_name`), or from the folder the
file is in when that folder's name looks like a camera's (letters, at most
three digits in a row, no case reference), else it is "Camera N".  File
names often hold the custody number, which must not reach a redacted export.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cctv_review.domain import Clip
from cctv_review.hashing import sha256_file

if TYPE_CHECKING:
    from cctv_review.video.index import ClipIndex


def read_clip_file(
    case_id: int,
    path: str | Path,
    camera: str,
    recorded_start: datetime | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> tuple[Clip, ClipIndex | None]:
    """Probe and hash ``path`` for the case: the clip to store (no id yet) and its frame index.

    Reads the file twice: the index pass (one demux, :mod:`cctv_review.video.index`)
    reports ``progress`` 0..0.5, hashing 0.5..1.  Stores nothing (a GUI job
    hands both to the GUI thread, which stores them; :func:`add_clip_file`
    stores them at once).  Raises :class:`cctv_review.video.VideoError` (with a
    plain-language message) when the file is missing or not playable video,
    ``IndexCancelled``/``HashCancelled`` when ``cancel()`` returned True.
    """
    from cctv_review.video import probe

    path = Path(path).resolve()
    if progress is not None:
        progress(0.0)
    half = (lambda f: progress(0.5 * f)) if progress is not None else None
    info = probe(str(path), progress=half, cancel=cancel)
    rest = (lambda f: progress(0.5 + 0.5 * f)) if progress is not None else None
    digest = sha256_file(path, progress=rest, cancel=cancel)
    clip = Clip(
        case_id=case_id,
        path=str(path),
        camera=camera.strip(),  # never the file name: it often holds the custody number
        recorded_start=recorded_start,
        duration_ms=info.duration_ms,
        fps=info.fps,
        frame_count=info.frame_count,
        width=info.width,
        height=info.height,
        codec=info.codec,
        sha256=digest,
        file_size=path.stat().st_size,
    )
    return clip, info.index


def add_clip_file(
    store,
    case_id: int,
    path: str | Path,
    camera: str,
    recorded_start: datetime | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Clip:
    """Probe ``path`` with the video engine, hash it and add it to the case, with its frame index.

    Raises :class:`cctv_review.video.VideoError` (with a plain-language message)
    when the file is missing or not playable video; nothing is stored then.
    """
    clip, index = read_clip_file(case_id, path, camera, recorded_start, progress=progress, cancel=cancel)
    added = store.add_clip(clip)
    if index is not None and added.id is not None:
        store.save_clip_index(added.id, index.to_record())
    return added


def stored_index(store: Any, clip: Clip) -> ClipIndex | None:
    """The clip's stored frame index if it still describes the file, else None.

    None when the clip has none (added before the index existed), when it is
    of an older layout, or when the file's size or modification time changed
    since it was indexed (:meth:`ClipIndex.matches_file`): the caller then
    builds it again.  One read of the store and one ``stat`` of the file;
    never reads the video.
    """
    from cctv_review.video.index import ClipIndex as _ClipIndex

    if clip.id is None:
        return None
    record = store.clip_index_record(clip.id)
    if record is None:
        return None
    index = _ClipIndex.from_record(record)
    if index is None or not index.matches_file(clip.path):
        return None
    return index


def clip_index(
    store: Any,
    clip: Clip,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ClipIndex:
    """The frame index of a stored clip: loaded, or built (one demux pass) and saved.

    Call it off the GUI thread (a worker with progress): building reads the
    whole file.  Raises :class:`cctv_review.video.VideoError` if the file is
    missing or unreadable, :class:`cctv_review.video.index.IndexCancelled`
    if ``cancel()`` returned True.
    """
    from cctv_review.video.index import build_index

    assert clip.id is not None
    index = stored_index(store, clip)
    if index is not None:
        return index
    index = build_index(clip.path, progress=progress, cancel=cancel)
    store.save_clip_index(clip.id, index.to_record())
    return index


# -- footage in bulk ------------------------------------------------------------------------

#: Extensions recorders give their exports (a hint for the file chooser; files are probed anyway).
VIDEO_EXTENSIONS = frozenset(
    [
        ".mp4",
        ".m4v",
        ".mkv",
        ".avi",
        ".mov",
        ".ts",
        ".mts",
        ".m2ts",
        ".ps",
        ".mpg",
        ".mpeg",
        ".vob",
        ".dav",
        ".264",
        ".h264",
        ".265",
        ".hevc",
        ".asf",
        ".wmv",
        ".flv",
        ".3gp",
        ".webm",
        ".ogv",
        ".mjpeg",
        ".mjpg",
        ".hik",
        ".dvr",
        ".sec",
        ".irf",
        ".g64",
        ".ifv",
        ".ssf",
    ]
)
#: Files whose name says they are not footage: left out of a folder without being opened.
#: (Pictures are here because FFmpeg would open a JPEG as a one-frame "video".)
NOT_VIDEO_EXTENSIONS = frozenset(
    [
        ".txt",
        ".pdf",
        ".doc",
        ".docx",
        ".rtf",
        ".odt",
        ".xls",
        ".xlsx",
        ".csv",
        ".xml",
        ".json",
        ".html",
        ".htm",
        ".ini",
        ".cfg",
        ".log",
        ".nfo",
        ".md",
        ".exe",
        ".dll",
        ".msi",
        ".bat",
        ".cmd",
        ".sh",
        ".lnk",
        ".url",
        ".jar",
        ".app",
        ".dmg",
        ".sys",
        ".ocx",
        ".cab",
        ".jpg",
        ".jpeg",
        ".png",
        ".bmp",
        ".gif",
        ".tif",
        ".tiff",
        ".ico",
        ".svg",
        ".heic",
        ".webp",
        ".zip",
        ".rar",
        ".7z",
        ".gz",
        ".tar",
        ".md5",
        ".sha1",
        ".sha256",
        ".sig",
        ".p7s",
        ".db",
        ".sqlite",
        ".ds_store",
        ".thumbs",
        ".wav",
        ".mp3",
        ".m4a",
        ".aac",
        ".wma",
        ".flac",
        ".ogg",
        ".srt",
        ".vtt",
        ".idx",
        ".sub",
    ]
)
#: What ``recorded_start_source`` holds for each kind of proposal (see :class:`Clip`).
SOURCE_CODES = {"recorder": "dhav", "file name": "file name", "metadata": "metadata", "typed": "typed"}
#: Folder names that say nothing about a camera.
GENERIC_FOLDERS = frozenset(
    [
        "export",
        "exports",
        "video",
        "videos",
        "footage",
        "cctv",
        "recording",
        "recordings",
        "record",
        "records",
        "files",
        "clips",
        "media",
        "new folder",
        "folder",
        "download",
        "downloads",
        "desktop",
        "documents",
        "data",
        "backup",
        "playback",
        "evidence",
        "dvr",
        "nvr",
        "disk",
        "usb",
        "record_files",
    ]
)
_CAMERA_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9 &'()._-]{0,39}$")
_LONG_DIGITS = re.compile(r"\d{4,}")


class FootageCancelled(Exception):
    """Adding footage was cancelled (nothing was stored)."""


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def camera_like(name: str, reference: str = "") -> bool:
    """Whether a folder name can be taken as a camera's name.

    Letters first, at most 40 characters, no run of four or more digits (a
    custody number or a date), not a generic folder name ("Export",
    "Footage"), and not holding the case reference (compared on letters and
    digits only, so ``CR-2026-0042`` is found in ``cr20260042 cell``).
    """
    name = name.strip()
    if not _CAMERA_LIKE.match(name) or _LONG_DIGITS.search(name):
        return False
    if name.lower() in GENERIC_FOLDERS:
        return False
    ref = _alnum(reference)
    return not (len(ref) >= 3 and ref in _alnum(name))


def propose_camera(path: str | Path, tz: tzinfo, reference: str = "") -> tuple[str, str]:
    """The camera name for a file and where it came from: ``(name, source)``; ``("", "")`` if none.

    From a recorder file-name pattern that recognised a camera or channel
    (source ``"file name pattern"``), else from the folder holding the file
    when :func:`camera_like` accepts its name (source ``"folder"``).  Never
    from the file name itself.
    """
    from cctv_review.recorded_time import RecordedTimeError, match_file_name

    path = Path(path)
    try:
        named = match_file_name(path.name, tz)
    except RecordedTimeError:
        named = None
    if named is not None and named.camera and (not reference or camera_like(named.camera, reference)):
        return named.camera, "file name pattern"
    folder = path.parent.name
    if folder and camera_like(folder, reference):
        return folder, "folder"
    return "", ""


@dataclass(frozen=True)
class Skipped:
    """A path given that holds no footage to add, and why (in words)."""

    path: str
    reason: str


def find_footage(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Skipped]]:
    """The files to probe among ``paths`` (files, and folders searched with their subfolders).

    Returns ``(files, skipped)``: files sorted by folder and name, each once
    (resolved); ``skipped`` names what does not exist and files whose
    extension is in :data:`NOT_VIDEO_EXTENSIONS` (a file named on its own is
    always probed).  Hidden files and folders (starting with ".") are left out
    of a folder.  Never opens a file.
    """
    found: dict[Path, None] = {}
    skipped: list[Skipped] = []
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    file = Path(folder) / name
                    if name.startswith("."):
                        continue
                    if file.suffix.lower() in NOT_VIDEO_EXTENSIONS:
                        skipped.append(Skipped(str(file), "not video (by its type)"))
                        continue
                    if file.is_file():
                        found.setdefault(file.resolve(), None)
        elif path.is_file():
            found.setdefault(path.resolve(), None)
        else:
            skipped.append(Skipped(str(path), "not found"))
    return sorted(found, key=lambda p: (str(p.parent).lower(), p.name.lower())), skipped


@dataclass(eq=False)
class FoundClip:
    """One file :func:`scan_footage` looked at: the clip to add (no id yet), or why it is not added.

    ``clip`` carries the proposed camera, recorded start (aware, store zone)
    and ``recorded_start_source``; ``start_from`` says in words where the
    start came from ("the file name (pattern …)") and ``conflicts`` where
    other sources disagree; ``camera_from`` is ``"file name pattern"``,
    ``"folder"`` or ``""`` (numbered "Camera N").  ``problem`` is empty for a
    clip to add, else the reason it is not (it is not video, already in the
    case, the same file as another in the list).  ``index`` is the frame index.
    """

    path: str
    clip: Clip | None = None
    index: ClipIndex | None = None
    camera_from: str = ""
    start_from: str = ""
    conflicts: tuple[str, ...] = ()
    problem: str = ""
    size_bytes: int = 0

    @property
    def ok(self) -> bool:
        return self.clip is not None and not self.problem


@dataclass(eq=False)
class FootageScan:
    """What :func:`scan_footage` found: every file looked at, in order, and the paths left out."""

    files: list[FoundClip] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def to_add(self) -> list[FoundClip]:
        return [f for f in self.files if f.ok]

    @property
    def refused(self) -> list[FoundClip]:
        return [f for f in self.files if not f.ok]


def container_metadata(path: str | Path) -> dict[str, str]:
    """The container's and the video stream's metadata tags (``creation_time`` …) as FFmpeg reports them.

    Container tags win over stream tags of the same name.  Empty when the
    file cannot be opened (the probe has said why by then).
    """
    from cctv_review.video.index import open_container

    tags: dict[str, str] = {}
    try:
        container = open_container(Path(path))
    except Exception:  # the probe reports unreadable files in words; here only the tags matter
        return tags
    try:
        for stream in container.streams.video[:1]:
            tags.update({str(k): str(v) for k, v in (stream.metadata or {}).items()})
        tags.update({str(k): str(v) for k, v in (container.metadata or {}).items()})
    finally:
        container.close()
    return tags


def _source_code(words: str) -> str:
    if words.startswith("the recorder"):
        return SOURCE_CODES["recorder"]
    if words.startswith("the file name"):
        return SOURCE_CODES["file name"]
    if "metadata" in words:
        return SOURCE_CODES["metadata"]
    return ""


def scan_footage(
    case_id: int,
    files: Sequence[str | Path],
    tz: tzinfo,
    *,
    reference: str = "",
    known_hashes: Mapping[str, str] | None = None,
    progress: Callable[[float, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> FootageScan:
    """Probe and hash ``files`` for case ``case_id``; propose camera and recorded start; store nothing.

    ``files`` from :func:`find_footage`; ``tz`` the store's recorder time
    zone; ``reference`` the case reference (never taken for a camera name);
    ``known_hashes`` the SHA-256 hex of the clips already in the case ->
    their camera, so a file already there is refused with a message.
    ``progress(fraction, message)`` runs over all files, weighted by size
    (the index pass is the first half of a file's share, hashing the
    second).  Raises :class:`FootageCancelled` when ``cancel()`` returned
    True.  A file that is not video, or cannot be read, is listed with its
    ``problem`` (the others go on).  Cameras left blank are numbered
    "Camera N" after the highest such number in ``known_hashes``' cameras.
    """
    from cctv_review.hashing import HashCancelled
    from cctv_review.recorded_time import RecordedTimeError, propose_recorded_start
    from cctv_review.video import VideoError, probe
    from cctv_review.video.index import IndexCancelled

    known = dict(known_hashes or {})
    sizes = []
    for f in files:
        try:
            sizes.append(max(1, Path(f).stat().st_size))
        except OSError:
            sizes.append(1)
    total = float(sum(sizes)) or 1.0
    done = 0.0
    scan = FootageScan()
    seen: dict[str, str] = {}

    def stopped() -> bool:
        return cancel is not None and cancel()

    for path, size in zip(files, sizes, strict=True):
        path = Path(path)
        if stopped():
            raise FootageCancelled()
        base = done

        def report(fraction: float, _base: float = base, _size: int = size, _name: str = path.name) -> None:
            if progress is not None:
                progress(min(1.0, (_base + fraction * _size) / total), _name)

        found = FoundClip(path=str(path), size_bytes=size)
        scan.files.append(found)
        try:
            report(0.0)
            info = probe(str(path), progress=lambda f: report(0.5 * f), cancel=cancel)
            digest = sha256_file(path, progress=lambda f: report(0.5 + 0.5 * f), cancel=cancel)
        except (IndexCancelled, HashCancelled):
            raise FootageCancelled() from None
        except VideoError as exc:
            found.problem = _not_video_words(exc)
            done += size
            continue
        except OSError as exc:
            found.problem = f"could not be read: {exc.strerror or exc}"
            done += size
            continue
        done += size
        if stopped():
            raise FootageCancelled()
        if digest in known:
            found.problem = f"already in this case (as {known[digest] or 'a clip'}): not added again"
            continue
        if digest in seen:
            found.problem = f"the same file as {Path(seen[digest]).name} (same SHA-256): added once"
            continue
        seen[digest] = str(path)
        camera, camera_from = propose_camera(path, tz, reference)
        try:
            proposal = propose_recorded_start(
                path.name,
                tz,
                metadata=container_metadata(path),
                recorder_packets_start=info.recorded_start_hint,
            )
        except RecordedTimeError as exc:  # e.g. a recorder time in the hour the clocks skip
            proposal, found.conflicts = None, (str(exc),)
        found.camera_from = camera_from
        if proposal is not None:
            found.start_from, found.conflicts = proposal.source, proposal.conflicts
        found.clip = Clip(
            case_id=case_id,
            path=str(path),
            camera=camera,
            recorded_start=proposal.start if proposal else None,
            recorded_start_source=_source_code(proposal.source) if proposal else "",
            duration_ms=info.duration_ms,
            fps=info.fps,
            frame_count=info.frame_count,
            width=info.width,
            height=info.height,
            codec=info.codec,
            sha256=digest,
            file_size=path.stat().st_size,
        )
        found.index = info.index
    if progress is not None:
        progress(1.0, "")
    number_cameras(scan.to_add, known.values())
    return scan


def _not_video_words(exc: Exception) -> str:
    from cctv_review.video.errors import AudioOnly, NotAVideo

    if isinstance(exc, NotAVideo):
        return "not a video file: left out"
    if isinstance(exc, AudioOnly):
        return "sound only, no pictures: left out"
    detail = getattr(exc, "detail", "") or str(exc)
    return f"{detail}: left out"


_NUMBERED = re.compile(r"^Camera (\d+)$")


def number_cameras(found: Sequence[FoundClip], existing: Iterable[str] = ()) -> None:
    """Name the cameras left blank "Camera N", numbering on from the case's own "Camera N" names.

    Each unnamed file gets its own number: two files are joined into one
    camera's track only when the reviewer gives them the same name (a wrong
    join would play two cameras as one).
    """
    used = [int(m.group(1)) for name in existing if (m := _NUMBERED.match(name or ""))]
    used += [int(m.group(1)) for f in found if f.clip and (m := _NUMBERED.match(f.clip.camera))]
    next_number = max(used, default=0) + 1
    for f in found:
        if f.clip is None or f.clip.camera:
            continue
        f.clip = replace(f.clip, camera=f"Camera {next_number}")
        next_number += 1


def recorder_zone(store: Any) -> tzinfo:
    """The store's recorder time zone: setting ``time_zone``, default Europe/London.

    (The setting is the recorded-time work's; until it is there, the default.)
    """
    from cctv_review.recorded_time import DEFAULT_ZONE, RecordedTimeError, zone

    name = store.setting("time_zone", DEFAULT_ZONE) or DEFAULT_ZONE
    try:
        return zone(str(name))
    except RecordedTimeError:
        return zone(DEFAULT_ZONE)


def format_found(found: FoundClip, tz: tzinfo) -> str:
    """One line for the command line's list: file, camera, recorded start and where it came from, duration."""
    from cctv_review.domain import format_ms
    from cctv_review.recorded_time import format_recorded

    name = Path(found.path).name
    if not found.ok or found.clip is None:
        return f"  NOT ADDED  {name}: {found.problem}"
    clip = found.clip
    start = (
        f"{format_recorded(clip.recorded_start, tz)} (from {found.start_from})"
        if clip.recorded_start
        else "recorded start not known"
    )
    camera_from = {"file name pattern": " (from the file name pattern)", "folder": " (from the folder)"}.get(
        found.camera_from, " (numbered: no name found)"
    )
    lines = [
        f"  {name}",
        f"      camera {clip.camera}{camera_from}; {start}; {format_ms(clip.duration_ms, False)}, "
        f"{clip.width}x{clip.height} {clip.codec}",
    ]
    lines += [f"      note: {c}" for c in found.conflicts]
    return "\n".join(lines)
