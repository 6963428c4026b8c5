"""An uploaded table (CSV or XLSX) read into rows, in bounded time and memory.

An upload is at most 5 MB (``MAX_CONTENT_LENGTH``), but an XLSX is a zip of XML: a
600 KB file can declare a 170 MB sheet of 2 million rows, and openpyxl keeps in memory
each row's cells, the shared strings and the styles it parses. So, before openpyxl opens
the file:

- the archive's declared uncompressed sizes are summed (``zipfile`` never inflates an
  entry past its declared size: a false one ends in a CRC error) and the compression
  ratio of large entries checked;
- every XML entry is walked once with expat (constant memory), stopping at the first row
  past the cap: no row wider than ``MAX_COLUMNS`` cells, no more shared strings or cell
  formats than a real import has, no entry of pathological size in elements.

Then the first sheet is streamed (openpyxl ``read_only``) and reading stops at the first
row past the cap, as it does for a CSV. Every refusal is an :class:`ImportFileError` with a
French message (the import page shows it with a 422).
"""

from __future__ import annotations

import csv
import io
import posixpath
import zipfile
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

# The uncompressed content of an XLSX, all entries together: a 2,000-row import is a few MB.
MAX_XLSX_UNCOMPRESSED = 20 * 1024 * 1024
# An entry larger than this must not inflate more than MAX_RATIO times (real sheets: 5–30).
RATIO_CHECKED_FROM = 1024 * 1024
MAX_RATIO = 100
# Cells read per row (the import formats have about 20 columns; more is ignored).
MAX_COLUMNS = 100
# Excel's own limit on cell formats; shared strings: every cell of a full import, twice.
MAX_CELL_FORMATS = 64_000
MAX_SHARED_STRINGS = 400_000
# Elements walked in one XML entry (a full import's sheet holds well under a million).
MAX_ELEMENTS = 2_000_000


class ImportFileError(ValueError):
    """The file itself cannot be read (format, encoding, size, header). ``line``: where
    the import page shows it (1: the file or its header; 0: the file as a whole)."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Table:
    header: list[str]  # the header's non-empty column names, lower-cased
    rows: list[dict[str, str]]  # one per line under the header; {} for a blank line
    # Line number → how many cells a line has beyond the header's columns (filled
    # ones): a list typed with the separator and no quotes ("45; 12") shifts every
    # column after it; the importer says so at that line instead of reading it.
    too_wide: dict[int, int] = field(default_factory=dict)
    columns: int = 0  # the header's number of cells


def read_table(filename: str, content: bytes, max_rows: int) -> Table:
    """Rows as {column: text}, header on line 1; CSV (; , or tab) or XLSX (first sheet).
    More than ``max_rows`` lines under the header: refused, read no further."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        lines = _xlsx_lines(content, max_rows)
    elif name.endswith(".csv") or name.endswith(".txt"):
        lines = _csv_lines(content)
    else:
        raise ImportFileError("Format non reconnu : envoyez un fichier .csv ou .xlsx.")
    try:
        return _table(lines, max_rows)
    finally:
        lines.close()  # the workbook is closed as soon as reading stops


def _table(lines: Any, max_rows: int) -> Table:
    """Header and rows from an iterator of lines (lists of cell texts), stopping at the
    first line past ``max_rows``."""
    header_line = next(lines, None)
    if header_line is None:
        raise ImportFileError("Le fichier est vide.")
    header = [h.strip().lower() for h in header_line]
    width = len(header)  # a spreadsheet pads every line, the header too, to one width
    while header and not header[-1]:
        header.pop()  # trailing empty header cells are no columns
    rows: list[dict[str, str]] = []
    too_wide: dict[int, int] = {}
    for line in lines:
        if len(rows) == max_rows:
            raise too_many_rows(max_rows)
        if not any(str(v).strip() for v in line):
            rows.append({})  # keep line numbers: blank lines are skipped later
            continue
        filled = max(i + 1 for i, v in enumerate(line) if str(v).strip())
        if len(line) > width or filled > len(header):
            too_wide[len(rows) + 2] = max(len(line), filled)
        rows.append({header[i]: str(v).strip() for i, v in enumerate(line) if i < len(header) and header[i]})
    if not any(rows):
        raise ImportFileError("Le fichier ne contient aucune ligne de données sous l'en-tête.")
    return Table([h for h in header if h], rows, too_wide, len(header))


# -- CSV ------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "texte Unicode"
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFileError("Encodage du fichier illisible (attendu : UTF-8).") from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("Encodage du fichier illisible (attendu : UTF-8).")


# The longest cell a CSV may hold: csv's own default limit, checked here too because the
# module's limit is process-wide and other libraries raise it (frictionless sets it to
# sys.maxsize when imported).
MAX_CELL_CHARACTERS = 131_072


def _too_long(line_num: int) -> ImportFileError:
    limit = f"{MAX_CELL_CHARACTERS:,}".replace(",", "\u00a0")
    return ImportFileError(f"Ligne {line_num} : une cellule dépasse {limit} caractères ; "
                           "vérifiez le séparateur et les guillemets du fichier.")


def _csv_lines(content: bytes) -> Any:
    text = _decode(content)
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)  # ";" when none is found
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if any(len(cell) > MAX_CELL_CHARACTERS for cell in row):
                raise _too_long(reader.line_num)
            yield row
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise _too_long(reader.line_num) from None
        message = f"Fichier CSV illisible à la ligne {reader.line_num} : vérifiez les guillemets et le séparateur."
        raise ImportFileError(message) from None


# -- XLSX -----------------------------------------------------------------------------

UNREADABLE = "Fichier XLSX illisible."


