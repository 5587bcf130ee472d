//! Scales, "nice" ticks, number formatting and tick-label thinning.

/// Maps a data interval onto a pixel interval, linearly or in log10.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub r0: f64,
    pub r1: f64,
    pub log: bool,
}

impl Scale {
    pub fn linear(d0: f64, d1: f64, r0: f64, r1: f64) -> Self {
        let (d0, d1) = if (d1 - d0).abs() < 1e-300 { (d0 - 0.5, d1 + 0.5) } else { (d0, d1) };
        Scale { d0, d1, r0, r1, log: false }
    }
    /// A log10 scale; d0 and d1 are data values (> 0).
    pub fn log(d0: f64, d1: f64, r0: f64, r1: f64) -> Self {
        let (a, b) = (d0.max(1e-300).log10(), d1.max(1e-300).log10());
        let (a, b) = if (b - a).abs() < 1e-12 { (a - 0.5, b + 0.5) } else { (a, b) };
        Scale { d0: a, d1: b, r0, r1, log: true }
    }
    pub fn map(&self, v: f64) -> f64 {
        let v = if self.log { v.max(1e-300).log10() } else { v };
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// Ticks at 1, 2, 2.5 or 5 × 10^k covering [lo, hi], about `target` of them; returns (ticks, step).
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() { (lo.min(hi), lo.max(hi)) } else { (0.0, 1.0) };
    let span = if hi - lo > 0.0 { hi - lo } else if lo != 0.0 { lo.abs() * 0.1 } else { 1.0 };
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let step = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 2.5 {
        2.5
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    } * mag;
    let start = (lo / step - 1e-9).ceil();
    let end = (hi / step + 1e-9).floor();
    let mut ticks = Vec::new();
    let mut i = start;
    while i <= end && ticks.len() < 100 {
        let v = i * step;
        ticks.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        i += 1.0;
    }
    (ticks, step)
}

/// Expand [lo, hi] outwards to the nearest ticks of a nice step (so the axis ends on a tick);
/// returns (lo, hi, ticks, step).
pub fn nice_domain(lo: f64, hi: f64, target: usize) -> (f64, f64, Vec<f64>, f64) {
    let (_, step) = nice_ticks(lo, hi, target);
    // A bound that is already a multiple of the step stays (within rounding noise).
    let a = (lo / step + 1e-9).floor() * step;
    let b = (hi / step - 1e-9).ceil() * step;
    let (a, b) = if b > a { (a, b) } else { (a - step, b + step) };
    let k = ((b - a) / step).round() as usize;
    let ticks = (0..=k.min(100))
        .map(|i| {
            let v = a + step * i as f64;
            if v.abs() < step * 1e-9 { 0.0 } else { v }
        })
        .collect();
    (a, b, ticks, step)
}

/// Decimals needed to print multiples of `step` exactly (0..=8).
pub fn decimals_for_step(step: f64) -> usize {
    if !(step.is_finite() && step > 0.0) {
        return 2;
    }
    for d in 0..=8usize {
        let scaled = step * 10f64.powi(d as i32);
        if (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0) {
            return d;
        }
    }
    8
}

/// Format with `dec` decimals; a real minus sign; very large or small magnitudes in e-notation.
pub fn fmt_num(v: f64, dec: usize) -> String {
    if !v.is_finite() {
        return if v.is_nan() { "n/a".into() } else if v > 0.0 { "∞".into() } else { "−∞".into() };
    }
    let a = v.abs();
    let s = if a != 0.0 && (a >= 1e6 || (a < 1e-4 && dec > 4)) {
        let e = format!("{v:.2e}");
        // 1.00e-5 -> 1e-5
        let (m, ex) = e.split_once('e').unwrap_or((&e, "0"));
        let m = if m.contains('.') { m.trim_end_matches('0').trim_end_matches('.') } else { m };
        format!("{m}e{ex}")
    } else {
        let s = format!("{v:.dec$}");
        // "-0.000" -> "0.000"
        if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') { s[1..].to_string() } else { s }
    };
    match s.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None => s,
    }
}

/// Format a signed change: "+0.012" / "−0.080".
pub fn fmt_signed(v: f64, dec: usize) -> String {
    let s = fmt_num(v, dec);
    if v > 0.0 && !s.starts_with('−') && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{s}")
    } else {
        s
    }
}

