//! Tables and inline display of results: escaping of user text, structure of exports.

use ablate::prelude::*;

fn hostile_results() -> Results {
    Study::new("hostile")
        .param(Param::categorical("<script>alert(1)</script>", ["plain", "&\"'<>"], "plain").levels(["plain", "&\"'<>"]))
        .seeds(3)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .in_memory()
        .run(|t: &Trial| {
            let bump = if t.str("<script>alert(1)</script>")? == "plain" { 0.0 } else { 0.1 };
            Ok(metrics! { "accuracy" => 0.5 + bump + t.replicate() as f64 * 0.01 })
        })
        .unwrap()
}

#[test]
fn html_escapes_parameter_names_and_values() {
    let results = hostile_results();
    let htmls = [
        results.to_html(),
        results.summary().to_html(),
        results.significance().unwrap().to_html(),
        results.conclusions().unwrap().to_html(),
        results.frame().to_html_table(),
    ];
    for html in htmls {
        assert!(!html.contains("<script>"), "raw <script> in {html}");
        assert!(!html.contains("&\"'<>"), "raw value in {html}");
        assert!(html.contains("&lt;script&gt;") || html.contains("&amp;"), "{html}");
    }
}

#[test]
fn markdown_and_latex_tables_are_well_formed() {
    let results = hostile_results();
    let md = results.significance().unwrap().to_markdown();
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    let cells = |l: &str| l.replace("\\|", "").matches('|').count();
    assert!(rows.len() >= 3, "{md}");
    assert!(rows.iter().all(|r| cells(r) == cells(rows[0])), "{md}");
    let tex = results.summary().to_latex();
    assert!(tex.contains("\\toprule") && tex.contains("\\midrule") && tex.contains("\\bottomrule"), "{tex}");
    assert!(tex.contains("\\textless{}script\\textgreater{}") || !tex.contains("<script>"), "{tex}");
    assert!(tex.contains("\\pm"), "{tex}");
}

#[test]
fn summary_text_marks_the_best_config() {
    let results = hostile_results();
    let text = results.to_text();
    assert!(text.contains("◀ best") && text.contains("trials (6 run now"), "{text}");
}
