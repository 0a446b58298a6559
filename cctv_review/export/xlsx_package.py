"""A minimal streaming XLSX writer: the workbook's parts written straight into the zip.

An XLSX file is an Office Open XML package (ECMA-376, Part 2: Open Packaging
Conventions): a zip holding ``[Content_Types].xml``, the relationships
(``_rels/.rels``, ``xl/_rels/workbook.xml.rels``), the document properties
(``docProps/core.xml``, ``docProps/app.xml``) and the SpreadsheetML parts
(ECMA-376, Part 1, §18): ``xl/workbook.xml``, ``xl/styles.xml`` and one
``xl/worksheets/sheetN.xml`` per sheet.  This module writes exactly those,
and only the features the export uses:

* cells are numbers (``<v>``), booleans (``t="b"``) or *inline strings*
  (``t="inlineStr"``, §18.3.1.53): there is no shared-strings table, so
  nothing grows in memory with the number of cells;
* a fixed set of cell formats (:data:`STYLES`, §18.8.45 ``cellXfs``): bold
  header, title and heading fonts, wrapped text, Excel's *quote prefix*
  (§18.8.45, ``quotePrefix``: the cell stays text when edited) and the
  number formats of the export's typed columns;
* per sheet: column widths (``<cols>``), a frozen header pane
  (``<pane state="frozen">``), and an auto-filter (``<autoFilter>`` with the
  ``_xlnm._FilterDatabase`` defined name Excel itself writes).

Worksheets are streamed: one at a time straight into the zip as its rows
are written (``ZipFile.open(name, "w")``, deflated at level 1: speed
matters more than a few per cent of size), any others alongside it deflated
into a spooled temporary file (in memory up to :data:`SPOOL_MEMORY_BYTES`,
then an anonymous temporary file the system deletes even if the process is
killed) and copied into the zip at the end, so memory stays bounded whatever
the number of rows.  Building a row is one string join; the caller hands over each row's
cells already as XML fragments (see :func:`text_cell` and friends), which are
plain f-strings, so a million rows cost seconds, not minutes.

Dates and times are Excel serial numbers in the 1900 date system (ECMA-376
§18.17.4: days since 1899-12-30, the time of day as the fraction), exact for
dates from 1900-03-01 on, which is every date this program records.

Plain Python, standard library only.
"""

from __future__ import annotations

import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from os import PathLike
from types import TracebackType
from typing import IO

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

#: Index of each cell format in ``styles.xml``'s ``cellXfs`` (the ``s`` attribute of a cell).
STYLES = {
    "default": 0,
    "header": 1,  # bold, shaded, wrapped, top-aligned
    "title": 2,  # bold 14 pt
    "heading": 3,  # bold 12 pt
    "wrap": 4,  # wrapped, top-aligned text
    "quoted": 5,  # quote prefix: text that looks like a formula stays text
    "quoted_wrap": 6,
    "int": 7,
    "percent": 8,
    "date": 9,
    "datetime": 10,
    "datetime_ms": 11,
    "duration": 12,
}
#: Number formats of the typed columns (custom formats start at id 164, ECMA-376 §18.8.30).
NUMBER_FORMATS = {
    "int": "0",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "datetime_ms": "yyyy-mm-dd hh:mm:ss.000",
    "duration": "[h]:mm:ss.000",
}
HEADER_FILL = "FFDDE4EE"

_EPOCH_ORDINAL = date(1899, 12, 30).toordinal()
SELECTED = ' tabSelected="1"'
_WHITESPACE = frozenset(" \t\n\r")


def column_letter(index: int) -> str:
    """``1`` -> ``"A"``, ``27`` -> ``"AA"`` (1-based, as Excel numbers columns)."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def escape(text: str) -> str:
    """``text`` with ``&``, ``<`` and ``>`` escaped for XML element content (quotes need none there)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return escape(text).replace('"', "&quot;")


def date_serial(value: date) -> int:
    """A date as an Excel serial day number (1900 date system)."""
    return value.toordinal() - _EPOCH_ORDINAL


def datetime_serial(value: datetime) -> float:
    """A naive date-time as an Excel serial number: days, and the time of day as the fraction."""
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1_000_000
    return value.toordinal() - _EPOCH_ORDINAL + seconds / 86400


def duration_serial(value: timedelta) -> float:
    """A duration in days, as Excel stores times (``[h]:mm:ss`` shows it as hours)."""
    return value / timedelta(days=1)


