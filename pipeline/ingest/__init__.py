"""Reading raw submissions as schools send them.

A roster may be CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, detected from its bytes) or a
workbook (XLSX/XLS, every sheet). Every value is read as text: ID numbers never pass through
a float. The table is found as the first row whose cells, through the header map, name the
required fields; title lines above it are not records. Under the header, fully blank rows and
footer lines (totals, sign-offs, remarks) are skipped and counted; a line that looks like a
student record (an ID-shaped value, or a known school name) is always a record.

Modules: :mod:`.folders` (months and their entries), :mod:`.text` (encodings, delimiters,
lines), :mod:`.grids` (workbooks and files that look like one), :mod:`.headers` (finding the
table), :mod:`.schools` (the school a file names), :mod:`.table` (records under a header),
:mod:`.roster` (one table), :mod:`.csvfile`, :mod:`.workbook`, :mod:`.reading` (one file, and
every file of a period).
"""

from pipeline.ingest.folders import listed_entries, periods_in, raw_files
from pipeline.ingest.headers import HeaderMap
from pipeline.ingest.reading import ingest_all, log_notes, read_file
from pipeline.ingest.roster import Reader
from pipeline.ingest.schools import SchoolNames
from pipeline.ingest.table import FileRead
from pipeline.ingest.text import decode_bytes

__all__ = ["FileRead", "HeaderMap", "Reader", "SchoolNames", "decode_bytes", "ingest_all",
           "listed_entries", "log_notes", "periods_in", "raw_files", "read_file"]
