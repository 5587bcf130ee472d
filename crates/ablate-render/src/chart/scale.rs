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

/// Ticks for a log10 axis over [lo, hi] (both > 0): the powers of ten inside it, with 2× and 5×
/// multiples added while there are fewer than `min` ticks; the two ends when even that gives
/// fewer than two. Empty for a range that is not positive and finite.
pub fn log_ticks(lo: f64, hi: f64, min: usize) -> Vec<f64> {
    let (lo, hi) = (lo.min(hi), lo.max(hi));
    if !(lo > 0.0 && hi.is_finite()) {
        return Vec::new();
    }
    let inside = |v: f64| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9);
    let (e0, e1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let decades = |mults: &[f64]| -> Vec<f64> {
        let mut t: Vec<f64> = (e0..=e1.min(e0 + 300))
            .flat_map(|e| mults.iter().map(move |m| m * 10f64.powi(e)))
            .filter(|&v| inside(v))
            .collect();
        t.sort_by(f64::total_cmp);
        t
    };
    let mut ticks = decades(&[1.0]);
    if ticks.len() > 8 {
        // many decades: every k-th power of ten
        let k = ticks.len().div_ceil(8);
        ticks = ticks.into_iter().step_by(k).collect();
    }
    for mults in [&[1.0, 2.0, 5.0][..], &[1.0, 2.0, 3.0, 5.0, 7.0][..]] {
        if ticks.len() < min {
            ticks = decades(mults);
        }
    }
    if ticks.len() < 2 {
        ticks = if hi > lo { vec![lo, hi] } else { vec![lo] };
    }
    ticks
}

/// A unit to show durations of up to `max_seconds` in: (seconds per unit, unit name) — seconds
/// up to 2 minutes, minutes up to 2 hours, hours up to 2 days, then days.
pub fn time_unit(max_seconds: f64) -> (f64, &'static str) {
    let m = if max_seconds.is_finite() { max_seconds.abs() } else { 0.0 };
    if m <= 120.0 {
        (1.0, "s")
    } else if m <= 7_200.0 {
        (60.0, "min")
    } else if m <= 172_800.0 {
        (3_600.0, "h")
    } else {
        (86_400.0, "d")
    }
}

/// A duration in seconds as a short label: "45 s", "3.5 min", "2.1 h", "3.0 d".
pub fn fmt_duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return fmt_num(seconds, 0);
    }
    let (div, unit) = time_unit(seconds);
    let v = seconds / div;
    let dec = if div == 1.0 { if v.abs() < 10.0 { 1 } else { 0 } } else { 1 };
    format!("{} {unit}", fmt_num(v, dec))
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
    fn log_ticks_cover_the_range() {
        assert_eq!(log_ticks(1e-5, 1e-1, 3), vec![1e-5, 1e-4, 1e-3, 1e-2, 1e-1]);
        let t = log_ticks(0.003, 0.2, 3);
        assert!(t.contains(&0.01) && t.contains(&0.1) && t.contains(&0.005) && t.len() >= 3, "{t:?}");
        assert_eq!(log_ticks(3.0, 4.0, 2), vec![3.0, 4.0]);
        assert!(log_ticks(-1.0, 10.0, 3).is_empty());
        assert!(log_ticks(1e-300, 1e300, 3).len() <= 9);
    }

    #[test]
    fn durations_pick_a_unit() {
        assert_eq!(time_unit(90.0), (1.0, "s"));
        assert_eq!(time_unit(3_000.0).1, "min");
        assert_eq!(time_unit(10_000.0).1, "h");
        assert_eq!(fmt_duration(83.25), "83 s");
        assert_eq!(fmt_duration(4.25), "4.2 s");
        assert_eq!(fmt_duration(210.0), "3.5 min");
        assert_eq!(fmt_duration(f64::NAN), "n/a");
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
