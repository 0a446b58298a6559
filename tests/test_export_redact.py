"""Redacted exports leave out personal identifiers in every format."""

from __future__ import annotations

import csv
import re
import zipfile

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from test_export_sample import CLIP_PATH, NOTE_ACCENTS, REFERENCES, REVIEWER_NAME, seed, seeded  # noqa: F401

from cctv_review.export import export
from cctv_review.export.redact import SECRET_SETTING, make_pseudonym
from cctv_review.store import Store

IDENTIFIERS = [*REFERENCES, "CR-2026", REVIEWER_NAME, "reviewer1", CLIP_PATH, "finding-a1.png", "-stills"]


def all_text(fmt: str, written) -> str:
    """Everything a recipient could read in the export."""
    if fmt == "csv":
        return "\n".join(p.read_text(encoding="utf-8-sig") for p in written)
    if fmt == "xlsx":
        with zipfile.ZipFile(written[0]) as z:  # every part, including document properties
            raw = "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        wb = load_workbook(written[0])
        cells = "\n".join(
            str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None
        )
        return raw + "\n" + cells
    reader = PdfReader(str(written[0]))
    return "\n".join(" ".join(p.extract_text().split()) for p in reader.pages) + str(reader.metadata)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_no_identifier_anywhere(fmt, seeded, template, tmp_path, qapp):
    store, _ = seeded
    written = export(store, template, fmt, tmp_path / ("out" if fmt == "csv" else f"out.{fmt}"), redact=True)
    text = all_text(fmt, written)
    for identifier in IDENTIFIERS:
        assert identifier not in text, f"{identifier!r} leaked into the {fmt} export"
    pseudonyms = set(re.findall(r"CASE-[0-9A-F]{10}", text))
    assert len(pseudonyms) == len(REFERENCES)
    # the learning is kept
    assert "Détenu left 40 min" in text or "D&#233;tenu" in text or NOTE_ACCENTS[:20] in text
    if fmt == "pdf":
        assert sum(len(p.images) for p in PdfReader(str(written[0])).pages) == 0  # stills left out
        assert "Redacted" in text and "still images" in text


def test_pseudonyms_are_stable_and_per_database(seeded, template, tmp_path):
    store, _ = seeded

    def pseudonyms(db_store, folder):
        export(db_store, template, "csv", folder, redact=True)
        with open(folder / "cases.csv", encoding="utf-8-sig", newline="") as handle:
            return [r["pseudonym"] for r in csv.DictReader(handle)]

    first = pseudonyms(store, tmp_path / "one")
    second = pseudonyms(store, tmp_path / "two")
    assert first == second  # stable across exports from one database
    assert len(set(first)) == len(first)
    secret = store.setting(SECRET_SETTING)
    assert len(bytes.fromhex(secret)) == 32
    assert first[0] == make_pseudonym(bytes.fromhex(secret), REFERENCES[0])
    assert first[0] == make_pseudonym(bytes.fromhex(secret), " " + REFERENCES[0].lower())  # normalised

    with Store(tmp_path / "other" / "review.sqlite", user="someone") as other:
        seed(other, template)
        assert pseudonyms(other, tmp_path / "three") != first  # another database, other pseudonyms


def test_pseudonym_is_not_a_plain_hash_of_the_reference(seeded, template, tmp_path):
    import hashlib

    store, _ = seeded
    export(store, template, "csv", tmp_path, redact=True)
    text = (tmp_path / "cases.csv").read_text(encoding="utf-8-sig")
    for reference in REFERENCES:
        plain = hashlib.sha256(reference.encode()).hexdigest()[:10].upper()
        assert plain not in text


def test_unredacted_export_keeps_identifiers(seeded, template, tmp_path):
    store, _ = seeded
    written = export(store, template, "csv", tmp_path)
    text = all_text("csv", written)
    assert REFERENCES[0] in text and REVIEWER_NAME in text and CLIP_PATH in text
    assert store.setting(SECRET_SETTING) is None  # no secret made until a redacted export needs one
