"""Markdown tables from optuna_importance.py outputs: python table.py results/optuna_*.json"""

import json
import sys

EVS = [("fanova", "fANOVA"), ("ped_anova", "PED-ANOVA"), ("mdi", "MDI")]


def main() -> None:
    for path in sys.argv[1:]:
        with open(path) as f:
            d = json.load(f)
        print(f"### `{path.rsplit('/', 1)[-1]}`: {d['n_trials']} trials × {d['n_params']} params "
              f"(load average at start {d['loadavg_at_start'][0]:.1f}, nice {d['niceness']}, "
              f"{d['cpu_count']} CPUs)\n")
        evs = [(k, n) for k, n in EVS if k in d]
        names = sorted(d[evs[0][0]]["raw"], key=lambda p: int(p[1:]))
        head = ["param"]
        for k, n in evs:
            head += [f"{n} raw", f"{n} norm."]
            if k == "fanova" and "per_tree" in d[k]:
                head.insert(len(head) - 1, "fANOVA std over trees")
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        shown = [p for p in names if int(p[1:]) < 8] if len(names) > 8 else names
        for p in shown:
            row = [p]
            for k, _ in evs:
                row.append(f"{d[k]['raw'][p]:.4g}")
                if k == "fanova" and "per_tree" in d[k]:
                    row.append(f"{d[k]['per_tree'][p]['std']:.2g}")
                row.append(f"{d[k]['normalized'][p]:.4g}")
            print("| " + " | ".join(row) + " |")
        if len(names) > 8:
            row = [f"max of x8..x{len(names) - 1}"]
            rest = [p for p in names if int(p[1:]) >= 8]
            for k, _ in evs:
                row.append(f"{max(d[k]['raw'][p] for p in rest):.4g}")
                if k == "fanova" and "per_tree" in d[k]:
                    row.append(f"{max(d[k]['per_tree'][p]['std'] for p in rest):.2g}")
                row.append(f"{max(d[k]['normalized'][p] for p in rest):.4g}")
            print("| " + " | ".join(row) + " |")
        row = ["sum"]
        for k, _ in evs:
            row.append(f"{sum(d[k]['raw'].values()):.4g}")
            if k == "fanova" and "per_tree" in d[k]:
                row.append("")
            row.append(f"{sum(d[k]['normalized'].values()):.4f}")
        print("| " + " | ".join(row) + " |")
        secs = ", ".join(
            f"{n} {d[k]['seconds']:.3g} s (normalize=True call {d[k]['seconds_normalize_true']:.3g} s)"
            for k, n in evs
        )
        print(f"\nSeconds (normalize=False call): {secs}.\n")


if __name__ == "__main__":
    main()
