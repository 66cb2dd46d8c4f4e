#!/usr/bin/env python3
"""Helpers of bench/layers.sh.

capture LOG SLICES OUT
    SLICES is a file of "kind name start end z x y" lines: for each request the bench made while
    PostgreSQL logged every statement (log_min_duration_statement = 0), the byte range of the
    server log it wrote. From each slice this takes the statements the route ran for the layer
    (the executions of prepared statements, text and bound values exactly as logged) and writes:
      OUT/<kind>-<name>.pgbench  the same statements for `pgbench -M prepared`: the tile's z, x, y
                                 (or the box, or the id) come from a lookup by a random index, every
                                 other value is bound as the route bound it (-D in .defs)
      OUT/<kind>-<name>.defs     the -D arguments
      OUT/<kind>-<name>.mode     pgbench's -M: "extended" when the route ran the statement unnamed
                                 (planned for its values each time), else "prepared"
      OUT/views.sql              for tiles: a view per layer with the same rows and properties as
                                 the layer's source, for martin (and tipg), values as bound
explain OUT LAYER Z X Y [generic|custom]
    prints a psql script that prepares the layer's tile statement(s) as pgbench runs them (OUT from
    capture) and runs EXPLAIN (ANALYZE, BUFFERS) of them for tile Z/X/Y under that plan mode,
    after five executions (when PostgreSQL would first consider a generic plan).
percentiles FILE...
    pgbench per-transaction logs: prints "tps p50_ms p99_ms count" (tps over the logged span).
"""
import json
import re
import sys

ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[\d+\] ", re.M)
EXECUTE = re.compile(r"^(?:LOG|STATEMENT):\s+duration: [\d.]+ ms\s+execute ([^:]*): (.*)$", re.S)
PARAMS = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")
# What the layer machinery runs (tiles, item pages, counts, one item, an analysis's stored run);
# the gate's token check and the audit log are the service's own cost, not the layer's.
LAYER_SQL = re.compile(r"ST_AsMVT\(|'type', 'Feature'|select count\(\*\) from \(|analysis_runs")


def entries(text):
    """(message, detail) of each log entry."""
    starts = [m.start() for m in ENTRY.finditer(text)] + [len(text)]
    out = []
    for a, b in zip(starts, starts[1:]):
        body = ENTRY.sub("", text[a:b], count=1).rstrip("\n")
        out.append(body)
    merged = []
    for body in out:
        if body.startswith("DETAIL:") and merged:
            merged[-1] = (merged[-1][0], body[len("DETAIL:"):].strip())
        else:
            merged.append((body, ""))
    return merged


def executions(text):
    for message, detail in entries(text):
        m = EXECUTE.match(message)
        if not m:
            continue
        sql = m.group(2).strip()
        params = {}
        if detail.startswith("parameters:"):
            for num, value in PARAMS.findall(detail):
                params[int(num)] = None if value == "NULL" else value[1:-1].replace("''", "'")
        yield sql, params, m.group(1) == "<unnamed>"


def escape_colons(sql):
    """pgbench reads ':name' as a variable even inside string literals ('HH24:MI:SS'): write such
    literals as E'' strings with the colon escaped, which PostgreSQL reads as the same value."""
    def fix(m):
        lit = m.group(0)
        if ":" not in lit:
            return lit
        inner = lit[1:-1].replace("\\", "\\\\").replace(":", "\\x3a")
        return "E'" + inner + "'"
    return re.sub(r"(?<![A-Za-z0-9_E])'(?:[^']|'')*'", fix, sql)


def substitute(sql, params, names):
    """$n -> :name for the looked-up values, :p<n> for the rest (NULL stays a literal)."""
    def repl(m):
        n = int(m.group(1))
        if n in names:
            return ":" + names[n]
        if params.get(n) is None:
            return "NULL"
        return f":p{n}"
    return re.sub(r"\$(\d+)\b", repl, sql)


def literal(sql, params):
    """$n -> the bound value as a SQL literal (for the reference servers' views)."""
    def repl(m):
        v = params.get(int(m.group(1)))
        return "NULL" if v is None else "'" + v.replace("'", "''") + "'"
    return re.sub(r"\$(\d+)\b", repl, sql)


LOOKUP = {
    "tile": ("select z, x, y from bench_tiles where i = :i \\gset", ("z", "x", "y")),
    # A point layer's low zooms run another statement (counts per cell): captured on its own.
    "lowtile": ("select z, x, y from bench_lowzoom where i = :i \\gset", ("z", "x", "y")),
    "items": ("select x0, y0, x1, y1 from bench_boxes where i = :i \\gset", ("x0", "y0", "x1", "y1")),
    "item": ("select fid from bench_ids where i = :i \\gset", ("fid",)),
}


