//! Tests of the forests: the classifier's behaviour carried over from the demo's forest, the
//! regressor, and categorical splits.

use super::data::Ranked;
use super::grow::Builder;
use super::target::Classes;
use super::*;
use ablate_stats::rng::Rng;

/// Two well-separated blobs in 3 features, labels 10 and 20, plus a noise feature.
fn blobs(n: usize, seed: u64) -> (Vec<f64>, Vec<usize>) {
    let mut rng = Rng::new(seed);
    let mut x = Vec::with_capacity(n * 3);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let label = if i % 2 == 0 { 10 } else { 20 };
        let centre = if label == 10 { -3.0 } else { 3.0 };
        x.push(centre + rng.normal() * 0.5);
        x.push(-centre + rng.normal() * 0.5);
        x.push(rng.normal());
        y.push(label);
    }
    (x, y)
}

fn transpose(x: &[f64], n: usize, p: usize) -> Vec<f64> {
    let mut t = vec![0.0; n * p];
    for r in 0..n {
        for f in 0..p {
            t[f * n + r] = x[r * p + f];
        }
    }
    t
}

#[test]
fn separable_toy_set_is_fitted_perfectly() {
    let (x, y) = blobs(200, 1);
    let features = Features::row_major(&x, 200, 3).unwrap();
    let forest = RandomForest::fit(features, &y, &ForestParams::new(20).seed(3)).unwrap();
    assert_eq!(forest.classes(), &[10, 20]);
    assert_eq!(forest.predict(features).unwrap(), y);
    // New points from the same blobs are classified correctly too.
    let (x2, y2) = blobs(100, 2);
    let acc = forest
        .accuracy(Features::row_major(&x2, 100, 3).unwrap(), &y2)
        .unwrap();
    assert!(acc > 0.97, "held-out accuracy {acc}");
}

#[test]
fn xor_needs_depth_and_is_learned() {
    // XOR of two features: no single split helps, trees must go two levels deep.
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..400 {
        let a = (i % 20) as f64;
        let b = (i / 20) as f64;
        x.extend([a, b]);
        y.push(((a >= 10.0) ^ (b >= 10.0)) as usize);
    }
    let features = Features::row_major(&x, 400, 2).unwrap();
    let forest = RandomForest::fit(
        features,
        &y,
        &ForestParams::new(10).max_features(MaxFeatures::All),
    )
    .unwrap();
    assert_eq!(forest.accuracy(features, &y).unwrap(), 1.0);
    let stumps =
        RandomForest::fit(features, &y, &ForestParams::new(10).max_depth(Some(1))).unwrap();
    assert!(stumps.accuracy(features, &y).unwrap() < 0.9);
}

#[test]
fn layouts_give_the_same_forest() {
    let (x, y) = blobs(100, 4);
    let xt = transpose(&x, 100, 3);
    let params = ForestParams::new(15).seed(9);
    let a = RandomForest::fit(Features::row_major(&x, 100, 3).unwrap(), &y, &params).unwrap();
    let b =
        RandomForest::fit(Features::column_major(&xt, 100, 3).unwrap(), &y, &params).unwrap();
    let pa = a
        .predict_proba(Features::row_major(&x, 100, 3).unwrap())
        .unwrap();
    let pb = b
        .predict_proba(Features::column_major(&xt, 100, 3).unwrap())
        .unwrap();
    assert_eq!(pa, pb);
}

/// A noisy problem where different seeds must give visibly different forests.
fn noisy(n: usize) -> (Vec<f64>, Vec<usize>) {
    let mut rng = Rng::new(11);
    let mut x = Vec::new();
    let mut y = Vec::new();
    for _ in 0..n {
        let a = rng.normal();
        let b = rng.normal();
        x.extend([a, b, rng.normal(), rng.normal()]);
        y.push(((a + b + rng.normal()) > 0.0) as usize + 3 * ((a - b) > 1.0) as usize);
    }
    (x, y)
}

#[test]
fn same_seed_same_forest_different_seed_different_forest() {
    let (x, y) = noisy(300);
    let features = Features::row_major(&x, 300, 4).unwrap();
    let fit =
        |seed| RandomForest::fit(features, &y, &ForestParams::new(25).seed(seed)).unwrap();
    let (a, b, c) = (fit(5), fit(5), fit(6));
    let (pa, pb, pc) = (
        a.predict_proba(features).unwrap(),
        b.predict_proba(features).unwrap(),
        c.predict_proba(features).unwrap(),
    );
    assert_eq!(pa, pb);
    assert_eq!(a.n_nodes(), b.n_nodes());
    assert_ne!(pa, pc);
}