/// Decimals that show differences of about `spread` (the range of the values shown) with two
/// significant digits, clamped to 0..=6.
pub fn decimals_for_spread(spread: f64) -> usize {
    if !(spread.is_finite() && spread > 0.0) {
        return 3;
    }
    let d = 1.0 - spread.log10().floor();
    d.clamp(0.0, 6.0) as usize
}

/// Label thinning: returns which labels to show so that none overlap. Labels occupy
/// [pos - w/2 - gap/2, pos + w/2 + gap/2]. Keeps every k-th label for the smallest stride k that
/// fits (regular spacing reads best), then adds `priority` labels (e.g. the baseline) and the last
/// label where they do not collide.
pub fn thin(positions: &[f64], widths: &[f64], gap: f64, priority: &[bool]) -> Vec<bool> {
    let n = positions.len();
    let span = |i: usize| (positions[i] - widths[i] / 2.0 - gap / 2.0, positions[i] + widths[i] / 2.0 + gap / 2.0);
    let collide = |a: (f64, f64), b: (f64, f64)| !(a.1 <= b.0 || b.1 <= a.0);
    for stride in 1..=n.max(1) {
        let idx: Vec<usize> = (0..n).step_by(stride).collect();
        if idx.windows(2).all(|w| !collide(span(w[0]), span(w[1]))) {
            let mut keep = vec![false; n];
            for &i in &idx {
                keep[i] = true;
            }
            let extra: Vec<usize> = (0..n).filter(|&i| priority.get(i).copied().unwrap_or(false)).chain(n.checked_sub(1)).collect();
            for i in extra {
                if keep[i] {
                    continue;
                }
                // a priority label replaces the regular labels it collides with
                let is_prio = priority.get(i).copied().unwrap_or(false);
                let clashes: Vec<usize> = (0..n).filter(|&j| keep[j] && collide(span(i), span(j))).collect();
                if clashes.is_empty() {
                    keep[i] = true;
                } else if is_prio && clashes.iter().all(|&j| !priority.get(j).copied().unwrap_or(false)) {
                    for j in clashes {
                        keep[j] = false;
                    }
                    keep[i] = true;
                }
            }
            return keep;
        }
    }
    vec![false; n]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_nice() {
        let (t, s) = nice_ticks(0.66, 0.73, 5);
        assert_eq!(s, 0.02);
        assert_eq!(t.len(), 4);
        assert!((t[0] - 0.66).abs() < 1e-12);
        let (t, _) = nice_ticks(-0.1, 0.02, 5);
        assert!(t.contains(&0.0));
        assert_eq!(decimals_for_step(0.025), 3);
        assert_eq!(decimals_for_step(5.0), 0);
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_num(-0.08, 3), "−0.080");
        assert_eq!(fmt_num(-0.0001, 3), "0.000");
        assert_eq!(fmt_signed(0.012, 3), "+0.012");
        assert_eq!(fmt_num(0.00001, 6), "1e-5");
        assert_eq!(decimals_for_spread(0.03), 3);
        assert_eq!(decimals_for_spread(25.0), 0);
    }

    #[test]
    fn log_scale_maps_decades_evenly() {
        let s = Scale::log(1e-4, 1e-1, 0.0, 300.0);
        assert!((s.map(1e-3) - 100.0).abs() < 1e-9);
        assert!((s.map(1e-2) - 200.0).abs() < 1e-9);
    }

    #[test]
    fn thinning_keeps_a_regular_stride_and_priority() {
        let pos: Vec<f64> = (0..10).map(|i| i as f64 * 10.0).collect();
        let w = vec![15.0; 10];
        let k = thin(&pos, &w, 2.0, &[false; 10]);
        assert_eq!(k, [true, false, true, false, true, false, true, false, true, false]);
        let mut prio = vec![false; 10];
        prio[3] = true;
        let k = thin(&pos, &w, 2.0, &prio);
        assert!(k[3] && !k[2] && !k[4] && k[0] && k[6]);
        let k = thin(&pos, &[5.0; 10], 1.0, &[false; 10]);
        assert!(k.iter().all(|&x| x));
    }
}
