//! The space an importance analysis decomposes: one dimension per parameter, continuous over
//! its bounds or discrete over its values, each with the uniform measure.

use crate::forest::FeatureKind;

/// One parameter's dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct Dimension {
    /// The parameter's name.
    pub name: String,
    /// Its extent and measure.
    pub kind: DimensionKind,
    /// How many distinct values a continuous dimension can take at most (an integer
    /// parameter's range); PED-ANOVA's grid has no more points than this. `None`: real.
    pub distinct: Option<u32>,
}

/// How a dimension is measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DimensionKind {
    /// Values in `[low, high]` (already on the parameter's scale: log bounds for a log
    /// parameter), with the uniform (Lebesgue) measure.
    Continuous {
        /// The lower bound.
        low: f64,
        /// The upper bound (above `low`).
        high: f64,
    },
    /// Values encoded as `0, 1, …, n_values − 1` (at most 64), each with mass `1/n_values`:
    /// ordered levels split by threshold, unordered categories by subset.
    Discrete {
        /// How many values.
        n_values: u32,
        /// Whether the order of the codes means something (numeric levels) or not
        /// (categories, components).
        ordered: bool,
    },
}

impl Dimension {
    /// A continuous dimension over `[low, high]`.
    pub fn continuous(name: &str, low: f64, high: f64) -> Dimension {
        Dimension { name: name.to_string(), kind: DimensionKind::Continuous { low, high }, distinct: None }
    }

    /// A continuous dimension of an integer parameter with `n` values in its range
    /// (`log`: its bounds are on a log scale), for PED-ANOVA's grid: as Optuna, at most `n`
    /// points, or on a log scale the number of doublings the range spans plus one.
    pub fn integers(self, n: u32, log: bool) -> Dimension {
        let points = if log { (f64::from(n).ln() / std::f64::consts::LN_2).ceil() as u32 + 1 } else { n };
        Dimension { distinct: Some(points.max(2)), ..self }
    }

    /// A discrete dimension of `n_values` codes, ordered or not.
    pub fn discrete(name: &str, n_values: u32, ordered: bool) -> Dimension {
        Dimension { name: name.to_string(), kind: DimensionKind::Discrete { n_values, ordered }, distinct: None }
    }

    /// How the surrogate forest splits this dimension.
    pub fn feature_kind(&self) -> FeatureKind {
        match self.kind {
            DimensionKind::Discrete { n_values, ordered: false } => FeatureKind::Categorical { n_categories: n_values },
            _ => FeatureKind::Numeric,
        }
    }

    /// Checks the dimension, saying what to fix.
    pub fn validate(&self) -> Result<(), String> {
        match self.kind {
            DimensionKind::Continuous { low, high } if !(low.is_finite() && high.is_finite() && low < high) => Err(format!(
                "parameter {} has bounds [{low}, {high}]; an importance analysis needs finite bounds with low < high",
                self.name
            )),
            DimensionKind::Discrete { n_values, .. } if !(1..=64).contains(&n_values) => Err(format!(
                "parameter {} has {n_values} values; a discrete dimension needs 1 to 64 (give a continuous parameter bounds instead)",
                self.name
            )),
            _ => Ok(()),
        }
    }
}