#[test]
fn probabilities_are_distributions_and_grow_to_purity() {
    let (x, y) = noisy(200);
    let features = Features::row_major(&x, 200, 4).unwrap();
    let forest =
        RandomForest::fit(features, &y, &ForestParams::new(5).bootstrap(false)).unwrap();
    assert_eq!(forest.classes(), &[0, 1, 3, 4]);
    let k = forest.classes().len();
    let proba = forest.predict_proba(features).unwrap();
    for row in proba.chunks_exact(k) {
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }
    // Without bootstrap, unlimited trees memorise distinct training points.
    assert_eq!(forest.accuracy(features, &y).unwrap(), 1.0);
    // A larger min_samples_leaf gives smaller trees.
    let coarse = RandomForest::fit(
        features,
        &y,
        &ForestParams::new(5).bootstrap(false).min_samples_leaf(20),
    )
    .unwrap();
    assert!(
        coarse.n_nodes() < forest.n_nodes() / 3,
        "{} vs {}",
        coarse.n_nodes(),
        forest.n_nodes()
    );
}

#[test]
fn randomness_comes_only_from_bootstrap_and_feature_sampling() {
    let (x, y) = noisy(150);
    let features = Features::row_major(&x, 150, 4).unwrap();
    let fixed = |seed| {
        ForestParams::new(4)
            .bootstrap(false)
            .max_features(MaxFeatures::All)
            .seed(seed)
    };
    let a = RandomForest::fit(features, &y, &fixed(1)).unwrap();
    let b = RandomForest::fit(features, &y, &fixed(2)).unwrap();
    assert_eq!(
        a.predict_proba(features).unwrap(),
        b.predict_proba(features).unwrap()
    );
    let bagged = RandomForest::fit(features, &y, &fixed(1).bootstrap(true)).unwrap();
    assert_ne!(
        a.predict_proba(features).unwrap(),
        bagged.predict_proba(features).unwrap()
    );
    // Depth 0: every tree is one leaf holding its bootstrap sample's class frequencies, so
    // the forest predicts the majority class everywhere.
    let stumps = RandomForest::fit(features, &y, &fixed(1).max_depth(Some(0))).unwrap();
    assert_eq!(stumps.n_nodes(), 4);
    let majority = *forest_majority(&y);
    assert!(
        stumps
            .predict(features)
            .unwrap()
            .iter()
            .all(|&c| c == majority)
    );
}

fn forest_majority(y: &[usize]) -> &usize {
    y.iter()
        .max_by_key(|&&c| (y.iter().filter(|&&d| d == c).count(), std::cmp::Reverse(c)))
        .unwrap()
}

#[test]
fn a_row_of_weight_k_counts_like_k_copies() {
    let (x, y) = noisy(60);
    let mut rng = Rng::new(8);
    let weights: Vec<u32> = (0..60).map(|_| rng.below(4) as u32).collect();
    let (mut x_copies, mut y_copies) = (Vec::new(), Vec::new());
    for (r, &w) in weights.iter().enumerate() {
        for _ in 0..w {
            x_copies.extend_from_slice(&x[r * 4..(r + 1) * 4]);
            y_copies.push(y[r]);
        }
    }
    // Probe on the training rows and on new points between them.
    let mut probe = x_copies.clone();
    probe.extend((0..400).map(|_| rng.normal()));
    let n_probe = probe.len() / 4;
    let grow = |x: &[f64], y: &[usize], weights: Option<&[u32]>| {
        let kinds = [FeatureKind::Numeric; 4];
        let data = Ranked::new(Features::row_major(x, y.len(), 4).unwrap(), &kinds, y.len()).unwrap();
        let classes = [0, 1, 3, 4]; // the labels of `noisy`
        let y: Vec<u32> = y.iter().map(|c| classes.iter().position(|d| d == c).unwrap() as u32).collect();
        let target = Classes { y: &y, n_classes: 4 };
        let mut builder = Builder::new(&data, &kinds, &target, 4, 1, None);
        if let Some(w) = weights {
            builder.weights.copy_from_slice(w);
        }
        builder.grow(&mut Rng::new(1))
    };
    let weighted = grow(&x, &y, Some(&weights));
    let copied = grow(&x_copies, &y_copies, None);
    let (mut a, mut b) = (vec![0.0; n_probe * 4], vec![0.0; n_probe * 4]);
    weighted.add_leaf_values(&probe, 4, &mut a);
    copied.add_leaf_values(&probe, 4, &mut b);
    assert_eq!(a, b);
    // And the weights matter: unweighted, the same rows give another tree.
    let unweighted = grow(&x, &y, None);
    let mut c = vec![0.0; n_probe * 4];
    unweighted.add_leaf_values(&probe, 4, &mut c);
    assert_ne!(a, c);
}

