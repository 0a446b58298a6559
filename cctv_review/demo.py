"""A throw-away demonstration store: two sample cases with short generated clips.

``cctv-review --demo`` calls :func:`build_demo` on a temporary folder so a
newcomer sees the whole workflow at once: a use-of-force case in progress with
answers and findings, and a completed case so the summary has figures.

Plain Python (no Qt).  The clips are drawn with OpenCV (a synthetic custody
scene with a recorder-style timestamp, a still stretch and moving stretches so
the activity strip has something to show) and written as MJPEG AVI, which
opencv-python-headless can always write.  Nothing is downloaded.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np

from cctv_review.clips import add_clip_file
from cctv_review.domain import Case, Finding, FindingLevel, LearningLevel
from cctv_review.store import Store
from cctv_review.template import Template, load_template

WIDTH, HEIGHT, FPS = 640, 360, 10

#: (reference, suite, date, flags, clips: [(camera, file stem, start (UTC), seconds, moving stretches)])
CASES = [
    (
        "CR-2026-0117",
        "Northgate",
        date(2026, 3, 14),
        {"use_of_force": True, "mental_health": True},
        [
            (
                "Booking-in desk",
                "northgate-booking",
                datetime(2026, 3, 14, 22, 41, 5, tzinfo=timezone.utc),
                40,
                [(6, 18), (27, 35)],
                "desk",
            ),
            (
                "Cell 4",
                "northgate-cell4",
                datetime(2026, 3, 14, 23, 10, 0, tzinfo=timezone.utc),
                45,
                [(20, 27), (38, 42)],
                "cell",
            ),
        ],
    ),
    (
        "CR-2026-0142",
        "Riverside",
        date(2026, 3, 2),
        {"child": True},
        [
            (
                "Cell 2",
                "riverside-cell2",
                datetime(2026, 3, 2, 9, 15, 30, tzinfo=timezone.utc),
                30,
                [(12, 20)],
                "cell",
            ),
        ],
    ),
]


def _scene(kind: str) -> np.ndarray:
    img = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    img[:] = (150, 160, 165)  # walls
    cv2.rectangle(img, (0, 250), (WIDTH, HEIGHT), (95, 105, 110), -1)  # floor
    for x in range(0, WIDTH, 40):  # floor tiles
        cv2.line(img, (x, 250), (x - 60, HEIGHT), (85, 95, 100), 1)
    if kind == "desk":
        cv2.rectangle(img, (330, 170), (620, 290), (70, 90, 120), -1)  # booking-in desk
        cv2.rectangle(img, (330, 160), (620, 175), (90, 115, 150), -1)
        cv2.rectangle(img, (520, 110), (590, 160), (40, 40, 40), -1)  # screen
        cv2.rectangle(img, (40, 60), (140, 250), (60, 80, 110), -1)  # door
    else:
        cv2.rectangle(img, (40, 215), (300, 265), (110, 120, 125), -1)  # bench
        cv2.rectangle(img, (470, 50), (600, 260), (75, 95, 120), -1)  # cell door
        cv2.rectangle(img, (515, 110), (555, 135), (30, 30, 30), -1)  # hatch
        cv2.rectangle(img, (340, 255), (420, 300), (120, 130, 135), -1)  # toilet
    return img


def _person(img: np.ndarray, x: int, y: int, colour=(40, 50, 160)) -> None:
    cv2.circle(img, (x, y - 70), 16, (140, 170, 200), -1)  # head
    cv2.rectangle(img, (x - 20, y - 52), (x + 20, y + 10), colour, -1)  # body
    cv2.rectangle(img, (x - 18, y + 10), (x - 4, y + 60), (40, 40, 40), -1)  # legs
    cv2.rectangle(img, (x + 4, y + 10), (x + 18, y + 60), (40, 40, 40), -1)


def make_clip(
    path: Path, camera: str, start: datetime, seconds: int, moving: list[tuple[int, int]], kind: str
) -> Path:
    """Write a short synthetic custody clip (MJPEG AVI) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), FPS, (WIDTH, HEIGHT))
    if not writer.isOpened():
        raise OSError(f"could not write the demo clip {path}")
    background = _scene(kind)
    try:
        for i in range(seconds * FPS):
            t = i / FPS
            img = background.copy()
            resting_x = 170 if kind == "cell" else 420
            x = resting_x
            for a, b in moving:
                if a <= t < b:
                    phase = (t - a) / (b - a)
                    x = int(resting_x + (WIDTH - 260) * np.sin(np.pi * phase) * (1 if kind == "cell" else -1))
                    if kind == "desk":
                        _person(img, x + 120, 230, colour=(30, 30, 30))  # an officer escorting
            if kind == "cell" and not any(a <= t < b for a, b in moving):
                # Lying on the bench: a still detainee.
                cv2.ellipse(img, (170, 205), (90, 18), 0, 0, 360, (40, 50, 160), -1)
                cv2.circle(img, (270, 198), 15, (140, 170, 200), -1)
            else:
                _person(img, x, 230)
            stamp = (start + timedelta(seconds=t)).strftime("%d-%m-%Y %H:%M:%S")
            cv2.rectangle(img, (0, 0), (WIDTH, 26), (0, 0, 0), -1)
            cv2.putText(
                img,
                f"{camera.upper()}",
                (8, 18),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.55,
                (255, 255, 255),
                1,
                cv2.LINE_AA,
            )
            cv2.putText(
                img, stamp, (WIDTH - 200, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1, cv2.LINE_AA
            )
            writer.write(img)
    finally:
        writer.release()
    return path


_DEMO_CHOICES = {
    "footage.complete": "yes",
    "footage.audio": "no",
    "arrival.wait": "15_to_60_minutes",
    "search.searched": "yes",
    "search.type": ["pat_down"],
    "uof.force_used": "no",
    "cell.observation_level": "level_2_intermittent_observation_with_rousing",
    "cell.rousing_required": "yes",
    "cell.rousing_properly": "no",
    "welfare.healthcare": "yes_after_a_delay",
    "welfare.mental_health": "yes_recognised_and_acted_on",
    "vuln.applies": "child",
    "vuln.appropriate_adult_delay": "1_to_4_hours",
    "arrival.interpreter": "no",
}


def answer_everything(store: Store, template: Template, case_id: int, choices: dict | None = None) -> None:
    """Answer every question that applies (demo data; chosen values, else the first option)."""
    choices = {**_DEMO_CHOICES, **(choices or {})}
    answers: dict = {}
    for question in template.questions():
        if not template.applies(question, answers):
            continue
        if question.id in choices:
            value = choices[question.id]
        elif question.type == "yes_no":
            value = "yes"
        elif question.type == "single_choice":
            value = question.options[0].value
        elif question.type == "multiple_choice":
            value = [question.options[0].value]
        elif question.type == "time":
            value = "0:00:12"
        else:
            value = "Seen on the cell camera; see findings."
        store.set_answer(case_id, question.id, value, template)
        answers[question.id] = value


def build_demo(folder: Path, template: Template | None = None) -> Path:
    """Create the demo store and clips in ``folder``; return the database path."""
    folder = Path(folder)
    template = template or load_template()
    db_path = folder / "demo-review.sqlite"
    clips_dir = folder / "clips"
    with Store(db_path, user="demo.reviewer") as store:
        made: dict[str, int] = {}  # reference -> case id
        for reference, suite, when, flags, clips in CASES:
            case = store.add_case(
                Case(
                    reference=reference,
                    custody_suite=suite,
                    detention_date=when,
                    reviewer="demo.reviewer",
                    child=flags.get("child", False),
                    mental_health=flags.get("mental_health", False),
                    use_of_force=flags.get("use_of_force", False),
                )
            )
            assert case.id is not None  # add_case returns the stored case, with its id
            made[reference] = case.id
            for camera, stem, start, seconds, moving, kind in clips:
                path = make_clip(clips_dir / f"{stem}.avi", camera, start, seconds, moving, kind)
                add_clip_file(store, case.id, path, camera, start)

        # Case 1: a use-of-force case in progress.
        uof = made["CR-2026-0117"]
        booking, cell = store.list_clips(uof)
        for qid, value in {
            "footage.complete": "no",
            "footage.gaps": "No camera covers the corridor between the desk and cell 4.",
            "arrival.wait": "under_15_minutes",
            "arrival.risk_assessment": "yes",
            "arrival.risk_assessment_quality": "no",
            "arrival.rights": "yes",
            "uof.force_used": "yes",
            "uof.techniques": ["guiding_holds", "arm_locks_or_restraint_holds"],
        }.items():
            store.set_answer(uof, qid, value, template)
        for clip, ms, theme, level, note in (
            (
                booking,
                7_500,
                "arrival",
                FindingLevel.GOOD_PRACTICE,
                "Custody sergeant greets the detainee calmly and explains what will happen.",
            ),
            (
                booking,
                14_000,
                "risk_assessment",
                FindingLevel.SIGNIFICANT,
                "Risk assessment questions read out in under a minute; answers not explored.",
            ),
            (
                booking,
                28_000,
                "use_of_force",
                FindingLevel.SOME,
                "Detainee guided away from the desk by the arm; no warning given first.",
            ),
            (
                cell,
                21_000,
                "cell_observations",
                FindingLevel.SOME,
                "Check through the hatch only; detainee not roused although rousing was set.",
            ),
        ):
            store.add_finding(
                Finding(case_id=uof, clip_id=clip.id, position_ms=ms, theme=theme, level=level, note=note)
            )
        store.save_position(uof, booking.id, 12_000)

        # Case 2: completed, so the summary has something to say.
        child = made["CR-2026-0142"]
        (cell2,) = store.list_clips(child)
        answer_everything(store, template, child)
        store.add_finding(
            Finding(
                case_id=child,
                clip_id=cell2.id,
                position_ms=13_000,
                theme="vulnerability",
                level=FindingLevel.SOME,
                note="Appropriate adult arrived over two hours after booking-in.",
            )
        )
        store.set_outcome(
            child,
            LearningLevel.SOME,
            "Care was good overall, but the delay in getting an appropriate adult for a child "
            "and incomplete rousing checks are learning for the suite.",
        )
        store.complete_case(child, template)
        store.set_setting("last_case_id", uof)
    return db_path
