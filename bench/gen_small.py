#!/usr/bin/python3
"""Writes N small MR instances (256 x 256, 16-bit, explicit VR little endian Part 10)
spread over STUDIES studies, one patient per study, three to five series per study,
laid out as OUT_DIR/STUDYsss/SERIESe/IMnnnnnn.dcm like a folder copied off a CD.

usage: gen_small.py OUT_DIR [N=6000] [STUDIES=40] [SEED=1]

The same arguments always give byte-identical files.
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

MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
IMPLEMENTATION_UID = "2.25.95376747525743894421773232833384014401"
SIZE = 256
BODY_PARTS = ["HEAD", "KNEE", "SPINE", "ABDOMEN", "PELVIS"]


def uid(*parts):
    """A UUID-derived UID (PS3.5 B.2): 2.25. + a 128-bit integer from a hash of parts."""
    digest = hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()
    return "2.25." + str(int.from_bytes(digest[:16], "big"))


def series_count(study):
    return 3 + study % 3


def main():
    if len(sys.argv) < 2 or len(sys.argv) > 5:
        sys.exit("usage: gen_small.py OUT_DIR [N=6000] [STUDIES=40] [SEED=1]")
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 6000
    studies = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    if n < 1 or studies < 1:
        sys.exit("gen_small.py: N and STUDIES must be positive")
    studies = min(studies, n)

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    r2 = (xx - SIZE / 2) ** 2 + (yy - SIZE / 2) ** 2

    for i in range(n):
        s = i * studies // n  # contiguous blocks: study s holds files [s*n/studies, ...)
        first = -(-s * n // studies)  # ceil: index of the study's first file
        k = i - first  # position inside the study
        e = k % series_count(s)  # series, round robin
        number = k // series_count(s) + 1  # instance number inside the series
        folder = os.path.join(out, f"STUDY{s:03d}", f"SERIES{e + 1}")
        if k < series_count(s):
            os.makedirs(folder, exist_ok=True)

        radius2 = (20 + (number * 7 + e * 13) % 90) ** 2
        img = np.where(r2 < radius2, 1800, 200).astype(np.uint16)
        img += rng.integers(0, 400, (SIZE, SIZE), dtype=np.uint16)

        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = MR_IMAGE_STORAGE
        meta.MediaStorageSOPInstanceUID = uid("bench-small", seed, n, studies, "instance", i)
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        # Fixed here so the bytes do not change with the installed pydicom version.
        meta.ImplementationClassUID = IMPLEMENTATION_UID
        meta.ImplementationVersionName = "CUSTOS_BENCH_1"
        ds = Dataset()
        ds.file_meta = meta
        ds.preamble = b"\0" * 128
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.ImageType = ["ORIGINAL", "PRIMARY", "M"]
        ds.SOPClassUID = MR_IMAGE_STORAGE
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        date = f"{2005 + s % 19:04d}{1 + s % 12:02d}{1 + s % 28:02d}"
        ds.StudyDate = ds.SeriesDate = ds.ContentDate = date
        ds.StudyTime = ds.SeriesTime = ds.ContentTime = f"{8 + s % 10:02d}3000"
        ds.AccessionNumber = f"BSM{seed:02d}{s:04d}"
        ds.Modality = "MR"
        ds.Manufacturer = "BENCH"
        ds.StudyDescription = f"MR {BODY_PARTS[s % len(BODY_PARTS)]} BENCHMARK"
        ds.SeriesDescription = f"SEQUENCE {e + 1}"
        ds.PatientName = f"Bench^Small{s:03d}"
        ds.PatientID = f"BENCHSM{seed:02d}{s:04d}"
        ds.PatientBirthDate = f"{1940 + s % 60:04d}0101"
        ds.PatientSex = "FM"[s % 2]
        ds.BodyPartExamined = BODY_PARTS[s % len(BODY_PARTS)]
        ds.SliceThickness = 4.0
        ds.StudyInstanceUID = uid("bench-small", seed, n, studies, "study", s)
        ds.SeriesInstanceUID = uid("bench-small", seed, n, studies, "series", s, e)
        ds.StudyID = str(s + 1)
        ds.SeriesNumber = e + 1
        ds.InstanceNumber = number
        ds.ImagePositionPatient = [-120.0, -120.0, 4.0 * number]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.FrameOfReferenceUID = uid("bench-small", seed, n, studies, "frame", s, e)
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows = ds.Columns = SIZE
        ds.PixelSpacing = [0.9375, 0.9375]
        ds.BitsAllocated = 16
        ds.BitsStored = 12
        ds.HighBit = 11
        ds.PixelRepresentation = 0
        ds.PixelData = img.tobytes()
        ds["PixelData"].VR = "OW"
        ds.is_little_endian = True
        ds.is_implicit_VR = False
        # write_like_original=False: pydicom 2.x spelling of "write a conformant Part 10 file".
        dcmwrite(os.path.join(folder, f"IM{i:06d}.dcm"), ds, write_like_original=False)


if __name__ == "__main__":
    main()
