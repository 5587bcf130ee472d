//! PNG export: the chart's SVG rasterised in pure Rust (resvg), with DejaVu Sans embedded so the
//! output does not depend on fonts installed on the machine.

use std::io;

/// Default rasterisation scale: 2× gives crisp text on high-DPI screens and in papers.
pub const PNG_SCALE: f32 = 2.0;

/// DejaVu Sans (regular and bold), subset to Latin, Latin-1/Extended-A, Greek, punctuation,
/// arrows and math operators. Licence: crates/ablate-render/assets/fonts/LICENSE-DejaVu.txt (Bitstream Vera derived,
/// permissive).
static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold-subset.ttf");

/// Rasterise an SVG document to PNG bytes at `scale` × its size.
pub fn svg_to_png(svg: &str, scale: f32) -> io::Result<Vec<u8>> {
    use resvg::{tiny_skia, usvg};
    let mut opt = usvg::Options { font_family: "DejaVu Sans".into(), ..usvg::Options::default() };
    {
        let db = opt.fontdb_mut();
        db.load_font_data(REGULAR.to_vec());
        db.load_font_data(BOLD.to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        // The charts ask for these before the generic family; map them to the embedded font.
        db.set_serif_family("DejaVu Sans");
    }
    let tree = usvg::Tree::from_str(svg, &opt)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("chart SVG could not be parsed: {e}")))?;
    let size = tree.size();
    let scale = if scale.is_finite() && scale > 0.0 { scale } else { 1.0 };
    let (w, h) = ((size.width() * scale).ceil() as u32, (size.height() * scale).ceil() as u32);
    if w == 0 || h == 0 || (w as u64) * (h as u64) > 100_000_000 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("chart too large to rasterise: {w}×{h} px")));
    }
    let mut pixmap = tiny_skia::Pixmap::new(w, h)
        .ok_or_else(|| io::Error::new(io::ErrorKind::OutOfMemory, format!("cannot allocate a {w}×{h} px image")))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| io::Error::other(format!("PNG encoding failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::*;

    #[test]
    fn png_has_header_size_and_text() {
        let c = LineChart::new("n_estimators", "accuracy").points(vec![LinePoint::num(50.0, 0.69).baseline(), LinePoint::num(100.0, 0.7)]);
        let png = c.to_png().unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert!(png.len() > 10_000, "{} bytes", png.len());
        // IHDR: 720x440 at 2x
        let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((w, h), (1440, 880));
        // text is drawn with the embedded font even though no system fonts are loaded: a
        // text-only SVG must put dark pixels on the white canvas
        let mut opt = resvg::usvg::Options::default();
        opt.fontdb_mut().load_font_data(REGULAR.to_vec());
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"30\"><text x=\"5\" y=\"22\" font-size=\"20\" font-family=\"{}\">Ab±</text></svg>",
            super::super::svg::FONT_FAMILY.replace('\'', "&#39;")
        );
        let tree = resvg::usvg::Tree::from_str(&svg, &opt).unwrap();
        let mut pm = resvg::tiny_skia::Pixmap::new(100, 30).unwrap();
        pm.fill(resvg::tiny_skia::Color::WHITE);
        resvg::render(&tree, resvg::tiny_skia::Transform::identity(), &mut pm.as_mut());
        let dark = pm.pixels().iter().filter(|p| p.red() < 128).count();
        assert!(dark > 50, "text not rendered: {dark} dark pixels");
    }

    #[test]
    fn every_chart_is_parsed_by_a_real_xml_parser() {
        // roxmltree (inside usvg) is strict XML; escaped hostile strings must parse
        let line = LineChart::new(NASTY_PARAM, NASTY_LEVEL).points(vec![LinePoint::cat(NASTY_LEVEL, 1.0).baseline()]);
        let mut heat = Heatmap::new(NASTY_PARAM, NASTY_LEVEL, "m", vec![NASTY_LEVEL.into()], vec![NASTY_PARAM.into()]);
        heat.set(0, 0, HeatCell::new(1.0).significant("*"));
        let bars = ComponentBars::new(NASTY_PARAM, vec![ComponentBar::new(NASTY_LEVEL, -0.1)]);
        let cd = CriticalDifference::new(vec![NASTY_PARAM.into(), NASTY_LEVEL.into()], vec![1.0, 2.0], 1.0);
        let ip = InteractionPlot::new(NASTY_PARAM, NASTY_LEVEL, "m", vec![NASTY_LEVEL.into()])
            .line(InteractionLine::new(NASTY_LEVEL, vec![Some(MeanCi::new(1.0, None))]));
        let mut grid = ChartGrid::new(2);
        grid.push(&line);
        grid.push(&bars);
        let axes = vec![ParamAxis::categorical(NASTY_PARAM, [NASTY_LEVEL]), ParamAxis::log("lr")];
        let trials = vec![
            TrialPoint::new(NASTY_LEVEL, 1.0).label(NASTY_PARAM).cat(NASTY_LEVEL).num(0.01).baseline(),
            TrialPoint::new("2", f64::NAN).cat("x").missing(),
        ];
        let pc = ParallelCoordinates::new(NASTY_PARAM).axes(axes.clone()).trials(trials.clone());
        let slice = SlicePlot::new(NASTY_PARAM).axes(axes).trials(trials).marginal("lr", vec![MarginalPoint::num(0.01, 1.0, 0.5, 1.5)]);
        let tl = Timeline::new([NASTY_PARAM]).bar(TimelineBar::new(0, 0.0, 5.0, AttemptOutcome::Failed).attempt(2).detail(NASTY_LEVEL));
        for svg in [line.to_svg(), heat.to_svg(), bars.to_svg(), cd.to_svg(), ip.to_svg(), grid.to_svg(), pc.to_svg(), slice.to_svg(), tl.to_svg()] {
            resvg::usvg::roxmltree::Document::parse(&svg).unwrap();
            assert!(svg_to_png(&svg, 1.0).is_ok());
        }
    }
}
