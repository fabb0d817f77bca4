#!/usr/bin/python3
"""Prints the MD5 of each frame of a file as pydicom sees it, one per line.

Native: slices of PixelData; encapsulated: pydicom.encaps.generate_pixel_data_frame.
"""
import hashlib
import sys

import pydicom
from pydicom.encaps import generate_pixel_data_frame

ds = pydicom.dcmread(sys.argv[1], force=True)
n = int(ds.get("NumberOfFrames", 1) or 1)
if ds.file_meta.TransferSyntaxUID.is_compressed:
    frames = generate_pixel_data_frame(ds.PixelData, n)
else:
    size = ds.Rows * ds.Columns * ds.SamplesPerPixel * ds.BitsAllocated // 8
    frames = (ds.PixelData[k * size:(k + 1) * size] for k in range(n))
for f in frames:
    print(hashlib.md5(f).hexdigest())
