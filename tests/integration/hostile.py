"""Deterministic hostile DICOM files for the whole-program tests (SECURITY.md, "Hostile
files"). Built by hand with struct, because pydicom refuses to write most of them: deep
nesting, deflate bombs, declared lengths far beyond the bytes present, executable
preambles, truncations and byte flips of valid files.

Generators write files and return their paths (rich_file also returns the offsets where a
cut leaves a whole file). The *_cases(dir) functions, and hostile_set(dir) for all of them,
return Case(path, expect, pattern) tuples: expect is "rejected" or "flagged", pattern a
regular expression the reason given by `custos import` must match."""
import collections
import os
import random
import struct
import zlib

ROOT = "2.25.5550001"

EXPLICIT_LE = "1.2.840.10008.1.2.1"
IMPLICIT_LE = "1.2.840.10008.1.2"
DEFLATED_LE = "1.2.840.10008.1.2.1.99"
MR_STORAGE = "1.2.840.10008.5.1.4.1.1.4"

UNDEFINED = 0xFFFFFFFF
GIB = 1 << 30
THREE_GB = 3 * GIB  # 0xC0000000: fits the 32-bit length field

# VRs whose explicit-VR header has 2 reserved bytes and a 32-bit length (PS3.5 7.1.2).
LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT",
            b"UV"}

Case = collections.namedtuple("Case", "path expect pattern")

NESTING = r"nest|deep"
INFLATE = r"inflat|deflat"
LENGTH = r"length|truncat|past the end|beyond"
PREAMBLE = r"preamble"


def uid(*parts):
    return ".".join([ROOT, *[str(p) for p in parts]])


def tag_bytes(group, elem):
    return struct.pack("<HH", group, elem)


def pad(value, vr):
    if len(value) % 2 == 0:
        return value
    return value + (b"\0" if vr in (b"UI", b"OB", b"UN") else b" ")


def explicit(group, elem, vr, value=b"", length=None):
    """One explicit-VR little-endian element; `length` overrides the declared length."""
    if isinstance(value, str):
        value = value.encode("ascii")
    value = pad(value, vr)
    n = len(value) if length is None else length
    if vr in LONG_VRS:
        return tag_bytes(group, elem) + vr + b"\0\0" + struct.pack("<I", n) + value
    return tag_bytes(group, elem) + vr + struct.pack("<H", n) + value


def implicit(group, elem, value=b"", length=None, vr=b"LO"):
    if isinstance(value, str):
        value = value.encode("ascii")
    value = pad(value, vr)
    n = len(value) if length is None else length
    return tag_bytes(group, elem) + struct.pack("<I", n) + value


def item(length):
    return tag_bytes(0xFFFE, 0xE000) + struct.pack("<I", length)


ITEM_END = tag_bytes(0xFFFE, 0xE00D) + b"\0\0\0\0"
SEQ_END = tag_bytes(0xFFFE, 0xE0DD) + b"\0\0\0\0"


def preamble_and_meta(sop_uid, transfer_syntax, preamble=b"\0" * 128):
    assert len(preamble) == 128
    body = (explicit(0x0002, 0x0001, b"OB", b"\0\1")
            + explicit(0x0002, 0x0002, b"UI", MR_STORAGE)
            + explicit(0x0002, 0x0003, b"UI", sop_uid)
            + explicit(0x0002, 0x0010, b"UI", transfer_syntax)
            + explicit(0x0002, 0x0012, b"UI", ROOT + ".9")
            + explicit(0x0002, 0x0013, b"SH", "HOSTILE_GEN"))
    return preamble + b"DICM" + explicit(0x0002, 0x0000, b"UL", struct.pack("<I", len(body))) + body


