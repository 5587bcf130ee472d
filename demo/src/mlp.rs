//! A small multilayer perceptron trained by mini-batch SGD on the red-wine quality data: the
//! trial function of the interaction (learning rate × batch size) and component-ablation
//! tutorials.
//!
//! The network is written by hand with `ndarray` matrix products (no ML framework):
//!
//! ```text
//! x ─ [standardize] ─ Linear(hidden) ─ [LayerNorm] ─ ReLU ─ [dropout] ─┬─ Linear(hidden) ─(+)─ ReLU ─ Linear(classes) ─ softmax
//!                                                                      └──── [residual] ────┘
//! ```
//!
//! Every bracketed component can be removed through [`MlpConfig`]: `standardize` (z-scores
//! fitted on the training split only), `layer_norm` (with a learnable gain and bias),
//! `dropout` (inverted dropout, training only; `0` removes it), `residual` (the second
//! hidden layer computes `h + f(h)` instead of `f(h)`) and `weight_decay` (L2; `0` removes it).
//! The loss is softmax cross-entropy; the optimiser is plain mini-batch SGD without momentum
//! (`w ← w − lr·g`, so the learning rate is the actual step size and the learning rate ×
//! batch size trade-off is easy to read), with the L2 term `weight_decay · w` added to the
//! gradients of the three weight matrices (not to biases or the LayerNorm gain/bias).
//! Weights start from He-normal draws, biases at zero.
//!
//! [`wine_mlp`] loads the data, splits it 80/20 with the trial's seed (the same split as
//! [`crate::wine::wine_forest`] for that seed), trains for `epochs` passes over shuffled
//! mini-batches and reports train and test accuracy. Everything random (split, initial
//! weights, batch order, dropout masks) derives from the seed through [`ablate_forest::rng::Rng`],
//! so a seed gives the same result on every run. Nothing is kept in global state.
//!
//! A learning rate too large for the batch size makes the loss overflow; training then stops
//! with a [`DemoError`] naming the epoch ("training diverged ... lower the learning rate"),
//! which ablate records as a failed trial. No input makes it panic.
//!
//! ```no_run
//! use ablate_demo::{MlpConfig, wine_mlp};
//! let scores = wine_mlp(&MlpConfig::default(), 7)?;
//! let no_scaling = wine_mlp(&MlpConfig { standardize: false, ..MlpConfig::default() }, 7)?;
//! println!("{:.3} vs {:.3}", scores.test_accuracy, no_scaling.test_accuracy);
//! # Ok::<(), ablate_demo::DemoError>(())
//! ```

use ndarray::{Array, Array1, Array2, ArrayView2, Axis, Dimension, Zip};

use crate::DemoError;
use crate::wine::{WineData, train_test_split};
use ablate_forest::rng::{Rng, splitmix64};

/// Largest accepted hidden width (keeps a typo from allocating gigabytes).
pub const MAX_HIDDEN: usize = 1024;

/// Fraction of the rows held out for testing.
const TEST_FRACTION: f64 = 0.2;

/// Stream constant separating the network's randomness from the split's.
const MLP_STREAM: u64 = 0x004d_4c50; // "MLP"

/// Variance floor of the layer normalisation.
const LN_EPS: f64 = 1e-5;

/// Hyperparameters and removable components of the MLP.
///
/// Build variations from the default: `MlpConfig { layer_norm: false, ..MlpConfig::default() }`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlpConfig {
    /// SGD step size (plain SGD, no momentum). Finite and > 0.
    pub learning_rate: f64,
    /// Rows per mini-batch (≥ 1; a batch larger than the training split means full-batch).
    pub batch_size: usize,
    /// Passes over the training split (≥ 1).
    pub epochs: usize,
    /// Width of both hidden layers (1 to [`MAX_HIDDEN`]).
    pub hidden: usize,
    /// Z-score the inputs with the training split's mean and standard deviation.
    pub standardize: bool,
    /// Skip connection around the second hidden layer: `h + f(h)`.
    pub residual: bool,
    /// Layer normalisation (learnable gain and bias) after the first linear layer.
    pub layer_norm: bool,
    /// Dropout probability after the first hidden layer, training only; `0` removes it. In [0, 1).
    pub dropout: f64,
    /// L2 penalty coefficient on the weight matrices; `0` removes it. ≥ 0.
    pub weight_decay: f64,
}