def capture(log_path, slices_path, out):
    with open(log_path, "rb") as f:
        log = f.read()
    views = []
    for line in open(slices_path):
        kind, name, start, end, *values = line.split()
        text = log[int(start):int(end)].decode("utf-8", "replace")
        runs = [(s, p, u) for s, p, u in executions(text) if LAYER_SQL.search(s)]
        if not runs:
            sys.exit(f"{kind} {name}: no layer statement in the captured log slice")
        lookup, columns = LOOKUP[kind]
        script = [f"\\set i random(0, :n - 1)", lookup]
        defs = {}
        for sql, params, _ in runs:
            names = {}
            for col, value in zip(columns, values):
                found = [n for n, v in params.items() if v is not None and v == value]
                if len(found) > 1:
                    sys.exit(f"{kind} {name}: value {value} of {col} was bound {len(found)} times; pick another")
                if found:
                    names[found[0]] = col
            for n, v in params.items():
                if n not in names and v is not None:
                    if re.search(r"\s", v):
                        sys.exit(f"{kind} {name}: bound value with spaces cannot pass through pgbench -D: {v!r}")
                    defs[f"p{n}"] = v
            script.append(escape_colons(substitute(sql, params, names)) + ";")
        with open(f"{out}/{kind}-{name}.pgbench", "w") as f:
            f.write("\n".join(script) + "\n")
        with open(f"{out}/{kind}-{name}.defs", "w") as f:
            f.write(" ".join(f"-D {k}={v}" for k, v in sorted(defs.items())) + "\n")
        # The route runs a statement planned for its values each time as an unnamed statement
        # (tiles::aggregates): pgbench then runs it the same way (-M extended), not prepared
        # once with a generic plan after five executions.
        with open(f"{out}/{kind}-{name}.mode", "w") as f:
            f.write(("extended" if any(u for _, _, u in runs) else "prepared") + "\n")
        if kind == "tile":
            views.append(view(name, runs, out))
    with open(f"{out}/views.sql", "w") as f:
        f.write("\n".join(v for v in views if v))


def view(name, runs, out):
    """The layer's source as the route bound it, as a view with the layer's properties (the
    names its TileJSON lists, in OUT/props-<name>.txt)."""
    props = open(f"{out}/props-{name}.txt").read().split()
    for sql, params, _ in runs:
        # The source is the subquery named `l`; not the tile's own statement, which the route
        # wraps to read the data version with it (`from (select ST_AsMVT(...) ...) m(tile)`).
        m = re.search(r"\bfrom \(((?:select|with) (?!ST_AsMVT\().*)\) l\s+where\b", sql, re.S) if "ST_AsMVT(" in sql else None
        if m:
            # Only the features' own properties: TileJSON also lists the low zooms' `count`
            # (and `l.count` would read as count(l)).
            cols = "".join(f"l.{p}, " for p in props if re.search(rf"\bas {p}\b", sql))
            return (f"drop view if exists bench_{name};\n"
                    f"create view bench_{name} as select l.id, {cols}l.geom from ({literal(m.group(1), params)}) l;\n")
    return f"-- {name}: the layer's source was not found in its tile statement\n"


def explain(out, layer, z, x, y, mode="generic"):
    lines = open(f"{out}/tile-{layer}.pgbench").read().split("\n", 2)[2]
    defs = dict(d.split("=", 1) for d in open(f"{out}/tile-{layer}.defs").read().replace("-D ", "").split())
    values = {"z": z, "x": x, "y": y, **defs}
    print(f"set plan_cache_mode = force_{mode}_plan;")
    for k, stmt in enumerate(s for s in lines.split(";\n") if s.strip()):
        order = []

        def repl(m):
            name = m.group(1)
            if name not in order:
                order.append(name)
            return f"${order.index(name) + 1}"
        body = re.sub(r"(?<!:):([a-z][a-z0-9_]*)\b", repl, stmt)
        args = ", ".join("'" + values[n].replace("'", "''") + "'" for n in order)
        print(f"prepare s{k} as {body};")
        print(f"execute s{k}({args}) \\g /dev/null\n" * 5, end="")
        print(f"explain (analyze, buffers, costs off) execute s{k}({args});")
        print(f"deallocate s{k};")


def percentiles(files):
    lat, t0, t1 = [], None, None
    for path in files:
        for line in open(path):
            f = line.split()
            if len(f) < 6:
                continue
            lat.append(int(f[2]))
            t = int(f[4]) + int(f[5]) / 1e6
            t0 = t if t0 is None or t < t0 else t0
            t1 = t if t1 is None or t > t1 else t1
    if not lat:
        print("0 0 0 0")
        return
    lat.sort()
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] / 1000.0
    span = max(t1 - t0, 1e-9)
    print(f"{len(lat) / span:.1f} {pick(0.50):.2f} {pick(0.99):.2f} {len(lat)}")


if __name__ == "__main__":
    if sys.argv[1] == "capture":
        capture(*sys.argv[2:5])
    elif sys.argv[1] == "explain":
        explain(*sys.argv[2:])
    elif sys.argv[1] == "percentiles":
        percentiles(sys.argv[2:])
    else:
        sys.exit(__doc__)
