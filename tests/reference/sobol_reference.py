"""Reference values for ablate's Sobol' sequence (src/design/sobol.rs), from scipy.

Run from the repository root (a few seconds; rewrites tests/reference/sobol_reference.json):

    python3 -m venv /tmp/sobol-venv
    /tmp/sobol-venv/bin/pip install scipy==1.16.3 numpy==2.4.6
    /tmp/sobol-venv/bin/python tests/reference/sobol_reference.py

Pinned versions: scipy 1.16.3, numpy 2.4.6 (the script refuses others, so the file always
says which scipy it came from). Nothing is random at test time.

What it writes:
- `directions`: the Joe & Kuo (new-joe-kuo-6.21201) primitive polynomial and initial direction
  numbers m_1..m_s of dimensions 2..64, as scipy ships them (`_sobol_direction_numbers.npz`),
  to check the compact table in sobol.rs against;
- `rows`: unscrambled points of `qmc.Sobol(64, scramble=False).random(2**16 + 1)` (30 bits,
  scipy's default), each coordinate as the integer k with x = k / 2**30 (exact in binary
  floating point): the first 128 points, the points at 2**k - 1 and 2**k for k = 7..16, and 24
  indices drawn with a fixed seed below 2**16;
- `sv`: the 30 direction integers of each dimension as scipy's engine holds them (its private
  `_sv`, checked here against the public points: the point at 2**(j+1) - 1 is direction
  integer j alone, in Gray-code order). Points past 2**16 would take scipy minutes to reach
  (`fast_forward` steps one point at a time), so direction integers 16..29 are checked
  through `sv`.
"""
import json
import warnings
import os

import numpy as np
import scipy
from scipy.stats import qmc

assert scipy.__version__ == "1.16.3", f"pinned scipy 1.16.3, found {scipy.__version__}"
assert np.__version__ == "2.4.6", f"pinned numpy 2.4.6, found {np.__version__}"

HERE = os.path.dirname(os.path.abspath(__file__))
DIMS = 64
BITS = 30


def main():
    n = 2**16 + 1
    engine = qmc.Sobol(DIMS, scramble=False, bits=BITS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # n is not a power of two: balance is not the point here
        scaled = engine.random(n) * 2.0**BITS
    assert np.all(scaled == np.floor(scaled)), "points are multiples of 2**-30"
    points = scaled.astype(np.int64)
    sv = np.asarray(engine._sv, dtype=np.int64)
    assert sv.shape == (DIMS, BITS)
    for j in range(16):
        assert np.array_equal(points[2 ** (j + 1) - 1], sv[:, j]), j

    indices = set(range(128))
    for k in range(7, 17):
        indices.update((2**k - 1, 2**k))
    indices.update(int(i) for i in np.random.RandomState(20261204).randint(128, 2**16, size=24))
    rows = {i: [int(v) for v in points[i]] for i in indices}

    table = np.load(os.path.join(os.path.dirname(qmc.__file__), "_sobol_direction_numbers.npz"))
    directions = []
    for d in range(1, DIMS):
        poly = int(table["poly"][d])
        degree = poly.bit_length() - 1
        directions.append({"poly": poly, "m": [int(m) for m in table["vinit"][d][:degree]]})

    lines = ["{"]
    lines.append(f'  "scipy": "{scipy.__version__}", "numpy": "{np.__version__}", "dims": {DIMS}, "bits": {BITS},')
    lines.append('  "directions": [')
    lines.append(",\n".join(f"    {json.dumps(d)}" for d in directions))
    lines.append("  ],")
    lines.append('  "sv": [')
    lines.append(",\n".join(f"    {json.dumps([int(v) for v in row])}" for row in sv))
    lines.append("  ],")
    lines.append('  "rows": [')
    lines.append(",\n".join(f'    {{"index": {i}, "k": {json.dumps(rows[i])}}}' for i in sorted(rows)))
    lines.append("  ]")
    lines.append("}")
    path = os.path.join(HERE, "sobol_reference.json")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {path}: {len(rows)} points of {DIMS} dimensions")


if __name__ == "__main__":
    main()
