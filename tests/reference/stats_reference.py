"""Reference values for ablate's statistics engine (src/stats), from scipy and statsmodels.

Run:  python tests/reference/stats_reference.py   (writes stats_reference.json beside it)
Pinned versions: requirements.txt. Inputs are fixed (no randomness at test time); the
bootstrap references use scipy's bootstrap with a fixed seed and many resamples, and are
compared within Monte Carlo error.
"""
import json
import math
import os
import warnings

import numpy as np
import pandas as pd
import scipy
import statsmodels
import statsmodels.formula.api as smf
from scipy import special, stats
from statsmodels.stats.anova import anova_lm
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestPower

warnings.simplefilter("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
ALTS = ["two-sided", "less", "greater"]


def f(x):
    """JSON-safe float: infinities as strings."""
    x = float(x)
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if math.isnan(x):
        return "nan"
    return x


def fl(xs):
    return [f(x) for x in xs]


rs = np.random.RandomState(20240611)

# ---- paired inputs -------------------------------------------------------------------------
paired_sets = {}
paired_sets["small5_noties"] = (
    [0.812, 0.835, 0.791, 0.858, 0.826],
    [0.801, 0.829, 0.795, 0.840, 0.817],
)
# multiples of 1/8 so differences tie exactly; includes zero differences
paired_sets["n8_ties_zeros"] = (
    [1.0, 2.5, 3.0, 4.125, 5.0, 6.0, 7.25, 8.0],
    [1.0, 2.0, 3.5, 4.0, 5.0, 5.5, 7.0, 7.5],
)
paired_sets["n12_ties_zeros"] = (
    [3.0, 4.0, 5.5, 2.0, 6.0, 7.0, 3.25, 4.5, 5.0, 6.5, 2.75, 3.0],
    [3.0, 3.5, 5.0, 2.5, 5.0, 7.0, 3.0, 4.0, 5.5, 6.0, 2.75, 2.0],
)
a = np.round(rs.normal(0.85, 0.02, 20), 6)
b = np.round(a - rs.normal(0.004, 0.01, 20), 6)
paired_sets["n20_noties"] = (a.tolist(), b.tolist())
a = np.round(rs.normal(10, 2, 60), 6)
b = np.round(a - rs.normal(0.3, 1.0, 60), 6)
paired_sets["n60_asymptotic"] = (a.tolist(), b.tolist())
a = np.round(rs.normal(5, 1, 30) * 4) / 4
b = np.round((a - rs.normal(0.25, 0.75, 30)) * 4) / 4
paired_sets["n30_ties"] = (a.tolist(), b.tolist())
paired_sets["n6_mixed"] = (
    [0.70, 0.72, 0.69, 0.75, 0.71, 0.73],
    [0.71, 0.70, 0.70, 0.72, 0.69, 0.74],
)

out = {
    "versions": {"scipy": scipy.__version__, "statsmodels": statsmodels.__version__, "numpy": np.__version__},
}

# ---- paired t and t-interval ---------------------------------------------------------------
rows = []
for name, (a, b) in paired_sets.items():
    for alt in ALTS:
        r = stats.ttest_rel(a, b, alternative=alt)
        row = dict(name=name, a=a, b=b, alternative=alt, statistic=f(r.statistic), p_value=f(r.pvalue), df=f(r.df))
        for level in (0.95, 0.9):
            ci = r.confidence_interval(level)
            row[f"ci_{int(level * 100)}"] = [f(ci.low), f(ci.high)]
        rows.append(row)
out["ttest_rel"] = rows

# ---- Wilcoxon signed-rank ------------------------------------------------------------------
rows = []
for name, (a, b) in paired_sets.items():
    for alt in ALTS:
        for correction in (False, True):
            for method in ("auto", "asymptotic"):
                r = stats.wilcoxon(a, b, alternative=alt, correction=correction, method=method)
                rows.append(dict(name=name, a=a, b=b, alternative=alt, correction=correction, method=method,
                                 statistic=f(r.statistic), p_value=f(r.pvalue)))
out["wilcoxon"] = rows

# ---- sign-flip permutation (exact) ---------------------------------------------------------
rows = []
for name in ("small5_noties", "n8_ties_zeros", "n12_ties_zeros", "n6_mixed"):
    a, b = paired_sets[name]
    for alt in ALTS:
        r = stats.permutation_test((np.array(a), np.array(b)), lambda x, y, axis: np.mean(x - y, axis=axis),
                                   vectorized=True, permutation_type="samples", n_resamples=np.inf,
                                   alternative=alt)
        rows.append(dict(name=name, a=a, b=b, alternative=alt, statistic=f(r.statistic), p_value=f(r.pvalue)))
out["sign_flip"] = rows

# ---- unpaired inputs -----------------------------------------------------------------------
unpaired_sets = {
    "docs_5_4": ([19, 22, 16, 29, 24], [20, 11, 17, 12]),
    "ties_6_7": ([1.0, 2.0, 2.0, 3.5, 4.0, 4.0], [2.0, 3.0, 3.5, 3.5, 5.0, 6.0, 6.5]),
    "n3_n20": ([0.61, 0.93, 0.77], np.round(rs.normal(0.6, 0.1, 20), 5).tolist()),
    "n12_n15": (np.round(rs.normal(0.80, 0.03, 12), 5).tolist(), np.round(rs.normal(0.78, 0.05, 15), 5).tolist()),
    "n40_n35": (np.round(rs.normal(3.0, 1.0, 40), 5).tolist(), np.round(rs.normal(2.6, 1.5, 35), 5).tolist()),
}
rows = []
for name, (x, y) in unpaired_sets.items():
    x = [float(v) for v in x]
    y = [float(v) for v in y]
    for alt in ALTS:
        r = stats.ttest_ind(x, y, equal_var=False, alternative=alt)
        rows.append(dict(name=name, x=x, y=y, alternative=alt, statistic=f(r.statistic), p_value=f(r.pvalue), df=f(r.df)))
out["welch"] = rows
rows = []
for name, (x, y) in unpaired_sets.items():
    x = [float(v) for v in x]
    y = [float(v) for v in y]
    for alt in ALTS:
        for cont in (True, False):
            for method in ("auto", "asymptotic"):
                r = stats.mannwhitneyu(x, y, use_continuity=cont, alternative=alt, method=method)
                rows.append(dict(name=name, x=x, y=y, alternative=alt, continuity=cont, method=method,
                                 statistic=f(r.statistic), p_value=f(r.pvalue)))
out["mannwhitneyu"] = rows

# ---- effect sizes --------------------------------------------------------------------------
rows = []
for name, (a, b) in paired_sets.items():
    d = np.array(a) - np.array(b)
    rows.append(dict(kind="dz", name=name, a=a, b=b, value=f(d.mean() / d.std(ddof=1))))
for name, (x, y) in unpaired_sets.items():
    x = np.array(x, float)
    y = np.array(y, float)
    n1, n2 = len(x), len(y)
    df = n1 + n2 - 2
    sp = math.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / df)
    j = math.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / math.sqrt(df / 2)
    rows.append(dict(kind="hedges_g", name=name, x=x.tolist(), y=y.tolist(), value=f(j * (x.mean() - y.mean()) / sp)))
    diff = np.sign(x[:, None] - y[None, :])
    rows.append(dict(kind="cliffs_delta", name=name, x=x.tolist(), y=y.tolist(), value=f(diff.mean())))