impl Default for MlpConfig {
    /// The baseline of the tutorials: every component on, 32 hidden units, batches of 32,
    /// learning rate 0.1, 20 epochs (≈ 0.05 s per run on one core).
    fn default() -> Self {
        MlpConfig {
            learning_rate: 0.1,
            batch_size: 32,
            epochs: 20,
            hidden: 32,
            standardize: true,
            residual: true,
            layer_norm: true,
            dropout: 0.1,
            weight_decay: 1e-3,
        }
    }
}

impl MlpConfig {
    /// Checks every field, naming the first bad one and what it accepts.
    pub fn validate(&self) -> Result<(), DemoError> {
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(DemoError::param(
                "learning_rate",
                self.learning_rate,
                "a finite number > 0 (e.g. 0.01)",
            ));
        }
        if self.batch_size == 0 {
            return Err(DemoError::param(
                "batch_size",
                0,
                "at least 1 row per batch",
            ));
        }
        if self.epochs == 0 {
            return Err(DemoError::param("epochs", 0, "at least 1 epoch"));
        }
        if self.hidden == 0 || self.hidden > MAX_HIDDEN {
            return Err(DemoError::param(
                "hidden",
                self.hidden,
                "a width between 1 and 1024 units",
            ));
        }
        if !(self.dropout >= 0.0 && self.dropout < 1.0) {
            return Err(DemoError::param(
                "dropout",
                self.dropout,
                "a probability in [0, 1) (0 removes dropout)",
            ));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(DemoError::param(
                "weight_decay",
                self.weight_decay,
                "a finite number >= 0 (0 removes weight decay)",
            ));
        }
        Ok(())
    }
}

/// What a trained MLP achieved.
#[derive(Debug, Clone, PartialEq)]
pub struct MlpScores {
    /// Fraction of held-out rows classified correctly.
    pub test_accuracy: f64,
    /// Fraction of training rows classified correctly.
    pub train_accuracy: f64,
    /// Mean cross-entropy on the training split after the last epoch (without dropout or the
    /// weight-decay term).
    pub final_loss: f64,
    /// The learning curve: one point per epoch.
    pub curve: Vec<EpochScores>,
}

/// Where training stood after one epoch: a point of the learning curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochScores {
    /// The epoch (1-based).
    pub epoch: usize,
    /// Mean cross-entropy of the epoch's mini-batches (as trained: with dropout).
    pub train_loss: f64,
    /// Fraction of held-out rows classified correctly after the epoch.
    pub test_accuracy: f64,
}

/// The tutorials' trial: trains the MLP described by `config` on an 80/20 split of the
/// red-wine data shuffled with `seed` and scores it. Loads the data on every call (a few
/// milliseconds); use [`wine_mlp_with`] to load it once for many trials.
///
/// Fails on an invalid `config` and when training diverges (learning rate too large).
pub fn wine_mlp(config: &MlpConfig, seed: u64) -> Result<MlpScores, DemoError> {
    config.validate()?; // reject bad parameters before loading anything
    wine_mlp_with(&WineData::load(), config, seed)
}

