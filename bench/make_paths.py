#!/usr/bin/env python3
"""Writes the fixed request lists of bench/layers.sh (seeded, so every run asks the same).

  tiles.txt      1,000 tiles z8-z14 whose centre falls inside Lao Cai's bounding box, one
                 "i z x y" a line: every layer is asked the same tiles, by every server and by
                 pgbench (which reads them from the table bench_tiles)
  lowzoom.txt    every tile z8-z10 over the province's bounding box (the planner's first look)
  boxes.txt      200 item boxes of 0.1 degree, "i x0 y0 x1 y1"
  ids.txt        200 key point ids, "i id"

Usage: make_paths.py OUT_DIR MIN_ID MAX_ID
"""
import math
import random
import sys

out, min_id, max_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(20201231)
LAO_CAI = (103.53, 21.88, 104.63, 22.84)


def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    r = math.radians(lat)
    y = int((1.0 - math.log(math.tan(r) + 1.0 / math.cos(r)) / math.pi) / 2.0 * n)
    return x, y


def point():
    x0, y0, x1, y1 = LAO_CAI
    return rng.uniform(x0, x1), rng.uniform(y0, y1)


with open(f"{out}/tiles.txt", "w") as f:
    for i in range(1000):
        z = rng.randint(8, 14)
        x, y = tile(*point(), z)
        f.write(f"{i} {z} {x} {y}\n")

with open(f"{out}/lowzoom.txt", "w") as f:
    i = 0
    for z in (8, 9, 10):
        x0, y1 = tile(LAO_CAI[0], LAO_CAI[1], z)
        x1, y0 = tile(LAO_CAI[2], LAO_CAI[3], z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                f.write(f"{i} {z} {x} {y}\n")
                i += 1

with open(f"{out}/boxes.txt", "w") as f:
    for i in range(200):
        lon, lat = point()
        f.write(f"{i} {lon:.4f} {lat:.4f} {lon + 0.1:.4f} {lat + 0.1:.4f}\n")

with open(f"{out}/ids.txt", "w") as f:
    for i in range(200):
        f.write(f"{i} {rng.randint(min_id, max_id)}\n")