def text_cell(ref: str, text: str, style: int = 0) -> str:
    """An inline-string cell; ``text`` must hold only characters XML 1.0 allows."""
    if not text:
        return f'<c r="{ref}" s="{style}"/>' if style else ""
    space = ' xml:space="preserve"' if text[0] in _WHITESPACE or text[-1] in _WHITESPACE else ""
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def number_cell(ref: str, value: float, style: int = 0) -> str:
    """A number cell (``repr`` of a float round-trips exactly)."""
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s}><v>{value!r}</v></c>'


def bool_cell(ref: str, value: bool) -> str:
    return f'<c r="{ref}" t="b"><v>{1 if value else 0}</v></c>'


class Sheet:
    """One worksheet being streamed into the package; made by :meth:`Package.add_sheet`.

    Call :meth:`write_row` for each row in order (row 1 first), then
    :meth:`close` (the package closes any sheet left open).
    """

    def __init__(
        self,
        package: Package,
        title: str,
        index: int,
        widths: dict[int, float],
        freeze_first_row: bool,
        selected: bool,
        zip64: bool,
        direct: bool,
    ) -> None:
        self.package = package
        self.title = title
        self.index = index  # 1-based, as in xl/worksheets/sheetN.xml
        self.rows = 0
        self.autofilter: str | None = None
        self.part = f"xl/worksheets/sheet{index}.xml"
        self.direct = direct
        self._spool: _DeflatedSpool | None = None
        if direct:
            self._handle: IO[bytes] | _DeflatedSpool | None = package.zip.open(
                self.part, "w", force_zip64=zip64
            )
        else:
            self._spool = _DeflatedSpool()
            self._handle = self._spool
        pane = (
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            if freeze_first_row
            else ""
        )
        cols = "".join(
            f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>' for c, w in sorted(widths.items())
        )
        self._buffer: list[str] = [
            XML_DECL,
            f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">',
            f'<sheetViews><sheetView{SELECTED if selected else ""} workbookViewId="0">'
            f"{pane}</sheetView></sheetViews>",
            '<sheetFormatPr defaultRowHeight="15"/>',
            f"<cols>{cols}</cols>" if cols else "",
            "<sheetData>",
        ]
        self._buffered = 0

    def write_row(self, cells_xml: Iterable[str]) -> None:
        """The next row, given as its cells' XML (from :func:`text_cell` etc.; empty strings skipped)."""
        self.rows += 1
        self._buffer.append(f'<row r="{self.rows}">{"".join(cells_xml)}</row>')
        self._buffered += 1
        if self._buffered >= 256:
            self._flush()

    def write_row_xml(self, row_xml: str) -> None:
        """The next row as its whole ``<row r="N">...</row>`` XML (N must be :attr:`rows` + 1)."""
        self.rows += 1
        self._buffer.append(row_xml)
        self._buffered += 1
        if self._buffered >= 256:
            self._flush()

    def skip_row(self) -> None:
        """An empty row (nothing is written for it)."""
        self.rows += 1

    def _flush(self) -> None:
        assert self._handle is not None, "the sheet is closed"
        self._handle.write("".join(self._buffer).encode("utf-8"))
        self._buffer.clear()
        self._buffered = 0

    def close(self) -> None:
        """End the sheet's XML (with its auto-filter, when set) and its zip entry."""
        if self._handle is None:
            return
        self._buffer.append("</sheetData>")
        if self.autofilter:
            self._buffer.append(f'<autoFilter ref="{self.autofilter}"/>')
        self._buffer.append(
            '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>'
        )
        self._flush()
        handle, self._handle = self._handle, None
        if isinstance(handle, _DeflatedSpool):  # it stays until the package copies it into the zip
            handle.finish()
        elif handle is not None:
            handle.close()


