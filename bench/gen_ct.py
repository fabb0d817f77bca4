#!/usr/bin/python3
"""Writes a deterministic CT study for the benchmark: one study, one series of N axial
slices, SIZE x SIZE signed 16-bit, explicit VR little endian Part 10 files.

usage: gen_ct.py OUT_DIR [N=400] [SIZE=512] [SEED=1]

The same arguments always give byte-identical files. Pixels are a body disc, a sphere
whose cross-section changes from slice to slice, a gentle ramp and seeded noise, so no
two slices are equal and nothing compresses to nothing.
"""
import hashlib
import os
import sys
import warnings

warnings.filterwarnings("ignore")  # pydicom warns about values it would rewrite

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.uid import ExplicitVRLittleEndian

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
IMPLEMENTATION_UID = "2.25.95376747525743894421773232833384014401"
PIXEL_SPACING = 0.7  # mm
SLICE_STEP = 1.25  # mm


def uid(*parts):
    """A UUID-derived UID (PS3.5 B.2): 2.25. + a 128-bit integer from a hash of parts."""
    digest = hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()
    return "2.25." + str(int.from_bytes(digest[:16], "big"))


def main():
    if len(sys.argv) < 2 or len(sys.argv) > 5:
        sys.exit("usage: gen_ct.py OUT_DIR [N=400] [SIZE=512] [SEED=1]")
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 512
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    os.makedirs(out, exist_ok=True)

    rng = np.random.default_rng(seed)
    study = uid("bench-ct", seed, "study")
    series = uid("bench-ct", seed, n, size, "series")
    frame = uid("bench-ct", seed, "frame")
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    c = size / 2.0
    r2 = (xx - c) ** 2 + (yy - c) ** 2
    body = r2 < (0.45 * size) ** 2
    ramp = (xx / size * 60.0).astype(np.float32)  # 0..60 HU left to right
    origin = -c * PIXEL_SPACING

    for i in range(n):
        z = (i - n / 2.0) * SLICE_STEP
        # Stored values are HU + 1024 (RescaleIntercept -1024), as scanners do.
        hu = np.full((size, size), -1000.0, dtype=np.float32)
        hu[body] = 40.0
        hu += ramp * body
        sphere_r2 = max(0.0, (0.3 * size) ** 2 - (z / PIXEL_SPACING) ** 2)
        hu[(xx - c) ** 2 + (yy - 0.9 * c) ** 2 < sphere_r2] = 300.0
        hu += rng.normal(0.0, 12.0, (size, size)).astype(np.float32)
        stored = np.clip(hu + 1024.0, 0, 4095).astype(np.int16)

        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CT_IMAGE_STORAGE
        meta.MediaStorageSOPInstanceUID = uid("bench-ct", seed, n, size, "instance", i)
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        # Fixed here so the bytes do not change with the installed pydicom version.
        meta.ImplementationClassUID = IMPLEMENTATION_UID
        meta.ImplementationVersionName = "CUSTOS_BENCH_1"
        ds = Dataset()
        ds.file_meta = meta
        ds.preamble = b"\0" * 128
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.SOPClassUID = CT_IMAGE_STORAGE
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20240115"
        ds.StudyTime = ds.SeriesTime = ds.ContentTime = "101500"
        ds.AccessionNumber = f"BENCH{seed:04d}"
        ds.Modality = "CT"
        ds.Manufacturer = "BENCH"
        ds.StudyDescription = "CT CHEST BENCHMARK"
        ds.SeriesDescription = f"AXIAL {SLICE_STEP} MM"
        ds.PatientName = "Bench^Ct"
        ds.PatientID = f"BENCHCT{seed:04d}"
        ds.PatientBirthDate = "19700101"
        ds.PatientSex = "O"
        ds.BodyPartExamined = "CHEST"
        ds.SliceThickness = SLICE_STEP
        ds.KVP = 120
        ds.StudyInstanceUID = study
        ds.SeriesInstanceUID = series
        ds.StudyID = "1"
        ds.SeriesNumber = 2
        ds.InstanceNumber = i + 1
        ds.ImagePositionPatient = [origin, origin, z]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.FrameOfReferenceUID = frame
        ds.SliceLocation = z
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows = ds.Columns = size
        ds.PixelSpacing = [PIXEL_SPACING, PIXEL_SPACING]
        ds.BitsAllocated = 16
        ds.BitsStored = 16
        ds.HighBit = 15
        ds.PixelRepresentation = 1
        ds.WindowCenter = 40
        ds.WindowWidth = 400
        ds.RescaleIntercept = -1024
        ds.RescaleSlope = 1
        ds.RescaleType = "HU"
        ds.PixelData = stored.tobytes()
        ds["PixelData"].VR = "OW"
        ds.is_little_endian = True
        ds.is_implicit_VR = False
        # write_like_original=False: pydicom 2.x spelling of "write a conformant Part 10 file".
        dcmwrite(os.path.join(out, f"CT{i + 1:05d}.dcm"), ds, write_like_original=False)
    print(study)


if __name__ == "__main__":
    main()
