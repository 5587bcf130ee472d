//! fANOVA against the exact functional ANOVA of a full grid, and on a synthetic function with
//! known structure.

use super::fanova::TreeSpace;
use super::*;
use crate::rng::Rng;

fn grid_mean(a: usize, b: usize, c: usize) -> f64 {
    let a = a as f64;
    0.5 * a * a + if b == 1 { 2.0 } else { 0.0 } + 1.5 * a * c as f64 - if b == 2 && c == 1 { 1.0 } else { 0.0 }
}

/// The grid: a (4 ordered levels), b (3 categories), c (2 ordered levels).
fn grid_dims() -> Vec<Dimension> {
    vec![Dimension::discrete("a", 4, true), Dimension::discrete("b", 3, false), Dimension::discrete("c", 2, true)]
}

/// Every cell of the grid twice, with ± noise that cancels in the cell mean.
fn grid_trials() -> (Vec<f64>, Vec<f64>) {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for a in 0..4 {
        for b in 0..3 {
            for c in 0..2 {
                for sign in [-1.0, 1.0] {
                    x.extend([a as f64, b as f64, c as f64]);
                    y.push(grid_mean(a, b, c) + sign * 0.3);
                }
            }
        }
    }
    (x, y)
}

/// The exact functional ANOVA of the grid means (uniform weights): total variance, main
/// effects, and the interaction of a pair.
fn exact_anova() -> (f64, [f64; 3], [[f64; 3]; 3]) {
    let cells: Vec<([usize; 3], f64)> = (0..24).map(|i| {
        let idx = [i / 6, i / 2 % 3, i % 2];
        (idx, grid_mean(idx[0], idx[1], idx[2]))
    }).collect();
    let mean = cells.iter().map(|c| c.1).sum::<f64>() / 24.0;
    let total = cells.iter().map(|c| (c.1 - mean).powi(2)).sum::<f64>() / 24.0;
    let marginal_var = |dims: &[usize]| {
        // Group the cells by their values on `dims`; each group's mean is the marginal.
        let mut groups: std::collections::BTreeMap<Vec<usize>, (f64, f64)> = Default::default();
        for (idx, v) in &cells {
            let key: Vec<usize> = dims.iter().map(|&d| idx[d]).collect();
            let g = groups.entry(key).or_default();
            g.0 += v;
            g.1 += 1.0;
        }
        let n = groups.len() as f64;
        groups.values().map(|(s, k)| (s / k - mean).powi(2)).sum::<f64>() / n
    };
    let main = [marginal_var(&[0]), marginal_var(&[1]), marginal_var(&[2])];
    let mut pairs = [[0.0; 3]; 3];
    for a in 0..3 {
        for b in a + 1..3 {
            pairs[a][b] = marginal_var(&[a, b]) - main[a] - main[b];
        }
    }
    (total, main, pairs)
}

#[test]
fn on_a_full_grid_each_tree_decomposes_exactly_like_the_functional_anova_of_the_grid_means() {
    let (x, y) = grid_trials();
    let dims = grid_dims();
    let kinds: Vec<_> = dims.iter().map(Dimension::feature_kind).collect();
    let features = Features::row_major(&x, y.len(), 3).unwrap();
    // Without bootstrap every tree reproduces the cell means, whatever order it split in.
    let forest = RegressionForest::fit(features, &kinds, &y, &ForestParams::regression(8).bootstrap(false).seed(3)).unwrap();
    let (total, main, pairs) = exact_anova();
    assert!(main.iter().all(|&v| v > 0.01) && pairs[0][2] > 0.01 && pairs[1][2] > 0.01, "{main:?} {pairs:?}");
    for tree in forest.trees() {
        let d = TreeSpace::new(tree, &dims);
        assert!((d.total - total).abs() < 1e-9, "{} vs {total}", d.total);
        for (i, (got, want)) in d.main.iter().zip(&main).enumerate().take(3) {
            assert!((got - want).abs() < 1e-9, "main {i}: {got} vs {want}");
        }
        for (a, b) in [(0, 1), (0, 2), (1, 2)] {
            let v = d.interaction(a, b);
            assert!((v - pairs[a][b]).abs() < 1e-9, "pair {a},{b}: {v} vs {}", pairs[a][b]);
        }
    }
}