class Package:
    """An XLSX file being written: sheets streamed in, then the other parts on :meth:`close`.

    ``sheet_titles`` are the workbook's sheets in the order Excel shows them;
    each is then written with :meth:`open_sheet`, in any order (one at a
    time: a zip is written one entry at a time), every one before
    :meth:`close`.  Usage::

        with Package(path, ["Cases"], title="CCTV review export") as book:
            sheet = book.open_sheet("Cases", widths={1: 16}, freeze_first_row=True)
            sheet.write_row([text_cell("A1", "Case reference", STYLES["header"])])
            sheet.autofilter = "A1:A1"

    Leaving the ``with`` block by an exception closes the file without the
    workbook parts (the caller discards it).  ``compresslevel`` is zlib's
    (1 fastest).  Raises ``OSError`` from the disk.
    """

    def __init__(
        self,
        path: str | PathLike[str] | IO[bytes],
        sheet_titles: list[str],
        title: str = "",
        creator: str = "",
        compresslevel: int = 1,
    ) -> None:
        self.title = title
        self.creator = creator
        self.titles = list(sheet_titles)
        self.sheets: dict[str, Sheet] = {}
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)

    def open_sheet(
        self,
        title: str,
        widths: dict[int, float] | None = None,
        freeze_first_row: bool = False,
        direct: bool = True,
        zip64: bool = False,
    ) -> Sheet:
        """Sheet ``title``, open for rows.  ``widths``: column number (1-based) to width in characters.

        A *direct* sheet is streamed into the zip as it is written; only one
        can be open at a time (a zip is written one entry at a time).  Any
        number of other sheets can be written alongside it: their XML is
        deflated into a spooled temporary (memory up to
        :data:`SPOOL_MEMORY_BYTES`, then the system's temporary folder) and
        copied into the zip by :meth:`close`.  ``zip64``: let a direct
        sheet's XML pass 2 GiB (Zip64 extensions, read by Excel 2010 and
        later; spooled sheets get them only when their size needs them).
        Raises ``RuntimeError`` when another direct sheet is open or this one
        was already written.
        """
        for sheet in self.sheets.values():
            if direct and sheet.direct and sheet._handle is not None:
                raise RuntimeError(f"sheet {sheet.title!r} is still open")
        if title in self.sheets:
            raise RuntimeError(f"sheet {title!r} was already written")
        index = self.titles.index(title) + 1
        sheet = Sheet(self, title, index, widths or {}, freeze_first_row, index == 1, zip64, direct)
        self.sheets[title] = sheet
        return sheet

    def close(self) -> None:
        """Close every sheet and write the workbook, styles, properties and package parts."""
        missing = [t for t in self.titles if t not in self.sheets]
        if missing:
            raise RuntimeError(f"sheets never written: {', '.join(missing)}")
        for sheet in self.sheets.values():
            sheet.close()
        for sheet in self._ordered():
            spool = sheet._spool
            if spool is not None:
                with self.zip.open(sheet.part, "w", force_zip64=spool.size > ZIP64_SAFE) as out:
                    for piece in spool.pieces():
                        out.write(piece)
                spool.discard()
                sheet._spool = None
        parts = {
            "[Content_Types].xml": self._content_types(),
            "_rels/.rels": self._root_rels(),
            "docProps/app.xml": self._app(),
            "docProps/core.xml": self._core(),
            "xl/workbook.xml": self._workbook(),
            "xl/_rels/workbook.xml.rels": self._workbook_rels(),
            "xl/styles.xml": styles_xml(),
        }
        for name, xml in parts.items():
            self.zip.writestr(name, xml)
        self.zip.close()

    def abandon(self) -> None:
        """Close the file after a failure (the caller deletes it)."""
        for sheet in self.sheets.values():
            handle, sheet._handle = sheet._handle, None
            spool, sheet._spool = sheet._spool, None
            for thing in (handle, spool):
                if thing is None:
                    continue
                try:
                    thing.discard() if isinstance(thing, _DeflatedSpool) else thing.close()
                except Exception:  # best effort: the file is discarded anyway
                    pass
        try:
            self.zip.close()
        except Exception:  # best effort: the file is discarded anyway
            if self.zip.fp is not None:
                self.zip.fp.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            try:
                self.close()
            except BaseException:
                self.abandon()
                raise
        else:
            self.abandon()

    def _ordered(self) -> list[Sheet]:
        return [self.sheets[t] for t in self.titles]

    # The package parts (ECMA-376 Part 2 for content types and relationships, Part 1 §15.2 for the rest).
    def _content_types(self) -> str:
        sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{s.index}.xml" ContentType="{sheet_type}"/>'
            for s in self._ordered()
        )
        return (
            f"{XML_DECL}"
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}"
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            "</Types>"
        )

    def _root_rels(self) -> str:
        return (
            f'{XML_DECL}<Relationships xmlns="{PKG_REL_NS}">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>"
        )

    def _app(self) -> str:
        return (
            f"{XML_DECL}"
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            f"<Application>{_attr(self.creator)}</Application></Properties>"
        )

    def _core(self) -> str:
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            f"{XML_DECL}"
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{_attr(self.title)}</dc:title>"
            f"<dc:creator>{_attr(self.creator)}</dc:creator>"
            f"<cp:lastModifiedBy>{_attr(self.creator)}</cp:lastModifiedBy>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified>'
            "</cp:coreProperties>"
        )

    def _workbook(self) -> str:
        sheets = "".join(
            f'<sheet name="{_attr(s.title)}" sheetId="{s.index}" r:id="rId{s.index}"/>'
            for s in self._ordered()
        )
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{s.index - 1}" hidden="1">'
            f"{escape(_quoted_range(s.title, s.autofilter))}</definedName>"
            for s in self._ordered()
            if s.autofilter
        )
        return (
            f'{XML_DECL}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            '<workbookPr/><bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheets}</sheets>"
            + (f"<definedNames>{names}</definedNames>" if names else "")
            + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
        )

    def _workbook_rels(self) -> str:
        sheet_type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
        rels = "".join(
            f'<Relationship Id="rId{s.index}" Type="{sheet_type}" Target="worksheets/sheet{s.index}.xml"/>'
            for s in self._ordered()
        )
        styles = len(self.titles) + 1
        return (
            f'{XML_DECL}<Relationships xmlns="{PKG_REL_NS}">{rels}'
            f'<Relationship Id="rId{styles}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
            'Target="styles.xml"/></Relationships>'
        )