out["effect"] = rows

# ---- bootstrap (Monte Carlo reference) -----------------------------------------------------
boot_sets = {
    "paired_small5": (np.array(paired_sets["small5_noties"][0]) - np.array(paired_sets["small5_noties"][1])).tolist(),
    "exp_n20": np.round(rs.exponential(1.0, 20), 6).tolist(),
    "normal_n10": np.round(rs.normal(0.9, 0.01, 10), 6).tolist(),
}
BAND_DELTA = 0.005
rows = []
for name, x in boot_sets.items():
    for method in ("percentile", "BCa"):
        for level in (0.95, 0.9):
            r = stats.bootstrap((np.array(x),), np.mean, n_resamples=200_000, method=method,
                                confidence_level=level, rng=np.random.default_rng(12345))
            # Monte Carlo band for each bound: the bootstrap-distribution quantiles at the
            # bound's own level +- BAND_DELTA (~6 standard errors of a tail proportion with
            # 50,000 resamples), so a discrete distribution (n = 5) is judged fairly.
            dist = np.sort(r.bootstrap_distribution)
            bands = []
            for bound in (r.confidence_interval.low, r.confidence_interval.high):
                p_lo = np.mean(dist < bound) - BAND_DELTA
                p_hi = np.mean(dist <= bound) + BAND_DELTA
                bands.append([f(np.quantile(dist, max(p_lo, 0.0))), f(np.quantile(dist, min(p_hi, 1.0)))])
            rows.append(dict(name=name, x=x, method=method, level=level, n_resamples=200_000,
                             lower=f(r.confidence_interval.low), upper=f(r.confidence_interval.high),
                             lower_band=bands[0], upper_band=bands[1], band_delta=BAND_DELTA,
                             standard_error=f(r.standard_error)))