def _xlsx_lines(content: bytes, max_rows: int) -> Any:
    """The first sheet's lines as texts, after :func:`check_xlsx`; stops being read when
    the caller stops (at the first line past the cap)."""
    from openpyxl import load_workbook

    check_xlsx(content, max_rows)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any parsing failure is "not a valid workbook"
        raise ImportFileError(UNREADABLE) from None
    try:
        if not workbook.worksheets:
            raise ImportFileError("Le classeur XLSX ne contient aucune feuille.")
        rows = workbook.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception:  # noqa: BLE001 - a damaged sheet (XML, CRC) is unreadable
                raise ImportFileError(UNREADABLE) from None
            yield ["" if v is None else _cell(v) for v in row]
    finally:
        workbook.close()


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def check_xlsx(content: bytes, max_rows: int) -> None:
    """Refuse an archive that would cost openpyxl more than a real import: declared size,
    compression ratio, then one expat walk of each XML entry (see the module's doc)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ImportFileError(UNREADABLE) from None
    too_large = (
        "Fichier XLSX refusé : une fois décompressé, il dépasserait "
        f"{MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} Mo. Découpez-le ou enregistrez-le en CSV."
    )
    if sum(info.file_size for info in entries) > MAX_XLSX_UNCOMPRESSED:
        raise ImportFileError(too_large)
    for info in entries:
        if info.file_size > RATIO_CHECKED_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ImportFileError(
                "Fichier XLSX refusé : son contenu est anormalement compressé. "
                "Enregistrez-le de nouveau depuis votre tableur, ou en CSV."
            )
    with archive:
        # Entries with more rows than an import reads (their walk stopped there).
        long = {info.filename for info in entries
                if not info.is_dir() and info.filename.lower().endswith((".xml", ".rels", ".vml"))
                and _walk(archive, info, max_rows)}
        if long:
            # openpyxl reads a sheet without a <dimension> to its end just to open the
            # workbook: a first sheet too long is refused here, from the walk.
            first = _first_sheet(archive)
            if first is None or first in long:
                raise too_many_rows(max_rows)


def too_many_rows(max_rows: int) -> ImportFileError:
    return ImportFileError(
        f"Le fichier contient plus de {max_rows:,} lignes : au plus {max_rows:,} par import. "
        "Découpez-le en plusieurs fichiers (aucune ligne importée).".replace(",", "\u00a0"),
        line=0,
    )


RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    """The entry of the workbook's first worksheet (the one imported), as openpyxl finds
    it; None if the package does not say (then every long entry counts)."""
    from xml.etree import ElementTree

    def rels(path: str) -> dict[str, tuple[str, str]]:
        folder = posixpath.dirname(path)
        rels_path = posixpath.join(folder, "_rels", posixpath.basename(path) + ".rels")
        root = ElementTree.fromstring(archive.read(rels_path))
        return {
            r.get("Id", ""): (r.get("Type", ""), _entry(folder, r.get("Target", "")))
            for r in root.iter(RELATIONSHIP)
        }

    try:
        workbook = next(target for kind, target in rels("").values() if kind.endswith("/officeDocument"))
        targets = rels(workbook)
        sheets = ElementTree.fromstring(archive.read(workbook)).iter(f"{MAIN}sheet")
        return next(
            targets[sheet.get(REL_ID, "")][1] for sheet in sheets
            if targets.get(sheet.get(REL_ID, ""), ("", ""))[0].endswith("/worksheet")
        )
    except (KeyError, StopIteration, ElementTree.ParseError, zipfile.BadZipFile, OSError, ValueError):
        return None


def _entry(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


class _Refused(Exception):
    pass


def _walk(archive: zipfile.ZipFile, info: zipfile.ZipInfo, max_rows: int) -> bool:
    """One pass of expat over an entry, keeping only counters: the rows' widths (up to
    the first row past the cap, where reading would stop), shared strings, cell formats.
    True if the entry has more rows than that (the walk stopped there)."""
    counts = {"elements": 0, "row": 0, "c": 0, "si": 0, "xf": 0}
    message = ""

    def start(name: str, _attrs: Any) -> None:
        nonlocal message
        local = name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
        counts["elements"] += 1
        if local == "row":
            counts["row"] += 1
            counts["c"] = 0
            # Header, rows and the first one past the cap (all of whose cells were
            # counted): reading stops there too.
            if counts["row"] > max_rows + 2:
                raise _Refused()
        elif local == "c":
            counts["c"] += 1
            if counts["c"] > MAX_COLUMNS:
                message = f"Fichier XLSX refusé : une ligne a plus de {MAX_COLUMNS} cellules."
                raise _Refused()
        elif local == "si":
            counts["si"] += 1
            if counts["si"] > MAX_SHARED_STRINGS:
                message = "Fichier XLSX refusé : il contient plus de textes que n'en compte un import."
                raise _Refused()
        elif local == "xf":
            counts["xf"] += 1
            if counts["xf"] > MAX_CELL_FORMATS:
                message = f"Fichier XLSX refusé : plus de {MAX_CELL_FORMATS:,} formats de cellule.".replace(",", "\u00a0")
                raise _Refused()
        if counts["elements"] > MAX_ELEMENTS:
            message = "Fichier XLSX refusé : sa structure est anormalement volumineuse."
            raise _Refused()

    def doctype(*_args: Any) -> None:
        nonlocal message
        # No part of an XLSX has a DTD; one could declare entities that expand.
        message = UNREADABLE
        raise _Refused()

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = doctype
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(64 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Refused:
        if message:
            raise ImportFileError(message) from None
        return True  # the row past the cap
    except (expat.ExpatError, zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
        raise ImportFileError(UNREADABLE) from None
    return False