#[test]
fn thresholds_sit_halfway_between_training_values() {
    let x = [0.0, 10.0];
    let forest = RandomForest::fit(
        Features::row_major(&x, 2, 1).unwrap(),
        &[0, 1],
        &ForestParams::new(1).bootstrap(false),
    )
    .unwrap();
    let probe = [4.9, 5.0, 5.1, -100.0, 100.0];
    assert_eq!(
        forest
            .predict(Features::row_major(&probe, 5, 1).unwrap())
            .unwrap(),
        vec![0, 0, 1, 0, 1]
    );
}

#[test]
fn every_split_draws_its_own_features() {
    let (x, y) = noisy(200);
    let features = Features::row_major(&x, 200, 4).unwrap();
    let params = ForestParams::new(40)
        .bootstrap(false)
        .max_features(MaxFeatures::Count(1));
    let forest = RandomForest::fit(features, &y, &params).unwrap();
    let mut roots: Vec<u32> = forest.trees().iter().map(|t| t.nodes[0].feature).collect();
    roots.sort_unstable();
    roots.dedup();
    assert_eq!(roots, vec![0, 1, 2, 3]);
    // Within a tree too: the root's children do not all split on the root's feature.
    let same = forest
        .trees()
        .iter()
        .filter(|t| t.nodes[1].feature == t.nodes[0].feature)
        .count();
    assert!(
        same < 30,
        "{same} of 40 trees split the left child on the root's feature"
    );
}

#[test]
fn single_class_and_constant_features_do_not_break() {
    let x = vec![1.0; 20];
    let y = vec![7; 10];
    let features = Features::row_major(&x, 10, 2).unwrap();
    let forest = RandomForest::fit(features, &y, &ForestParams::new(3)).unwrap();
    assert_eq!(forest.predict(features).unwrap(), y);
    // Constant features with mixed labels: one leaf per tree, majority class wins.
    let y2 = vec![1, 1, 1, 1, 1, 1, 1, 2, 2, 2];
    let forest =
        RandomForest::fit(features, &y2, &ForestParams::new(3).bootstrap(false)).unwrap();
    assert_eq!(forest.n_nodes(), 3);
    assert_eq!(forest.predict(features).unwrap(), vec![1; 10]);
}

#[test]
fn bad_parameters_and_data_are_errors_not_panics() {
    let (x, y) = blobs(10, 1);
    let features = Features::row_major(&x, 10, 3).unwrap();
    let err = |params: ForestParams| {
        RandomForest::fit(features, &y, &params)
            .unwrap_err()
            .to_string()
    };
    assert!(err(ForestParams::new(0)).contains("n_estimators"));
    for bad in [0.0, -0.5, 1.5, f64::NAN] {
        assert!(err(ForestParams::new(5).feature_fraction(bad)).contains("feature_fraction"));
    }
    assert!(
        err(ForestParams::new(5).max_features(MaxFeatures::Count(4))).contains("max_features")
    );
    assert!(err(ForestParams::new(5).min_samples_leaf(0)).contains("min_samples_leaf"));
    // Fractions at the edges are fine.
    assert!(
        RandomForest::fit(features, &y, &ForestParams::new(2).feature_fraction(1.0)).is_ok()
    );
    assert!(
        RandomForest::fit(features, &y, &ForestParams::new(2).feature_fraction(1e-9)).is_ok()
    );

    assert!(
        Features::row_major(&x, 11, 3)
            .unwrap_err()
            .to_string()
            .contains("shape")
    );
    assert!(Features::row_major(&x, usize::MAX, 2).is_err());
    let empty = Features::row_major(&[], 0, 3).unwrap();
    assert!(
        RandomForest::fit(empty, &[], &ForestParams::new(5))
            .unwrap_err()
            .to_string()
            .contains("empty")
    );
    let no_features = Features::row_major(&[], 5, 0).unwrap();
    assert!(RandomForest::fit(no_features, &[0; 5], &ForestParams::new(5)).is_err());
    assert!(
        RandomForest::fit(features, &y[..9], &ForestParams::new(5))
            .unwrap_err()
            .to_string()
            .contains("labels")
    );
    let mut with_nan = x.clone();
    with_nan[4] = f64::NAN;
    let msg = RandomForest::fit(
        Features::row_major(&with_nan, 10, 3).unwrap(),
        &y,
        &ForestParams::new(5),
    )
    .unwrap_err()
    .to_string();
    assert!(msg.contains("row 1") && msg.contains("feature 1"), "{msg}");

    let forest = RandomForest::fit(features, &y, &ForestParams::new(5)).unwrap();
    let wrong_width = Features::row_major(&x[..20], 10, 2).unwrap();
    assert!(
        forest
            .predict(wrong_width)
            .unwrap_err()
            .to_string()
            .contains("3 features")
    );
    assert!(forest.accuracy(features, &y[..3]).is_err());
}

