//! Ranking many configurations at once: Friedman test (with Iman-Davenport's F), Nemenyi
//! critical difference, pairwise Wilcoxon-Holm, and average ranks (the data behind a
//! critical-difference diagram).


use polars::prelude::*;

use crate::error::{Error, Result};
use crate::results::Results;
use crate::stats::{self, Friedman, Nemenyi, PairwiseWilcoxon, WilcoxonOptions};
use crate::trial::{Direction, MetricSpec};

/// Above this many configurations the pairwise Wilcoxon-Holm tests (k (k - 1) / 2 of them)
/// are skipped; Friedman and Nemenyi still run.
pub const MAX_PAIRWISE_CONFIGS: usize = 100;

/// Friedman/Nemenyi ranking of every configuration over the seeds all of them completed.
#[derive(Debug, Clone)]
pub struct Ranking {
    /// The ranked metric.
    pub metric: MetricSpec,
    /// Config labels, plan order.
    pub configs: Vec<String>,
    /// Seeds used (those where every config succeeded).
    pub n_seeds: usize,
    /// Friedman test and mean ranks (rank 1 = best).
    pub friedman: Friedman,
    /// Nemenyi post-hoc test at alpha 0.05.
    pub nemenyi: Nemenyi,
    /// Pairwise Wilcoxon signed-rank tests with Holm's correction.
    pub pairwise: Option<PairwiseWilcoxon>,
    /// Why the pairwise tests could not be run, if they could not.
    pub pairwise_note: Option<String>,
}

impl Results {
    /// Friedman test, Nemenyi critical difference and pairwise Wilcoxon-Holm over all
    /// configurations on the primary metric.
    pub fn ranking(&self) -> Result<Ranking> {
        self.ranking_of(&self.primary().name.clone())
    }

    /// [`ranking`](Results::ranking) on another metric.
    pub fn ranking_of(&self, metric: &str) -> Result<Ranking> {
        let metric = self.metric(metric)?.clone();
        let values = self.values(&metric.name)?;
        let plan = self.plan();
        let complete: Vec<usize> = (0..plan.seeds().len()).filter(|&s| values.iter().all(|c| c[s].is_some())).collect();
        if complete.len() < 2 {
            let fix = match plan.seeds_per_sample() {
                Some(k) if k < 2 => format!("the sampled configs run with seeds_per_sample = {k}: raise it to 2 or more"),
                _ => "rerun failed trials or add seeds".to_string(),
            };
            return Err(Error::Invalid {
                message: format!("ranking needs at least 2 seeds that every config completed, found {}: {fix}", complete.len()),
            });
        }
        let data: Vec<Vec<f64>> = values.iter().map(|c| complete.iter().filter_map(|&s| c[s]).collect()).collect();
        let friedman = stats::friedman(&data, metric.direction == Direction::Maximize)?;
        let nemenyi = stats::nemenyi(&friedman.mean_ranks, friedman.n, 0.05)?;
        let k = data.len();
        let (pairwise, pairwise_note) = if k > MAX_PAIRWISE_CONFIGS {
            (None, Some(format!("pairwise tests skipped: {k} configs make {} pairs", k * (k - 1) / 2)))
        } else {
            match stats::pairwise_wilcoxon_holm(&data, WilcoxonOptions::default()) {
                Ok(p) => (Some(p), None),
                Err(e) => (None, Some(e.to_string())),
            }
        };
        Ok(Ranking {
            metric,
            configs: (0..plan.configs().len()).map(|c| plan.label(c)).collect(),
            n_seeds: complete.len(),
            friedman,
            nemenyi,
            pairwise,
            pairwise_note,
        })
    }
}

impl Ranking {
    /// Configs in rank order (best first) with their mean rank.
    pub fn ordered(&self) -> Vec<(&str, f64)> {
        let mut v: Vec<(&str, f64)> = self.configs.iter().map(String::as_str).zip(self.friedman.mean_ranks.iter().copied()).collect();
        v.sort_by(|a, b| a.1.total_cmp(&b.1));
        v
    }

    /// Groups of configs whose mean ranks differ by less than the critical difference
    /// (maximal cliques along the rank order), as indices into [`Ranking::configs`]; the
    /// bars of a critical-difference diagram.
    pub fn cliques(&self) -> Vec<Vec<usize>> {
        let mut order: Vec<usize> = (0..self.configs.len()).collect();
        let ranks = &self.friedman.mean_ranks;
        order.sort_by(|&a, &b| ranks[a].total_cmp(&ranks[b]));
        let cd = self.nemenyi.critical_difference;
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for start in 0..order.len() {
            let mut end = start;
            while end + 1 < order.len() && ranks[order[end + 1]] - ranks[order[start]] < cd {
                end += 1;
            }
            if end > start {
                let group = order[start..=end].to_vec();
                if !groups.iter().any(|g| group.iter().all(|x| g.contains(x))) {
                    groups.push(group);
                }
            }
        }
        groups
    }

    /// Mean rank per config as a polars DataFrame, best first.
    pub fn frame(&self) -> Result<DataFrame> {
        let ordered = self.ordered();
        let columns = vec![
            Column::new("config".into(), ordered.iter().map(|o| o.0).collect::<Vec<_>>()),
            Column::new("mean_rank".into(), ordered.iter().map(|o| o.1).collect::<Vec<_>>()),
        ];
        Ok(DataFrame::new(ordered.len(), columns)?)
    }
}
