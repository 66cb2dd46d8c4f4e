#!/usr/bin/env python3
"""Test-only: where pyproj (PROJ's EPSG:9208, VN-2000 / TM-3 104-45) puts a WGS 84 point.

The constant in tests/api/boundaries.rs comes from this script (pyproj 3.7.2):
    python3 scripts/vn2000_point.py 104.05 22.5  ->  427782.9793999694 2489193.7525809086
"""
import sys

from pyproj import Transformer

lon, lat = (float(a) for a in sys.argv[1:3])
x, y = Transformer.from_crs("EPSG:4326", "EPSG:9208", always_xy=True).transform(lon, lat)
print(repr(x), repr(y))
