#!/usr/bin/env python3
"""Differential check of graphsoar's KQL engine against duckdb-kql.

    target/duckdb-venv/bin/python tests/kql/duckdb/differential.py \
        --input target/kql-differential/graphsoar.json \
        --known tests/kql/duckdb/known-differences.json \
        [--report target/kql-differential/report.json]

The input is written by a Rust test: the dataset's tables folder, the advanced-hunting schema,
the clock graphsoar ran with, and for each corpus query graphsoar's answer (columns and rows) or
its error. Every table of the schema is loaded into one DuckDB connection, each query graphsoar
answered is run through duckdb-kql with its clock pinned to the same `now`, and the two answers
are compared: the same column names in the same order, the same number of rows and the same rows
(in order when graphsoar says the query is ordered, as multisets otherwise), after normalising the
values of both sides:

* datetimes as 100 ns ticks since the epoch; duckdb-kql's TIMESTAMP keeps microseconds, so two
  datetimes (or timespans) agree when less than a microsecond apart, and a seventh fraction digit
  inside a text (`...19.6543503Z` against duckdb-kql's `...19.6543500Z`) is not compared;
* numbers with a relative tolerance of 1e-9 (an int equals a float of the same value; bools are
  not numbers; NaN equals NaN); ints compare exactly;
* dynamic values (and strings holding a JSON object or array) parsed and compared structurally;
* the empty string and null are the same in a string column (Kusto has no null string);
* an answer is compared in order only when graphsoar says it is ordered and the final pipeline
  ends in sort/order/top (then only order-keeping operators): rows that tie on the sort keys may
  come in any order (keys that are expressions are computed by running the query through
  duckdb-kql again with `| extend` of them);
* `take`/`limit`/`sample` on unsorted rows: graphsoar's rows must be among the rows of the query
  with the limit raised; `top`/sorted `take` whose last rows tie on the keys: graphsoar's tying
  rows must be among the tying rows of the query with the limit raised;
* an answer the Rust side cut (`"truncated": true`, optional `"row_count"`) is checked as a
  prefix (ordered) or a sub-multiset of duckdb-kql's;
* arrays are compared as multisets when the query builds them with make_set (or make_list
  without any sort before it), whose element order Kusto leaves undefined.

A query duckdb-kql cannot run (refused construct, translation or DuckDB error, timeout) is
counted and skipped: the check is "the same results wherever both run". A difference not listed
in the known-differences file fails the run; a listed one that no longer differs is reported.

Summary line: `differential: N queries graphsoar ran, M duckdb-kql ran too, A agree,
K known differences, F unexplained`; exit 0 only when F == 0 and M >= 20.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import math
import os
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from typing import Any

MIN_COVERED = 20
SHOW_ROWS = 5
REL_TOL = 1e-9
ABS_TOL = 1e-12
EPOCH = dt.datetime(1970, 1, 1)
TICKS_PER_SECOND = 10_000_000

# Kusto scalar type -> DuckDB column type, as duckdb-kql's translator assumes them (its
# TYPE_MAP; docs/kql-support.md "Data types"). datetime is TIMESTAMP, which keeps microseconds:
# TIMESTAMP_NS would keep the dataset's seventh fraction digit and runs the same corpus queries,
# but duckdb-kql then renders such datetimes in DuckDB's own text form (`2029-12-30 17:59:19.6543503`
# in tostring() and strcat()) instead of Kusto's, and rounds rather than truncates when it
# subtracts them. With TIMESTAMP the seventh digit is lost on the duckdb-kql side only, which the
# comparison allows for (see values_equal).
DUCKDB_TYPES = {
    "datetime": "TIMESTAMP",
    "string": "VARCHAR",
    "long": "BIGINT",
    "int": "INTEGER",
    "bool": "BOOLEAN",
    "real": "DOUBLE",
    "dynamic": "JSON",
    "guid": "UUID",
    "timespan": "INTERVAL",
    "decimal": "DECIMAL(38,9)",
}


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


class Ticks:
    """A datetime (kind "datetime") or timespan (kind "timespan") as 100 ns ticks.

    `unit` is the precision the producing side keeps, in ticks (1: 100 ns, 10: 1 µs); two values
    compare equal when they are less than the coarser unit apart: DuckDB truncates a 7-digit
    datetime to microseconds, so a difference of two truncated datetimes can be off by up to
    (but less than) one microsecond either way.
    """

    __slots__ = ("kind", "ticks", "unit")

    def __init__(self, kind: str, ticks: int, unit: int = 1):
        self.kind = kind
        self.ticks = ticks
        self.unit = unit

    def key(self) -> tuple:
        return (self.kind, self.ticks // 10)

    def __repr__(self) -> str:
        return format_ticks(self)


_DATETIME_RE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
    r"\s*(Z|z|[+-]\d{2}:?\d{2}|UTC)?\s*$"
)
_TIMESPAN_RE = re.compile(r"^\s*(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?\s*$")


def parse_datetime_ticks(text: str) -> int | None:
    """Ticks since 1970-01-01 of an ISO datetime (any number of fraction digits), or None."""
    m = _DATETIME_RE.match(text)
    if not m:
        return None
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    hour = int(m.group(4) or 0)
    minute = int(m.group(5) or 0)
    second = int(m.group(6) or 0)
    frac = (m.group(7) or "")[:7].ljust(7, "0")
    try:
        base = dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    delta = base - EPOCH
    ticks = (delta.days * 86400 + delta.seconds) * TICKS_PER_SECOND + int(frac)
    zone = m.group(8)
    if zone and zone not in ("Z", "z", "UTC"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = (int(digits[:2]) * 3600 + int(digits[2:]) * 60) * TICKS_PER_SECOND
        ticks -= sign * offset
    return ticks


def parse_timespan_ticks(text: str) -> int | None:
    """Ticks of a Kusto timespan text (`[-][d.]hh:mm:ss[.fffffff]`), or None."""
    m = _TIMESPAN_RE.match(text)
    if not m:
        return None
    days = int(m.group(2) or 0)
    hours, minutes, seconds = int(m.group(3)), int(m.group(4)), int(m.group(5))
    frac = (m.group(6) or "").ljust(7, "0")
    ticks = ((days * 24 + hours) * 3600 + minutes * 60 + seconds) * TICKS_PER_SECOND + int(frac)
    return -ticks if m.group(1) else ticks


def format_ticks(value: Ticks) -> str:
    if value.kind == "datetime":
        seconds, frac = divmod(value.ticks, TICKS_PER_SECOND)
        try:
            moment = EPOCH + dt.timedelta(seconds=seconds)
        except OverflowError:
            return f"datetime({value.ticks} ticks)"
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:07d}Z"
    ticks = abs(value.ticks)
    seconds, frac = divmod(ticks, TICKS_PER_SECOND)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    if days:
        text = f"{days}.{text}"
    if frac:
        text += f".{frac:07d}"
    return ("-" if value.ticks < 0 else "") + text


def timedelta_ticks(value: dt.timedelta) -> int:
    return ((value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds) * 10


def _float_from_text(text: str) -> float | None:
    special = {"nan": math.nan, "infinity": math.inf, "+infinity": math.inf, "-infinity": -math.inf,
               "inf": math.inf, "-inf": -math.inf}
    if text.strip().lower() in special:
        return special[text.strip().lower()]
    try:
        return float(text)
    except ValueError:
        return None


def normalize_graphsoar(value: Any, kusto_type: str) -> Any:
    """graphsoar's JSON value of a column of Kusto type `kusto_type`, normalised."""
    if kusto_type == "string":
        return "" if value is None else value
    if value is None:
        return None
    if kusto_type == "datetime" and isinstance(value, str):
        ticks = parse_datetime_ticks(value)
        return value if ticks is None else Ticks("datetime", ticks)
    if kusto_type == "timespan":
        if isinstance(value, str):
            ticks = parse_timespan_ticks(value)
            return value if ticks is None else Ticks("timespan", ticks)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return Ticks("timespan", int(value))
        return value
    if kusto_type in ("real", "decimal") and isinstance(value, str):
        number = _float_from_text(value)
        return value if number is None else number
    if kusto_type in ("long", "int") and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    if kusto_type == "guid" and isinstance(value, str):
        return value.lower()
    return value