# The identifying attributes, (group, element, VR, value), in tag order. Split at (0008,1030)
# so that a sequence can be placed inside the header region, at (0008,1115).
def header_elements(n, study=1, series=1):
    return [
        (0x0008, 0x0016, b"UI", MR_STORAGE),
        (0x0008, 0x0018, b"UI", uid(study, series, n)),
        (0x0008, 0x0020, b"DA", "20240301"),
        (0x0008, 0x0030, b"TM", "093000"),
        (0x0008, 0x0050, b"SH", "H%d" % n),
        (0x0008, 0x0060, b"CS", "MR"),
        (0x0008, 0x0080, b"LO", "Hostile Test Site"),
        (0x0008, 0x0090, b"PN", "Referrer^Doctor"),
        (0x0008, 0x1030, b"LO", "Hostile input %d" % n),
    ], [
        (0x0010, 0x0010, b"PN", "Hostile^Case%d" % n),
        (0x0010, 0x0020, b"LO", "HOST%d" % n),
        (0x0010, 0x0030, b"DA", "19800101"),
        (0x0010, 0x0040, b"CS", "O"),
        (0x0018, 0x0015, b"CS", "CHEST"),
        (0x0020, 0x000D, b"UI", uid(study)),
        (0x0020, 0x000E, b"UI", uid(study, series)),
        (0x0020, 0x0010, b"SH", str(study)),
        (0x0020, 0x0011, b"IS", str(series)),
        (0x0020, 0x0013, b"IS", str(n)),
    ]


def image_elements(rows, cols):
    us = lambda v: struct.pack("<H", v)  # noqa: E731
    return [
        (0x0028, 0x0002, b"US", us(1)),
        (0x0028, 0x0004, b"CS", "MONOCHROME2"),
        (0x0028, 0x0010, b"US", us(rows)),
        (0x0028, 0x0011, b"US", us(cols)),
        (0x0028, 0x0100, b"US", us(16)),
        (0x0028, 0x0101, b"US", us(12)),
        (0x0028, 0x0102, b"US", us(11)),
        (0x0028, 0x0103, b"US", us(0)),
    ]


def encode(elements, vr_explicit=True):
    out = []
    for g, e, vr, v in elements:
        out.append(explicit(g, e, vr, v) if vr_explicit else implicit(g, e, v, vr=vr))
    return b"".join(out)


def pixels(rows, cols, seed):
    rng = random.Random(seed)
    return bytes(rng.getrandbits(8) & (0x0F if i % 2 else 0xFF) for i in range(rows * cols * 2))


def write(path, data):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def valid_file(path, n=1, rows=16, cols=16, study=1, series=1, preamble=b"\0" * 128):
    """A small, valid explicit-VR MR image (the base the hostile variants start from)."""
    sop = uid(study, series, n)
    first, second = header_elements(n, study, series)
    data = (preamble_and_meta(sop, EXPLICIT_LE, preamble) + encode(first) + encode(second)
            + encode(image_elements(rows, cols))
            + explicit(0x7FE0, 0x0010, b"OW", pixels(rows, cols, n)))
    return write(path, data)


# --- deep nesting ---------------------------------------------------------------------------

def nested_undefined(depth, vr_explicit=True, tag=(0x0008, 0x1115)):
    """`depth` sequences, each of undefined length holding one undefined-length item."""
    g, e = tag
    if vr_explicit:
        opening = explicit(g, e, b"SQ", length=UNDEFINED) + item(UNDEFINED)
        leaf = explicit(0x0008, 0x1150, b"UI", MR_STORAGE)
    else:
        opening = implicit(g, e, length=UNDEFINED) + item(UNDEFINED)
        leaf = implicit(0x0008, 0x1150, MR_STORAGE)
    return opening * depth + leaf + (ITEM_END + SEQ_END) * depth


def nested_defined_implicit(depth, tag=(0x0008, 0x1115)):
    """`depth` implicit-VR sequences of defined length, each holding one defined-length item:
    nothing but the item tag at the start of each value shows it is a sequence."""
    g, e = tag
    leaf = implicit(0x0008, 0x1150, MR_STORAGE)
    parts = []
    for level in range(depth):  # level 0 is outermost
        inner = len(leaf) + 16 * (depth - 1 - level)  # the item's content
        parts.append(implicit(g, e, length=8 + inner) + item(inner))
    return b"".join(parts) + leaf


