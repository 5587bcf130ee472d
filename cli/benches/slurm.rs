//! Driver-side cost of a 10,000-trial study on the local Slurm (tests/slurm/slurm-up.sh):
//! CPU time to plan, write the submission and batch script and submit (100 array tasks of
//! 100 trivial trials each), the number of scheduler calls per poll, and the CPU time to
//! ingest the 10,000 results the tasks wrote (re-attach + one poll, then `Results::load`).
//! Run: `cargo bench --profile dev -p ablate-cli --bench slurm` with Slurm up (the dev profile,
//! as every bench here). Numbers in BENCHMARKS.md.

use std::time::{Duration, Instant};

use ablate::exec::slurm::scheduler_calls;
use ablate::prelude::*;

/// CPU time (user + system) of this process so far.
fn cpu() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let t = |tv: libc::timeval| Duration::from_secs(tv.tv_sec as u64) + Duration::from_micros(tv.tv_usec as u64);
    t(usage.ru_utime) + t(usage.ru_stime)
}

fn measure<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let (c, w) = (cpu(), Instant::now());
    let out = f();
    println!("{what:<48} cpu {:>8.3} s   wall {:>8.3} s", (cpu() - c).as_secs_f64(), w.elapsed().as_secs_f64());
    out
}

fn main() -> Result<()> {
    if !Slurm::is_available() {
        println!("skipped: no sbatch on PATH (start tests/slurm/slurm-up.sh)");
        return Ok(());
    }
    let dir = std::env::temp_dir().join(format!("ablate-slurm-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::Io { context: "bench dir".into(), source: e })?;
    let study = Study::new("slurm-bench")
        .param(Param::int("x", 0).levels(0..100))
        .seeds(100)
        .minimize("loss")
        .command(["printf", "ABLATE_RESULT {{\"loss\": 1.0}}\\n"])
        .run_dir(dir.join("run"));
    let plan = measure("plan 10,000 trials", || study.plan())?;
    assert_eq!(plan.trials().len(), 10_000);
    let settings = Slurm::new().trials_per_task(100).ablate_bin(env!("CARGO_BIN_EXE_ablate")).poll_s(1.0);
    let calls = scheduler_calls();
    let run = measure("submit (open, submission, script, sbatch)", || study.on(settings).submit())?;
    println!("scheduler calls to submit: {}", scheduler_calls() - calls);
    let calls = scheduler_calls();
    let status = run.status()?;
    println!("scheduler calls per poll: {} ({} tasks in flight)", scheduler_calls() - calls, status.jobs.iter().map(|j| j.in_flight).sum::<usize>());
    let started = Instant::now();
    let results = run.wait()?;
    println!("100 tasks × 100 trials ran in {:.1} s (scheduler throughput of this machine)", started.elapsed().as_secs_f64());
    assert_eq!(results.records().len(), 10_000);
    drop(run);
    let attached = measure("ingest: re-attach + one poll (10,000 records)", || Study::attach(dir.join("run")).and_then(|r| r.status().map(|s| (r, s))))?;
    assert_eq!(attached.1.totals().done, 10_000);
    let loaded = measure("ingest: Results::load (10,000 records)", || Results::load(dir.join("run")))?;
    assert_eq!(loaded.records().len(), 10_000);
    let calls = scheduler_calls();
    measure("one more poll, nothing new", || attached.0.status())?;
    println!("scheduler calls per poll: {}", scheduler_calls() - calls);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
