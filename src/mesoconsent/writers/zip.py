"""A minimal ZIP writer for DOCX packages, so that the parts every form shares are compressed
once per process rather than once per form.

``zipfile`` compresses every part it is given. A consent form's styles, settings, numbering
definitions, content types and relationships are the same for every form in a language, and
deflating them was a large share of writing a DOCX. Here each part is deflated into a
:class:`CompressedPart` (raw DEFLATE data, its CRC-32 and size) that can be cached, and
:func:`zip_parts` lays parts out as a ZIP archive. The bytes are exactly those ``zipfile``
writes for the same parts at the same compression level (``tests/test_zip.py`` holds them to
that): the fixed timestamp, MS-DOS as the creating system, no extra fields, no data descriptors.
"""

from __future__ import annotations

import importlib
import struct
import zlib
from collections.abc import Sequence
from types import ModuleType

import attrs

# zlib-ng, where it is installed (a dependency where it has wheels; see FAST), or None. A
# variable, so that tests can take it away; imported by name, so that type checking works
# with it installed or not.
_fast_zlib: ModuleType | None
try:
    _fast_zlib = importlib.import_module("zlib_ng.zlib_ng")
except ImportError:
    _fast_zlib = None

# Every part is dated 1980-01-01 00:00:00 (the earliest ZIP date): output never depends on
# the clock. As MS-DOS date and time fields:
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_DOS_DATE = (ZIP_EPOCH[0] - 1980) << 9 | ZIP_EPOCH[1] << 5 | ZIP_EPOCH[2]
_DOS_TIME = ZIP_EPOCH[3] << 11 | ZIP_EPOCH[4] << 5 | ZIP_EPOCH[5] // 2
_DEFLATED = 8
_VERSION = 20  # 2.0: DEFLATE
# How hard to deflate. What is deflated once per process and copied into every form (shared
# parts, static sections) is made as small as DEFLATE can make it; what is deflated for each
# form (its own blocks, header and properties) is deflated fast: level 3 takes half the time
# of zlib's default 6 on a form's XML, for about 8% more bytes on those parts.
ONCE = 9
EACH_FORM = 3
# A form's own stretches of XML (form_segment) are deflated with zlib-ng at this level where it
# is installed: its fastest method, static Huffman codes and a short match search. Within a
# render the form's stretches took about 45 us with it against 140 with zlib at EACH_FORM,
# whose levels, windows, memory levels and strategies moved a render by 1% at most: after the
# rest of a render zlib's buffers and tables are cold (docs/performance-log.md). The stretches
# come out larger, 927 bytes in the example's file of 11,658.
FAST = 1
# As zipfile records them for a part written from bytes: a regular file, rw------- .
_PERMISSIONS = 0o600 << 16


@attrs.frozen
class CompressedPart:
    """One package part, deflated and ready to be copied into any number of archives."""

    name: bytes
    crc: int
    size: int
    data: bytes
    # Its ZIP headers, which depend on nothing else: the local header, and the central
    # directory entry up to its offset field (made once for a part that is reused).
    local: bytes = attrs.field(init=False, repr=False, eq=False)
    central: bytes = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        fields = (_DEFLATED, _DOS_TIME, _DOS_DATE, self.crc, len(self.data), self.size)
        length = len(self.name)
        local = struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", _VERSION, 0, 0, *fields, length, 0)
        central = struct.pack(
            "<4s4B4HL2L5HL",
            b"PK\x01\x02",
            _VERSION,
            0,  # created on MS-DOS: no Unix permissions recorded
            _VERSION,
            0,
            0,
            *fields,
            length,
            0,  # extra field length
            0,  # comment length
            0,  # disk number
            0,  # internal attributes
            _PERMISSIONS,
        )
        object.__setattr__(self, "local", local + self.name)
        object.__setattr__(self, "central", central)


def compress_part(name: str, content: bytes, *, level: int) -> CompressedPart:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)  # raw DEFLATE, as ZIP stores it
    data = compressor.compress(content) + compressor.flush()
    return CompressedPart(name.encode("ascii"), zlib.crc32(content), len(content), data)


