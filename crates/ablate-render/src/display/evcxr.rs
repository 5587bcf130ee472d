//! The evcxr display protocol: MIME blocks printed to stdout.
//!
//! evcxr turns a cell's last expression into `(EXPR).evcxr_display();`. The method prints
//! `EVCXR_BEGIN_CONTENT <mime>` … `EVCXR_END_CONTENT` blocks; the kernel turns them into one
//! Jupyter result. [`evcxr_blocks`] builds that text (pure, testable); [`emit`] prints it in a
//! single locked write, the only place in `display` that prints.

use std::io::Write as _;

/// The MIME type every emission carries.
pub const TEXT_PLAIN: &str = "text/plain";
/// The MIME type of tables, charts and reports.
pub const TEXT_HTML: &str = "text/html";

const BEGIN: &str = "EVCXR_BEGIN_CONTENT";
const END: &str = "EVCXR_END_CONTENT";

/// Makes `content` safe inside one block: every occurrence of the protocol markers
/// `EVCXR_BEGIN_CONTENT` / `EVCXR_END_CONTENT` gets a zero-width space after `EVCXR`, so no
/// content line can end the block early, however the kernel trims lines. Text still reads the
/// same to a person.
pub fn guard_content(content: &str) -> String {
    if !content.contains("EVCXR_") {
        return content.to_string();
    }
    content.replace(BEGIN, "EVCXR\u{200B}_BEGIN_CONTENT").replace(END, "EVCXR\u{200B}_END_CONTENT")
}

/// Builds the stdout text for a set of `(mime, content)` blocks:
/// `EVCXR_BEGIN_CONTENT <mime>\n<content>\nEVCXR_END_CONTENT\n` per block, in order.
///
/// A `text/plain` block is always present: when the caller gave none, one naming the other
/// MIME types is put first. Content is passed through [`guard_content`]; one trailing newline
/// of the content is dropped (the protocol adds its own); a MIME name keeps only ASCII
/// letters, digits and `/+.-_;=`.
pub fn evcxr_blocks<M: AsRef<str>, C: AsRef<str>>(blocks: &[(M, C)]) -> String {
    let mut out = String::with_capacity(blocks.iter().map(|(_, c)| c.as_ref().len() + 64).sum::<usize>() + 64);
    let has_plain = blocks.iter().any(|(m, _)| clean_mime(m.as_ref()) == TEXT_PLAIN);
    let mut push = |mime: &str, content: &str| {
        let mime = clean_mime(mime);
        let content = guard_content(content);
        let content = content.strip_suffix('\n').unwrap_or(&content);
        out.push_str(BEGIN);
        out.push(' ');
        out.push_str(&mime);
        out.push('\n');
        out.push_str(content);
        out.push('\n');
        out.push_str(END);
        out.push('\n');
    };
    if !has_plain {
        let kinds: Vec<String> = blocks.iter().map(|(m, _)| clean_mime(m.as_ref())).collect();
        push(TEXT_PLAIN, &format!("[{}]", if kinds.is_empty() { "no output".to_string() } else { kinds.join(", ") }));
    }
    for (mime, content) in blocks {
        push(mime.as_ref(), content.as_ref());
    }
    out
}

fn clean_mime(mime: &str) -> String {
    mime.chars().filter(|c| c.is_ascii_alphanumeric() || "/+.-_;=".contains(*c)).collect()
}

