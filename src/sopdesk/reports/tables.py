"""Every report as tables (pure): the numbers behind its charts, for the pages and for CSV.

A report's list fields become tables of their own (one row per item) and its single fields
one-row tables; a nested distribution (`Spread`) becomes columns `<name>_median`, `_p90`...
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from pydantic import BaseModel

Cell = str | int | float | None


class Table(BaseModel):
    name: str
    columns: list[str]
    rows: list[list[Cell]]


def _flat(model: BaseModel, prefix: str = "") -> dict[str, Cell]:
    found: dict[str, Cell] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            found |= _flat(value, f"{prefix}{name}_")
        elif isinstance(value, list):
            found[f"{prefix}{name}"] = "; ".join(_text(item) for item in value)
        else:
            found[f"{prefix}{name}"] = value
    return found


def _text(item: object) -> str:
    if isinstance(item, BaseModel):
        return ": ".join(str(v) for v in item.model_dump().values())
    return str(item)


def _table(name: str, items: Sequence[BaseModel]) -> Table:
    flat = [_flat(item) for item in items]
    columns = list(flat[0]) if flat else []
    return Table(name=name, columns=columns, rows=[list(row.values()) for row in flat])


def tables(report: BaseModel) -> list[Table]:
    found = []
    for name in type(report).model_fields:
        value = getattr(report, name)
        if isinstance(value, BaseModel):
            found.append(_table(name, [value]))
        elif isinstance(value, list):
            found.append(_table(name, value))
    return found


def csv_text(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows(["" if cell is None else cell for cell in row] for row in table.rows)
    return out.getvalue()