def nesting_file(path, depth, n, kind="undefined-explicit"):
    """A valid file with a nested sequence at (0008,1115), inside the header region."""
    sop = uid(2, 1, n)
    first, second = header_elements(n, study=2)
    if kind == "undefined-explicit":
        ts, vr_explicit, seq = EXPLICIT_LE, True, nested_undefined(depth, True)
    elif kind == "undefined-implicit":
        ts, vr_explicit, seq = IMPLICIT_LE, False, nested_undefined(depth, False)
    elif kind == "defined-implicit":
        ts, vr_explicit, seq = IMPLICIT_LE, False, nested_defined_implicit(depth)
    else:
        raise ValueError(kind)
    rows = cols = 8
    pix = pixels(rows, cols, n)
    pixel_data = (explicit(0x7FE0, 0x0010, b"OW", pix) if vr_explicit
                  else implicit(0x7FE0, 0x0010, pix))
    data = (preamble_and_meta(sop, ts) + encode(first, vr_explicit) + seq
            + encode(second, vr_explicit) + encode(image_elements(rows, cols), vr_explicit)
            + pixel_data)
    return write(path, data)


# --- deflate bombs --------------------------------------------------------------------------

def _deflate_zeros(compressor, count, out):
    block = bytes(1 << 20)
    while count > 0:
        take = min(count, len(block))
        out.append(compressor.compress(block[:take]))
        count -= take


