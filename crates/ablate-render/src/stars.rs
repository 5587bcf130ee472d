//! The significance markers every table and conclusion uses: one rule for the stars.

/// A significance marker derived from a (corrected) p-value: `*` p < 0.05, `**` p < 0.01,
/// `***` p < 0.001.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stars {
    /// Not significant at 0.05: rendered as an empty string.
    None,
    /// p < 0.05.
    One,
    /// p < 0.01.
    Two,
    /// p < 0.001.
    Three,
}

impl Stars {
    /// The marker for a p-value (NaN gives [`Stars::None`]).
    pub fn from_p(p: f64) -> Stars {
        if p < 0.001 {
            Stars::Three
        } else if p < 0.01 {
            Stars::Two
        } else if p < 0.05 {
            Stars::One
        } else {
            Stars::None
        }
    }

    /// `""`, `"*"`, `"**"` or `"***"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stars::None => "",
            Stars::One => "*",
            Stars::Two => "**",
            Stars::Three => "***",
        }
    }

    /// The legend line tables with markers should carry as a note.
    pub fn legend() -> &'static str {
        "* p < 0.05, ** p < 0.01, *** p < 0.001"
    }
}
