//! Adaptive seeds read back from results: each comparison's paired differences (config
//! minus baseline, over the seeds both ran, in seed order) and the sequential decisions on
//! them. The decisions are a pure function of the recorded trials, so a study that ran
//! adaptively, was killed, or is reopened later from its run directory reads the same.

use crate::error::Result;
use crate::results::Results;
use crate::stats::{SequentialOutcome, SequentialRule};

impl Results {
    /// The adaptive-seed decisions on the primary metric for every config against the
    /// baseline, on the trials recorded; `None` when the study's seeds are not adaptive
    /// ([`Study::seeds_adaptive`](crate::Study::seeds_adaptive)).
    pub fn sequential(&self) -> Result<Option<SequentialOutcome>> {
        match self.plan().sequential_rule()? {
            Some(rule) => self.decide_with(rule).map(Some),
            None => Ok(None),
        }
    }

    /// The decisions of `rule` (built for every non-baseline config) on the recorded trials.
    pub(crate) fn decide_with(&self, rule: &SequentialRule) -> Result<SequentialOutcome> {
        let values = self.values(&self.primary().name)?;
        let differences: Vec<Vec<f64>> = values[1..]
            .iter()
            .map(|config| config.iter().zip(&values[0]).filter_map(|(c, b)| Some((*c)? - (*b)?)).collect())
            .collect();
        let slices: Vec<&[f64]> = differences.iter().map(Vec::as_slice).collect();
        Ok(rule.decide(&slices)?)
    }
}
