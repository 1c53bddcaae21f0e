#!/usr/bin/env python3
"""Breaks down the peak of a valgrind massif profile of `reconcile` by pipeline stage.

    valgrind --tool=massif --depth=200 --threshold=0.1 --massif-out-file=m.out \\
        target/release/reconcile check --dialect sqlite
    bench/massif_stages.py m.out [SNAPSHOT]

Each allocation still live at the peak (or at snapshot SNAPSHOT) is put in the stage of the
first frame, counted from the allocation, that belongs to a known stage: the `kdl` parser, our
`parse`, `validate`, `dialect::resolve`, diagnostics, the database layer, ... Then the top
allocation sites (first frame in `kdl` or in our `src/`). Needs a binary with line tables
(CARGO_PROFILE_RELEASE_DEBUG=line-tables-only) and a deep enough --depth, else frames are cut.
"""
import re
import sys
from collections import defaultdict

STAGES = [  # (stage, pattern on a frame's function name), first match from the allocation up
    ("KDL document (kdl crate)", re.compile(r"^kdl::")),
    ("dialect resolve() clone", re.compile(r"^reconcile::dialect::resolve")),
    ("dialect rules", re.compile(r"^reconcile::dialect::")),
    ("validate", re.compile(r"^reconcile::validate")),
    ("diagnostics (Problem)", re.compile(r"^reconcile::error")),
    ("Schema model (our parse)", re.compile(r"^reconcile::parse")),
    ("Schema model (names, types)", re.compile(r"^reconcile::schema")),
    ("database / introspection", re.compile(r"^reconcile::database|^sqlx|^libsqlite3|^sqlite3")),
    ("diff / order / plan", re.compile(r"^reconcile::(diff|order|plan|change)")),
    ("source text (read_to_string)", re.compile(r"^reconcile::project|^std::fs")),
]


def function(frame):
    """The function name of one massif frame, without address, generics or location."""
    name = re.sub(r"^0x[0-9A-Fa-f]+: ", "", frame).split(" (")[0]
    if name.startswith("<"):  # <Type as Trait>::method: the type's path names the module
        name = name[1:].split(" as ")[0]
    return re.sub(r"<.*", "", name)


def location(frame):
    m = re.search(r"\(([^()]*:\d+)\)\s*$", frame)
    return m.group(1) if m else "?"


def parse(path):
    snaps, cur, stack = [], None, []
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("snapshot="):
            cur = {"n": int(line.split("=")[1]), "heap": 0, "extra": 0, "leaves": []}
            snaps.append(cur)
            stack = []
        elif line.startswith("mem_heap_B="):
            cur["heap"] = int(line.split("=")[1])
        elif line.startswith("mem_heap_extra_B="):
            cur["extra"] = int(line.split("=")[1])
        elif re.match(r"^ *n\d+: ", line):
            depth = len(line) - len(line.lstrip(" "))
            m = re.match(r"^ *n(\d+): (\d+) (.*)$", line)
            kids, size, desc = int(m.group(1)), int(m.group(2)), m.group(3)
            stack = stack[:depth] + [desc]
            if kids == 0:
                cur["leaves"].append((size, list(stack[1:])))
    return snaps


def main():
    snaps = parse(sys.argv[1])
    detailed = [s for s in snaps if s["leaves"]]
    if len(sys.argv) > 2:
        snap = next(s for s in snaps if s["n"] == int(sys.argv[2]))
    else:
        snap = max(detailed, key=lambda s: s["heap"])
    mib = lambda b: b / 1048576
    print(f"snapshot {snap['n']}: useful heap {mib(snap['heap']):.1f} MiB, "
          f"allocator overhead {mib(snap['extra']):.1f} MiB")
    by_stage, by_site = classify(snap)
    total = sum(by_stage.values())
    print(f"\n| stage | MiB | share |\n|---|---:|---:|")
    for stage, size in sorted(by_stage.items(), key=lambda kv: -kv[1]):
        print(f"| {stage} | {mib(size):.1f} | {100 * size / total:.0f}% |")
    print(f"| **total live** | **{mib(total):.1f}** | |")
    print(f"\n| top allocation sites | stage | MiB |\n|---|---|---:|")
    for (stage, site), size in sorted(by_site.items(), key=lambda kv: -kv[1])[:15]:
        print(f"| `{site}` | {stage} | {mib(size):.1f} |")
    # The most each stage held at any detailed snapshot (a stage may peak after the total).
    most = {}
    for other in detailed:
        for stage, size in classify(other)[0].items():
            if size > most.get(stage, (0, 0, 0))[0]:
                most[stage] = (size, other["n"], other["heap"])
    print(f"\n| stage | most held, MiB | at snapshot | heap then, MiB |\n|---|---:|---:|---:|")
    for stage, (size, n, heap) in sorted(most.items(), key=lambda kv: -kv[1][0]):
        print(f"| {stage} | {mib(size):.1f} | {n} | {mib(heap):.1f} |")


def classify(snap):
    """Bytes live in `snap` by stage, and by (stage, allocation site)."""
    by_stage, by_site = defaultdict(int), defaultdict(int)
    for size, frames in snap["leaves"]:
        stage, site = "other (std, clap, runtime, below threshold)", None
        for i, f in enumerate(frames):
            hit = next((name for name, pat in STAGES if pat.search(function(f))), None)
            if hit:
                # The site: this frame, and the inlined frame of ours just below it, if any.
                prev = frames[i - 1] if i > 0 else ""
                inner = (f" > {function(prev)} ({location(prev)})"
                         if prev and "library/" not in prev and location(prev) != "?" else "")
                stage, site = hit, f"{function(f)} ({location(f)}){inner}"
                break
        by_stage[stage] += size
        by_site[(stage, site or (function(frames[0]) if frames else "?"))] += size
    return by_stage, by_site


if __name__ == "__main__":
    main()