def deflate_bomb(path, n, inflated=GIB, one_element=True):
    """Deflated explicit VR little endian whose dataset inflates to about `inflated` bytes of
    zeros. one_element: a single OB of that declared length at (0029,1010); otherwise 1 MiB
    private OB elements, so no single declared length gives it away and only the inflate
    caps can stop it."""
    sop = uid(3, 1, n)
    first, second = header_elements(n, study=3)
    head = encode(first) + encode(second) + encode(image_elements(8, 8))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = [c.compress(head)]
    if one_element:
        out.append(c.compress(explicit(0x0029, 0x0010, b"LO", "HOSTILE")
                              + explicit(0x0029, 0x1010, b"OB", length=inflated)))
        _deflate_zeros(c, inflated, out)
    else:
        out.append(c.compress(explicit(0x0029, 0x0010, b"LO", "HOSTILE")))
        mib = 1 << 20
        for i in range(inflated // mib):
            out.append(c.compress(explicit(0x0029, 0x1000 + i, b"OB", length=mib)))
            _deflate_zeros(c, mib, out)
    out.append(c.compress(explicit(0x7FE0, 0x0010, b"OW", bytes(128))))
    out.append(c.flush())
    return write(path, preamble_and_meta(sop, DEFLATED_LE) + b"".join(out))


# --- declared lengths far beyond the file ---------------------------------------------------

def huge_length_file(path, n, where, size=100 * 1024):
    """A ~100 KB file with one value length of 3 GB. where: 'patient-name-implicit',
    'patient-name-un', 'sequence', 'pixel-data', 'pixel-data-implicit'."""
    sop = uid(4, 1, n)
    first, second = header_elements(n, study=4)
    implicit_vr = where.endswith("-implicit")
    ts = IMPLICIT_LE if implicit_vr else EXPLICIT_LE
    data = preamble_and_meta(sop, ts) + encode(first, not implicit_vr)
    if where == "patient-name-implicit":
        data += implicit(0x0010, 0x0010, b"Hostile^Length", length=THREE_GB)
    elif where == "patient-name-un":
        data += explicit(0x0010, 0x0010, b"UN", b"Hostile^Length", length=THREE_GB)
    elif where == "sequence":
        data += explicit(0x0008, 0x1115, b"SQ", length=THREE_GB) + item(THREE_GB - 8)
    else:
        data += encode(second, not implicit_vr) + encode(image_elements(8, 8), not implicit_vr)
        if implicit_vr:
            data += implicit(0x7FE0, 0x0010, length=THREE_GB)
        else:
            data += explicit(0x7FE0, 0x0010, b"OW", length=THREE_GB)
    filler = bytes((i * 7 + 3) & 0xFF for i in range(256))
    data += (filler * (size // 256 + 1))[: max(0, size - len(data))]
    return write(path, data)


# --- executable preamble --------------------------------------------------------------------

def pe_preamble():
    """A DOS/PE header in 128 bytes: 'MZ', e_lfanew = 0x40, 'PE\\0\\0' and a COFF header for
    x86-64, as a polyglot DICOM/Windows executable would start (CVE-2019-11687)."""
    dos = bytearray(64)
    dos[0:2] = b"MZ"
    struct.pack_into("<HHHHHHHHH", dos, 2, 0x90, 3, 0, 4, 0, 0xFFFF, 0, 0xB8, 0)
    struct.pack_into("<I", dos, 0x3C, 0x40)
    coff = b"PE\0\0" + struct.pack("<HHIIIHH", 0x8664, 3, 0x5F5E1000, 0, 0, 0xF0, 0x0022)
    stub = b"This program cannot be run in DOS mode.\r\r\n$"
    pre = bytes(dos) + coff + stub
    return (pre + bytes(128))[:128]


def executable_preamble_file(path, n=1):
    return valid_file(path, n=n, study=5, preamble=pe_preamble())


# --- a valid file with sequences, for truncation --------------------------------------------

def rich_file(path, n=1, rows=128, cols=128):
    """A valid ~50 KB explicit-VR file: a defined-length sequence of 40 items in the header,
    an undefined-length sequence with nested items, a private undefined-length sequence
    after the header region, and pixel data. Returns (path, boundaries, uids_end, item_ends):
    the offsets just after each top-level element, the first offset from which a cut on
    such a boundary leaves every UID in place, and the offsets just after each item of the
    undefined-length sequences (a cut there leaves a sequence open)."""
    sop = uid(6, 1, n)
    first, second = header_elements(n, study=6)
    parts = [preamble_and_meta(sop, EXPLICIT_LE)]
    parts += [explicit(*el) for el in first]
    # (0008,1115) Referenced Series Sequence: defined lengths throughout.
    items = []
    for i in range(40):
        body = (explicit(0x0008, 0x1150, b"UI", MR_STORAGE)
                + explicit(0x0008, 0x1155, b"UI", uid(6, 9, n, i)))
        items.append(item(len(body)) + body)
    parts.append(explicit(0x0008, 0x1115, b"SQ", b"".join(items)))
    # (0008,1140) Referenced Image Sequence: undefined lengths, with a nested code sequence.
    item_ends = []  # offsets just after items of the undefined-length sequences
    seq = explicit(0x0008, 0x1140, b"SQ", length=UNDEFINED)
    for i in range(12):
        code = (item(UNDEFINED) + explicit(0x0008, 0x0100, b"SH", "C%03d" % i)
                + explicit(0x0008, 0x0102, b"SH", "HOSTILE")
                + explicit(0x0008, 0x0104, b"LO", "Code meaning %d" % i) + ITEM_END)
        seq += (item(UNDEFINED) + explicit(0x0008, 0x1150, b"UI", MR_STORAGE)
                + explicit(0x0008, 0x1155, b"UI", uid(6, 8, n, i))
                + explicit(0x0040, 0xA043, b"SQ", length=UNDEFINED) + code + SEQ_END
                + ITEM_END)
        item_ends.append(sum(map(len, parts)) + len(seq))
    parts.append(seq + SEQ_END)
    parts += [explicit(*el) for el in second]
    parts += [explicit(*el) for el in image_elements(rows, cols)]
    # A private undefined-length sequence past the header region.
    priv = explicit(0x0029, 0x0010, b"LO", "HOSTILE")
    parts.append(priv)
    seq = explicit(0x0029, 0x1010, b"SQ", length=UNDEFINED)
    for i in range(6):
        seq += item(UNDEFINED) + explicit(0x0029, 0x1011, b"OB", bytes([i]) * 1400) + ITEM_END
        item_ends.append(sum(map(len, parts)) + len(seq))
    parts.append(seq + SEQ_END)
    parts.append(explicit(0x7FE0, 0x0010, b"OW", pixels(rows, cols, n)))
    boundaries, offset = [], 0
    for p in parts:
        offset += len(p)
        boundaries.append(offset)
    # The last UID, (0020,000E), sits in `second`; every cut from just after it keeps all three.
    uids_end = boundaries[1 + len(first) + 2 + 6]  # parts: meta, first, 2 sequences, second
    write(path, b"".join(parts))
    return path, boundaries, uids_end, item_ends


def truncate(src, dst, length):
    with open(src, "rb") as f:
        data = f.read(length)
    return write(dst, data)


# --- byte flips in the header region --------------------------------------------------------

def flipped_variants(out_dir, bases, count=200, seed=4711, region=1024):
    """`count` copies of the base files, each with 1-8 bytes within the first `region` bytes
    replaced by other values (seeded, so the same every run)."""
    rng = random.Random(seed)
    originals = []
    for b in bases:
        with open(b, "rb") as f:
            originals.append(f.read())
    paths = []
    for i in range(count):
        data = bytearray(originals[i % len(originals)])
        for _ in range(rng.randint(1, 8)):
            pos = rng.randrange(min(region, len(data)))
            data[pos] ^= rng.randint(1, 255)
        paths.append(write(os.path.join(out_dir, "flip%03d.dcm" % i), bytes(data)))
    return paths


# --- the whole collection -------------------------------------------------------------------

def nesting_cases(d):
    return [
        Case(nesting_file(os.path.join(d, "nest65.dcm"), 65, 1), "rejected", NESTING),
        Case(nesting_file(os.path.join(d, "nest10k.dcm"), 10_000, 2), "rejected", NESTING),
        Case(nesting_file(os.path.join(d, "nest200k.dcm"), 200_000, 3), "rejected", NESTING),
        Case(nesting_file(os.path.join(d, "nest10k-implicit.dcm"), 10_000, 4,
                          "undefined-implicit"), "rejected", NESTING),
        Case(nesting_file(os.path.join(d, "nest65-defined-implicit.dcm"), 65, 5,
                          "defined-implicit"), "rejected", NESTING),
        Case(nesting_file(os.path.join(d, "nest10k-defined-implicit.dcm"), 10_000, 6,
                          "defined-implicit"), "rejected", NESTING),
        Case(nesting_file(os.path.join(d, "nest200k-defined-implicit.dcm"), 200_000, 7,
                          "defined-implicit"), "rejected", NESTING),
    ]


def deflate_cases(d):
    return [
        Case(deflate_bomb(os.path.join(d, "bomb-one-element.dcm"), 1), "rejected", INFLATE),
        Case(deflate_bomb(os.path.join(d, "bomb-many-elements.dcm"), 2, one_element=False),
             "rejected", INFLATE),
    ]


def length_cases(d):
    wheres = ["patient-name-implicit", "patient-name-un", "sequence", "pixel-data",
              "pixel-data-implicit"]
    return [Case(huge_length_file(os.path.join(d, "length3g-%s.dcm" % w), i + 1, w),
                 "rejected", LENGTH) for i, w in enumerate(wheres)]


def preamble_cases(d):
    return [Case(executable_preamble_file(os.path.join(d, "polyglot-pe.dcm")), "flagged",
                 PREAMBLE)]


def hostile_set(d):
    return nesting_cases(d) + deflate_cases(d) + length_cases(d) + preamble_cases(d)
