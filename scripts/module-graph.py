#!/usr/bin/env python3
"""module-graph.py: which top-level modules of src/ use which, and the cycles.

    scripts/module-graph.py            # the edges, then the cycles
    scripts/module-graph.py --mermaid  # a Mermaid graph for the README

Scans every .rs file under src/ for `crate::MODULE` paths (in `use` lines
and in code), attributes the file to its top-level module (src/store/... is
`store`, src/daemon.rs is `daemon`), and counts the references from one
module to another. `cli` is the top: it may use everything. Exits 1 when
two modules use each other, directly or through others (a cycle), and
prints each cycle with the files that close it; and when a file outside
src/store/ names the SQLite driver (`rusqlite`): the store is the only
module that speaks SQL.
"""

import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PATH = re.compile(r"\bcrate::([a-z_]+)")


def module_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    first = rel.parts[0]
    return first[:-3] if first.endswith(".rs") else first


def scan():
    modules = {module_of(p) for p in SRC.glob("*") if p.suffix == ".rs" or p.is_dir()}
    modules -= {"lib", "main"}
    edges = defaultdict(lambda: defaultdict(set))
    for path in SRC.rglob("*.rs"):
        source = module_of(path)
        if source not in modules or path.name == "tests.rs" or path.name.endswith("_tests.rs"):
            continue
        text = path.read_text(encoding="utf-8")
        # Tests may reach anywhere, and comments (doc links) are not uses:
        # only the shipped code counts.
        text = text.split("#[cfg(test)]")[0]
        text = "\n".join(line.split("//")[0] for line in text.splitlines())
        for target in PATH.findall(text):
            if target in modules and target != source:
                edges[source][target].add(str(path.relative_to(ROOT)))
    return sorted(modules), edges


def cycles(modules, edges):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in modules:
        if v not in index:
            visit(v)
    return found


def outside_the_store():
    """Shipped files outside src/store/ that name the SQLite driver."""
    found = []
    for path in SRC.rglob("*.rs"):
        if path.relative_to(SRC).parts[0] == "store":
            continue
        text = path.read_text(encoding="utf-8").split("#[cfg(test)]")[0]
        if re.search(r"\brusqlite\b", text):
            found.append(str(path.relative_to(ROOT)))
    return sorted(found)


def main():
    modules, edges = scan()
    if "--mermaid" in sys.argv:
        print("```mermaid\ngraph TD")
        for source in modules:
            for target in sorted(edges.get(source, {})):
                print(f"  {source} --> {target}")
        print("```")
        return 0
    for source in modules:
        targets = ", ".join(sorted(edges.get(source, {}))) or "-"
        print(f"{source:<10} uses {targets}")
    sql = outside_the_store()
    for path in sql:
        print(f"{path} names rusqlite: only src/store/ speaks SQL")
    found = cycles(modules, edges)
    if not found and not sql:
        print("no cycle between top-level modules")
        return 0
    for component in found:
        print(f"\ncycle: {' <-> '.join(component)}")
        for source in component:
            for target in component:
                for path in sorted(edges.get(source, {}).get(target, ())):
                    print(f"  {source} -> {target}: {path}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