/// Prints `(mime, content)` blocks for evcxr in one locked write to stdout (see
/// [`evcxr_blocks`] for the exact text). Write errors (a closed stdout) are ignored: display
/// must never fail a cell.
pub fn emit<M: AsRef<str>, C: AsRef<str>>(blocks: &[(M, C)]) {
    let text = evcxr_blocks(blocks);
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// A value that renders as plain text and HTML, and therefore displays itself inline in an
/// evcxr notebook cell. Implement the two renderers; `evcxr_display` is provided.
///
/// ```ignore
/// impl Render for Summary {
///     fn to_text(&self) -> String { self.to_table().to_text() }
///     fn to_html(&self) -> String { self.to_table().to_html() }
/// }
/// ```
pub trait Render {
    /// Plain text for terminals and the `text/plain` MIME type.
    fn to_text(&self) -> String;

    /// A self-contained HTML fragment (no JavaScript, no network, user text escaped).
    fn to_html(&self) -> String;

    /// The MIME blocks `evcxr_display` prints: `text/plain` and `text/html`.
    fn mime_blocks(&self) -> Vec<(&'static str, String)> {
        vec![(TEXT_PLAIN, self.to_text()), (TEXT_HTML, self.to_html())]
    }

    /// Called by evcxr for a cell's last expression: prints [`Render::mime_blocks`] in one
    /// locked write.
    fn evcxr_display(&self) {
        emit(&self.mime_blocks());
    }
}

impl Render for super::table::Table {
    fn to_text(&self) -> String {
        super::table::Table::to_text(self)
    }

    fn to_html(&self) -> String {
        super::table::Table::to_html(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_have_the_protocol_shape() {
        let s = evcxr_blocks(&[("text/plain", "x\n"), ("text/html", "<b>x</b>")]);
        assert_eq!(
            s,
            "EVCXR_BEGIN_CONTENT text/plain\nx\nEVCXR_END_CONTENT\nEVCXR_BEGIN_CONTENT text/html\n<b>x</b>\nEVCXR_END_CONTENT\n"
        );
    }

    #[test]
    fn text_plain_is_always_present() {
        let s = evcxr_blocks(&[("text/html", "<i>y</i>")]);
        assert!(s.starts_with("EVCXR_BEGIN_CONTENT text/plain\n[text/html]\nEVCXR_END_CONTENT\n"));
        assert_eq!(s.matches("EVCXR_BEGIN_CONTENT").count(), 2);
        let empty: [(&str, &str); 0] = [];
        assert!(evcxr_blocks(&empty).starts_with("EVCXR_BEGIN_CONTENT text/plain\n[no output]\n"));
    }

    #[test]
    fn content_cannot_end_a_block_early() {
        let evil = "before\nEVCXR_END_CONTENT\n  EVCXR_END_CONTENT  \nEVCXR_BEGIN_CONTENT text/html\nafter";
        let s = evcxr_blocks(&[("text/plain", evil), ("text/html", evil)]);
        // exactly one end marker per block, each on its own line, and nothing else marker-like
        let ends = s.lines().filter(|l| l.trim() == "EVCXR_END_CONTENT").count();
        let begins = s.lines().filter(|l| l.trim().starts_with("EVCXR_BEGIN_CONTENT")).count();
        assert_eq!((ends, begins), (2, 2), "{s}");
        assert!(s.contains("EVCXR\u{200B}_END_CONTENT"));
        assert!(s.lines().last() == Some("EVCXR_END_CONTENT"));
    }

    #[test]
    fn mime_names_are_cleaned() {
        let s = evcxr_blocks(&[("text/plain\nEVCXR_END_CONTENT", "x")]);
        assert!(s.contains("EVCXR_BEGIN_CONTENT text/plainEVCXR_END_CONTENT\nx\n"), "{s}");
        assert_eq!(s.lines().filter(|l| *l == "EVCXR_END_CONTENT").count(), 2);
        assert_eq!(s.lines().filter(|l| l.starts_with("EVCXR_BEGIN_CONTENT")).count(), 2);
    }

    struct Dummy;
    impl Render for Dummy {
        fn to_text(&self) -> String {
            "dummy".into()
        }
        fn to_html(&self) -> String {
            "<p>dummy</p>".into()
        }
    }

    #[test]
    fn render_provides_text_and_html_blocks() {
        let blocks = Dummy.mime_blocks();
        assert_eq!(blocks[0], ("text/plain", "dummy".to_string()));
        assert_eq!(blocks[1].0, "text/html");
        // printing does not panic (output goes to the captured test stdout)
        Dummy.evcxr_display();
    }
}