out["bootstrap"] = rows

# ---- multiple comparisons ------------------------------------------------------------------
p_sets = {
    "ties": [0.01, 0.02, 0.02, 0.04, 0.3, 0.5, 0.001, 0.049],
    "uniform50": np.round(rs.uniform(0, 1, 50) ** 3, 8).tolist(),
    "big": [0.2, 0.6, 0.9, 0.95, 1.0],
    "single": [0.03],
}
rows = []
for name, p in p_sets.items():
    for method in ("holm", "bonferroni", "fdr_bh"):
        for alpha in (0.05, 0.1):
            rej, padj, _, _ = multipletests(p, alpha=alpha, method=method)
            rows.append(dict(name=name, p=p, method=method, alpha=alpha, p_adjusted=fl(padj), reject=[bool(v) for v in rej]))
out["multipletests"] = rows

# ---- Friedman, Iman-Davenport, Nemenyi -----------------------------------------------------
fr_sets = {
    "k3_n10_ties": (np.round(rs.normal(0, 1, (3, 10)) * 2) / 2).tolist(),
    "k5_n6": np.round(rs.normal(0, 1, (5, 6)) + np.arange(5)[:, None] * 0.4, 6).tolist(),
    "k10_n10": np.round(rs.normal(0.8, 0.02, (10, 10)) + np.arange(10)[:, None] * 0.004, 6).tolist(),
}
rows = []
for name, data in fr_sets.items():
    k, n = len(data), len(data[0])
    r = stats.friedmanchisquare(*data)
    chi2 = float(r.statistic)
    fid = (n - 1) * chi2 / (n * (k - 1) - chi2)
    fid_p = stats.f.sf(fid, k - 1, (k - 1) * (n - 1))
    ranks = stats.rankdata(np.array(data).T, axis=1)  # per seed
    mean_ranks = ranks.mean(axis=0)
    se = math.sqrt(k * (k + 1) / (6 * n))
    nem = {}
    for alpha in (0.05, 0.1):
        q = stats.studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2)
        nem[str(alpha)] = dict(q_alpha=f(q), cd=f(q * se))
    pmat = []
    for i in range(k):
        row = []
        for j in range(k):
            if i == j:
                row.append(1.0)
            else:
                qq = abs(mean_ranks[i] - mean_ranks[j]) / se * math.sqrt(2)
                row.append(f(stats.studentized_range.sf(qq, k, np.inf)))
        pmat.append(row)
    pw = []
    for i in range(k):
        for j in range(i + 1, k):
            pw.append(float(stats.wilcoxon(data[i], data[j], correction=True).pvalue))
    _, pw_adj, _, _ = multipletests(pw, method="holm")
    rows.append(dict(name=name, data=data, statistic=f(chi2), p_value=f(r.pvalue), iman_davenport=f(fid),
                     iman_davenport_p=f(fid_p), mean_ranks=fl(mean_ranks), nemenyi=nem, nemenyi_p=pmat,
                     pairwise_wilcoxon_p=fl(pw), pairwise_wilcoxon_holm=fl(pw_adj)))
