#!/usr/bin/env python3
"""Checks that no dependency covenant builds with declares a newer Rust than covenant's own
`rust-version`: the declared minimum must be one the locked dependencies accept. Exit 1 and a
list when it is not. Reads `cargo metadata` (no build)."""
import json
import subprocess
import sys

meta = json.loads(subprocess.run(
    ["cargo", "metadata", "--format-version", "1", "--locked"],
    check=True, capture_output=True, text=True).stdout)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
root = next(i for i, p in packages.items() if p["name"] == "covenant")
version = lambda v: tuple((list(map(int, v.split("."))) + [0, 0])[:3])
declared = version(packages[root]["rust_version"])
seen, stack = set(), [root]
while stack:
    node = stack.pop()
    if node in seen:
        continue
    seen.add(node)
    for dep in nodes[node]["deps"]:
        kinds = {k["kind"] for k in dep["dep_kinds"]}
        if node == root and not kinds & {None, "build"}:
            continue  # dev-dependencies do not build the library or the command
        stack.append(dep["pkg"])
newer = sorted((version(packages[i]["rust_version"]), packages[i]["name"])
               for i in seen if packages[i].get("rust_version")
               and version(packages[i]["rust_version"]) > declared)
if newer:
    print("rust-version", ".".join(map(str, declared)), "is older than these dependencies need:")
    for v, name in newer:
        print(f"  {name} {'.'.join(map(str, v))}")
    sys.exit(1)
print(f"rust-version {'.'.join(map(str, declared))}: every locked dependency accepts it")
