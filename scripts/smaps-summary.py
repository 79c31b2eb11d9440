#!/usr/bin/env python3
"""Sums /proc/<pid>/smaps copies by mapping: where a process's PSS lives.

Usage: scripts/smaps-summary.py FILE.smaps [FILE.smaps ...] [--top N]

For each file: PSS, private dirty and anonymous kB grouped by what is mapped (a library's path,
[heap], [stack], or "anonymous" for unnamed mappings), largest PSS first. The app benchmark
writes the files with SOTAY_APP_BENCH_SMAPS=<folder> (src-tauri/benches/app_bench.rs).
"""
import argparse
import collections
import re
import sys

HEADER = re.compile(r"^[0-9a-f]+-[0-9a-f]+ ")


def summarise(path):
    """Returns {mapping: Counter(pss=, private_dirty=, anonymous=)} in kB."""
    groups = collections.defaultdict(collections.Counter)
    name = None
    with open(path) as smaps:
        for line in smaps:
            if HEADER.match(line):
                fields = line.split(None, 5)
                name = fields[5].strip() if len(fields) > 5 else "anonymous"
                continue
            key, _, rest = line.partition(":")
            if key in ("Pss", "Private_Dirty", "Anonymous") and name is not None:
                groups[name][key] += int(rest.split()[0])
    return groups


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    for path in args.files:
        groups = summarise(path)
        total = sum(g["Pss"] for g in groups.values())
        print(f"{path}: PSS {total / 1024:.1f} MiB")
        ranked = sorted(groups.items(), key=lambda item: -item[1]["Pss"])
        for mapping, sizes in ranked[: args.top]:
            print(
                f"  {sizes['Pss'] / 1024:7.1f} MiB PSS  {sizes['Private_Dirty'] / 1024:6.1f} private dirty"
                f"  {sizes['Anonymous'] / 1024:6.1f} anon  {mapping}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
