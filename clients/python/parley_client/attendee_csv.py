"""The organisers' attendee CSV (the same format as `parley attendees import`), as ImportRows.

The first record is the header: column names in any order, case-insensitive, surrounding spaces
ignored; external_id and name are required. Lists are ';'-separated; an interest may carry a
weight 1-3 as ``books:3`` (only a trailing ``:1``-``:3``; other colons belong to the tag); budget empty = the event's default; prefers_quiet true/false/yes/no/
1/0. Rows are numbered from 1 (the first data row); blank lines are skipped. Only the header
can fail the file (ValueError); a bad row is reported in `rejected` and never stops the rest.
The server validates content (tag lengths, slot ids, ...) and answers per row.
"""

import csv
import dataclasses
import io
from typing import Any, List, Tuple

from parley_client.client import message_class


COLUMNS = (
    "external_id", "name", "email", "phone", "organisation", "role", "bio", "interests",
    "offers", "seeks", "languages", "budget", "availability", "person_ref", "wants", "avoid",
    "avoid_organisations", "prefers_quiet",
)
_TEXT = {"external_id": "external_id", "name": "display_name", "email": "email",
         "phone": "phone", "organisation": "organisation", "role": "role", "bio": "bio",
         "person_ref": "person_ref"}
_LISTS = ("offers", "seeks", "languages", "availability", "wants", "avoid",
          "avoid_organisations")


@dataclasses.dataclass
class RejectedRow:
    row_number: int
    line: int
    external_id: str
    # "row 3 (line 4): budget: "lots" is not a non-negative integer"
    error: str


@dataclasses.dataclass
class AttendeeCsv:
    rows: List[Any]  # parley.v1.ImportRow, in file order
    rejected: List[RejectedRow]


def parse_list(text: str) -> List[str]:
    return [item.strip() for item in text.split(";") if item.strip()]


def parse_interest(item: str) -> Tuple[str, int]:
    """(tag, weight) of one interest; weight 0 when none is given (the server's default, 1).

    Only a trailing ":1", ":2" or ":3" (spaces allowed around it) is a weight; any other colon is
    part of the tag ("n:m sparsity:2" -> ("n:m sparsity", 2); "books:9" -> ("books:9", 0)). The
    same rule as the C++ client's ParseInterests and the Node reader.
    """
    head, colon, tail = item.rpartition(":")
    if colon and tail.strip() in ("1", "2", "3"):
        return head.strip(), int(tail.strip())
    return item, 0


def _apply(column: str, cell: str, attendee: Any) -> str:
    """Sets the field of `column` from `cell`; returns an error, or "" if the cell is fine."""
    if column in _TEXT:
        if column in ("external_id", "name") and not cell:
            return f"{column}: required"
        setattr(attendee, _TEXT[column], cell)
    elif column in _LISTS:
        getattr(attendee, column).extend(parse_list(cell))
    elif column == "interests":
        for item in parse_list(cell):
            tag, weight = parse_interest(item)
            if not tag:
                return f'interests: empty tag in "{item}"'
            if weight:
                attendee.interests.add(tag=tag, weight=weight)
            else:
                attendee.interests.add(tag=tag)
    elif column == "budget":
        if cell:
            if not cell.isdigit():
                return f'budget: "{cell}" is not a non-negative integer'
            attendee.budget = int(cell)
    elif column == "prefers_quiet":
        value = cell.lower()
        if value in ("true", "yes", "1"):
            attendee.prefers_quiet = True
        elif value not in ("", "false", "no", "0"):
            return f'prefers_quiet: "{cell}" is not true or false'
    return ""


def _header(fields: List[str]) -> List[str]:
    columns, unknown, repeated = [], [], []
    for index, field in enumerate(fields):
        name = field.strip().lower()
        if name not in COLUMNS:
            unknown.append(f'"{field}" (column {index + 1})')
        elif name in columns:
            repeated.append(f'"{name}"')
        columns.append(name)
    problems = []
    if unknown:
        problems.append("unknown columns: " + ", ".join(unknown))
    if repeated:
        problems.append("repeated columns: " + ", ".join(repeated))
    missing = [f'"{c}"' for c in ("external_id", "name") if c not in columns]
    if missing:
        problems.append("missing required columns: " + ", ".join(missing))
    if problems:
        raise ValueError(f"header (line 1): {'; '.join(problems)} "
                         f"(known columns: {', '.join(COLUMNS)})")
    return columns


def parse_attendee_csv(text: str) -> AttendeeCsv:
    """Parses a whole file's text. ValueError for an empty file or a bad header."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ValueError("empty file: expected a header row") from None
    columns = _header(header)
    import_row = message_class("parley.v1.ImportRow")
    result = AttendeeCsv(rows=[], rejected=[])
    row_number = 0
    line = reader.line_num + 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            row_number += 1
            result.rejected.append(RejectedRow(row_number, line, "",
                                               f"row {row_number} (line {line}): {error}"))
            line = reader.line_num + 1
            continue
        start, line = line, reader.line_num + 1
        if not fields or fields == [""]:
            continue
        row_number += 1
        errors = []
        if len(fields) != len(columns):
            errors.append(f"expected {len(columns)} fields as in the header, "
                          f"found {len(fields)}")
        row = import_row(row_number=row_number)
        if not errors:
            for column, field in zip(columns, fields):
                error = _apply(column, field.strip(), row.attendee)
                if error:
                    errors.append(error)
        if not errors:
            result.rows.append(row)
            continue
        external_id = ""
        if "external_id" in columns and columns.index("external_id") < len(fields):
            external_id = fields[columns.index("external_id")].strip()
        result.rejected.append(RejectedRow(
            row_number, start, external_id,
            f"row {row_number} (line {start}): {'; '.join(errors)}"))
    return result


def read_attendee_csv(path: str) -> AttendeeCsv:
    """Reads and parses a CSV file (UTF-8, with or without a BOM)."""
    with open(path, encoding="utf-8", newline="") as f:
        return parse_attendee_csv(f.read())