def duckdb_fetch_expr(name: str, duck_type: str) -> tuple[str, str]:
    """A projection that fetches column `name` without losing precision, and how to read it."""
    col = quote_ident(name)
    t = duck_type.upper()
    if t == "TIMESTAMP_NS":
        return f"epoch_ns({col})", "ns"
    if t in ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP WITH TIME ZONE"):
        return f"epoch_us({col})", "us"
    if t == "DATE":
        return f"epoch_us(CAST({col} AS TIMESTAMP))", "us"
    if t == "UUID":
        return f"CAST({col} AS VARCHAR)", "guid"
    if t == "JSON":
        return col, "json"
    if t.endswith("]") or t.startswith(("STRUCT", "MAP", "UNION", "LIST")):
        return f"CAST(to_json({col}) AS VARCHAR)", "json"
    if t == "INTERVAL":
        return col, "interval"
    if t.startswith("DECIMAL") or t == "HUGEINT" or t == "UHUGEINT":
        return col, "number"
    if t == "VARCHAR":
        return col, "string"
    return col, "plain"


def normalize_duckdb(value: Any, how: str) -> Any:
    if how == "string":
        return "" if value is None else value
    if value is None:
        return None
    if how == "ns":
        return Ticks("datetime", value // 100, 1)
    if how == "us":
        return Ticks("datetime", value * 10, 10)
    if how == "interval":
        return Ticks("timespan", timedelta_ticks(value), 10) if isinstance(value, dt.timedelta) else value
    if how == "guid":
        return value.lower()
    if how == "json":
        try:
            return json.loads(value)
        except (TypeError, ValueError):
            return value
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - EPOCH if value.tzinfo is None else (
            value.astimezone(dt.timezone.utc).replace(tzinfo=None) - EPOCH)
        return Ticks("datetime", timedelta_ticks(delta), 10)
    if isinstance(value, dt.timedelta):
        return Ticks("timespan", timedelta_ticks(value), 10)
    if hasattr(value, "hex") and type(value).__name__ == "UUID":
        return str(value).lower()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _as_json_container(text: str) -> Any:
    s = text.strip()
    if not s or s[0] not in "[{":
        return None
    try:
        parsed = json.loads(s)
    except ValueError:
        return None
    return parsed if isinstance(parsed, (list, dict)) else None


class Ctx:
    """How to compare the cells of one column."""

    __slots__ = ("stringy", "unordered_arrays")

    def __init__(self, stringy: bool = False, unordered_arrays: bool = False):
        self.stringy = stringy
        self.unordered_arrays = unordered_arrays


PLAIN = Ctx()


def values_equal(a: Any, b: Any, ctx: Ctx = PLAIN) -> bool:
    """Whether graphsoar's normalised value `a` matches duckdb-kql's `b`."""
    if a is None or b is None:
        if a is None and b is None:
            return True
        other = b if a is None else a
        return ctx.stringy and other == ""
    if isinstance(a, Ticks) or isinstance(b, Ticks):
        if isinstance(a, str):
            a = _ticks_like(a, b)
        if isinstance(b, str):
            b = _ticks_like(b, a)
        if not (isinstance(a, Ticks) and isinstance(b, Ticks)) or a.kind != b.kind:
            return False
        return abs(a.ticks - b.ticks) < max(a.unit, b.unit)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        fa, fb = float(a), float(b)
        if math.isnan(fa) or math.isnan(fb):
            return math.isnan(fa) and math.isnan(fb)
        return math.isclose(fa, fb, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(a, str) and isinstance(b, str):
        if a == b:
            return True
        ja, jb = _as_json_container(a), _as_json_container(b)
        if ja is not None and jb is not None:
            return values_equal(ja, jb, ctx)
        # duckdb-kql renders datetimes and timespans with six significant fraction digits and a
        # trailing 0 (`...19.6543500Z`): the seventh digit inside a text is not compared.
        if _SEVENTH_DIGIT.sub(r"\1", a) == _SEVENTH_DIGIT.sub(r"\1", b):
            return True
        # A datetime rendered by graphsoar in Kusto's form against the same instant in another
        # form (DuckDB's `2029-12-30 17:59:19.654350` inside a dynamic value); the graphsoar side
        # (always `a`) must be in Kusto's form.
        if _KUSTO_DATETIME.match(a):
            tb = parse_datetime_ticks(b)
            if tb is not None:
                return abs(parse_datetime_ticks(a) - tb) < 10
        return False
    if isinstance(a, str) and isinstance(b, (list, dict)):
        parsed = _as_json_container(a)
        return parsed is not None and values_equal(parsed, b, ctx)
    if isinstance(b, str) and isinstance(a, (list, dict)):
        parsed = _as_json_container(b)
        return parsed is not None and values_equal(a, parsed, ctx)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return False
        if all(values_equal(x, y, ctx) for x, y in zip(a, b)):
            return True
        if ctx.unordered_arrays:
            return _multiset_equal(a, b, ctx)
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return False
        return all(values_equal(a[k], b[k], ctx) for k in a)
    return a == b


_SEVENTH_DIGIT = re.compile(r"(\d:\d{2}:\d{2}\.\d{6})\d")
_KUSTO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$")


def _ticks_like(text: str, other: Any) -> Any:
    kind = other.kind if isinstance(other, Ticks) else "datetime"
    ticks = parse_datetime_ticks(text) if kind == "datetime" else parse_timespan_ticks(text)
    return text if ticks is None else Ticks(kind, ticks, 1)


def _multiset_equal(a: list, b: list, ctx: Ctx) -> bool:
    remaining = list(b)
    for x in a:
        for i, y in enumerate(remaining):
            if values_equal(x, y, ctx):
                del remaining[i]
                break
        else:
            return False
    return not remaining


def value_key(v: Any, ctx: Ctx = PLAIN) -> Any:
    """A hashable approximation: values_equal values get the same key in all but edge cases."""
    if v is None:
        return ("s", "") if ctx.stringy else ("null",)
    if isinstance(v, Ticks):
        return v.key()
    if isinstance(v, bool):
        return ("b", v)
    if _is_number(v):
        f = float(v)
        if math.isnan(f):
            return ("n", "nan")
        return ("n", f"{f:.8g}")
    if isinstance(v, str):
        parsed = _as_json_container(v)
        if parsed is not None:
            return value_key(parsed, ctx)
        if _KUSTO_DATETIME.match(v):
            return ("datetime", parse_datetime_ticks(v) // 10)
        return ("s", _SEVENTH_DIGIT.sub(r"\1", v))
    if isinstance(v, list):
        keys = [value_key(x, ctx) for x in v]
        if ctx.unordered_arrays:
            keys.sort(key=repr)
        return ("l", tuple(keys))
    if isinstance(v, dict):
        return ("d", tuple(sorted((k, value_key(x, ctx)) for k, x in v.items())))
    return ("o", repr(v))


def display(v: Any) -> Any:
    """A JSON-friendly form of a normalised value, for reports."""
    if isinstance(v, Ticks):
        return format_ticks(v)
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return str(v)
    if isinstance(v, list):
        return [display(x) for x in v]
    if isinstance(v, dict):
        return {k: display(x) for k, x in v.items()}
    return v


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def load_schema(path: str) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    tables = doc.get("tables", doc)
    out: dict[str, dict[str, str]] = {}
    for name, spec in tables.items():
        if name.startswith("$") or not isinstance(spec, dict):
            continue
        columns = spec.get("columns", spec)
        out[name] = {c: t for c, t in columns.items() if isinstance(t, str)}
    return out


def load_tables(con, schema: dict[str, dict[str, str]], tables_dir: str) -> dict[str, int]:
    """Creates every schema table on `con`, filled from `tables_dir/<Table>.jsonl` when present.

    Missing keys are null; a null (or missing) string is loaded as the empty string, since Kusto
    has no null string. Returns rows per loaded table. A JSONL file whose table is not in the
    schema is loaded with DuckDB's inferred types (and reported on stderr).
    """
    counts: dict[str, int] = {}
    files = {}
    if tables_dir and os.path.isdir(tables_dir):
        for entry in sorted(os.listdir(tables_dir)):
            if entry.endswith(".jsonl"):
                files[entry[: -len(".jsonl")]] = os.path.join(tables_dir, entry)
    for table, columns in schema.items():
        ddl = ", ".join(f"{quote_ident(c)} {DUCKDB_TYPES.get(t, 'VARCHAR')}" for c, t in columns.items())
        con.execute(f"CREATE TABLE {quote_ident(table)} ({ddl})")
        path = files.get(table)
        if path is None:
            continue
        extra = _unknown_keys(path, columns)
        if extra:
            print(f"differential: {os.path.basename(path)}: keys not in the schema, ignored: "
                  f"{', '.join(sorted(extra))}", file=sys.stderr)
        spec = "{" + ", ".join(
            f"{quote_string(c)}: {quote_string(DUCKDB_TYPES.get(t, 'VARCHAR'))}" for c, t in columns.items()
        ) + "}"
        select = ", ".join(
            f"coalesce({quote_ident(c)}, '')" if t == "string" else quote_ident(c) for c, t in columns.items()
        )
        con.execute(
            f"INSERT INTO {quote_ident(table)} SELECT {select} FROM read_json({quote_string(path)}, "
            f"format='newline_delimited', columns={spec}, maximum_object_size=134217728)"
        )
        counts[table] = con.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchone()[0]
    for table, path in files.items():
        if table not in schema:
            print(f"differential: {os.path.basename(path)}: table not in the schema, types inferred",
                  file=sys.stderr)
            con.execute(
                f"CREATE TABLE {quote_ident(table)} AS SELECT * FROM read_json_auto({quote_string(path)}, "
                f"format='newline_delimited')"
            )
            counts[table] = con.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchone()[0]
    return counts


def _unknown_keys(path: str, columns: dict[str, str]) -> set[str]:
    extra: set[str] = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                extra.update(k for k in json.loads(line) if k not in columns)
    return extra


# --------------------------------------------------------------------------------------------
# Running duckdb-kql
# --------------------------------------------------------------------------------------------


class CouldNotRun(Exception):
    def __init__(self, category: str, message: str):
        super().__init__(message)
        self.category = category
        self.message = message


def run_duckdb_kql(con, duckdb_kql, text: str, now: dt.datetime | None, timeout: float):
    """(columns, duckdb types, normalised rows) of `text`, or raises CouldNotRun."""
    from duckdb_kql import errors as kql_errors

    timer = threading.Timer(timeout, con.interrupt)
    timer.start()
    try:
        try:
            rel = duckdb_kql.query(con, text, query_now=now)
        except kql_errors.KqlUnsupportedError as e:
            raise CouldNotRun("unsupported", str(e)) from e
        except kql_errors.KqlSyntaxError as e:
            raise CouldNotRun("syntax", str(e)) from e
        except kql_errors.KqlError as e:
            raise CouldNotRun("translation", f"{type(e).__name__}: {e}") from e
        except Exception as e:  # DuckDB refusing the generated SQL
            raise CouldNotRun(_sql_category(e), f"{type(e).__name__}: {e}") from e
        columns = list(rel.columns)
        types = [str(t) for t in rel.types]
        exprs, hows = zip(*[duckdb_fetch_expr(c, t) for c, t in zip(columns, types)]) if columns else ((), ())
        try:
            fetched = rel.project(", ".join(exprs)).fetchall() if columns else []
        except Exception as e:
            raise CouldNotRun(_sql_category(e), f"{type(e).__name__}: {e}") from e
    finally:
        timer.cancel()
    rows = [[normalize_duckdb(v, how) for v, how in zip(row, hows)] for row in fetched]
    return columns, types, rows


def _sql_category(e: Exception) -> str:
    text = f"{type(e).__name__}: {e}"
    if "INTERRUPT" in text.upper():
        return "timeout"
    return "duckdb error"


# --------------------------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------------------------

# Query text: just enough analysis to find the final pipeline's sort, limit and array builders.
_STRING = re.compile(
    r'@"(?:[^"\n\r]|"")*"|@\'(?:[^\'\n\r]|\'\')*\'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\''
    r"|```.*?```|~~~.*?~~~",
    re.S,
)


def _mask(text: str) -> str:
    """`text` with string literals' insides replaced by `x` and comments by spaces, same length."""
    out, i, n = [], 0, len(text)
    while i < n:
        m = _STRING.match(text, i)
        if m:
            lit = m.group(0)
            head = 2 if lit[0] == "@" else (3 if lit.startswith(("```", "~~~")) else 1)
            tail = 3 if head == 3 else 1
            inner = re.sub(r"[^\r\n]", "x", lit[head:-tail])
            out.append(lit[:head] + inner + lit[-tail:])
            i = m.end()
            continue
        if text.startswith("//", i):
            j = i
            while j < n and text[j] not in "\r\n":
                j += 1
            out.append(" " * (j - i))
            i = j
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _spans(masked: str, start: int, end: int, sep: str) -> list[tuple[int, int]]:
    spans, depth, cur = [], 0, start
    for k in range(start, end):
        ch = masked[k]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            spans.append((cur, k))
            cur = k + 1
    spans.append((cur, end))
    return spans


class Pipeline:
    """The final statement of a query, as its `|`-separated operators."""

    def __init__(self, query: str):
        self.text = query
        self.masked = _mask(query)
        statements = [sp for sp in _spans(self.masked, 0, len(query), ";") if self.masked[sp[0]:sp[1]].strip()]
        last = statements[-1] if statements else (0, len(query))
        self.ops = _spans(self.masked, last[0], last[1], "|")

    def op(self, i: int) -> str:
        """The masked text of operator i (0 is the source)."""
        s, e = self.ops[i]
        return self.masked[s:e].strip()

    def original(self, s: int, e: int) -> str:
        return self.text[s:e].strip()

    def __len__(self) -> int:
        return len(self.ops)


_SORT_RE = re.compile(r"^(?:sort|order)\s+(?:hint\.\S+\s*=\s*\S+\s+)*by\s+", re.I)
_TOP_RE = re.compile(r"^top\s+.+?\s+by\s+", re.S | re.I)
_TOP_NOT = re.compile(r"^top-(nested|hitters)\b", re.I)
_IDENT_RE = re.compile(r"^(?:\[\s*['\"](.+)['\"]\s*\]|([A-Za-z_][A-Za-z0-9_]*))$")
_KEY_SUFFIX = re.compile(r"(\s+(asc|desc))?(\s+nulls\s+(first|last))?\s*$", re.I)
_ORDER_KEEPING = re.compile(r"^(project|project-away|project-keep|project-reorder|project-rename|extend|where|"
                            r"filter|take|limit|render|serialize|parse|parse-where|as)\b", re.I)
_ROW_WISE = re.compile(r"^(project|project-away|project-keep|project-reorder|extend|where|filter|sort|order|"
                       r"top|take|limit|render)\b", re.I)


def sort_spec(query: str) -> dict | None:
    """The final pipeline's last sort/order/top when only order-keeping operators follow it:
    {"keys": [(expression, column name or None)], "last": whether nothing follows it}."""
    p = Pipeline(query)
    for i in range(len(p) - 1, 0, -1):
        op = p.op(i)
        m = None if _TOP_NOT.match(op) else (_SORT_RE.match(op) or _TOP_RE.match(op))
        if m:
            s, e = p.ops[i]
            lead = len(p.masked[s:e]) - len(p.masked[s:e].lstrip())
            body_start = s + lead + m.end()
            keys = []
            for ks, ke in _spans(p.masked, body_start, e, ","):
                masked_part = p.masked[ks:ke]
                cut = _KEY_SUFFIX.search(masked_part)
                ke2 = ks + (cut.start() if cut else len(masked_part))
                expr = p.original(ks, ke2)
                im = _IDENT_RE.match(expr)
                keys.append((expr, (im.group(1) or im.group(2)) if im else None))
            return {"keys": keys, "last": i == len(p) - 1} if keys else None
        if not _ORDER_KEEPING.match(op):
            return None
    return None


def final_is_sorted(query: str) -> bool:
    """Whether the final pipeline ends in a sort/order/top followed only by operators that keep
    row order: only then does the answer have an order to compare."""
    return sort_spec(query) is not None


def limit_info(query: str) -> dict | None:
    """The final pipeline's row-limiting operator, when only row-wise operators follow it.

    {"kind": "top" | "sorted" | "take", "op": text, "raised": the query with the operator's
    count raised to 10^9 (None when it is not an integer literal)}: `top N by`, or `take`/`limit`
    after a sort (rows that tie at the cut may differ), or `take`/`limit`/`sample` on unsorted
    input (which rows come back is unspecified).
    """
    p = Pipeline(query)
    for i in range(len(p) - 1, 0, -1):
        op = p.op(i)
        m = re.match(r"^(top|take|limit|sample)\b", op, re.I)
        if m and not _TOP_NOT.match(op):
            word = m.group(1).lower()
            s, e = p.ops[i]
            text = p.original(s, e).split("\n")[0][:60]
            raised = None
            lead = len(p.masked[s:e]) - len(p.masked[s:e].lstrip())
            nm = re.match(r"^(top|take|limit|sample)\s+(\d+)\b", op, re.I)
            if nm:
                a, b = s + lead + nm.start(2), s + lead + nm.end(2)
                raised = query[:a] + "1000000000" + query[b:]
            if word == "top":
                kind = "top"
            elif word == "sample":
                kind = "take"
            elif any(re.match(r"^(sort|order)\b", p.op(k), re.I) for k in range(1, i)):
                kind = "sorted"
            else:
                kind = "take"
            return {"kind": kind, "op": text, "raised": raised}
        if not _ROW_WISE.match(op):
            return None
    return None


def unordered_arrays(query: str) -> bool:
    """make_set arrays, and make_list ones built from unsorted input, have no defined order."""
    body = _mask(query)
    if re.search(r"\bmake_set(_if)?\s*\(|\bmakeset\s*\(", body):
        return True
    m = re.search(r"\bmake_list(_if|_with_nulls)?\s*\(|\bmakelist\s*\(", body)
    if m:
        return not re.search(r"\b(sort|order)\s+by\b|\|\s*top\s", body[: m.start()])
    return False


NONDETERMINISTIC = re.compile(
    r"\|\s*(take|limit|sample|sample-distinct|top|top-hitters)\b|\b(take_any|any|arg_max|arg_min|"
    r"dcount|make_set|make_list|percentile|percentiles|tdigest|hll)\s*\(|\bkind\s*=\s*innerunique\b",
    re.I,
)


def nondeterministic_constructs(query: str) -> str:
    found = sorted({m.group(0).strip("|( ").split()[0].lower() for m in NONDETERMINISTIC.finditer(_mask(query))})
    return ", ".join(found)


class Table:
    def __init__(self, columns: list[str], rows: list[list[Any]], ctxs: list[Ctx]):
        self.columns = columns
        self.rows = rows
        self.ctxs = ctxs


def row_key(row: list[Any], ctxs: list[Ctx]) -> tuple:
    return tuple(value_key(v, c) for v, c in zip(row, ctxs))


def rows_equal(a: list[Any], b: list[Any], ctxs: list[Ctx]) -> bool:
    return len(a) == len(b) and all(values_equal(x, y, c) for x, y, c in zip(a, b, ctxs))


def match_rows(a: list[list[Any]], b: list[list[Any]], ctxs: list[Ctx]) -> list[int | None]:
    """For each row of `a` (graphsoar's) the index of an equal row of `b`, each used once."""
    buckets: dict[tuple, list[int]] = defaultdict(list)
    for j in range(len(b) - 1, -1, -1):
        buckets[row_key(b[j], ctxs)].append(j)
    used = [False] * len(b)
    match: list[int | None] = [None] * len(a)
    for i, row in enumerate(a):
        cands = buckets.get(row_key(row, ctxs))
        if not cands:
            continue
        for k in range(len(cands) - 1, -1, -1):
            j = cands[k]
            if rows_equal(row, b[j], ctxs):
                del cands[k]
                used[j] = True
                match[i] = j
                break
    left = [i for i, m in enumerate(match) if m is None]
    right = [j for j in range(len(b)) if not used[j]]
    if left and right and len(left) * len(right) <= 4_000_000:
        for i in left:
            for k, j in enumerate(right):
                if rows_equal(a[i], b[j], ctxs):
                    match[i] = j
                    used[j] = True
                    del right[k]
                    break
    return match


def multiset_diff(a: list[list[Any]], b: list[list[Any]], ctxs: list[Ctx]):
    """(rows only in a, rows only in b) as multisets, with tolerant comparison."""
    match = match_rows(a, b, ctxs)
    used = {j for j in match if j is not None}
    return [a[i] for i, j in enumerate(match) if j is None], [b[j] for j in range(len(b)) if j not in used]


def _rows_report(what: str, gs: Table, only_gs: list, only_duck: list, **extra) -> dict:
    return {
        "what": what,
        **extra,
        "only_graphsoar": [[display(v) for v in r] for r in only_gs[:SHOW_ROWS]],
        "only_duckdb_kql": [[display(v) for v in r] for r in only_duck[:SHOW_ROWS]],
        "only_graphsoar_count": len(only_gs),
        "only_duckdb_kql_count": len(only_duck),
    }


def compare(query: dict, gs: Table, duck: Table, sort: dict | None = None,
            limit: dict | None = None, notes: list[str] | None = None) -> dict | None:
    """None when the answers agree, else a description of the difference.

    `sort` says how to check the order of an ordered answer: {"cols": [names]} (the sort keys
    are output columns), {"duck_keys": [per duckdb row], "exprs": [...]} (computed by duckdb-kql)
    or None (rows compared in order). `limit` is what `limit_info` found. Relaxations that made
    the answers agree are appended to `notes`.
    """
    notes = [] if notes is None else notes
    if gs.columns != duck.columns:
        diff: dict[str, Any] = {
            "what": "columns",
            "graphsoar_columns": gs.columns,
            "duckdb_kql_columns": duck.columns,
        }
        if sorted(gs.columns) == sorted(duck.columns) and len(set(gs.columns)) == len(gs.columns):
            order = [duck.columns.index(c) for c in gs.columns]
            reordered = Table(gs.columns, [[r[i] for i in order] for r in duck.rows], gs.ctxs)
            inner = compare(query, gs, reordered, sort if sort and "cols" in sort else None, limit, [])
            diff["rows_by_name"] = "agree" if inner is None else inner
        return diff
    ctxs = gs.ctxs
    cols = (sort or {}).get("cols")
    if query.get("truncated"):
        total = query.get("row_count")
        if (total is not None and total != len(duck.rows)) or len(duck.rows) < len(gs.rows):
            return {"what": "row count", "graphsoar_rows": total if total is not None else f">{len(gs.rows)}",
                    "duckdb_kql_rows": len(duck.rows), "only_graphsoar": [], "only_duckdb_kql": []}
        if query.get("ordered") and cols:
            head = Table(duck.columns, duck.rows[: len(gs.rows)], ctxs)
            notes.append(f"graphsoar's answer was cut at {len(gs.rows)} rows: compared with duckdb-kql's first rows")
            cut = {"kind": "sorted", "op": f"first {len(gs.rows)} rows", "pool": lambda: duck.rows}
            return compare({**query, "truncated": False}, gs, head, sort, cut, notes)
        only_gs, _ = multiset_diff(gs.rows, duck.rows, ctxs)
        notes.append(f"graphsoar's answer was cut at {len(gs.rows)} rows: checked that duckdb-kql's "
                     f"{len(duck.rows)} rows contain them")
        return _rows_report("rows", gs, only_gs, [], rows=len(gs.rows)) if only_gs else None
    match = match_rows(gs.rows, duck.rows, ctxs)
    used = {j for j in match if j is not None}
    only_gs = [gs.rows[i] for i, j in enumerate(match) if j is None]
    only_duck = [duck.rows[j] for j in range(len(duck.rows)) if j not in used]
    if len(gs.rows) != len(duck.rows):
        return _rows_report("row count", gs, only_gs, only_duck,
                            graphsoar_rows=len(gs.rows), duckdb_kql_rows=len(duck.rows))
    boundary = False
    if (only_gs or only_duck) and limit is not None:
        pool_fn = limit.get("pool")
        pool = pool_fn() if pool_fn else None
        if limit["kind"] == "take":
            # `take`/`limit`/`sample` on unsorted rows: Kusto does not say which rows come back, so
            # graphsoar's rows need only be among the rows the query gives without the limit.
            if pool is None:
                notes.append(f"rows not compared: `{limit['op']}` without a sort before it returns "
                             f"unspecified rows (same columns and row count)")
                return None
            missing, _ = multiset_diff(gs.rows, pool, ctxs)
            if missing:
                return _rows_report("rows", gs, missing, [], rows=len(gs.rows),
                                    how=f"graphsoar's rows are not among the {len(pool)} rows of the query "
                                        f"without `{limit['op']}`")
            notes.append(f"`{limit['op']}` without a sort: graphsoar's rows are among the {len(pool)} rows "
                         f"of the query without the limit")
            return None
        if cols:
            idx = [gs.columns.index(k) for k in cols]
            kctx = [ctxs[i] for i in idx]
            last = [gs.rows[-1][x] for x in idx]
            if all(rows_equal(last, [r[x] for x in idx], kctx) for r in only_gs + only_duck) and pool is not None:
                ties = [r for r in pool if rows_equal(last, [r[x] for x in idx], kctx)]
                missing, _ = multiset_diff(only_gs, ties, ctxs)
                if not missing:
                    notes.append(f"rows that tie on {cols} at the `{limit['op']}` boundary differ "
                                 f"({len(only_gs)} rows; graphsoar's are among the {len(ties)} tying rows "
                                 f"of the query without the limit)")
                    only_gs, only_duck, boundary = [], [], True
    if only_gs or only_duck:
        return _rows_report("rows", gs, only_gs, only_duck, rows=len(gs.rows),
                            differing_columns=_differing_columns(gs, only_gs, only_duck))
    if query.get("ordered"):
        if cols:
            idx = [gs.columns.index(k) for k in cols]
            kctx = [ctxs[i] for i in idx]
            gs_keys = [[r[x] for x in idx] for r in gs.rows]
            duck_keys = [[r[x] for x in idx] for r in duck.rows]
            how = f"sort keys {cols}"
        elif sort and "duck_keys" in sort and not boundary and all(j is not None for j in match):
            duck_keys = sort["duck_keys"]
            gs_keys = [duck_keys[j] for j in match]
            kctx = [PLAIN] * len(sort["exprs"])
            how = f"sort keys {sort['exprs']} (computed by duckdb-kql)"
        else:
            for i, (a, b) in enumerate(zip(gs.rows, duck.rows)):
                if not rows_equal(a, b, ctxs):
                    return _order_report(gs, duck, i, "sort keys unknown: rows compared in order")
            return None
        for i, (a, b) in enumerate(zip(gs_keys, duck_keys)):
            if not rows_equal(a, b, kctx):
                return _order_report(gs, duck, i, how)
        if len(gs.rows) > 1:
            notes.append(f"order checked on {how}; rows that tie on them may come in any order")
    return None


def _differing_columns(gs: Table, only_gs: list, only_duck: list) -> list[str]:
    """Columns in which the unmatched rows differ (pairing each with its nearest counterpart)."""
    cols: Counter = Counter()
    for row in only_gs[:50]:
        best_bad = None
        for other in only_duck[:200]:
            bad = [c for c, x, y, ctx in zip(gs.columns, row, other, gs.ctxs) if not values_equal(x, y, ctx)]
            if best_bad is None or len(bad) < len(best_bad):
                best_bad = bad
        if best_bad:
            cols.update(best_bad)
    return [c for c, _ in cols.most_common()] if cols else list(gs.columns)


def _order_report(gs: Table, duck: Table, i: int, how: str) -> dict:
    lo = max(0, i - 1)
    return {
        "what": "row order",
        "how": how,
        "first_difference_at": i,
        "graphsoar_rows_from": lo,
        "graphsoar": [[display(v) for v in r] for r in gs.rows[lo: lo + SHOW_ROWS]],
        "duckdb_kql": [[display(v) for v in r] for r in duck.rows[lo: lo + SHOW_ROWS]],
    }


def _pool(con, duckdb_kql, text: str, duck: Table, now, timeout):
    """A function giving duckdb-kql's rows for `text` (the query with its limit raised), or None."""
    def run():
        try:
            cols, _, rows = run_duckdb_kql(con, duckdb_kql, text, now, timeout)
        except CouldNotRun:
            return None
        return rows if cols == duck.columns else None
    return run


def expression_sort_keys(con, duckdb_kql, query: str, spec: dict, duck: Table, now, timeout) -> dict | None:
    """The values of the final sort's key expressions for each of duckdb-kql's rows: the query is
    run again with `| extend __dk0 = (key0), ...` appended, and its rows matched to the first run's."""
    if not spec.get("last"):
        return None
    exprs = [e for e, _ in spec["keys"]]
    body = query.rstrip()
    while body.endswith(";"):
        body = body[:-1].rstrip()
    text = body + "\n| extend " + ", ".join(f"__dk{i} = ({e})" for i, e in enumerate(exprs))
    try:
        cols, _, rows = run_duckdb_kql(con, duckdb_kql, text, now, timeout)
    except CouldNotRun:
        return None
    n = len(duck.columns)
    if cols[:n] != duck.columns or len(rows) != len(duck.rows):
        return None
    by_row: dict[tuple, list] = defaultdict(list)
    for r in rows:
        by_row[row_key(r[:n], duck.ctxs)].append(r[n:])
    keys = []
    for r in duck.rows:
        found = by_row.get(row_key(r, duck.ctxs))
        if not found:
            return None
        keys.append(found.pop())
    return {"duck_keys": keys, "exprs": exprs}


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def parse_now(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    ticks = parse_datetime_ticks(text)
    if ticks is None:
        raise SystemExit(f"differential: cannot read `now`: {text!r}")
    return EPOCH + dt.timedelta(microseconds=ticks // 10)


def load_known(path: str | None) -> dict[str, dict]:
    if not path:
        return {}
    if not os.path.exists(path):
        raise SystemExit(f"differential: {path}: no such file (create it with {{}})")
    with open(path, encoding="utf-8") as f:
        known = json.load(f)
    if not isinstance(known, dict):
        raise SystemExit(f"differential: {path}: expected a JSON object keyed by corpus file")
    for name, entry in known.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("reason"), str) and entry["reason"].strip()
                and isinstance(entry.get("docs"), str) and entry["docs"].startswith("https://learn.microsoft.com/")):
            raise SystemExit(
                f"differential: {path}: entry {name!r} needs a non-empty \"reason\" (the Kusto docs' words) "
                f"and a \"docs\" learn.microsoft.com URL"
            )
    return known


# Graph's runHuntingQuery schema names (graphsoar's `graph_type_name`), accepted beside Kusto's.
GRAPH_TYPE_NAMES = {
    "boolean": "bool", "int32": "int", "int64": "long", "double": "real", "decimal": "decimal",
    "string": "string", "datetime": "datetime", "timespan": "timespan", "guid": "guid", "object": "dynamic",
    "sbyte": "bool", "single": "real",
}


def kusto_type_name(name: str) -> str:
    low = (name or "dynamic").strip().lower()
    if low in DUCKDB_TYPES:
        return low
    return GRAPH_TYPE_NAMES.get(low, "dynamic")


def graphsoar_table(q: dict) -> Table:
    columns = q.get("columns") or []
    names = [c["name"] for c in columns]
    types = [kusto_type_name(c.get("type", "dynamic")) for c in columns]
    raw = [[r.get(n) for n in names] if isinstance(r, dict) else r for r in q.get("rows") or []]
    rows = [[normalize_graphsoar(v, t) for v, t in zip(row, types)] for row in raw]
    for i, row in enumerate(raw):
        if len(row) != len(names):
            raise SystemExit(f"differential: {q.get('file')}: row {i} has {len(row)} values for {len(names)} columns")
    return Table(names, rows, [])


def format_difference(entry: dict) -> str:
    d = entry["difference"]
    verb = "differ" if d["what"] in ("columns", "rows") else "differs"
    lines = [f"--- {entry['file']}: {d['what']} {verb}"]
    lines += ["    " + line for line in entry["query"].strip().splitlines()]
    if entry.get("nondeterministic"):
        lines.append("    (the query has a construct whose result Kusto leaves undefined in part: "
                     f"{entry['nondeterministic']})")
    for key in ("graphsoar_columns", "duckdb_kql_columns", "graphsoar_rows", "duckdb_kql_rows", "rows",
                "differing_columns", "how", "first_difference_at"):
        if key in d:
            lines.append(f"  {key}: {json.dumps(d[key], ensure_ascii=False)}")
    if "columns" in entry:
        lines.append(f"  columns: {json.dumps(entry['columns'], ensure_ascii=False)}")
    if entry.get("duckdb_types"):
        lines.append(f"  duckdb-kql types: {json.dumps(entry['duckdb_types'])}")
    for key, label in (("only_graphsoar", "only in graphsoar"), ("only_duckdb_kql", "only in duckdb-kql"),
                       ("graphsoar", "graphsoar"), ("duckdb_kql", "duckdb-kql")):
        if key in d:
            count = d.get(f"{key}_count")
            suffix = f" ({count} rows, first {min(count, SHOW_ROWS)})" if count is not None else ""
            lines.append(f"  {label}{suffix}:")
            for row in d[key]:
                lines.append("    " + json.dumps(row, ensure_ascii=False, default=str)[:600])
    if isinstance(d.get("rows_by_name"), dict):
        lines.append(f"  rows matched by column name: {d['rows_by_name']['what']} differ")
    elif d.get("rows_by_name") == "agree":
        lines.append("  rows matched by column name: agree")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", required=True, help="graphsoar's answers (written by the Rust test)")
    ap.add_argument("--known", required=True, help="known differences, {file: {reason, docs}}")
    ap.add_argument("--report", help="write a JSON report here")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per duckdb-kql query (default 60)")
    ap.add_argument("--only", action="append", default=[], help="run only corpus files containing this text")
    ap.add_argument("--verbose", action="store_true", help="print every query's outcome")
    args = ap.parse_args(argv)

    try:
        import duckdb_kql
    except ImportError:
        print("differential: duckdb_kql is not installed: python3 -m venv target/duckdb-venv && "
              "target/duckdb-venv/bin/pip install -r tests/kql/duckdb/requirements.txt", file=sys.stderr)
        return 2

    with open(args.input, encoding="utf-8") as f:
        doc = json.load(f)
    known = load_known(args.known)
    now = parse_now(doc.get("now"))
    schema = load_schema(doc["schema"])
    started = time.monotonic()
    con = duckdb_kql.connect()
    counts = load_tables(con, schema, doc.get("tables_dir", ""))
    load_seconds = time.monotonic() - started

    queries = [q for q in doc.get("queries", []) if not args.only or any(o in q.get("file", "") for o in args.only)]
    results: list[dict] = []
    could_not_run: Counter = Counter()
    n_ran = m_ran = agree = known_hits = unexplained = 0
    for q in queries:
        name = q.get("file", "?")
        entry: dict[str, Any] = {"file": name, "query": q.get("query", "")}
        if "error" in q and "columns" not in q:
            entry["status"] = "graphsoar could not run"
            entry["graphsoar_error"] = q["error"]
            try:
                cols, _, rows = run_duckdb_kql(con, duckdb_kql, q["query"], now, args.timeout)
                entry["duckdb_kql"] = f"ran: {len(cols)} columns, {len(rows)} rows"
            except CouldNotRun as e:
                entry["duckdb_kql"] = f"could not run either ({e.category})"
            results.append(entry)
            continue
        n_ran += 1
        gs = graphsoar_table(q)
        try:
            cols, types, rows = run_duckdb_kql(con, duckdb_kql, q["query"], now, args.timeout)
        except CouldNotRun as e:
            could_not_run[e.category] += 1
            entry.update(status="duckdb-kql could not run", category=e.category, message=e.message[:2000])
            results.append(entry)
            if args.verbose:
                print(f"{name}: duckdb-kql could not run ({e.category}): {e.message.splitlines()[0][:200]}")
            continue
        m_ran += 1
        gtypes = [kusto_type_name(c.get("type", "dynamic")) for c in q.get("columns") or []]
        dtype_by_col = dict(zip(cols, types))
        unordered = unordered_arrays(q["query"])
        gs.ctxs = [
            Ctx(stringy=(t == "string" or dtype_by_col.get(c, "") == "VARCHAR"), unordered_arrays=unordered)
            for c, t in zip(gs.columns, gtypes)
        ]
        duck = Table(cols, rows, gs.ctxs)
        limit = limit_info(q["query"])
        if limit and limit.get("raised"):
            limit["pool"] = _pool(con, duckdb_kql, limit["raised"], duck, now, args.timeout)
        spec = sort_spec(q["query"])
        if q.get("ordered") and spec is None:
            q = {**q, "ordered": False}
            entry["ordered"] = "compared as a multiset: the final pipeline does not end in a sort/top"
        sort = None
        if spec and all(name in gs.columns for _, name in spec["keys"]):
            sort = {"cols": [name for _, name in spec["keys"]]}
        elif spec and q.get("ordered"):
            sort = expression_sort_keys(con, duckdb_kql, q["query"], spec, duck, now, args.timeout)
        notes: list[str] = []
        diff = compare(q, gs, duck, sort, limit, notes)
        if notes:
            entry["notes"] = notes
        entry["columns"] = [f"{c}:{t}" for c, t in zip(gs.columns, gtypes)]
        entry["duckdb_types"] = types
        if diff is None:
            entry["status"] = "agree"
            agree += 1
            if name in known:
                entry["known_but_agrees"] = known[name]
        else:
            entry["difference"] = diff
            nd = nondeterministic_constructs(q["query"])
            if nd:
                entry["nondeterministic"] = nd
            if name in known:
                entry["status"] = "known difference"
                entry["known"] = known[name]
                known_hits += 1
            else:
                entry["status"] = "differs"
                unexplained += 1
        if args.verbose:
            print(f"{name}: {entry['status']}")
        results.append(entry)

    differing = [r for r in results if r["status"] == "differs"]
    for r in differing:
        print(format_difference(r))
        print()
    stale = [r["file"] for r in results if r.get("known_but_agrees")]
    files = {r["file"]: r["status"] for r in results}
    unchecked = {k: files.get(k, "not in the input") for k in known
                 if files.get(k) not in ("known difference", "agree")}
    for name in stale:
        print(f"differential: {name} is listed in {args.known} but agrees now: remove it from the list")
    for name, why in sorted(unchecked.items()):
        print(f"differential: {name} is listed in {args.known} but was not compared ({why})")
    if could_not_run:
        parts = ", ".join(f"{n} {c}" for c, n in could_not_run.most_common())
        print(f"differential: duckdb-kql could not run {sum(could_not_run.values())} of the {n_ran} ({parts})")
    graphsoar_errors = sum(1 for r in results if r["status"] == "graphsoar could not run")
    if graphsoar_errors:
        both = sum(1 for r in results if r["status"] == "graphsoar could not run" and r["duckdb_kql"].startswith("ran"))
        print(f"differential: graphsoar could not run {graphsoar_errors} queries; duckdb-kql ran {both} of them")
    summary = (f"differential: {n_ran} queries graphsoar ran, {m_ran} duckdb-kql ran too, {agree} agree, "
               f"{known_hits} known differences, {unexplained} unexplained")
    print(summary)
    ok = unexplained == 0 and m_ran >= MIN_COVERED
    if m_ran < MIN_COVERED:
        print(f"differential: fewer than {MIN_COVERED} queries ran on both sides: the check covers too little")
    if args.report:
        os.makedirs(os.path.dirname(os.path.abspath(args.report)), exist_ok=True)
        report = {
            "summary": {
                "graphsoar_ran": n_ran, "both_ran": m_ran, "agree": agree, "known_differences": known_hits,
                "unexplained": unexplained, "graphsoar_could_not_run": graphsoar_errors,
                "duckdb_kql_could_not_run": dict(could_not_run), "ok": ok,
                "line": summary,
            },
            "duckdb_kql_version": getattr(duckdb_kql, "__version__", "?"),
            "duckdb_version": _duckdb_version(),
            "now": doc.get("now"),
            "tables_loaded": counts,
            "load_seconds": round(load_seconds, 3),
            "known_but_agree": stale,
            "known_not_compared": unchecked,
            "queries": results,
        }
        with open(args.report, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1, ensure_ascii=False, default=str)
            f.write("\n")
    return 0 if ok else 1


def _duckdb_version() -> str:
    try:
        import duckdb

        return duckdb.__version__
    except Exception:  # noqa: BLE001
        return "?"


if __name__ == "__main__":
    sys.exit(main())
