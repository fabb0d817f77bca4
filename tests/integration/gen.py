"""Deterministic small DICOM files for the whole-program tests (pydicom from Debian)."""
import os

import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, CTImageStorage

ROOT = "2.25.1234567890"


def uid(*parts):
    return ".".join([ROOT, *[str(p) for p in parts]])


def make_instance(path, study=1, series=1, number=1, size=32, patient=("Test^Patient", "PID1"),
                  modality="MR", body_part="HEAD", date="20240105", charset=None, name=None,
                  description="Brain", institution="General Hospital", seed=0):
    meta = FileMetaDataset()
    sop_class = MRImageStorage if modality == "MR" else CTImageStorage
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = uid(study, series, number)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
    if charset:
        ds.SpecificCharacterSet = charset
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = uid(study, series, number)
    ds.StudyInstanceUID = uid(study)
    ds.SeriesInstanceUID = uid(study, series)
    ds.PatientName = name or patient[0]
    ds.PatientID = patient[1]
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.StudyDate = date
    ds.StudyTime = "101500"
    ds.SeriesDate = date
    ds.AccessionNumber = "A%d" % study
    ds.StudyID = str(study)
    ds.StudyDescription = description
    ds.InstitutionName = institution
    ds.Modality = modality
    ds.BodyPartExamined = body_part
    ds.SeriesNumber = series
    ds.InstanceNumber = number
    ds.Rows = size
    ds.Columns = size
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    rng = np.random.default_rng(seed * 100003 + study * 1009 + series * 101 + number)
    ds.PixelData = rng.integers(0, 4096, size=(size, size), dtype=np.uint16).tobytes()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    try:
        ds.save_as(path, enforce_file_format=True)
    except TypeError:
        ds.is_little_endian = True
        ds.is_implicit_VR = False
        ds.save_as(path, write_like_original=False)
    return ds


def make_set(root, studies=3, series=2, per_series=5, size=32, seed=0):
    paths = []
    for st in range(1, studies + 1):
        for se in range(1, series + 1):
            for n in range(1, per_series + 1):
                p = os.path.join(root, "st%d" % st, "se%d" % se, "im%d.dcm" % n)
                make_instance(p, study=st, series=se, number=n, size=size, seed=seed,
                              date="2024%02d%02d" % (st % 12 + 1, se + 1))
                paths.append(p)
    return paths