out["friedman"] = rows

# ---- studentized range ---------------------------------------------------------------------
rows = []
for df in (2.0, 5.0, 10.0, 30.0, 120.0, "inf"):
    dfv = np.inf if df == "inf" else df
    for k in (2, 3, 5, 10, 20):
        for q in (0.5, 1.5, 3.0, 4.5, 7.0):
            rows.append(dict(q=q, k=k, df=df, cdf=f(stats.studentized_range.cdf(q, k, dfv)),
                             sf=f(stats.studentized_range.sf(q, k, dfv))))
out["studentized_range"] = rows
rows = []
for df in (5.0, 20.0, "inf"):
    dfv = np.inf if df == "inf" else df
    for k in (2, 3, 5, 10):
        for p in (0.9, 0.95, 0.99):
            rows.append(dict(p=p, k=k, df=df, ppf=f(stats.studentized_range.ppf(p, k, dfv))))
out["studentized_range_ppf"] = rows

# ---- ANOVA ---------------------------------------------------------------------------------
def anova_case(name, levels, reps, fn):
    names = list(levels.keys())
    grids = np.array(np.meshgrid(*[range(len(v)) for v in levels.values()], indexing="ij")).reshape(len(names), -1).T
    cells, y = [], []
    for cell in grids:
        for r in range(reps):
            cells.append([int(c) for c in cell])
            y.append(round(float(fn(cell, r)), 6))
    df = pd.DataFrame({n: [levels[n][c[i]] for c in cells] for i, n in enumerate(names)})
    df["y"] = y
    formula = "y ~ " + " * ".join(f"C({n})" for n in names)
    table = anova_lm(smf.ols(formula, data=df).fit(), typ=2)
    terms = {}
    for idx, row in table.iterrows():
        key = idx.replace("C(", "").replace(")", "")
        terms[key] = dict(ss=f(row["sum_sq"]), df=f(row["df"]), F=f(row["F"]) if key != "Residual" else None,
                          p=f(row["PR(>F)"]) if key != "Residual" else None)
    return dict(name=name, factors=[dict(name=n, levels=[str(v) for v in levels[n]]) for n in names],
                cells=cells, y=y, terms=terms)


anova_rows = []
anova_rows.append(anova_case("oneway", {"lr": ["a", "b", "c", "d"]}, 5,
                             lambda c, r: 0.8 + 0.01 * c[0] + rs.normal(0, 0.01)))
anova_rows.append(anova_case("twoway", {"trees": ["100", "200"], "depth": ["4", "8", "16"]}, 4,
                             lambda c, r: 0.9 + 0.004 * c[0] + 0.003 * c[1] + 0.002 * c[0] * c[1] + rs.normal(0, 0.003)))
anova_rows.append(anova_case("threeway", {"a": ["x", "y"], "b": ["p", "q"], "c": ["u", "v", "w"]}, 3,
                             lambda c, r: 10 + c[0] - 0.5 * c[1] + 0.2 * c[2] + 0.3 * c[0] * c[2] + rs.normal(0, 0.5)))
out["anova"] = anova_rows

# ---- power ---------------------------------------------------------------------------------
tp = TTestPower()
rows = []
for d in (0.2, 0.5, 1.0, 1.5):
    for nobs in (5, 10, 30):
        for alt in ("two-sided", "larger", "smaller"):
            dd = -d if alt == "smaller" else d
            rows.append(dict(effect_size=dd, nobs=nobs, alpha=0.05, alternative=alt,
                             power=f(tp.power(effect_size=dd, nobs=nobs, alpha=0.05, alternative=alt))))
