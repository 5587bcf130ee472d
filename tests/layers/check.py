#!/usr/bin/env python3
"""The layer check: no module of ablate (src/) reaches a layer above its own.

Data flows one way (DESIGN.md): the pure leaves (crates/: stats, rng, forest, chart,
display) < the model (what a study is) < the run mechanics < results < backends and
analyses < schedulers < views < the Study builder. This script reads every `crate::<module>`
path in src/ outside comments and `#[cfg(test)]` modules, maps both ends to their layer, and
fails on any path that points upward, naming the file, the line and the fix to look for.

The leaves are workspace crates, so the compiler already keeps them from importing ablate;
this check covers what the compiler cannot see inside the core crate. Known debts that a
later step of the house redesign removes are listed in KNOWN with the reason; a path in
KNOWN that no longer occurs is reported too, so the list only shrinks.

Usage: python3 tests/layers/check.py [--verbose]
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SRC = ROOT / "src"

# Layer of each top-level module of src/ (lower imports nothing higher).
LAYERS = {
    # 0: the leaves (re-exported crates) and the error type every layer returns.
    "stats": 0, "rng": 0, "forest": 0, "chart": 0, "display": 0, "error": 0, "polars": 0,
    "ablate_stats": 0, "ablate_forest": 0, "ablate_render": 0,
    # 1: the model: what a study is.
    "space": 1, "trial": 1, "design": 2, "spec": 3, "plan": 4,
    # 5: the run mechanics: how one pass over a plan runs and is stored.
    "objective": 5, "exec": 5, "store": 5, "options": 5, "resources": 5, "prune": 5, "session": 6,
    # 7: results, as loaded or imported.
    "results": 7, "reopen": 8, "import": 8,
    # 9: backends and analyses (siblings: neither imports the other).
    "analysis": 9, "importance": 9, "backend": 10, "cluster": 10,
    # 11: schedulers (they call backends and read analyses).
    "schedule": 11, "ablation_path": 11, "rounds": 11, "estimate": 11,
    # 12: views: every table and chart.
    "views": 12,
    # 13: the builder and the facade.
    "study": 13, "lib": 13, "metrics": 0,
    # The fuzz harness (tests only) drives every parser, whatever its layer.
    "fuzz": 13,
}
NAMES = {0: "leaves", 1: "model", 2: "model", 3: "model", 4: "model", 5: "run", 6: "run", 7: "results",
         8: "results", 9: "analysis", 10: "backend", 11: "schedule", 12: "views", 13: "study"}

# (importer module, imported module): why it is still there. Each is a debt to remove.
KNOWN = {
    ("cluster", "schedule"): "the Slurm driver still applies the adaptive rule itself (#16)",
    ("rounds", "study"): "Study::next_round is an inherent impl in rounds.rs",
}


def strip_tests(text: str) -> str:
    """The text without `#[cfg(test)]` items (a module or a function) and comments."""
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        if line.strip().startswith("#[cfg(test)]"):
            # Skip the attribute and the item after it: to its matching closing brace.
            depth, started, i = 0, False, i + 1
            while i < len(lines):
                depth += lines[i].count("{") - lines[i].count("}")
                started = started or "{" in lines[i]
                i += 1
                if started and depth <= 0:
                    break
                if not started and lines[i - 1].rstrip().endswith(";"):
                    break
            continue
        out.append("" if line.lstrip().startswith("//") else re.sub(r"//.*$", "", line))
        i += 1
    return "\n".join(out)


def root_names() -> dict:
    """Names the crate root re-exports (`crate::Metrics`), mapped to their module."""
    names = {}
    text = (SRC / "lib.rs").read_text()
    for module, items in re.findall(r"^pub use (\w+)::\{?([^;}]*)\}?;", text, flags=re.M):
        for item in items.split(","):
            item = item.strip().split(" as ")[-1].strip()
            if item:
                names[item] = module
    return names


def module_of(path: pathlib.Path) -> str:
    rel = path.relative_to(SRC).parts
    name = rel[0]
    return name[:-3] if name.endswith(".rs") else name


def main() -> int:
    verbose = "--verbose" in sys.argv
    found, seen_known = [], set()
    roots = root_names()
    for path in sorted(SRC.rglob("*.rs")):
        if path.name == "tests.rs" or "tests" in path.relative_to(SRC).parts[:-1]:
            continue
        importer = module_of(path)
        if importer not in LAYERS:
            found.append(f"{path.relative_to(ROOT)}: module `{importer}` has no layer: add it to LAYERS in tests/layers/check.py")
            continue
        text = strip_tests(path.read_text())
        for number, line in enumerate(text.split("\n"), 1):
            for target in re.findall(r"\bcrate::(\w+)", line):
                target = roots.get(target, target)
                if target not in LAYERS:
                    found.append(f"{path.relative_to(ROOT)}:{number}: `crate::{target}` has no layer: add it to LAYERS")
                    continue
                if LAYERS[target] <= LAYERS[importer] or target == importer:
                    continue
                key = (importer, target)
                if key in KNOWN:
                    seen_known.add(key)
                    if verbose:
                        print(f"known: {path.relative_to(ROOT)}:{number}: {importer} -> {target} ({KNOWN[key]})")
                    continue
                found.append(
                    f"{path.relative_to(ROOT)}:{number}: `{importer}` ({NAMES[LAYERS[importer]]}) uses `crate::{target}` "
                    f"({NAMES[LAYERS[target]]}), a layer above it: move the item down, or pass the data in"
                )
    stale = sorted(set(KNOWN) - seen_known)
    for importer, target in stale:
        found.append(f"tests/layers/check.py: KNOWN lists {importer} -> {target}, which no longer occurs: remove it")
    for line in found:
        print(line)
    print(f"layer check: {len(found)} violation(s); {len(seen_known)} known debt(s) listed in KNOWN")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
