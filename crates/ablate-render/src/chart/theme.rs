//! One theme for every chart: sizes legible at notebook width (640–800 px), the Okabe–Ito
//! colour-blind-safe palette, and a blue–white–orange diverging scale.

/// Okabe–Ito palette (Okabe & Ito 2008), in the order series use it: yellow comes last because it
/// has little contrast on white.
pub const OKABE_ITO: [&str; 8] = [
    "#0072B2", // blue
    "#D55E00", // vermillion
    "#009E73", // bluish green
    "#E69F00", // orange
    "#CC79A7", // reddish purple
    "#56B4E9", // sky blue
    "#000000", // black
    "#F0E442", // yellow
];

/// Colour of the `i`-th series.
pub fn series_color(i: usize) -> &'static str {
    OKABE_ITO[i % OKABE_ITO.len()]
}

pub const TEXT: &str = "#222222";
pub const MUTED: &str = "#555555";
pub const AXIS: &str = "#444444";
pub const GRID: &str = "#e6e6e6";
pub const REFERENCE: &str = "#777777";
/// Main series of a single-series chart.
pub const MAIN: &str = "#0072B2";
/// The baseline marker (vermillion diamond), distinct from the main series by colour and shape.
pub const BASELINE: &str = "#D55E00";
/// "Better than baseline" and "worse than baseline" in bar charts.
pub const BETTER: &str = "#0072B2";
pub const WORSE: &str = "#D55E00";
pub const MISSING: &str = "#d9d9d9";

pub const TITLE_SIZE: f64 = 17.0;
pub const SUBTITLE_SIZE: f64 = 12.5;
pub const LABEL_SIZE: f64 = 14.0;
pub const TICK_SIZE: f64 = 12.0;
pub const LEGEND_SIZE: f64 = 12.5;
pub const ANNOT_SIZE: f64 = 12.0;
pub const NOTE_SIZE: f64 = 11.5;

/// Outer margin on every side.
pub const PAD: f64 = 14.0;

/// Stops of the diverging scale from -1 (worse) through 0 (baseline, near white) to +1 (better):
/// blue for better, orange for worse. Blue/orange stays distinguishable under the common colour
/// vision deficiencies (unlike red/green), and lightness grows towards both ends.
const DIVERGING: [(f64, [f64; 3]); 7] = [
    (-1.0, [127.0, 59.0, 8.0]),    // #7f3b08 dark orange-brown
    (-0.6, [224.0, 130.0, 20.0]),  // #e08214
    (-0.25, [253.0, 200.0, 130.0]), // light orange
    (0.0, [247.0, 247.0, 247.0]),  // #f7f7f7
    (0.25, [171.0, 210.0, 233.0]), // light blue
    (0.6, [67.0, 147.0, 195.0]),   // #4393c3
    (1.0, [5.0, 48.0, 97.0]),      // #053061
];

/// Stops of the sequential scale from 0 (worst) to 1 (best): ColorBrewer YlGnBu without its
/// palest stops, so the worst trials stay visible on white; light green to dark blue, lightness
/// falling monotonically (readable in grey and under colour vision deficiencies), and blue for
/// "better" as on the diverging scale.
const SEQUENTIAL: [(f64, [f64; 3]); 6] = [
    (0.0, [199.0, 233.0, 180.0]), // #c7e9b4
    (0.2, [127.0, 205.0, 187.0]), // #7fcdbb
    (0.4, [65.0, 182.0, 196.0]),  // #41b6c4
    (0.6, [29.0, 145.0, 192.0]),  // #1d91c0
    (0.8, [34.0, 94.0, 168.0]),   // #225ea8
    (1.0, [8.0, 29.0, 88.0]),     // #081d58
];

/// Colour for `t` in [0, 1] on the sequential scale (clamped; NaN gives the middle), as `#rrggbb`.
pub fn sequential(t: f64) -> String {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.5 };
    interpolate(&SEQUENTIAL, t)
}

/// Linear interpolation between colour stops (sorted by position).
fn interpolate(stops: &[(f64, [f64; 3])], t: f64) -> String {
    let mut rgb = stops[0].1;
    for w in stops.windows(2) {
        let (a, ca) = w[0];
        let (b, cb) = w[1];
        if t >= a && t <= b {
            let f = if b > a { (t - a) / (b - a) } else { 0.0 };
            for k in 0..3 {
                rgb[k] = ca[k] + (cb[k] - ca[k]) * f;
            }
            break;
        }
    }
    format!("#{:02x}{:02x}{:02x}", rgb[0].round() as u8, rgb[1].round() as u8, rgb[2].round() as u8)
}

/// Colour for `t` in [-1, 1] on the diverging scale (clamped), as `#rrggbb`.
pub fn diverging(t: f64) -> String {
    let t = if t.is_finite() { t.clamp(-1.0, 1.0) } else { 0.0 };
    interpolate(&DIVERGING, t)
}

/// True when text on a background of colour `hex` should be white.
pub fn needs_light_text(hex: &str) -> bool {
    let h = hex.trim_start_matches('#');
    if h.len() != 6 {
        return false;
    }
    let c = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).unwrap_or(255) as f64 / 255.0;
    let lin = |v: f64| if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) };
    let l = 0.2126 * lin(c(0)) + 0.7152 * lin(c(2)) + 0.0722 * lin(c(4));
    l < 0.22
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diverging_is_white_at_zero_and_dark_at_ends() {
        assert_eq!(diverging(0.0), "#f7f7f7");
        assert_eq!(diverging(1.0), "#053061");
        assert_eq!(diverging(-5.0), "#7f3b08");
        assert!(needs_light_text(&diverging(1.0)));
        assert!(needs_light_text(&diverging(-1.0)));
        assert!(!needs_light_text(&diverging(0.1)));
    }

    #[test]
    fn sequential_runs_light_to_dark() {
        assert_eq!(sequential(0.0), "#c7e9b4");
        assert_eq!(sequential(1.0), "#081d58");
        assert_eq!(sequential(7.0), "#081d58");
        assert_eq!(sequential(f64::NAN), sequential(0.5));
        assert!(needs_light_text(&sequential(1.0)) && !needs_light_text(&sequential(0.0)));
    }
}
