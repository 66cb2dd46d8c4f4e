#!/usr/bin/env python3
"""Writes the fixed request lists of bench/layers.sh (seeded, so every run asks the same):
tiles z6-z14 over four layers, item pages by bbox, and single items, each for this service and
for the reference server (martin for tiles, tipg for items)."""
import math
import random
import sys
import urllib.parse

out = sys.argv[1]
max_id = int(sys.argv[2])
rng = random.Random(20201231)
LAO_CAI = (103.53, 21.88, 104.63, 22.84)
NATIONAL = (102.0, 8.5, 109.5, 23.5)
LAYERS = [("key_points", "bench_key_points"), ("communes", "bench_communes"),
          ("villages", "bench_villages"), ("border_segments", "bench_border")]


def point():
    x0, y0, x1, y1 = LAO_CAI if rng.random() < 0.6 else NATIONAL
    return rng.uniform(x0, x1), rng.uniform(y0, y1)


def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    r = math.radians(lat)
    y = int((1.0 - math.log(math.tan(r) + 1.0 / math.cos(r)) / math.pi) / 2.0 * n)
    return x, y


with open(f"{out}/tiles.ours", "w") as ours, open(f"{out}/tiles.martin", "w") as martin:
    for layer, source in LAYERS:
        for _ in range(250):
            z = rng.randint(6, 14)
            x, y = tile(*point(), z)
            ours.write(f"/api/v1/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}\n")
            martin.write(f"/{source}/{z}/{x}/{y}\n")

with open(f"{out}/items.ours", "w") as ours, open(f"{out}/items.tipg", "w") as tipg:
    for _ in range(200):
        lon, lat = point()
        bbox = f"{lon:.4f},{lat:.4f},{lon + 0.1:.4f},{lat + 0.1:.4f}"
        ours.write(f"/api/v1/collections/key_points/items?limit=100&bbox={bbox}\n")
        tipg.write(f"/collections/public.bench_key_points/items?limit=100&bbox={bbox}\n")

with open(f"{out}/item.ours", "w") as ours, open(f"{out}/item.tipg", "w") as tipg:
    for _ in range(200):
        fid = rng.randint(1, max_id)
        ours.write(f"/api/v1/collections/key_points/items/{fid}\n")
        tipg.write(f"/collections/public.bench_key_points/items/{fid}\n")

# Searches as people type them: synthetic names without diacritics, prefixes, a typo, real names.
REAL = ["ban vuoc", "Bản Vược", "bat xat ban vuoc", "y ty", "coc leu", "tp lao cai", "thanh binh", "moc 92",
        "don bien phong", "sa pa"]
with open(f"{out}/search.ours", "w") as ours:
    for i in range(200):
        kind = i % 4
        n = rng.randint(0, 9999)
        if kind == 0:
            q = f"xa thu {n}"
        elif kind == 1:
            q = f"thon thu {n % 10} xa thu {n}"
        elif kind == 2:
            q = REAL[i % len(REAL)]
        else:
            q = f"xa thu {str(n)[:-1] or '1'}"
        ours.write("/api/v1/search?q=" + urllib.parse.quote_plus(q) + "\n")