/// `y = 4·x0 + 2·sin(6·x1) + 3·x0·x2 + N(0, 0.1²)`, x uniform in [0, 1]^p.
fn synthetic(n: usize, p: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let (mut x, mut y) = (Vec::with_capacity(n * p), Vec::with_capacity(n));
    for _ in 0..n {
        let row: Vec<f64> = (0..p).map(|_| rng.next_f64()).collect();
        y.push(4.0 * row[0] + 2.0 * (6.0 * row[1]).sin() + 3.0 * row[0] * row[2] + 0.1 * rng.normal());
        x.extend(row);
    }
    (x, y)
}

#[test]
fn the_known_structure_of_a_synthetic_function_is_recovered_with_intervals() {
    let (x, y) = synthetic(600, 6, 11);
    let dims: Vec<Dimension> = (0..6).map(|i| Dimension::continuous(&format!("x{i}"), 0.0, 1.0)).collect();
    let result = fanova(Features::row_major(&x, 600, 6).unwrap(), &dims, &y, &Fanova::default()).unwrap();
    let names: Vec<&str> = result.main.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(&names[..3], ["x0", "x1", "x2"]);
    // The exact shares of this function: x0 0.519, x1 0.430, x2 0.039, x0 × x2 0.013.
    for (m, truth) in result.main.iter().zip([0.519, 0.430, 0.039]) {
        assert!((m.importance - truth).abs() < 0.06, "{m:?} vs {truth}");
        assert!(m.low <= m.importance && m.importance <= m.high && m.high - m.low > 0.0, "{m:?}");
        assert!(m.forest_sd >= 0.0 && m.forest_sd < 0.05, "{m:?}");
    }
    for m in &result.main[3..] {
        assert!(m.importance < 0.01 && m.low < 0.01, "{m:?}");
    }
    assert_eq!(result.n_trees, 64);
    assert_eq!(result.pairs.len(), 10);
    assert!(result.pairs[0].name == "x0 × x2" || result.pairs[0].name == "x0 × x1", "{:?}", result.pairs);
    // Same seed, same answer.
    let again = fanova(Features::row_major(&x, 600, 6).unwrap(), &dims, &y, &Fanova::default()).unwrap();
    assert_eq!(again, result);
}

#[test]
fn bad_dimensions_and_settings_are_errors() {
    let (x, y) = synthetic(20, 3, 1);
    let features = Features::row_major(&x, 20, 3).unwrap();
    let mut dims: Vec<Dimension> = (0..3).map(|i| Dimension::continuous(&format!("x{i}"), 0.0, 1.0)).collect();
    let mut bad = dims.clone();
    bad[0] = Dimension::continuous("x0", 1.0, 1.0);
    let msg = fanova(features, &bad, &y, &Fanova::default()).unwrap_err().to_string();
    assert!(msg.contains("x0") && msg.contains("low < high"), "{msg}");
    bad[0] = Dimension::discrete("x0", 65, false);
    assert!(fanova(features, &bad, &y, &Fanova::default()).unwrap_err().to_string().contains("1 to 64"));
    dims.truncate(3);
    let none = Fanova { n_trees: 0, ..Fanova::default() };
    assert!(fanova(features, &dims, &y, &none).is_err());
    assert!(fanova(features, &dims, &y[..5], &Fanova::default()).is_err());
}

