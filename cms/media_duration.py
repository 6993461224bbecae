"""How long an uploaded video or sound lasts, read from its container's own header: the movie
header of MP4/MOV/M4A (ISO BMFF `moov/mvhd`) and the segment information of WebM (EBML
`Segment/Info`). No decoder, no outside program: a few boxes or elements are read, the media
data is skipped by seeking. Other containers answer None and keep the duration typed by hand.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

# A header that says more than this is no header we trust (a damaged or hostile file).
MAX_SECONDS = 24 * 3600
_MAX_BOXES = 10_000


def media_duration(file: BinaryIO, container: str) -> float | None:
    """Seconds of media in `file` (an open binary file, any position), as its container's
    header gives them; None when the container is not one we read or the header is missing."""
    position = file.tell()
    try:
        file.seek(0)
        reader = {"isobmff": _isobmff, "ebml": _webm}.get(container)
        seconds = reader(file) if reader else None
    except (OSError, ValueError, struct.error):
        seconds = None
    finally:
        file.seek(position)
    if seconds is None or not 0 < seconds <= MAX_SECONDS:
        return None
    return round(seconds, 3)


# --- ISO BMFF (mp4, m4v, mov, m4a) ---------------------------------------------------------


def _boxes(file: BinaryIO, end: int | None):
    """(type, start of the payload, end of the box) of each box from the current position."""
    for _ in range(_MAX_BOXES):
        start = file.tell()
        if end is not None and start + 8 > end:
            return
        head = file.read(8)
        if len(head) < 8:
            return
        size, kind = struct.unpack(">I4s", head)
        payload = start + 8
        if size == 1:
            size = struct.unpack(">Q", file.read(8))[0]
            payload += 8
        elif size == 0:  # to the end of the file
            file.seek(0, 2)
            size = file.tell() - start
        if size < payload - start:
            raise ValueError("box smaller than its header")
        yield kind, payload, start + size
        file.seek(start + size)


def _isobmff(file: BinaryIO) -> float | None:
    for kind, payload, box_end in _boxes(file, None):
        if kind != b"moov":
            continue
        file.seek(payload)
        for inner, inner_payload, _inner_end in _boxes(file, box_end):
            if inner != b"mvhd":
                continue
            file.seek(inner_payload)
            version = file.read(4)[0]
            if version == 1:
                _created, _modified, timescale, duration = struct.unpack(">QQIQ", file.read(28))
            else:
                _created, _modified, timescale, duration = struct.unpack(">IIII", file.read(16))
            return duration / timescale if timescale else None
        return None
    return None


# --- EBML (webm) ---------------------------------------------------------------------------

_SEGMENT, _INFO, _TIMESCALE, _DURATION = 0x18538067, 0x1549A966, 0x2AD7B1, 0x4489
_CLUSTER = 0x1F43B675


def _vint(file: BinaryIO, *, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer: (value, its length in bytes); an ID keeps its marker."""
    first = file.read(1)
    if not first:
        raise ValueError("end of file")
    byte = first[0]
    length = 1
    while length <= 8 and not byte & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        raise ValueError("bad EBML integer")
    value = byte if keep_marker else byte & (0xFF >> length)
    for extra in file.read(length - 1):
        value = (value << 8) | extra
    return value, length


def _elements(file: BinaryIO, end: int | None):
    """(id, start of the data, size or None when unknown) of each element from here."""
    for _ in range(_MAX_BOXES):
        if end is not None and file.tell() >= end:
            return
        try:
            element, _n = _vint(file, keep_marker=True)
        except ValueError:
            return
        size, length = _vint(file, keep_marker=False)
        unknown = size == (1 << (7 * length)) - 1
        yield element, file.tell(), None if unknown else size


def _webm(file: BinaryIO) -> float | None:
    for element, data, size in _elements(file, None):
        if element != _SEGMENT:
            if size is None:
                return None
            file.seek(data + size)
            continue
        segment_end = None if size is None else data + size
        for child, child_data, child_size in _elements(file, segment_end):
            if child == _CLUSTER or child_size is None:
                return None  # the media itself: the header had no Info before it
            if child != _INFO:
                file.seek(child_data + child_size)
                continue
            scale, duration = 1_000_000, None
            for item, _item_data, item_size in _elements(file, child_data + child_size):
                raw = file.read(item_size or 0)
                if item == _TIMESCALE and raw:
                    scale = int.from_bytes(raw, "big")
                elif item == _DURATION and len(raw) in (4, 8):
                    duration = struct.unpack(">f" if len(raw) == 4 else ">d", raw)[0]
            return duration * scale / 1e9 if duration else None
        return None
    return None