@attrs.frozen
class Segment:
    """A stretch of a part's content and its DEFLATE data, which can open or continue a part."""

    content: bytes
    data: bytes


def deflate_segment(content: bytes, *, level: int, deflater: ModuleType = zlib) -> Segment:
    """``content`` deflated at ``level`` by ``deflater`` (zlib, or a module with its interface:
    zlib-ng), ending on a sync flush."""
    compressor = deflater.compressobj(level, deflater.DEFLATED, -15)
    return Segment(content, compressor.compress(content) + compressor.flush(deflater.Z_SYNC_FLUSH))


def stored_segment(content: bytes) -> Segment:
    """A segment holding ``content`` as it is, in a DEFLATE stored block: for a few bytes
    that differ in every form, cheaper than a compressor (whose state alone is 256 KB to
    clear), and no larger than they would deflate to. It follows a segment's sync flush,
    which leaves the stream at a byte boundary, as a stored block needs."""
    if len(content) > 0xFFFF:
        raise ValueError("a stored block holds at most 65,535 bytes")
    header = b"\x00" + _STORED_LENGTHS.pack(len(content), len(content) ^ 0xFFFF)
    return Segment(content, header + content)


_STORED_LENGTHS = struct.Struct("<HH")

# A form's own content shorter than this is stored rather than deflated: a compressor takes
# about 10 us whatever it is given, and deflating a hundred bytes of XML saves a few dozen.
STORE_BELOW = 256


def form_segment(content: bytes) -> Segment:
    """A stretch of one form's own content: deflated fast (zlib-ng at FAST, or zlib at
    EACH_FORM without it), or stored if shorter than STORE_BELOW. It follows a segment's sync
    flush, as every segment does."""
    if len(content) < STORE_BELOW:
        return stored_segment(content)
    if _fast_zlib is None:
        return deflate_segment(content, level=EACH_FORM)
    return deflate_segment(content, level=FAST, deflater=_fast_zlib)


# An empty last block (fixed Huffman codes, end of block): what a compressor's final flush
# writes when it has nothing left.
_LAST_BLOCK = zlib.compressobj(ONCE, zlib.DEFLATED, -15).flush()


def segmented_part(name: str, segments: Sequence[Segment]) -> CompressedPart:
    """A part whose content is the segments' content in order, from their DEFLATE data."""
    crc = size = 0
    for segment in segments:
        crc = zlib.crc32(segment.content, crc)
        size += len(segment.content)
    data = b"".join([segment.data for segment in segments] + [_LAST_BLOCK])
    return CompressedPart(name.encode("ascii"), crc, size, data)


@attrs.frozen
class OpenPart:
    """The unchanging start of a part, deflated once, that forms may continue with a segment
    of their own (or close with its usual end, ``whole``)."""

    name: str
    start: Segment
    crc: int  # of the start's content
    whole: CompressedPart  # the start and the usual end, for a form adding nothing

    @classmethod
    def of(cls, name: str, start: bytes, end: bytes) -> OpenPart:
        segment = deflate_segment(start, level=ONCE)
        whole = segmented_part(name, [segment, deflate_segment(end, level=ONCE)])
        return cls(name, segment, zlib.crc32(start), whole)

    def followed_by(self, segment: Segment) -> CompressedPart:
        """The part: the start, then ``segment`` (which must end it)."""
        return CompressedPart(
            self.name.encode("ascii"),
            zlib.crc32(segment.content, self.crc),
            len(self.start.content) + len(segment.content),
            b"".join([self.start.data, segment.data, _LAST_BLOCK]),
        )


def zip_parts(parts: Sequence[CompressedPart]) -> bytes:
    """A ZIP archive of ``parts``, in order (sizes are far below the ZIP64 limits)."""
    records: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for part in parts:
        records += (part.local, part.data)
        directory.append(part.central + _OFFSET.pack(offset) + part.name)
        offset += len(part.local) + len(part.data)
    central = b"".join(directory)
    count = len(parts)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), offset, 0)
    return b"".join([*records, central, end])


_OFFSET = struct.Struct("<L")