#[test]
fn ped_anova_reproduces_optunas_raw_numbers_on_the_same_trials() {
    // Trials and Optuna 5.1.0's PedAnovaImportanceEvaluator() output, written by
    // benches/importance/make_synthetic.py and optuna_importance.py.
    let csv = include_str!("../../benches/importance/data/synth_1000x8.csv");
    let optuna: serde_json::Value = serde_json::from_str(include_str!("../../benches/importance/results/optuna_1000x8.json")).unwrap();
    let mut lines = csv.lines();
    let names: Vec<&str> = lines.next().unwrap().split(',').collect();
    let p = names.len() - 1;
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for line in lines.filter(|l| !l.is_empty()) {
        let row: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
        x.extend_from_slice(&row[..p]);
        y.push(row[p]);
    }
    let dims: Vec<Dimension> = names[..p].iter().map(|n| Dimension::continuous(n, 0.0, 1.0)).collect();
    let ours = ped_anova(Features::row_major(&x, y.len(), p).unwrap(), &dims, &y, true, 0.1).unwrap();
    for (name, value) in names[..p].iter().zip(&ours) {
        let theirs = optuna["ped_anova"]["raw"][name].as_f64().unwrap();
        assert!(((value - theirs) / theirs).abs() < 1e-9, "{name}: {value} vs Optuna {theirs}");
    }
}

#[test]
fn ped_anova_reproduces_optuna_on_log_integer_and_categorical_parameters() {
    // The demo MLP's Sobol' study (examples/mlp_importance.rs) and Optuna 5.1.0's output with
    // the study's distributions (optuna_importance.py --space mlp): a log float, a log int,
    // an int, a float and a two-way categorical.
    let csv = include_str!("../../benches/importance/data/mlp_sobol128.csv");
    let optuna: serde_json::Value = serde_json::from_str(include_str!("../../benches/importance/results/optuna_mlp.json")).unwrap();
    let mut lines = csv.lines();
    let names: Vec<&str> = lines.next().unwrap().split(',').collect();
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for line in lines.filter(|l| !l.is_empty()) {
        let row: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
        x.extend_from_slice(&[row[0].ln(), row[1].ln(), row[2], row[3], row[4]]);
        y.push(row[5]);
    }
    let dims = vec![
        Dimension::continuous("learning_rate", 0.001f64.ln(), 0.5f64.ln()),
        Dimension::continuous("batch_size", 16f64.ln(), 128f64.ln()).integers(113, true),
        Dimension::continuous("hidden", 8.0, 64.0).integers(57, false),
        Dimension::continuous("dropout", 0.0, 0.5),
        Dimension::discrete("layer_norm", 2, false),
    ];
    let ours = ped_anova(Features::row_major(&x, y.len(), 5).unwrap(), &dims, &y, true, 0.1).unwrap();
    for (name, value) in names[..5].iter().zip(&ours) {
        let theirs = optuna["ped_anova"]["raw"][name].as_f64().unwrap();
        assert!(((value - theirs) / theirs).abs() < 1e-9, "{name}: {value} vs Optuna {theirs}");
    }
}

#[test]
fn permutation_importance_ranks_the_synthetic_parameters_on_held_out_trials() {
    let (x, y) = synthetic(600, 5, 4);
    let dims: Vec<Dimension> = (0..5).map(|i| Dimension::continuous(&format!("x{i}"), 0.0, 1.0)).collect();
    let features = Features::row_major(&x, 600, 5).unwrap();
    let result = permutation_importance(features, &dims, &y, &Permutation::default()).unwrap();
    let order = |i: usize| result[i].importance;
    assert!(order(0) > order(1) && order(1) > order(2), "{result:?}");
    for m in &result[3..] {
        assert!(m.importance < 0.02 && m.low <= m.importance && m.importance <= m.high, "{m:?}");
    }
    // Shuffling x0 costs about its share of variance and more (its interaction with x2).
    assert!(order(0) > 0.5, "{result:?}");
    assert_eq!(permutation_importance(features, &dims, &y, &Permutation::default()).unwrap(), result);
    let tiny = Features::row_major(&x[..40], 8, 5).unwrap();
    assert!(permutation_importance(tiny, &dims, &y[..8], &Permutation::default()).is_err());
}
