//! Renders the study-overview charts (parallel coordinates, slice plot, timeline) with
//! realistic fake data to /tmp/charts/*.svg and *.png, to look at.
//!
//! `cargo run -p ablate-render --features png --example new_charts`

use ablate_render::chart::*;

/// A small seeded generator (SplitMix64), so the example needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.unit()
    }
    fn log_range(&mut self, a: f64, b: f64) -> f64 {
        10f64.powf(self.range(a.log10(), b.log10()))
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(1e-12), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// One sampled configuration of the fake study.
struct Cfg {
    lr: f64,
    batch: &'static str,
    optimizer: &'static str,
    momentum: Option<f64>,
    weight_decay: f64,
    dropout: bool,
    warmup: f64,
}

/// The fake study's response surface: accuracy peaks near lr = 3e-3 with adam(w), weight decay
/// helps a little up to 1e-3, dropout helps, sgd needs momentum.
fn accuracy(c: &Cfg, rng: &mut Rng) -> f64 {
    let l = c.lr.log10() + 2.5;
    let mut a = 0.88 - 0.06 * l * l;
    a += match c.optimizer {
        "adam" => 0.0,
        "adamw" => 0.01,
        _ => -0.04 + 0.05 * c.momentum.unwrap_or(0.0),
    };
    let wd = c.weight_decay.log10() + 3.0;
    a -= 0.004 * wd * wd;
    a += if c.dropout { 0.012 } else { 0.0 };
    a -= match c.batch {
        "256" => 0.015,
        "128" => 0.005,
        _ => 0.0,
    };
    a -= 0.00001 * (c.warmup - 600.0).abs() / 10.0;
    (a + 0.008 * rng.normal()).clamp(0.05, 0.99)
}

fn sample(rng: &mut Rng) -> Cfg {
    let optimizer = rng.pick(&["sgd", "adam", "adamw"]);
    Cfg {
        lr: rng.log_range(1e-5, 1e-1),
        batch: rng.pick(&["16", "32", "64", "128", "256"]),
        optimizer,
        momentum: (optimizer == "sgd").then(|| rng.range(0.0, 0.99)),
        weight_decay: rng.log_range(1e-6, 1e-2),
        dropout: rng.unit() < 0.5,
        warmup: rng.range(0.0, 2000.0).round(),
    }
}

fn axes() -> Vec<ParamAxis> {
    vec![
        ParamAxis::log("learning_rate"),
        ParamAxis::categorical("optimizer", ["sgd", "adam", "adamw"]),
        ParamAxis::log("weight_decay"),
        ParamAxis::categorical("batch_size", ["16", "32", "64", "128", "256"]),
        ParamAxis::component("dropout"),
        ParamAxis::linear("momentum"),
        ParamAxis::linear("warmup_steps"),
    ]
}

fn trial(id: usize, c: &Cfg, acc: f64) -> TrialPoint {
    let label = format!("lr={:.1e}, {}, bs={}", c.lr, c.optimizer, c.batch);
    let t = TrialPoint::new(id.to_string(), acc)
        .label(label)
        .num(c.lr)
        .cat(c.optimizer)
        .num(c.weight_decay)
        .cat(c.batch)
        .component(c.dropout);
    let t = match c.momentum {
        Some(m) => t.num(m),
        None => t.missing(),
    };
    t.num(c.warmup)
}

fn baseline_cfg() -> Cfg {
    Cfg { lr: 1e-3, batch: "64", optimizer: "adam", momentum: None, weight_decay: 1e-4, dropout: true, warmup: 500.0 }
}

fn study(n: usize, rng: &mut Rng) -> Vec<TrialPoint> {
    let mut trials: Vec<TrialPoint> = (0..n)
        .map(|i| {
            let c = sample(rng);
            let mut a = accuracy(&c, rng);
            if i % 97 == 13 {
                a = f64::NAN; // a failed trial: no metric
            }
            trial(i, &c, a)
        })
        .collect();
    let b = baseline_cfg();
    let a = accuracy(&b, rng);
    trials.push(trial(n, &b, a).label("baseline").baseline());
    trials
}

fn save(name: &str, chart: &impl Chart) {
    let svg = format!("/tmp/charts/{name}.svg");
    let png = format!("/tmp/charts/{name}.png");
    chart.save_svg(&svg).expect("write SVG");
    chart.save_png(&png).expect("write PNG");
    println!("{svg} ({:.1} KB), {png}", chart.to_svg().len() as f64 / 1024.0);
}

fn main() {
    std::fs::create_dir_all("/tmp/charts").expect("create /tmp/charts");
    let mut rng = Rng(24);

    // 1,000 trials of a random search, axes ordered by (fake) importance
    let trials = study(1000, &mut rng);
    let pc = ParallelCoordinates::new("accuracy")
        .better(Better::Higher)
        .axes(axes())
        .trials(trials.clone())
        .note("axes ordered by importance (random forest); n/a: momentum is inactive unless optimizer = sgd");
    save("parallel_1000", &pc);
    let few = ParallelCoordinates::new("val_loss")
        .better(Better::Lower)
        .axes(axes())
        .trials(study(25, &mut Rng(7)).into_iter().map(|mut t| {
            t.metric = 1.0 - t.metric;
            t
        }).collect());
    save("parallel_25_lower", &few);
    save("parallel_empty", &ParallelCoordinates::new("accuracy").axes(axes()));

    // slice plot of 300 of them, with a fake surrogate marginal per parameter
    let some: Vec<TrialPoint> = trials[..300].iter().cloned().chain(trials.last().cloned()).collect();
    let mut slice = SlicePlot::new("accuracy")
        .better(Better::Higher)
        .axes(axes())
        .trials(some)
        .band_label("±1 sd over trees")
        .columns(4);
    let grid: Vec<f64> = (0..=40).map(|j| 10f64.powf(-5.0 + 4.0 * j as f64 / 40.0)).collect();
    slice = slice.marginal(
        "learning_rate",
        grid.iter()
            .map(|&lr| {
                let l = lr.log10() + 2.5;
                let m = 0.87 - 0.06 * l * l * 0.8;
                let sd = 0.01 + 0.01 * l.abs();
                MarginalPoint::num(lr, m, m - sd, m + sd)
            })
            .collect(),
    );
    slice = slice.marginal(
        "optimizer",
        vec![
            MarginalPoint::cat("sgd", 0.80, 0.78, 0.82),
            MarginalPoint::cat("adam", 0.83, 0.82, 0.845),
            MarginalPoint::cat("adamw", 0.84, 0.83, 0.85),
        ],
    );
    save("slice_300", &slice);
    save("slice_empty", &SlicePlot::new("accuracy").axes(axes()));

    // a study on two nodes with four GPUs each, still running; node08/gpu3 packs two trials
    save("timeline_cluster", &cluster(&mut Rng(5)));
    // a Slurm array of 48 tasks, one trial each at a time, finished
    save("timeline_slurm_48", &slurm_array(&mut Rng(11)));
    save("timeline_empty", &Timeline::new(["node07/gpu0", "node07/gpu1"]));
}

/// One lane's attempts back to back from `t`, until `until`; failures are retried (in the same
/// lane, after the next trial), the last one may still be running at `now`.
fn fill_lane(lane: usize, packed: usize, until: f64, now: Option<f64>, next_id: &mut usize, rng: &mut Rng, out: &mut Vec<TimelineBar>) {
    for _ in 0..packed {
        let mut t = rng.range(0.0, 20.0);
        let mut retry: Option<(usize, String)> = None;
        while t < until {
            let (id, attempt, label) = match retry.take() {
                Some((id, label)) => (id, 2, label),
                None => {
                    *next_id += 1;
                    let c = sample(rng);
                    (*next_id, 1, format!("lr={:.1e}, {}, bs={}", c.lr, c.optimizer, c.batch))
                }
            };
            let full = 420.0 * (0.35 * rng.normal()).exp();
            let u = rng.unit();
            let (outcome, dur, detail) = if u < 0.06 && attempt == 1 {
                (AttemptOutcome::Failed, full * rng.range(0.05, 0.5), "RuntimeError: CUDA out of memory")
            } else if u < 0.2 {
                (AttemptOutcome::Pruned, full * 0.5, "behind the baseline by 3 seed spreads at epoch 10")
            } else if full > 720.0 {
                (AttemptOutcome::TimedOut, 720.0, "killed at the 12 min limit")
            } else {
                (AttemptOutcome::Ok, full, "")
            };
            let mut end = t + dur;
            let mut outcome = outcome;
            if let Some(now) = now {
                if t >= now {
                    break;
                }
                if end > now {
                    end = now;
                    outcome = AttemptOutcome::Running;
                }
            }
            out.push(TimelineBar::new(lane, t, end, outcome).trial(id.to_string()).label(label.clone()).attempt(attempt).detail(detail));
            if outcome == AttemptOutcome::Failed {
                retry = Some((id, label));
            }
            t = end + rng.range(2.0, 15.0);
        }
    }
}

fn cluster(rng: &mut Rng) -> Timeline {
    let lanes: Vec<String> = ["node07", "node08"].iter().flat_map(|n| (0..4).map(move |g| format!("{n}/gpu{g}"))).collect();
    let now = 2.6 * 3600.0;
    let mut bars = Vec::new();
    let mut id = 0;
    for lane in 0..lanes.len() {
        let packed = if lane == 7 { 2 } else { 1 };
        fill_lane(lane, packed, now + 3600.0, Some(now), &mut id, rng, &mut bars);
    }
    Timeline::new(lanes).bars(bars).now(now).title("Study \"wine-lr\" on the cluster, running")
}

fn slurm_array(rng: &mut Rng) -> Timeline {
    let lanes: Vec<String> = (0..48).map(|i| format!("slurm 81234_{i}")).collect();
    let mut bars = Vec::new();
    let mut id = 0;
    for lane in 0..lanes.len() {
        let until = rng.range(1.5, 2.5) * 3600.0;
        fill_lane(lane, 1, until, None, &mut id, rng, &mut bars);
    }
    Timeline::new(lanes).bars(bars)
}