/// Like [`wine_mlp`] on already loaded data (any [`WineData`], e.g. a subset from
/// [`WineData::select`]); the labels may be any integers, each distinct value is a class.
pub fn wine_mlp_with(
    data: &WineData,
    config: &MlpConfig,
    seed: u64,
) -> Result<MlpScores, DemoError> {
    config.validate()?;
    let (x, y, n_classes) = prepare(data)?;
    let split = train_test_split(data.n_rows, TEST_FRACTION, seed)?;
    let mut x_train = x.select(Axis(0), &split.train);
    let mut x_test = x.select(Axis(0), &split.test);
    let y_train: Vec<usize> = split.train.iter().map(|&r| y[r]).collect();
    let y_test: Vec<usize> = split.test.iter().map(|&r| y[r]).collect();
    if config.standardize {
        standardize(&mut x_train, &mut x_test);
    }

    let mut rng = Rng::new(splitmix64(seed ^ MLP_STREAM));
    let mut net = Net::init(data.n_features, config.hidden, n_classes, &mut rng);
    let n_train = y_train.len();
    let batch_size = config.batch_size.min(n_train);
    let mut order: Vec<usize> = (0..n_train).collect();
    let mut y_batch = Vec::with_capacity(batch_size);
    let mut curve = Vec::with_capacity(config.epochs);
    for epoch in 1..=config.epochs {
        rng.shuffle(&mut order);
        let mut loss_sum = 0.0;
        for rows in order.chunks(batch_size) {
            let xb = x_train.select(Axis(0), rows);
            y_batch.clear();
            y_batch.extend(rows.iter().map(|&r| y_train[r]));
            let mask = (config.dropout > 0.0)
                .then(|| dropout_mask(rows.len(), config.hidden, config.dropout, &mut rng));
            let cache = net.forward(xb.view(), config, mask.as_ref());
            let (loss, d_logits) = softmax_cross_entropy(&cache.logits, &y_batch, true);
            if !loss.is_finite() {
                return Err(diverged(config, epoch, loss));
            }
            loss_sum += loss * rows.len() as f64;
            let grads = net.backward(xb.view(), &cache, d_logits, config, mask.as_ref());
            net.step(&grads, config);
        }
        let test_out = net.forward(x_test.view(), config, None);
        curve.push(EpochScores { epoch, train_loss: loss_sum / n_train as f64, test_accuracy: accuracy(&test_out.logits, &y_test) });
    }

    let train_out = net.forward(x_train.view(), config, None);
    let (final_loss, _) = softmax_cross_entropy(&train_out.logits, &y_train, false);
    if !final_loss.is_finite() {
        return Err(diverged(config, config.epochs, final_loss));
    }
    let test_out = net.forward(x_test.view(), config, None);
    Ok(MlpScores {
        test_accuracy: accuracy(&test_out.logits, &y_test),
        train_accuracy: accuracy(&train_out.logits, &y_train),
        final_loss,
        curve,
    })
}

/// The error for a loss that overflowed to NaN or infinity.
fn diverged(config: &MlpConfig, epoch: usize, loss: f64) -> DemoError {
    DemoError::param(
        "learning_rate",
        format!(
            "{} (training diverged at epoch {epoch} of {}: loss {loss})",
            short(config.learning_rate),
            config.epochs
        ),
        if config.standardize {
            "a smaller learning rate: lower the learning rate (or raise the batch size) until \
             the loss stays finite"
        } else {
            "a smaller learning rate: lower the learning rate, or turn standardize on (the raw \
             features have very different scales)"
        },
    )
}

/// `x` in plain notation when short (`0.3`), else in scientific notation (`1e300`).
fn short(x: f64) -> String {
    let plain = x.to_string();
    if plain.len() <= 12 {
        plain
    } else {
        format!("{x:e}")
    }
}

/// Checks the data and returns the feature matrix, class indices and number of classes
/// (each distinct label is a class, in increasing order).
fn prepare(data: &WineData) -> Result<(Array2<f64>, Vec<usize>, usize), DemoError> {
    if data.n_rows.checked_mul(data.n_features) != Some(data.features.len())
        || data.labels.len() != data.n_rows
    {
        return Err(DemoError::data(
            "WineData's fields disagree on its shape; rebuild it with WineData::load",
        ));
    }
    if data.n_features == 0 {
        return Err(DemoError::data("the data has no features"));
    }
    if let Some(i) = data.features.iter().position(|v| !v.is_finite()) {
        return Err(DemoError::data(format!(
            "feature {} of row {} is {}; the MLP needs finite values",
            i % data.n_features,
            i / data.n_features,
            data.features[i]
        )));
    }
    let mut classes = data.labels.clone();
    classes.sort_unstable();
    classes.dedup();
    if classes.len() < 2 {
        return Err(DemoError::data(format!(
            "the labels hold {} distinct class(es); a classifier needs at least 2",
            classes.len()
        )));
    }
    let y = data
        .labels
        .iter()
        .map(|l| classes.binary_search(l).unwrap_or(0))
        .collect();
    let x = Array2::from_shape_vec((data.n_rows, data.n_features), data.features.clone())
        .map_err(|e| DemoError::data(e.to_string()))?;
    Ok((x, y, classes.len()))
}

