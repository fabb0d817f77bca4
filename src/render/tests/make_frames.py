#!/usr/bin/python3
"""Writes the render tests' inputs and expectations from pydicom's test files.

usage: make_frames.py OUTDIR

For each case: CASE.txt (the pixel description, key=value), CASE.F.frag (frame F's
fragments: 4-byte little-endian length, then the bytes, repeated) and CASE.F.expected
(the reference pixel values as little-endian int32, colour interleaved RGB) taken from
pydicom's pixel_array of the reference file. pydicom in Debian decodes native and RLE data
itself; for JPEG, JPEG-LS and JPEG 2000 the reference is the uncompressed original the
compressed file was made from (lossless: exact; lossy: within the case's tolerance).
"""
import os
import struct
import subprocess
import sys

import numpy as np
import pydicom
import pydicom.data
from pydicom.encaps import generate_pixel_data
from pydicom.pixel_data_handlers.util import convert_color_space

SRC = os.path.join(pydicom.data.__path__[0], "test_files")

# name, file, reference file (None: no reference, only the size is checked), tolerance
CASES = [
    ("ct_small", "CT_small.dcm", "CT_small.dcm", 0),
    ("mr_small", "MR_small.dcm", "MR_small.dcm", 0),
    ("mr_implicit", "MR_small_implicit.dcm", "MR_small.dcm", 0),
    ("mr_bigendian", "MR_small_bigendian.dcm", "MR_small.dcm", 0),
    ("rgb_bigendian_planar", "ExplVR_BigEnd.dcm", "ExplVR_BigEnd.dcm", 0),
    ("ybr422_native", "SC_ybr_full_422_uncompressed.dcm", "SC_ybr_full_422_uncompressed.dcm", 2),
    ("rgb_odd", "SC_rgb_small_odd.dcm", "SC_rgb_small_odd.dcm", 0),
    ("deflated_8bit", "image_dfl.dcm", "image_dfl.dcm", 0),
    ("mr_rle", "MR_small_RLE.dcm", "MR_small.dcm", 0),
    ("rgb_rle", "SC_rgb_rle.dcm", "SC_rgb_rle.dcm", 0),
    ("rgb_rle_2frame", "SC_rgb_rle_2frame.dcm", "SC_rgb_rle_2frame.dcm", 0),
    ("rgb_rle_16bit", "SC_rgb_rle_16bit.dcm", "SC_rgb_rle_16bit.dcm", 0),
    ("rgb_rle_16bit_2frame", "SC_rgb_rle_16bit_2frame.dcm", "SC_rgb_rle_16bit_2frame.dcm", 0),
    ("mr_jpegls", "MR_small_jpeg_ls_lossless.dcm", "MR_small.dcm", 0),
    ("mr_j2k", "MR_small_jp2klossless.dcm", "MR_small.dcm", 0),
    ("rgb_jpeg_lossless", "SC_rgb_jpeg_gdcm.dcm", "SC_rgb_rle.dcm", 0),
    ("rgb_jpeg_ybr", "SC_rgb_jpeg_dcmtk.dcm", "SC_rgb_rle.dcm", 12),
    ("rgb_jpeg_422", "SC_rgb_dcmtk_+eb+cy+np.dcm", "SC_rgb_rle.dcm", 96),  # 4:2:2 chroma at colour bar edges
    ("rgb_j2k", "SC_rgb_gdcm_KY.dcm", "SC_rgb_rle.dcm", 4),
    ("j2k_rct", "GDCMJ2K_TextGBR.dcm", None, 0),
    ("j2k_ct", "693_J2KI.dcm", None, 0),
    ("jpeg_extended_12bit", "JPGExtended.dcm", None, 0),
]


def description(ds):
    def multi(v):
        if v is None:
            return ""
        if isinstance(v, pydicom.multival.MultiValue):
            return ",".join(str(float(x)) for x in v)
        return str(float(v))
    return {
        "transfer_syntax_uid": str(ds.file_meta.TransferSyntaxUID),
        "rows": ds.Rows, "columns": ds.Columns, "samples_per_pixel": ds.SamplesPerPixel,
        "bits_allocated": ds.BitsAllocated, "bits_stored": ds.BitsStored,
        "high_bit": ds.HighBit, "pixel_signed": ds.PixelRepresentation,
        "photometric": ds.PhotometricInterpretation,
        "planar_configuration": ds.get("PlanarConfiguration", 0),
        "rescale_slope": float(ds.get("RescaleSlope", 1)),
        "rescale_intercept": float(ds.get("RescaleIntercept", 0)),
        "window_centers": multi(ds.get("WindowCenter")),
        "window_widths": multi(ds.get("WindowWidth")),
        "frames": int(ds.get("NumberOfFrames", 1) or 1),
    }


def frames_of(ds):
    n = int(ds.get("NumberOfFrames", 1) or 1)
    if ds.file_meta.TransferSyntaxUID.is_compressed:
        return [list(f) for f in generate_pixel_data(ds.PixelData, n)]
    data = ds.PixelData
    size = len(data) // n
    if ds.PhotometricInterpretation == "YBR_FULL_422":
        size = ds.Rows * ds.Columns * 2
    return [[data[i * size:(i + 1) * size]] for i in range(n)]


def reference(path):
    ds = pydicom.dcmread(path)
    arr = ds.pixel_array
    n = int(ds.get("NumberOfFrames", 1) or 1)
    if n == 1:
        arr = arr[np.newaxis, ...]
    if ds.PhotometricInterpretation.startswith("YBR_FULL"):
        arr = np.stack([convert_color_space(a, "YBR_FULL", "RGB") for a in arr])
    return arr.astype("<i4")


def main(out):
    os.makedirs(out, exist_ok=True)
    cases = list(CASES)
    # A 16-bit JPEG Lossless (process 14, selection value 1) file made by DCMTK from MR_small.
    lossless = os.path.join(out, "MR_small_jpeg_lossless_sv1.dcm")
    if subprocess.run(["dcmcjpeg", "+e1", os.path.join(SRC, "MR_small.dcm"), lossless],
                      capture_output=True).returncode == 0:
        cases.append(("mr_jpeg_lossless", lossless, "MR_small.dcm", 0))
    for name, file, ref, tolerance in cases:
        ds = pydicom.dcmread(os.path.join(SRC, file))
        d = description(ds)
        d["tolerance"] = tolerance
        d["has_reference"] = 1 if ref else 0
        with open(os.path.join(out, name + ".txt"), "w") as f:
            for k, v in d.items():
                f.write(f"{k}={v}\n")
        for i, fragments in enumerate(frames_of(ds)):
            with open(os.path.join(out, f"{name}.{i}.frag"), "wb") as f:
                for frag in fragments:
                    f.write(struct.pack("<I", len(frag)))
                    f.write(frag)
        if ref:
            arr = reference(os.path.join(SRC, ref))
            for i in range(arr.shape[0]):
                arr[i].tofile(os.path.join(out, f"{name}.{i}.expected"))
    with open(os.path.join(out, "cases.txt"), "w") as f:
        f.write("\n".join(c[0] for c in cases) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
