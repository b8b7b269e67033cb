"""Fast conversions from numpy arrays to Arrow columns of the raw contract's types."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa

from cs_warehouse.generator.timeline import NULL_TIMESTAMP
from cs_warehouse.raw_contract import Table

# Two ASCII characters per entry, first character in the lower byte (little-endian uint16), so a
# matrix of entries viewed as bytes reads left to right.
_DECIMAL_PAIRS = np.array([ord(f"{value:02d}"[0]) | ord(f"{value:02d}"[1]) << 8 for value in range(100)], dtype="<u2")
_HEX_PAIRS = np.array([ord(f"{value:02x}"[0]) | ord(f"{value:02x}"[1]) << 8 for value in range(256)], dtype="<u2")


def _fixed_width_strings(prefix: str, characters: np.ndarray) -> pa.Array:
    """A string array whose every value is `prefix` followed by one row of `characters` (ASCII codes)."""
    rows, width = characters.shape
    prefix_bytes = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    row_width = len(prefix_bytes) + width
    data = np.empty((rows, row_width), dtype=np.uint8)
    data[:, : len(prefix_bytes)] = prefix_bytes
    data[:, len(prefix_bytes) :] = characters
    offsets = np.arange(0, (rows + 1) * row_width, row_width, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), rows, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def sequential_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """`prefix` + zero-padded decimal numbers, e.g. acc_000042."""
    numbers = np.asarray(numbers, dtype=np.int64)
    if numbers.size and (numbers.min() < 0 or numbers.max() >= 10**width):
        raise ValueError(f"ids of {prefix!r} do not fit in {width} digits")
    pair_count = (width + 1) // 2
    pairs = np.empty((numbers.size, pair_count), dtype="<u2")
    rest = numbers
    for position in range(pair_count - 1, -1, -1):
        pairs[:, position] = _DECIMAL_PAIRS[rest % 100]
        rest = rest // 100
    characters = pairs.view(np.uint8).reshape(numbers.size, 2 * pair_count)
    return _fixed_width_strings(prefix, characters[:, 2 * pair_count - width :])


def scrambled_ids(prefix: str, numbers: np.ndarray, salt: int) -> pa.Array:
    """`prefix` + 16 hex digits of a bijective scramble of `numbers`: unique, random-looking ids."""
    with np.errstate(over="ignore"):
        mixed = np.asarray(numbers, dtype=np.uint64) + np.uint64(salt & 0xFFFFFFFF)
        mixed *= np.uint64(0x9E3779B97F4A7C15)
        mixed ^= mixed >> np.uint64(29)
        mixed *= np.uint64(0xBF58476D1CE4E5B9)
        mixed ^= mixed >> np.uint64(32)
    big_endian_bytes = mixed.astype(">u8").view(np.uint8).reshape(mixed.size, 8)
    characters = _HEX_PAIRS[big_endian_bytes].view(np.uint8).reshape(mixed.size, 16)
    return _fixed_width_strings(prefix, characters)


# Arrays are assembled from numpy buffers: fast, and pyarrow's array conversion (which also
# imports pandas, half a second) is never needed.
def _validity(null_mask: np.ndarray | None) -> pa.Buffer | None:
    if null_mask is None:
        return None
    null_mask = np.asarray(null_mask, dtype=bool)
    if not null_mask.any():
        return None
    return pa.py_buffer(np.packbits(~null_mask, bitorder="little"))


def _indices(index: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    values = np.ascontiguousarray(index, dtype=np.int32)
    return pa.Array.from_buffers(pa.int32(), values.size, [_validity(null_mask), pa.py_buffer(values)])


def with_nulls(array: pa.Array, null_mask: np.ndarray | None) -> pa.Array:
    """`array` with the rows of null_mask set to null."""
    if null_mask is None or not np.any(null_mask):
        return array
    return array.take(_indices(np.arange(len(array)), null_mask))


def strings(values: Sequence[str | None]) -> pa.Array:
    encoded = [b"" if value is None else value.encode("utf-8") for value in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(value) for value in encoded], out=offsets[1:])
    null_mask = np.fromiter((value is None for value in values), dtype=bool, count=len(encoded))
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(encoded), [_validity(null_mask), pa.py_buffer(offsets), data])


def pick(labels: Sequence[str], index: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    """Strings chosen from a small label list by integer index (null where null_mask)."""
    return strings(list(labels)).take(_indices(index, null_mask))


def timestamps(values_us: np.ndarray) -> pa.Array:
    """Naive-UTC microsecond timestamps; NULL_TIMESTAMP entries become null."""
    values_us = np.ascontiguousarray(values_us, dtype=np.int64)
    validity = _validity(values_us == NULL_TIMESTAMP)
    return pa.Array.from_buffers(pa.timestamp("us"), values_us.size, [validity, pa.py_buffer(values_us)])


def int32s(values: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    values = np.ascontiguousarray(values, dtype=np.int32)
    return pa.Array.from_buffers(pa.int32(), values.size, [_validity(null_mask), pa.py_buffer(values)])


def booleans(values: np.ndarray) -> pa.Array:
    values = np.asarray(values, dtype=bool)
    return pa.Array.from_buffers(pa.bool_(), values.size, [None, pa.py_buffer(np.packbits(values, bitorder="little"))])


def decimals(hundredths: np.ndarray, precision: int = 18) -> pa.Array:
    """decimal128(precision, 2) from integer hundredths (exact, no float rounding)."""
    hundredths = np.asarray(hundredths, dtype=np.int64)
    words = np.empty((hundredths.size, 2), dtype=np.int64)
    words[:, 0] = hundredths
    words[:, 1] = hundredths >> 63  # sign extension of the 128-bit two's complement
    return pa.Array.from_buffers(pa.decimal128(precision, 2), hundredths.size, [None, pa.py_buffer(words)])


def build_table(contract: Table, columns: Mapping[str, pa.Array]) -> pa.Table:
    """An Arrow table with exactly the contract's columns, order and types."""
    missing = set(contract.column_names) - set(columns)
    extra = set(columns) - set(contract.column_names)
    if missing or extra:
        raise ValueError(f"{contract.qualified_name}: missing columns {sorted(missing)}, extra {sorted(extra)}")
    schema = contract.arrow_schema()
    arrays = []
    for field in schema:
        array = columns[field.name]
        if not array.type.equals(field.type):
            raise TypeError(f"{contract.qualified_name}.{field.name}: {array.type} is not {field.type}")
        if not field.nullable and array.null_count:
            raise ValueError(f"{contract.qualified_name}.{field.name} is not nullable but has nulls")
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=schema)


def rows_where(table: pa.Table, keep: np.ndarray) -> pa.Table:
    """The rows of `table` where `keep` is true, in order."""
    return table.filter(pa.array(np.asarray(keep, dtype=bool)))