out["power"] = rows
rows = []
for d in (0.3, 0.5, 0.8, 1.2, 2.0):
    for alt in ("two-sided", "larger"):
        for pw in (0.8, 0.9):
            nobs = tp.solve_power(effect_size=d, nobs=None, alpha=0.05, power=pw, alternative=alt)
            rows.append(dict(effect_size=d, alpha=0.05, power=pw, alternative=alt, nobs=f(np.asarray(nobs).item())))
out["solve_power"] = rows
rows = []
for t in (-3.0, -0.5, 0.0, 1.0, 2.5, 6.0):
    for df in (2.0, 4.0, 9.0, 29.0):
        for nc in (-1.0, 0.5, 2.0, 5.0):
            rows.append(dict(t=t, df=df, nc=nc, cdf=f(stats.nct.cdf(t, df, nc))))
out["nct"] = rows

# ---- rank correlation (multi-fidelity: cheap vs expensive runs of the same configs) --------
# Own generator, so these cases do not move the draws of the sections above.
rc = np.random.RandomState(20260612)


def corr_pair(n, rho, decimals=None):
    """n pairs from a bivariate normal with correlation rho, optionally rounded (ties)."""
    x = rc.normal(0, 1, n)
    y = rho * x + math.sqrt(1 - rho * rho) * rc.normal(0, 1, n)
    if decimals is None:
        return np.round(x, 6).tolist(), np.round(y, 6).tolist()
    return np.round(x * decimals).tolist(), np.round(y * decimals).tolist()


corr_sets = {
    "n3_noties": ([0.61, 0.74, 0.70], [0.80, 0.86, 0.88]),
    "n3_ties": ([0.1, 0.3, 0.2], [1.0, 3.0, 3.0]),
    "n4_pos_noties": ([0.61, 0.72, 0.68, 0.80], [0.70, 0.74, 0.77, 0.83]),
    "n4_neg_ties": ([1.0, 2.0, 2.0, 3.0], [4.0, 3.0, 1.0, 1.0]),
    "n6_pos_noties": ([0.612, 0.644, 0.701, 0.583, 0.722, 0.668], [0.803, 0.861, 0.884, 0.792, 0.871, 0.846]),
    "n6_neg_ties": ([0.5, 0.5, 0.75, 1.0, 1.25, 1.25], [3.0, 2.5, 2.5, 2.0, 1.0, 2.0]),
    "n10_pos_noties": corr_pair(10, 0.7),
    "n10_neg_ties": corr_pair(10, -0.6, decimals=2),
    "n30_pos_noties": corr_pair(30, 0.5),
    "n30_neg_ties": corr_pair(30, -0.4, decimals=3),
    "n30_weak_noties": corr_pair(30, 0.05),
    "n40_pos_noties": corr_pair(40, 0.6),
    "n40_perfect": (list(range(40)), [2.0 * v + 1.0 for v in range(40)]),
}
x36 = list(range(36))
y36 = list(range(36))
y36[10], y36[11] = y36[11], y36[10]  # one discordant pair: exact p for n > 33
corr_sets["n36_one_swap"] = ([float(v) for v in x36], [float(v) for v in y36])
rows_k, rows_s = [], []
for name, (x, y) in corr_sets.items():
    x = [float(v) for v in x]
    y = [float(v) for v in y]
    ties = len(set(x)) < len(x) or len(set(y)) < len(y)
    r = stats.kendalltau(x, y)
    p_asym = stats.kendalltau(x, y, method="asymptotic").pvalue
    p_exact = None if ties else f(stats.kendalltau(x, y, method="exact").pvalue)
    rows_k.append(dict(name=name, x=x, y=y, ties=ties, statistic=f(r.statistic), p_value=f(r.pvalue),
                       p_exact=p_exact, p_asymptotic=f(p_asym)))
    r = stats.spearmanr(x, y)
    rows_s.append(dict(name=name, x=x, y=y, ties=ties, statistic=f(r.statistic), p_value=f(r.pvalue)))
out["kendalltau"] = rows_k
out["spearmanr"] = rows_s

with open(os.path.join(HERE, "stats_reference.json"), "w") as fh:
    json.dump(out, fh, indent=1)
print("wrote stats_reference.json")
