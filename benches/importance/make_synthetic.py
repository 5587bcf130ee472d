"""Deterministic synthetic studies for the importance comparison (issue 11).

    python make_synthetic.py OUT_DIR

writes OUT_DIR/synth_1000x8.csv, synth_10000x8.csv, synth_1000x30.csv with a header row
x0..x{d-1},y. x ~ U[0,1]^d, y = 4*x0 + 2*sin(6*x1) + 3*x0*x2 + N(0, 0.1^2); params beyond
x2 have no effect. Each file has its own fixed seed (numpy default_rng), so the files do
not depend on each other or on the order they are written in.
"""

import os
import sys

import numpy as np

STUDIES = [  # (n, d, seed)
    (1000, 8, 11_1000_08),
    (10000, 8, 11_10000_08),
    (1000, 30, 11_1000_30),
]


def make(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, size=(n, d))
    noise = rng.normal(0.0, 0.1, size=n)
    y = 4.0 * x[:, 0] + 2.0 * np.sin(6.0 * x[:, 1]) + 3.0 * x[:, 0] * x[:, 2] + noise
    return x, y


def write(path: str, x: np.ndarray, y: np.ndarray) -> None:
    d = x.shape[1]
    with open(path, "w", newline="\n") as f:
        f.write(",".join([f"x{i}" for i in range(d)] + ["y"]) + "\n")
        for row, yi in zip(x, y):
            # repr of a float64 round-trips exactly
            f.write(",".join(repr(float(v)) for v in row) + "," + repr(float(yi)) + "\n")


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: make_synthetic.py OUT_DIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for n, d, seed in STUDIES:
        x, y = make(n, d, seed)
        path = os.path.join(out, f"synth_{n}x{d}.csv")
        write(path, x, y)
        print(f"{path}: {n} x {d}, seed {seed}")


if __name__ == "__main__":
    main()
