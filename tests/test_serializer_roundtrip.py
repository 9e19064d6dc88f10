"""What each shipped serializer gives back, checked against the table in docs/serializers.md.

The table is the only copy of the expected outcomes: this test parses it, and for every cell runs
the serializer's own ``loads(dumps(value))`` and a real ``set``/``get`` through a cache on the
session server, and describes the result in the table's words.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import enum
import math
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils.module_loading import import_string

from django_valkey.exceptions import SerializerError
from tests.helpers import MakeCache

DOCS = Path(__file__).resolve().parent.parent / "docs" / "serializers.md"

SERIALIZERS = {
    "pickle": "django_valkey.serializers.pickle.PickleSerializer",
    "JSON": "django_valkey.serializers.json.JSONSerializer",
    "msgpack": "django_valkey.serializers.msgpack.MSGPackSerializer",
    "msgspec JSON": "django_valkey.serializers.msgspec.MsgSpecJsonSerializer",
    "msgspec msgpack": "django_valkey.serializers.msgspec.MsgSpecMsgPackSerializer",
}

REFUSED = "SerializerError"


class Color(enum.IntEnum):
    # Not 48-57: msgpack writes those as one byte that is an ASCII digit.
    RED = 200


@dataclasses.dataclass
class Point:
    x: int
    y: int


def group() -> Any:
    from django.contrib.auth.models import Group

    return Group(pk=1, name="editors")


def lazy() -> Any:
    from django.utils.translation import gettext_lazy

    return gettext_lazy("hello")


# The table's first column -> a function making the value (some need Django set up).
VALUES: dict[str, Callable[[], Any]] = {
    "`None`": lambda: None,
    "`True`": lambda: True,
    "`7` (plain `int`)": lambda: 7,
    "an `IntEnum` member (value 200)": lambda: Color.RED,
    "`1.5`": lambda: 1.5,
    '`float("nan")`': lambda: float("nan"),
    '`float("inf")`': lambda: float("inf"),
    '`"héllo"`': lambda: "héllo",
    '`b"\\x00\\xff"`': lambda: b"\x00\xff",
    "`(1, 2)`": lambda: (1, 2),
    "`[1, 2]`": lambda: [1, 2],
    "`{1, 2}` (set)": lambda: {1, 2},
    "`frozenset({1, 2})`": lambda: frozenset({1, 2}),
    '`{"a": 1}`': lambda: {"a": 1},
    '`{1: "a"}` (non-`str` keys)': lambda: {1: "a"},
    "naive `datetime`": lambda: dt.datetime(2024, 1, 2, 3, 4, 5),
    "UTC `datetime`": lambda: dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
    "`date`": lambda: dt.date(2024, 1, 2),
    '`Decimal("1.10")`': lambda: Decimal("1.10"),
    "`UUID`": lambda: uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "a dataclass instance": lambda: Point(1, 2),
    "a lazy string (`gettext_lazy`)": lazy,
    "a model instance": group,
}


def read_table() -> tuple[list[str], dict[str, list[str]]]:
    """(serializer columns, {value row: cells}) of the table under "### What comes back"."""
    section = DOCS.read_text().split("\n### What comes back\n", 1)[1]
    lines = [line for line in section.split("\n\n") if line.startswith("| value |")][0].splitlines()
    split = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]
    header, rows = split[0], split[2:]
    return header[1:], {row[0]: row[1:] for row in rows}


COLUMNS, ROWS = read_table()
CASES = [(row, column, cells[i]) for row, cells in ROWS.items() for i, column in enumerate(COLUMNS)]


def _iso(text: str) -> dt.datetime | dt.date:
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if "T" in text else parsed.date()


def describe(original: Any, result: Any) -> str:
    """``result`` in the words of the table, given what was stored."""
    if type(result).__qualname__ == type(original).__qualname__ and (
        result == original or (isinstance(result, float) and math.isnan(result) and math.isnan(original))
    ):
        return "same"
    if result is None:
        return "`None`"
    if isinstance(result, str):
        if isinstance(original, bytes) and result == base64.b64encode(original).decode():
            return "base64 `str`"
        if isinstance(original, (dt.date, dt.datetime)) and _iso(result) == original:
            return "ISO 8601 `str`"
        if result == str(original):
            return "`str`"
    if type(result) is list and sorted(result) == sorted(original):
        return "`list`"
    if type(result) is dict:
        if isinstance(original, dict) and result == {str(key): value for key, value in original.items()}:
            return "`dict` with `str` keys"
        if dataclasses.is_dataclass(original) and result == dataclasses.asdict(original):
            return "`dict`"
    if type(result) is int and result == original:
        return "`int`"
    return f"unexpected: {type(result).__name__} {result!r}"


def test_json_writes_nan_and_inf_as_python_does(make_cache: MakeCache, raw: Any) -> None:
    cache = make_cache(SERIALIZER=SERIALIZERS["JSON"])
    cache.set_many({"nan": float("nan"), "inf": float("inf")})
    assert raw.get(cache.make_key("nan")) == b"NaN"
    assert raw.get(cache.make_key("inf")) == b"Infinity"


def test_table_covers_every_serializer_and_value() -> None:
    assert COLUMNS == list(SERIALIZERS)
    assert list(ROWS) == list(VALUES)
    assert all(len(cells) == len(COLUMNS) for cells in ROWS.values())


@pytest.mark.parametrize("row, column, expected", CASES)
def test_dumps_then_loads(row: str, column: str, expected: str) -> None:
    serializer = import_string(SERIALIZERS[column])({})
    value = VALUES[row]()
    if expected == REFUSED:
        with pytest.raises(Exception):  # the serializer's own error; the cache wraps it
            serializer.dumps(value)
        return
    assert describe(value, serializer.loads(serializer.dumps(value))) == expected


@pytest.mark.parametrize("row, column, expected", CASES)
def test_set_then_get_on_the_server(make_cache: MakeCache, raw: Any, row: str, column: str, expected: str) -> None:
    cache = make_cache(SERIALIZER=SERIALIZERS[column])
    value = VALUES[row]()
    if expected == REFUSED:
        with pytest.raises(SerializerError, match=type(value).__name__):
            cache.set("k", value)
        assert raw.exists(cache.make_key("k")) == 0  # nothing written
        return
    cache.set("k", value)
    assert describe(value, cache.get("k")) == expected