/// Z-scores both matrices with the training matrix's column means and standard deviations
/// (a constant column is only centred).
fn standardize(train: &mut Array2<f64>, test: &mut Array2<f64>) {
    let n = train.nrows() as f64;
    let mean = train.sum_axis(Axis(0)) / n;
    let mut sd = Array1::zeros(train.ncols());
    for row in train.rows() {
        Zip::from(&mut sd)
            .and(&row)
            .and(&mean)
            .for_each(|s, &v, &m| *s += (v - m) * (v - m));
    }
    sd.mapv_inplace(|s: f64| {
        let s = (s / n).sqrt();
        if s > 1e-12 { s } else { 1.0 }
    });
    for x in [train, test] {
        for mut row in x.rows_mut() {
            Zip::from(&mut row)
                .and(&mean)
                .and(&sd)
                .for_each(|v, &m, &s| *v = (*v - m) / s);
        }
    }
}

/// An inverted-dropout mask: 0 with probability `p`, else `1 / (1 − p)`.
fn dropout_mask(rows: usize, cols: usize, p: f64, rng: &mut Rng) -> Array2<f64> {
    let keep = 1.0 / (1.0 - p);
    Array2::from_shape_simple_fn((rows, cols), || if rng.next_f64() < p { 0.0 } else { keep })
}

/// Mean cross-entropy of `logits` against `y` and, if asked, its gradient
/// `(softmax − onehot) / rows` with respect to the logits.
fn softmax_cross_entropy(logits: &Array2<f64>, y: &[usize], with_grad: bool) -> (f64, Array2<f64>) {
    let n = logits.nrows() as f64;
    let mut grad = if with_grad {
        logits.clone()
    } else {
        Array2::zeros((0, 0))
    };
    let mut loss = 0.0;
    for (i, row) in logits.rows().into_iter().enumerate() {
        let max = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let lse = max + row.iter().map(|&v| (v - max).exp()).sum::<f64>().ln();
        loss += lse - row[y[i]];
        if with_grad {
            let mut g = grad.row_mut(i);
            g.mapv_inplace(|v| (v - lse).exp() / n);
            g[y[i]] -= 1.0 / n;
        }
    }
    (loss / n, grad)
}

/// Fraction of rows whose largest logit is the true class.
fn accuracy(logits: &Array2<f64>, y: &[usize]) -> f64 {
    let correct = logits
        .rows()
        .into_iter()
        .zip(y)
        .filter(|(row, y)| {
            let mut best = 0;
            for (j, &v) in row.iter().enumerate() {
                if v > row[best] {
                    best = j;
                }
            }
            best == **y
        })
        .count();
    correct as f64 / y.len().max(1) as f64
}

/// The parameters (or their gradients, or the momentum buffers) of the network.
struct Net {
    w1: Array2<f64>,
    b1: Array1<f64>,
    gain: Array1<f64>,
    bias: Array1<f64>,
    w2: Array2<f64>,
    b2: Array1<f64>,
    w3: Array2<f64>,
    b3: Array1<f64>,
}

/// What the backward pass needs from the forward pass.
struct Cache {
    /// LayerNorm's normalised pre-activations and per-row 1/σ (empty without LayerNorm).
    normed: Array2<f64>,
    inv_std: Array1<f64>,
    /// First hidden layer before ReLU.
    a1: Array2<f64>,
    /// Input of the second hidden layer (after ReLU and dropout).
    h1: Array2<f64>,
    /// Second hidden layer before ReLU (including the residual).
    a2: Array2<f64>,
    /// Second hidden layer after ReLU.
    h2: Array2<f64>,
    logits: Array2<f64>,
}

