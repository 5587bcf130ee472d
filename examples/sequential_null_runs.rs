//! The long null simulations behind `benches/sequential/NOTES.md`: 200,000 comparisons with
//! no effect (3 to 20 seeds), each spending function, normal and heavy-tailed (t, 3 df)
//! noise: the sequential test's false-positive rate beside the fixed design's. The test suite
//! runs 10,000 of them per case; this is the precise version (a few minutes).
//!
//! `cargo run --example sequential_null_runs`.

use ablate::stats::{Noise, Scenario, SequentialPlan, Spending, simulate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for spending in [Spending::OBrienFleming, Spending::Pocock, Spending::HwangShihDeCaniMinus2] {
        for (name, noise) in [("normal", Noise::Normal), ("t3", Noise::StudentT(3))] {
            let plan = SequentialPlan::new(3, 20, 0.05)?.with_spending(spending);
            let scenario = Scenario { effects: vec![0.0], noise, crn_sd: 0.0 };
            let s = simulate(&plan, &scenario, 200_000, 7)?;
            println!("3..20 {spending:?} {name}: sequential {:.5}, fixed {:.5} (200,000 null comparisons)", s.different[0], s.fixed_different[0]);
        }
    }
    Ok(())
}