def _quoted_range(title: str, ref: str) -> str:
    """``'Sheet name'!$A$1:$K$9`` for a defined name (quotes doubled inside the name)."""
    first, _, last = ref.partition(":")

    def absolute(cell: str) -> str:
        letters = cell.rstrip("0123456789")
        return f"${letters}${cell[len(letters) :]}"

    quoted = title.replace("'", "''")
    return f"'{quoted}'!{absolute(first)}:{absolute(last or first)}"


def styles_xml() -> str:
    """``xl/styles.xml`` with the cell formats of :data:`STYLES` in that order (ECMA-376 §18.8)."""
    custom = {code: 164 + i for i, code in enumerate(c for c in NUMBER_FORMATS.values() if c != "0")}
    num_fmts = "".join(f'<numFmt numFmtId="{i}" formatCode="{_attr(code)}"/>' for code, i in custom.items())
    wrap = '<alignment vertical="top" wrapText="1"/>'
    xfs = [
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
        '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" '
        f'applyAlignment="1">{wrap}</xf>',
        '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>',
        '<xf numFmtId="0" fontId="3" fillId="0" borderId="0" xfId="0" applyFont="1"/>',
        f'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">{wrap}</xf>',
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>',
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1" applyAlignment="1">'
        f"{wrap}</xf>",
    ]
    for kind in ("int", "percent", "date", "datetime", "datetime_ms", "duration"):
        code = NUMBER_FORMATS[kind]
        fmt_id = 1 if code == "0" else custom[code]
        xfs.append(
            f'<xf numFmtId="{fmt_id}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        )
    assert len(xfs) == len(STYLES)
    font = '<font><sz val="{size}"/><name val="Calibri"/><family val="2"/></font>'
    bold = '<font><b/><sz val="{size}"/><name val="Calibri"/><family val="2"/></font>'
    fonts = font.format(size=11) + bold.format(size=11) + bold.format(size=14) + bold.format(size=12)
    return (
        f'{XML_DECL}<styleSheet xmlns="{MAIN_NS}">'
        f'<numFmts count="{len(custom)}">{num_fmts}</numFmts>'
        f'<fonts count="4">{fonts}</fonts>'
        '<fills count="3"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill>'
        f'<fill><patternFill patternType="solid"><fgColor rgb="{HEADER_FILL}"/><bgColor indexed="64"/>'
        "</patternFill></fill></fills>"
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


#: Memory a spooled sheet may use (deflated) before it moves to a temporary file.
SPOOL_MEMORY_BYTES = 64 * 1024 * 1024
#: Uncompressed size beyond which a zip entry needs Zip64 extensions (zipfile's own limit).
ZIP64_SAFE = zipfile.ZIP64_LIMIT


class _DeflatedSpool:
    """Bytes deflated (zlib level 1) into a spooled temporary file, read back inflated in pieces."""

    def __init__(self) -> None:
        self.size = 0
        self._file = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed by discard()
            max_size=SPOOL_MEMORY_BYTES, prefix="cctv-review-xlsx-"
        )
        self._deflate = zlib.compressobj(1)

    def write(self, data: bytes) -> int:
        self.size += len(data)
        self._file.write(self._deflate.compress(data))
        return len(data)

    def finish(self) -> None:
        self._file.write(self._deflate.flush())

    def pieces(self, size: int = 1 << 20) -> Iterable[bytes]:
        self._file.seek(0)
        inflate = zlib.decompressobj()
        while True:
            data = self._file.read(size)
            if not data:
                break
            yield inflate.decompress(data)
        yield inflate.flush()

    def discard(self) -> None:
        self._file.close()  # a spooled file on disk is deleted when closed