/// `a · b`, written out row by row in a fixed order rather than calling `ndarray`'s `dot`.
/// Two reasons: `dot`'s `matrixmultiply` backend picks an AVX/FMA or SSE kernel at run time,
/// so the last bits of a product (and, after a few thousand SGD steps, the trained network)
/// would depend on the CPU; and it is only fast when `matrixmultiply` itself is optimised
/// (about 10× slower under a profile that leaves dependencies at opt-level 0), whereas these
/// loops are compiled with ablate. At these sizes they are within ~10 % of `dot`'s speed.
fn matmul(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
    let (n, k) = a.dim();
    let m = b.ncols();
    debug_assert_eq!(b.nrows(), k);
    let a = a.as_standard_layout();
    let b = b.as_standard_layout();
    let (a, b) = (a.as_slice().unwrap_or(&[]), b.as_slice().unwrap_or(&[]));
    let mut out = vec![0.0; n * m];
    if m > 0 && k > 0 {
        for (out_row, a_row) in out.chunks_exact_mut(m).zip(a.chunks_exact(k)) {
            // Four rows of `b` per sweep of `out_row`: a quarter of the loads and stores.
            let mut quads = a_row.chunks_exact(4).zip(b.chunks_exact(4 * m));
            for (s, b4) in &mut quads {
                let (b0, rest) = b4.split_at(m);
                let (b1, rest) = rest.split_at(m);
                let (b2, b3) = rest.split_at(m);
                for ((((o, &v0), &v1), &v2), &v3) in
                    out_row.iter_mut().zip(b0).zip(b1).zip(b2).zip(b3)
                {
                    *o += (s[0] * v0 + s[1] * v1) + (s[2] * v2 + s[3] * v3);
                }
            }
            let done = k - k % 4;
            for (&s, b_row) in a_row[done..].iter().zip(b[done * m..].chunks_exact(m)) {
                for (o, &v) in out_row.iter_mut().zip(b_row) {
                    *o += s * v;
                }
            }
        }
    }
    Array2::from_shape_vec((n, m), out).unwrap_or_else(|_| Array2::zeros((n, m)))
}

fn he_normal(fan_in: usize, fan_out: usize, rng: &mut Rng) -> Array2<f64> {
    let scale = (2.0 / fan_in as f64).sqrt();
    Array2::from_shape_simple_fn((fan_in, fan_out), || rng.normal() * scale)
}

fn relu(x: &Array2<f64>) -> Array2<f64> {
    x.mapv(|v| v.max(0.0))
}

/// One SGD step with coupled L2 decay on one parameter tensor.
fn sgd<D: Dimension>(w: &mut Array<f64, D>, g: &Array<f64, D>, lr: f64, decay: f64) {
    Zip::from(w)
        .and(g)
        .for_each(|w, &g| *w -= lr * (g + decay * *w));
}

impl Net {
    fn init(inputs: usize, hidden: usize, classes: usize, rng: &mut Rng) -> Net {
        Net {
            w1: he_normal(inputs, hidden, rng),
            b1: Array1::zeros(hidden),
            gain: Array1::ones(hidden),
            bias: Array1::zeros(hidden),
            w2: he_normal(hidden, hidden, rng),
            b2: Array1::zeros(hidden),
            w3: he_normal(hidden, classes, rng),
            b3: Array1::zeros(classes),
        }
    }

    /// Forward pass; `mask` is the dropout mask (training only).
    fn forward(&self, x: ArrayView2<f64>, config: &MlpConfig, mask: Option<&Array2<f64>>) -> Cache {
        let mut a1 = matmul(x, self.w1.view()) + &self.b1;
        let (mut normed, mut inv_std) = (Array2::zeros((0, 0)), Array1::zeros(0));
        if config.layer_norm {
            let h = a1.ncols() as f64;
            inv_std = Array1::zeros(a1.nrows());
            for (mut row, s) in a1.rows_mut().into_iter().zip(inv_std.iter_mut()) {
                let mean = row.sum() / h;
                let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / h;
                *s = 1.0 / (var + LN_EPS).sqrt();
                let s = *s;
                row.mapv_inplace(|v| (v - mean) * s);
            }
            normed = a1.clone();
            a1 = a1 * &self.gain + &self.bias;
        }
        let mut h1 = relu(&a1);
        if let Some(mask) = mask {
            h1 *= mask;
        }
        let mut a2 = matmul(h1.view(), self.w2.view()) + &self.b2;
        if config.residual {
            a2 += &h1;
        }
        let h2 = relu(&a2);
        let logits = matmul(h2.view(), self.w3.view()) + &self.b3;
        Cache {
            normed,
            inv_std,
            a1,
            h1,
            a2,
            h2,
            logits,
        }
    }

