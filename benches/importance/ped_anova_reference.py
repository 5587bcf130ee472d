"""A from-scratch PED-ANOVA (numpy + math only, no Optuna) that follows NOTES.md step by step,
to check that the notes are complete enough to reproduce Optuna 5.1.0's numbers, and to serve
as the spec for the Rust port. Scope: unconditional FloatDistribution params without log or
step (what the synthetic studies use), PedAnovaImportanceEvaluator() defaults
(target_quantile=0.1, region_quantile=1.0, evaluate_on_local=True, n_steps=50,
prior_weight=1.0).

    python ped_anova_reference.py DATA.csv [OPTUNA_OUT.json]

prints the raw importances, and, given the JSON written by optuna_importance.py, the largest
relative difference to Optuna's raw PED-ANOVA numbers.
"""

import json
import math
import sys

import numpy as np

N_STEPS = 50
PRIOR_WEIGHT = 1.0


def top_mask(y: np.ndarray, quantile: float, maximize: bool) -> np.ndarray:
    loss = -y if maximize else y.copy()
    cutoff_index = int(math.ceil(quantile * loss.size)) - 1
    cutoff = np.partition(loss, cutoff_index)[cutoff_index]
    return loss <= cutoff  # ties at the cutoff are all kept


def grid_counts(v: np.ndarray, low: float, high: float) -> np.ndarray:
    step = (high - low) / (N_STEPS - 1)
    idx = np.ceil((v - low) / step - 0.5).astype(int)  # nearest grid point, ties go down
    return np.bincount(np.clip(idx, 0, N_STEPS - 1), minlength=N_STEPS)


def ndtr(x: float) -> float:
    # Phi(x), accurate in both tails
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def gauss_mass(a: float, b: float) -> float:
    # P(a < Z < b), Z ~ N(0,1); work in the left tail for accuracy
    if a > 0:
        a, b = -b, -a
    if b <= 0:
        return ndtr(b) - ndtr(a)
    return 1.0 - ndtr(a) - ndtr(-b)


def parzen_pdf_on_grid(counts: np.ndarray) -> np.ndarray:
    obs = np.flatnonzero(counts).astype(float)  # occupied grid indices
    w = counts[counts > 0].astype(float)
    n = counts.sum()  # integer
    mix_w = np.append(w, PRIOR_WEIGHT)
    mix_w /= mix_w.sum()
    mean = obs @ w / n
    sd = math.sqrt(((obs - mean) ** 2) @ w / max(1, n - 1))
    cum = np.cumsum(counts[counts > 0])
    q1 = int(np.searchsorted(cum, n // 4, side="left"))
    q3 = int(np.searchsorted(cum, n * 3 // 4, side="right"))
    iqr = obs[min(obs.size - 1, q3)] - obs[q1]
    sigma = max(1.059 * min(iqr / 1.34, sd) * n ** -0.2, 0.5 / 1.64)
    lo, hi = 0.0, float(N_STEPS - 1)
    mus = np.append(obs, (lo + hi) / 2.0)
    sigmas = np.append(np.full(obs.size, sigma), hi - lo + 1.0)
    pdf = np.zeros(N_STEPS)
    for mu, s, wk in zip(mus, sigmas, mix_w):
        norm = gauss_mass((lo - 0.5 - mu) / s, (hi + 0.5 - mu) / s)
        for g in range(N_STEPS):
            pdf[g] += wk * gauss_mass((g - 0.5 - mu) / s, (g + 0.5 - mu) / s) / norm
    return pdf


def ped_anova(x: np.ndarray, y: np.ndarray, maximize: bool, quantile: float = 0.1) -> np.ndarray:
    top = top_mask(y, quantile, maximize)
    gamma = top.sum() / y.size
    out = np.empty(x.shape[1])
    for j in range(x.shape[1]):
        p_top = parzen_pdf_on_grid(grid_counts(x[top, j], 0.0, 1.0)) + 1e-12
        p_all = parzen_pdf_on_grid(grid_counts(x[:, j], 0.0, 1.0)) + 1e-12
        out[j] = gamma**2 * float(p_all @ ((p_top / p_all - 1.0) ** 2))
    return out


def main() -> None:
    data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
    with open(sys.argv[1]) as f:
        names = f.readline().strip().split(",")[:-1]
    imp = ped_anova(data[:, :-1], data[:, -1], maximize=True)
    for n, v in sorted(zip(names, imp), key=lambda t: -t[1]):
        print(f"{n}\t{v:.17g}")
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            ref = json.load(f)["ped_anova"]["raw"]
        rel = max(abs(v - ref[n]) / abs(ref[n]) for n, v in zip(names, imp))
        print(f"max relative difference to Optuna: {rel:.3g}")


if __name__ == "__main__":
    main()
