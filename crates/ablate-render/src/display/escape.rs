//! Escaping of user text for each output format.
//!
//! Every string that comes from a user (parameter names, category values, metric names, study
//! titles, notes) passes through one of these functions before it is placed in HTML, Markdown or
//! LaTeX output. The functions are total: any input yields well-formed output.

/// Escapes text for HTML, safe in element content **and** in quoted attribute values.
///
/// Replaces `&`, `<`, `>`, `"` and `'` with character references, so
/// `<script>alert(1)</script>` becomes inert text. NUL and other C0 control characters except
/// tab, newline and carriage return are dropped (they are invalid in HTML).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Text with `` `code` `` spans, escaped for a format: each piece escaped with `escape`, the
/// spans between backticks wrapped in `open`…`close` (`<code>`…`</code>` for HTML,
/// `` ` ``…`` ` `` for Markdown, `\texttt{`…`}` for LaTeX). An unmatched backtick is dropped
/// and the rest stays plain text.
pub fn with_code_spans(text: &str, escape: fn(&str) -> String, open: &str, close: &str) -> String {
    let pieces: Vec<&str> = text.split('`').collect();
    let closed = pieces.len() % 2 == 1; // an even number of backticks
    let mut out = String::with_capacity(text.len() + 16);
    for (i, piece) in pieces.iter().enumerate() {
        let is_code = i % 2 == 1 && (closed || i + 1 < pieces.len());
        if is_code {
            out.push_str(open);
            out.push_str(&escape(piece));
            out.push_str(close);
        } else {
            out.push_str(&escape(piece));
        }
    }
    out
}

/// Escapes text for one cell (or a heading line) of a GitHub-flavoured Markdown document.
///
/// Pipes become `\|` (so they cannot split a table cell), Markdown emphasis, code, link and
/// heading characters are backslash-escaped, `<`, `>` and `&` become HTML character references
/// (Markdown renderers pass raw HTML through), and line breaks become spaces.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(ch);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for LaTeX text mode.
///
/// Handles every special character: `& % $ # _ { } ~ ^ \`, plus `<`, `>` and `|` (which print
/// wrongly in the default OT1 font encoding) and a few common Unicode symbols that pdfLaTeX
/// cannot typeset without extra packages (`±`, `−`, `—`, `–`, `…`, `×`, `∞`, `Δ`, `≤`, `≥`).
/// Line breaks become spaces.
pub fn escape_latex(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for ch in text.chars() {
        match ch {
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(ch);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '\\' => out.push_str("\\textbackslash{}"),
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            '|' => out.push_str("\\textbar{}"),
            '±' => out.push_str("$\\pm$"),
            '−' => out.push('-'),
            '—' => out.push_str("---"),
            '–' => out.push_str("--"),
            '…' => out.push_str("\\ldots{}"),
            '×' => out.push_str("$\\times$"),
            '∞' => out.push_str("$\\infty$"),
            'Δ' => out.push_str("$\\Delta$"),
            '≤' => out.push_str("$\\leq$"),
            '≥' => out.push_str("$\\geq$"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Makes user text fit on one line of a plain-text table: line breaks and tabs become spaces,
/// other control characters (including ANSI escape sequences' ESC) are dropped.
pub fn plain_one_line(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Standard base64 (RFC 4648, with padding); used for `data:` URIs of embedded SVG charts.
pub fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(ALPHABET[(n >> 18) as usize & 63] as char);
        out.push(ALPHABET[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 { ALPHABET[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if chunk.len() > 2 { ALPHABET[n as usize & 63] as char } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_are_wrapped_and_everything_is_escaped() {
        assert_eq!(with_code_spans("`a<b>`: x & y", escape_html, "<code>", "</code>"), "<code>a&lt;b&gt;</code>: x &amp; y");
        assert_eq!(with_code_spans("`lr_max` is 1%", escape_latex, "\\texttt{", "}"), "\\texttt{lr\\_max} is 1\\%");
        assert_eq!(with_code_spans("`a*b` and `c", escape_markdown, "`", "`"), "`a\\*b` and c", "an unmatched backtick leaves plain text");
    }

    #[test]
    fn html_escapes_script_and_quotes() {
        let s = escape_html("<script>alert(1)</script>");
        assert_eq!(s, "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(escape_html("&\"'<>"), "&amp;&quot;&#39;&lt;&gt;");
        assert_eq!(escape_html("a\u{0}b"), "ab");
        assert_eq!(escape_html("plain ± text"), "plain ± text");
    }

    #[test]
    fn markdown_escapes_pipes_and_html() {
        assert_eq!(escape_markdown("a|b"), "a\\|b");
        assert_eq!(escape_markdown("<script>"), "&lt;script&gt;");
        assert_eq!(escape_markdown("**x** _y_"), "\\*\\*x\\*\\* \\_y\\_");
        assert_eq!(escape_markdown("two\nlines"), "two lines");
    }

    #[test]
    fn latex_escapes_every_special() {
        assert_eq!(
            escape_latex(r"& % $ # _ { } ~ ^ \"),
            r"\& \% \$ \# \_ \{ \} \textasciitilde{} \textasciicircum{} \textbackslash{}"
        );
        assert_eq!(escape_latex("a<b>c|d"), r"a\textless{}b\textgreater{}c\textbar{}d");
        assert_eq!(escape_latex("0.7 ± 0.1"), r"0.7 $\pm$ 0.1");
    }

    #[test]
    fn plain_drops_control_characters() {
        assert_eq!(plain_one_line("a\nb\tc\u{1b}[31m"), "a b c[31m");
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64_encode(input.as_bytes()), expected);
        }
    }
}