    /// Gradients of the mean loss given its gradient `d_logits` with respect to the logits.
    fn backward(
        &self,
        x: ArrayView2<f64>,
        c: &Cache,
        d_logits: Array2<f64>,
        config: &MlpConfig,
        mask: Option<&Array2<f64>>,
    ) -> Net {
        let w3 = matmul(c.h2.t(), d_logits.view());
        let b3 = d_logits.sum_axis(Axis(0));
        let mut d_a2 = matmul(d_logits.view(), self.w3.t());
        Zip::from(&mut d_a2).and(&c.a2).for_each(|d, &a| {
            if a <= 0.0 {
                *d = 0.0
            }
        });
        let w2 = matmul(c.h1.t(), d_a2.view());
        let b2 = d_a2.sum_axis(Axis(0));
        let mut d_h1 = matmul(d_a2.view(), self.w2.t());
        if config.residual {
            d_h1 += &d_a2;
        }
        if let Some(mask) = mask {
            d_h1 *= mask;
        }
        // d_h1 becomes the gradient with respect to a1 (through the ReLU).
        Zip::from(&mut d_h1).and(&c.a1).for_each(|d, &a| {
            if a <= 0.0 {
                *d = 0.0
            }
        });
        let (mut gain, mut bias) = (
            Array1::zeros(self.gain.len()),
            Array1::zeros(self.bias.len()),
        );
        let d_z1 = if config.layer_norm {
            gain = (&d_h1 * &c.normed).sum_axis(Axis(0));
            bias = d_h1.sum_axis(Axis(0));
            let h = d_h1.ncols() as f64;
            let mut d_z1 = d_h1 * &self.gain; // gradient w.r.t. the normalised values
            for ((mut d, n), &s) in d_z1
                .rows_mut()
                .into_iter()
                .zip(c.normed.rows())
                .zip(&c.inv_std)
            {
                let mean_d = d.sum() / h;
                let mean_dn = d.iter().zip(n).map(|(a, b)| a * b).sum::<f64>() / h;
                Zip::from(&mut d)
                    .and(&n)
                    .for_each(|d, &n| *d = s * (*d - mean_d - n * mean_dn));
            }
            d_z1
        } else {
            d_h1
        };
        Net {
            w1: matmul(x.t(), d_z1.view()),
            b1: d_z1.sum_axis(Axis(0)),
            gain,
            bias,
            w2,
            b2,
            w3,
            b3,
        }
    }

