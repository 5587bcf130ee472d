"""Reference values for ablate's weighted line fit (src/stats/regression.rs), from statsmodels.

Run:  python tests/reference/regression_reference.py   (writes regression_reference.json)
Pinned versions: requirements.txt. Each case is an effect measured at several model sizes
(x = log size), weighted by 1 / se^2 as scale transfer fits it; statsmodels WLS with its
default scale (weighted SSR / (n - 2)) gives the coefficients, their standard errors and
the 95% confidence interval of the fitted mean at a new x (get_prediction, obs=False).
"""
import json
import math
import os

import numpy as np
import statsmodels
import statsmodels.api as sm

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = [
    # (sizes, effects, standard errors, target size)
    ([32, 64, 128], [0.010, 0.006, 0.003], [0.002, 0.002, 0.0015], 1024),
    ([32, 64, 128, 256], [-0.02, -0.015, -0.004, 0.003], [0.004, 0.003, 0.003, 0.002], 2048),
    ([8, 16, 32, 64, 128], [0.1, 0.12, 0.09, 0.11, 0.1], [0.03, 0.02, 0.02, 0.025, 0.02], 512),
    ([100, 1000, 10000], [0.5, 0.25, -0.1], [0.1, 0.05, 0.2], 100000),
]


def main():
    out = {"statsmodels": statsmodels.__version__, "numpy": np.__version__, "cases": []}
    for sizes, effects, ses, target in CASES:
        x = np.log(np.array(sizes, dtype=float))
        y = np.array(effects, dtype=float)
        w = 1.0 / np.array(ses, dtype=float) ** 2
        fit = sm.WLS(y, sm.add_constant(x), weights=w).fit()
        pred = fit.get_prediction(np.array([[1.0, math.log(target)]]))
        lo, hi = pred.conf_int(alpha=0.05)[0]
        out["cases"].append({
            "sizes": sizes, "effects": effects, "ses": ses, "target": target,
            "intercept": fit.params[0], "slope": fit.params[1],
            "se_intercept": fit.bse[0], "se_slope": fit.bse[1],
            "scale": fit.scale, "df": fit.df_resid,
            "predicted": float(pred.predicted_mean[0]), "ci": [float(lo), float(hi)],
        })
    with open(os.path.join(HERE, "regression_reference.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
