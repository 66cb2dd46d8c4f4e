"""Gi* and the FDR bins by PySAL esda on the cells `antq bench-hotspots` wrote (bench/hotspots.sh).

Reads DIR/cells.csv (i, j, x, y, count and this service's z, p, bin) and DIR/neighbours.txt (one
line per cell: its neighbours' row numbers, itself excluded), builds the same binary weights,
times esda's G_Local(star=True, permutations=0) plus the FDR cut-offs at 99/95/90 % (median of
REPEAT runs), and prints key=value lines: the largest |z difference|, bins that differ, timings.
"""

import statistics
import sys
import time

import numpy as np
import esda
import libpysal

out, repeat = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20
cells = np.genfromtxt(f"{out}/cells.csv", delimiter=",", names=True)
y = cells["count"].astype(float)
with open(f"{out}/neighbours.txt") as f:
    lines = f.read().split("\n")[: len(y)]
neighbours = {k: [int(j) for j in line.split()] for k, line in enumerate(lines)}
w = libpysal.weights.W(neighbours, silence_warnings=True)
w.transform = "B"


def gi_fdr():
    g = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    z = g.Zs
    p = 2 * g.p_norm  # esda's p_norm is one-sided
    level = np.zeros(len(z), dtype=int)
    for alpha in (0.10, 0.05, 0.01):
        cut = esda.fdr(p, alpha)
        level += (p <= cut).astype(int)
    return z, np.sign(z).astype(int) * level


timings = []
for _ in range(repeat):
    t = time.perf_counter()
    z, bins = gi_fdr()
    timings.append(time.perf_counter() - t)
ours_z = cells["z"]
print(f"esda_version={esda.__version__}")
print(f"max_abs_z_diff={np.max(np.abs(z - ours_z)):.3e}")
print(f"bins_differ={int(np.sum(bins != cells['bin'].astype(int)))}")
print(f"esda_gi_fdr_ms={statistics.median(timings) * 1000:.3f}")