/// `y = 2·x0 + 1 if x1 is category 0 or 2`, on a grid of x0 and the 4 categories of x1.
fn step_and_categories() -> (Vec<f64>, Vec<f64>) {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..80 {
        let (a, c) = ((i % 20) as f64 / 20.0, (i / 20) as f64);
        x.extend([a, c]);
        y.push(2.0 * a + if c == 0.0 || c == 2.0 { 1.0 } else { 0.0 });
    }
    (x, y)
}

const MIXED: [FeatureKind; 2] = [FeatureKind::Numeric, FeatureKind::Categorical { n_categories: 4 }];

#[test]
fn a_regression_forest_without_bootstrap_reproduces_its_training_targets() {
    let (x, y) = step_and_categories();
    let features = Features::row_major(&x, 80, 2).unwrap();
    let forest = RegressionForest::fit(features, &MIXED, &y, &ForestParams::regression(3).bootstrap(false)).unwrap();
    let predicted = forest.predict(features).unwrap();
    for (p, t) in predicted.iter().zip(&y) {
        assert!((p - t).abs() < 1e-12, "{p} vs {t}");
    }
    // Between training values the prediction is a step, from the halfway threshold.
    let probe = [0.024, 1.0, 0.026, 1.0];
    let p = forest.predict(Features::row_major(&probe, 2, 2).unwrap()).unwrap();
    assert!((p[0] - 0.0).abs() < 1e-12 && (p[1] - 0.1).abs() < 1e-12, "{p:?}");
}

#[test]
fn a_categorical_split_sends_a_subset_of_categories_left() {
    // Only the category matters: one split must separate {0, 2} from {1, 3}.
    let (x, _) = step_and_categories();
    let y: Vec<f64> = x.chunks(2).map(|r| if r[1] == 0.0 || r[1] == 2.0 { 5.0 } else { -1.0 }).collect();
    let features = Features::row_major(&x, 80, 2).unwrap();
    let params = ForestParams::regression(1).bootstrap(false).max_depth(Some(1));
    let forest = RegressionForest::fit(features, &MIXED, &y, &params).unwrap();
    let tree = &forest.trees()[0];
    match tree.node(0) {
        TreeNode::Split { feature: 1, split: Split::Categories(mask), .. } => assert!(mask == 0b0101 || mask == 0b1010, "{mask:b}"),
        other => panic!("root is {other:?}"),
    }
    assert_eq!(forest.predict(features).unwrap(), y);
    // Treated as a number instead, the same category needs more than one split.
    let numeric = [FeatureKind::Numeric; 2];
    let forest = RegressionForest::fit(features, &numeric, &y, &params).unwrap();
    assert_ne!(forest.predict(features).unwrap(), y);
}

#[test]
fn a_fit_depends_on_its_seed_not_on_the_thread_count() {
    let (x, y) = step_and_categories();
    let y: Vec<f64> = y.iter().enumerate().map(|(i, v)| v + ((i * 37 % 11) as f64 - 5.0) * 0.05).collect();
    let features = Features::row_major(&x, 80, 2).unwrap();
    let params = ForestParams::regression(24).seed(5);
    let fit = || RegressionForest::fit(features, &MIXED, &y, &params).unwrap().predict(features).unwrap();
    let parallel = fit();
    let single = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(fit);
    assert_eq!(parallel, single);
    let other = RegressionForest::fit(features, &MIXED, &y, &params.clone().seed(6)).unwrap().predict(features).unwrap();
    assert_ne!(parallel, other);
}

#[test]
fn bad_regression_inputs_are_errors_that_say_what_to_fix() {
    let (x, mut y) = step_and_categories();
    let features = Features::row_major(&x, 80, 2).unwrap();
    let params = ForestParams::regression(2);
    y[3] = f64::NAN;
    let msg = RegressionForest::fit(features, &MIXED, &y, &params).unwrap_err().to_string();
    assert!(msg.contains("row 3") && msg.contains("finite"), "{msg}");
    y[3] = 0.0;
    let few = [FeatureKind::Numeric, FeatureKind::Categorical { n_categories: 3 }];
    let msg = RegressionForest::fit(features, &few, &y, &params).unwrap_err().to_string();
    assert!(msg.contains("category code") && msg.contains("0..3"), "{msg}");
    let msg = RegressionForest::fit(features, &MIXED[..1], &y, &params).unwrap_err().to_string();
    assert!(msg.contains("1 feature kinds for 2 features"), "{msg}");
    let too_many = [FeatureKind::Numeric, FeatureKind::Categorical { n_categories: 65 }];
    assert!(RegressionForest::fit(features, &too_many, &y, &params).is_err());
}