    fn step(&mut self, g: &Net, config: &MlpConfig) {
        let (lr, wd) = (config.learning_rate, config.weight_decay);
        sgd(&mut self.w1, &g.w1, lr, wd);
        sgd(&mut self.b1, &g.b1, lr, 0.0);
        if config.layer_norm {
            sgd(&mut self.gain, &g.gain, lr, 0.0);
            sgd(&mut self.bias, &g.bias, lr, 0.0);
        }
        sgd(&mut self.w2, &g.w2, lr, wd);
        sgd(&mut self.b2, &g.b2, lr, 0.0);
        sgd(&mut self.w3, &g.w3, lr, wd);
        sgd(&mut self.b3, &g.b3, lr, 0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two well-separated Gaussian blobs in 3 dimensions, labels 10 and 20.
    fn blobs(n: usize, seed: u64) -> WineData {
        let mut rng = Rng::new(seed);
        let mut features = Vec::new();
        let mut labels = Vec::new();
        for i in 0..n {
            let class = i % 2;
            let centre = if class == 0 { -2.0 } else { 2.0 };
            for _ in 0..3 {
                features.push(centre + rng.normal());
            }
            labels.push(10 * (class + 1));
        }
        WineData {
            features,
            labels,
            n_rows: n,
            n_features: 3,
            feature_names: vec!["a".into(), "b".into(), "c".into()],
        }
    }

    fn fast() -> MlpConfig {
        MlpConfig {
            epochs: 10,
            ..MlpConfig::default()
        }
    }

    /// Mean loss of `net` on a batch with a fixed dropout mask.
    fn batch_loss(
        net: &Net,
        x: &Array2<f64>,
        y: &[usize],
        c: &MlpConfig,
        m: Option<&Array2<f64>>,
    ) -> f64 {
        softmax_cross_entropy(&net.forward(x.view(), c, m).logits, y, false).0
    }

    #[test]
    fn backward_matches_finite_differences() {
        let mut rng = Rng::new(5);
        let (n, p, h, k) = (6, 4, 5, 3);
        let x = Array2::from_shape_simple_fn((n, p), || rng.normal());
        let y: Vec<usize> = (0..n).map(|i| i % k).collect();
        for (residual, layer_norm, dropout) in [
            (true, true, 0.3),
            (false, false, 0.0),
            (true, false, 0.0),
            (false, true, 0.5),
        ] {
            let c = MlpConfig {
                residual,
                layer_norm,
                dropout,
                hidden: h,
                ..MlpConfig::default()
            };
            let mut net = Net::init(p, h, k, &mut rng);
            // Random biases keep pre-activations off ReLU's kink at exactly 0 (a zero bias
            // after an all-dead row would sit on it and spoil the finite differences).
            net.b1.mapv_inplace(|_| 0.1 + 0.1 * rng.normal());
            net.b2.mapv_inplace(|_| 0.1 * rng.normal());
            net.gain.mapv_inplace(|_| 1.0 + 0.3 * rng.normal());
            net.bias.mapv_inplace(|_| 0.2 * rng.normal());
            let mask = (dropout > 0.0).then(|| dropout_mask(n, h, dropout, &mut rng));
            let cache = net.forward(x.view(), &c, mask.as_ref());
            let (_, d) = softmax_cross_entropy(&cache.logits, &y, true);
            let g = net.backward(x.view(), &cache, d, &c, mask.as_ref());
            let eps = 1e-6;
            macro_rules! check {
                ($field:ident) => {
                    for i in 0..net.$field.len() {
                        let orig = net.$field.as_slice().unwrap()[i];
                        net.$field.as_slice_mut().unwrap()[i] = orig + eps;
                        let up = batch_loss(&net, &x, &y, &c, mask.as_ref());
                        net.$field.as_slice_mut().unwrap()[i] = orig - eps;
                        let down = batch_loss(&net, &x, &y, &c, mask.as_ref());
                        net.$field.as_slice_mut().unwrap()[i] = orig;
                        let numeric = (up - down) / (2.0 * eps);
                        let analytic = g.$field.as_slice().unwrap()[i];
                        assert!(
                            (numeric - analytic).abs() < 1e-6 * (1.0 + numeric.abs()),
                            "{} [{i}] numeric {numeric} analytic {analytic} ({c:?})",
                            stringify!($field)
                        );
                    }
                };
            }
            check!(w1);
            check!(b1);
            check!(w2);
            check!(b2);
            check!(w3);
            check!(b3);
            if layer_norm {
                check!(gain);
                check!(bias);
            }
        }
    }

    #[test]
    fn learns_a_separable_problem() {
        let data = blobs(200, 1);
        let s = wine_mlp_with(&data, &fast(), 3).unwrap();
        assert!(s.test_accuracy > 0.95 && s.train_accuracy > 0.95, "{s:?}");
        assert!(s.final_loss < 0.2, "{s:?}");
    }

    #[test]
    fn deterministic_per_seed_and_beats_the_majority_class_on_wine() {
        let data = WineData::load();
        let a = wine_mlp_with(&data, &fast(), 1).unwrap();
        assert_eq!(a, wine_mlp_with(&data, &fast(), 1).unwrap());
        assert_ne!(a, wine_mlp_with(&data, &fast(), 2).unwrap());
        // Always predicting grade 5 scores ~0.43.
        assert!(a.test_accuracy > 0.5 && a.test_accuracy < 0.8, "{a:?}");
        assert!(a.final_loss.is_finite() && a.final_loss > 0.0);
    }

    #[test]
    fn removing_standardization_hurts_on_wine() {
        let data = WineData::load();
        let mut with = 0.0;
        let mut without = 0.0;
        for seed in 0..2 {
            with += wine_mlp_with(&data, &fast(), seed).unwrap().test_accuracy;
            let raw = MlpConfig {
                standardize: false,
                ..fast()
            };
            without += wine_mlp_with(&data, &raw, seed).unwrap().test_accuracy;
        }
        assert!(with > without + 0.04, "with {with} without {without}");
    }

    #[test]
    fn bad_parameters_and_data_give_clear_errors() {
        let base = MlpConfig::default();
        let cases = [
            (
                MlpConfig {
                    learning_rate: 0.0,
                    ..base
                },
                "learning_rate",
            ),
            (
                MlpConfig {
                    learning_rate: f64::NAN,
                    ..base
                },
                "learning_rate",
            ),
            (
                MlpConfig {
                    learning_rate: f64::INFINITY,
                    ..base
                },
                "learning_rate",
            ),
            (
                MlpConfig {
                    batch_size: 0,
                    ..base
                },
                "batch_size",
            ),
            (MlpConfig { epochs: 0, ..base }, "epochs"),
            (MlpConfig { hidden: 0, ..base }, "hidden"),
            (
                MlpConfig {
                    hidden: MAX_HIDDEN + 1,
                    ..base
                },
                "hidden",
            ),
            (
                MlpConfig {
                    dropout: 1.0,
                    ..base
                },
                "dropout",
            ),
            (
                MlpConfig {
                    dropout: -0.1,
                    ..base
                },
                "dropout",
            ),
            (
                MlpConfig {
                    weight_decay: -1e-3,
                    ..base
                },
                "weight_decay",
            ),
            (
                MlpConfig {
                    weight_decay: f64::NAN,
                    ..base
                },
                "weight_decay",
            ),
        ];
        for (config, name) in cases {
            let err = wine_mlp(&config, 1).unwrap_err();
            assert!(
                matches!(err, DemoError::InvalidParameter { name: n, .. } if n == name),
                "{err}"
            );
            assert!(err.to_string().contains("expected"), "{err}");
        }
        let mut data = blobs(20, 1);
        data.features[4] = f64::NAN;
        assert!(
            wine_mlp_with(&data, &fast(), 1)
                .unwrap_err()
                .to_string()
                .contains("finite")
        );
        let mut data = blobs(20, 1);
        data.labels = vec![3; 20];
        assert!(
            wine_mlp_with(&data, &fast(), 1)
                .unwrap_err()
                .to_string()
                .contains("at least 2")
        );
        let mut data = blobs(20, 1);
        data.n_rows = 21;
        assert!(wine_mlp_with(&data, &fast(), 1).is_err());
        assert!(wine_mlp_with(&blobs(1, 1), &fast(), 1).is_err()); // too few rows to split
        // A batch larger than the training split is full-batch training, not an error.
        let big = MlpConfig {
            batch_size: 10_000,
            ..fast()
        };
        assert!(wine_mlp_with(&blobs(40, 1), &big, 1).is_ok());
    }

    #[test]
    fn a_huge_learning_rate_fails_cleanly() {
        let data = WineData::load();
        for lr in [1e3, 1e300] {
            let c = MlpConfig {
                learning_rate: lr,
                epochs: 3,
                ..MlpConfig::default()
            };
            let err = wine_mlp_with(&data, &c, 1).unwrap_err();
            let msg = err.to_string();
            assert!(matches!(
                err,
                DemoError::InvalidParameter {
                    name: "learning_rate",
                    ..
                }
            ));
            assert!(
                msg.contains("diverged at epoch 1 of 3") && msg.contains("lower the learning rate"),
                "{msg}"
            );
            assert!(msg.len() < 200, "{msg}");
        }
        // Large but not overflowing steps kill the ReLUs: a constant prediction, not an error.
        for (lr, standardize) in [(10.0, true), (50.0, false)] {
            let c = MlpConfig {
                learning_rate: lr,
                standardize,
                epochs: 3,
                ..MlpConfig::default()
            };
            if let Ok(s) = wine_mlp_with(&data, &c, 1) {
                assert!(
                    (0.0..=1.0).contains(&s.test_accuracy) && s.final_loss.is_finite(),
                    "{s:?}"
                );
            }
        }
    }
}
