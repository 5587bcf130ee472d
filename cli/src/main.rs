//! `ablate`: hyperparameter ablation studies from a terminal. A study lives in a TOML file
//! (`ablate init` writes an example); its trials are any program (a Python training script,
//! a binary) run under ablate's command-trial protocol; results live in a run directory that
//! `ablate run` resumes and `ablate status`, `report` and `export` read.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ablate::prelude::*;
use ablate::DamageContext;
use ablate::results::ConfigProgress;
use ablate::display::Render;
use ablate::views::TableView;
use clap::{Args, Parser, Subcommand};

/// Hyperparameter ablation studies: fix a baseline, change one thing at a time, repeat over
/// seeds, and find out which differences are real.
#[derive(Parser)]
#[command(name = "ablate", version, about, long_about = None, after_help = "Start with `ablate init` in an empty folder, then `ablate run study.toml`.\nA RUN argument is a run directory (runs/<study>/) or the study file that names one.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes a commented example study.toml and a tiny train.py into DIR (default: here).
    Init {
        /// The folder to write into (created if needed).
        dir: Option<PathBuf>,
    },
    /// Prints the configurations and trial counts of a study without running anything
    /// (with an estimate of the remaining cost once earlier runs measured trial durations).
    Plan {
        /// The study file.
        study: PathBuf,
    },
    /// Runs every missing trial of a study (or resumes it) and prints the analysis.
    Run {
        /// The study file.
        study: PathBuf,
        #[command(flatten)]
        options: RunArgs,
    },
    /// Done / failed / running / missing trials per configuration (for a study submitted to
    /// Slurm: queued and running too, after one poll of the scheduler).
    Status {
        /// A run directory or a study file.
        run: PathBuf,
    },
    /// Submits a study's missing trials to Slurm as one job array (settings from the study
    /// file's `[slurm]` table) and returns at once; `ablate wait` or `status` follow it. With
    /// --multi-fidelity or --scale-to it stays and drives the run (a job array per rung, or
    /// one per size all at once) and prints the analysis; run it again to resume.
    Submit {
        /// The study file.
        study: PathBuf,
        /// How many times a trial whose task failed or vanished is resubmitted (default:
        /// [run] retries, else 1).
        #[arg(long)]
        retries: Option<u32>,
        /// Keep results in DIR (on the shared filesystem) instead of the study's run directory.
        #[arg(long, value_name = "DIR")]
        run_dir: Option<PathBuf>,
        /// Trials per array task (default: `[slurm]` trials_per_task, else 1).
        #[arg(long)]
        trials_per_task: Option<u32>,
        /// The `ablate` binary as the nodes see it (default: `[slurm]` ablate_bin, else this one).
        #[arg(long, value_name = "PATH")]
        ablate_bin: Option<PathBuf>,
        #[command(flatten)]
        schedule: ScheduleArgs,
    },
    /// Waits for a submitted study, resubmitting vanished or failed trials while they have
    /// retries left, then prints the analysis.
    Wait {
        /// A run directory or a study file.
        run: PathBuf,
    },
    /// Cancels a submitted study's queued and running array tasks (finished trials are kept).
    Cancel {
        /// A run directory or a study file.
        run: PathBuf,
    },
    /// Runs one Slurm array task's trials (what the generated batch script calls on a node).
    #[command(hide = true)]
    Worker {
        /// The run directory.
        run_dir: PathBuf,
        /// The submission number.
        #[arg(long)]
        submission: u32,
        /// The array task index ($SLURM_ARRAY_TASK_ID).
        #[arg(long)]
        task: usize,
    },
    /// Summary, significance versus the baseline and conclusions of a run directory (or,
    /// with --optuna, of an Optuna study).
    Report {
        /// A run directory or a study file (with --optuna: the Optuna file).
        run: PathBuf,
        #[command(flatten)]
        optuna: OptunaArgs,
        /// Also write the full HTML report (tables and charts) to FILE.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Print the tables as Markdown.
        #[arg(long, conflicts_with = "latex")]
        markdown: bool,
        /// Print the tables as LaTeX.
        #[arg(long)]
        latex: bool,
    },
    /// Runs the ablation path from the study's baseline to its best config (Fawcett & Hoos):
    /// one flip at a time, greedily, each step's candidates run as command trials on the
    /// study's seeds into the same run directory (a rerun resumes), and prints the path.
    Path {
        /// A run directory or a study file.
        run: PathBuf,
        /// The target: `best` (the config with the best mean so far).
        #[arg(long, default_value = "best")]
        to: String,
        /// Race each step's candidates from K seeds (K ≥ 2), dropping the ones a paired 95%
        /// interval rules out against the leader.
        #[arg(long, value_name = "K")]
        race: Option<usize>,
        /// Go on to the target when no remaining flip is detectable (default: stop there).
        #[arg(long)]
        go_on: bool,
        /// Significance level of each step's Holm-corrected tests.
        #[arg(long, default_value_t = 0.05)]
        alpha: f64,
        /// Run at most N trials at once (default: [run] workers, else all cores).
        #[arg(long)]
        workers: Option<usize>,
        /// Print the path as Markdown.
        #[arg(long)]
        markdown: bool,
    },
    /// Writes a run directory's trials for other tools: the trials frame as CSV or Parquet,
    /// TensorBoard event files (HParams tab), an MLflow file store; any combination.
    Export {
        /// A run directory or a study file.
        run: PathBuf,
        /// Write the trials frame (one row per trial) as CSV to FILE.
        #[arg(long, value_name = "FILE", required_unless_present_any = ["parquet", "tensorboard", "mlflow"])]
        csv: Option<PathBuf>,
        /// Write the trials frame as Parquet to FILE.
        #[arg(long, value_name = "FILE")]
        parquet: Option<PathBuf>,
        /// Write TensorBoard event files (HParams tab: one session per trial) into DIR.
        #[arg(long, value_name = "DIR")]
        tensorboard: Option<PathBuf>,
        /// Write an MLflow file store (one run per trial) into DIR.
        #[arg(long, value_name = "DIR")]
        mlflow: Option<PathBuf>,
    },
}

/// Reading an Optuna study instead of a run directory.
#[derive(Args)]
struct OptunaArgs {
    /// RUN is an Optuna study: its JournalStorage file, or its trials_dataframe() CSV
    /// (a `.csv` file name).
    #[arg(long)]
    optuna: bool,
    /// The study to read from a journal that holds several.
    #[arg(long, requires = "optuna")]
    study: Option<String>,
    /// The objectives' directions, comma-separated (a CSV does not record them; for a
    /// journal they replace its own): maximize or minimize.
    #[arg(long, requires = "optuna", value_delimiter = ',', value_parser = parse_direction)]
    direction: Vec<Direction>,
    /// The trial (Optuna's trial number) whose configuration is the baseline (default: the
    /// configuration with the most complete trials).
    #[arg(long, requires = "optuna", value_name = "NUMBER")]
    baseline_trial: Option<u64>,
}

fn parse_direction(text: &str) -> std::result::Result<Direction, String> {
    match text {
        "maximize" => Ok(Direction::Maximize),
        "minimize" => Ok(Direction::Minimize),
        other => Err(format!("`{other}` is not maximize or minimize")),
    }
}

impl OptunaArgs {
    /// The Optuna study at `path` as results.
    fn load(self, path: &Path) -> Result<Results> {
        let csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if csv && self.direction.is_empty() {
            return Err(Error::Invalid {
                message: format!("{} is an Optuna CSV, which does not record whether the study minimized or maximized: give --direction maximize (or minimize; comma-separated for several objectives)", path.display()),
            });
        }
        let mut import = if csv { OptunaImport::csv(path) } else { OptunaImport::journal(path) };
        if let Some(study) = &self.study {
            import = import.study(study);
        }
        if !self.direction.is_empty() {
            import = import.directions(self.direction);
        }
        if let Some(number) = self.baseline_trial {
            import = import.baseline_trial(number);
        }
        import.load()
    }
}

#[derive(Args)]
struct RunArgs {
    /// Trials at once (default: the study file's [run] workers, else one per core).
    #[arg(long, short = 'j')]
    workers: Option<usize>,
    /// How many times failed trials are retried (default: [run] retries, else 1).
    #[arg(long)]
    retries: Option<u32>,
    /// Keep results in DIR instead of the study's run directory.
    #[arg(long, value_name = "DIR")]
    run_dir: Option<PathBuf>,
    /// GPUs each trial gets (CUDA_VISIBLE_DEVICES per trial; default: [resources]).
    #[arg(long, value_name = "N")]
    gpus_per_trial: Option<u32>,
    /// Trials that share one GPU.
    #[arg(long, value_name = "N")]
    trials_per_gpu: Option<u32>,
    /// The GPUs to hand out, e.g. 0,1,2,3 (default: CUDA_VISIBLE_DEVICES, else nvidia-smi -L).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    devices: Option<Vec<String>>,
    /// CPU threads per trial (OMP_NUM_THREADS and the like; default: cores / trials at once).
    #[arg(long, value_name = "N")]
    cpus_per_trial: Option<u32>,
    #[command(flatten)]
    schedule: ScheduleArgs,
}

/// A study run as a schedule of sub-studies instead of all its trials at once.
#[derive(Args)]
struct ScheduleArgs {
    /// Run as a multi-fidelity ablation over the study's fidelity param (`fidelity = true`):
    /// every config at the cheapest level, the promising ones promoted.
    #[arg(long, conflicts_with = "scale_to")]
    multi_fidelity: bool,
    /// Run the ablation at every size of the study's scale param (`scale = true`) and
    /// extrapolate each effect to SIZE.
    #[arg(long, value_name = "SIZE")]
    scale_to: Option<f64>,
}

const STUDY_TEMPLATE: &str = include_str!("../templates/study.toml");
const TRAIN_TEMPLATE: &str = include_str!("../templates/train.py");

fn main() -> ExitCode {
    // Printing into a closed pipe (`ablate report ... | head`) ends the program quietly, as
    // command-line tools do, instead of panicking.
    // SAFETY: setting a signal's disposition to its default at startup, before any thread.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ablate: error: {e}");
            match e {
                Error::Interrupted { .. } => ExitCode::from(130),
                _ => ExitCode::FAILURE,
            }
        }
    }
}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Init { dir } => init(&dir.unwrap_or_else(|| PathBuf::from("."))),
        Command::Plan { study } => plan(&study),
        Command::Run { study, options } => run_study(&study, options),
        Command::Status { run } => {
            let dir = run_dir_of(&run)?;
            // Submitted to Slurm, and the scheduler is reachable from here: ask it too.
            if dir.join(ablate::exec::slurm::SLURM_DIR).is_dir() && Slurm::is_available() {
                match SlurmRun::attach(&dir).and_then(|run| run.status()) {
                    Ok(status) => {
                        println!("{}", status.to_text());
                        return Ok(());
                    }
                    // The scheduler does not answer: what the run directory alone says.
                    Err(e @ Error::Slurm { .. }) => eprintln!("ablate: {e}\nablate: showing what the run directory says without the scheduler"),
                    Err(e) => return Err(e),
                }
            }
            println!("{}", Results::status(dir)?);
            Ok(())
        }
        Command::Submit { study, retries, run_dir, trials_per_task, ablate_bin, schedule } => submit(&study, retries, run_dir, trials_per_task, ablate_bin, &schedule),
        Command::Wait { run } => {
            let results = SlurmRun::attach(run_dir_of(&run)?)?.wait()?;
            print_analysis(&results, Format::Text)
        }
        Command::Cancel { run } => {
            let run = SlurmRun::attach(run_dir_of(&run)?)?;
            run.cancel()?;
            println!("{}", run.status()?.to_text());
            Ok(())
        }
        Command::Worker { run_dir, submission, task } => {
            let ran = ablate::cluster::run_worker(&run_dir, submission, task)?;
            eprintln!("ablate worker: submission {submission} task {task}: {ran} trial(s) run");
            Ok(())
        }
        Command::Report { run, optuna, html, markdown, latex } => report(&run, optuna, html.as_deref(), markdown, latex),
        Command::Path { run, to, race, go_on, alpha, workers, markdown } => {
            if to != "best" {
                return Err(Error::Invalid { message: format!("--to {to}: the only target `ablate path` knows is `best` (the best config so far); for another, use study.run_with(PathOptions::to(&target), f) in Rust") });
            }
            let mut study = if run.is_file() { Study::from_file(&run)? } else { Study::from_run_dir(&run)? };
            if let Some(n) = workers {
                study = study.workers(n);
            }
            let target = Results::load(run_dir_of(&run)?)?.best_config()?;
            let options = ablate::prelude::PathOptions { target, stop_when_undetectable: !go_on, alpha, race_from: race };
            let path = study.on(Local::commands()).run_with(options)?;
            println!("{}", if markdown { path.to_markdown() } else { path.to_text() });
            Ok(())
        }
        Command::Export { run, csv, parquet, tensorboard, mlflow } => {
            let results = Results::load(run_dir_of(&run)?)?;
            warn_damaged(&results);
            let trials = results.records().len();
            if let Some(path) = csv {
                results.to_csv(&path)?;
                println!("wrote {} ({trials} trials)", path.display());
            }
            if let Some(path) = parquet {
                results.to_parquet(&path)?;
                println!("wrote {} ({trials} trials)", path.display());
            }
            if let Some(dir) = tensorboard {
                let done = results.export_tensorboard(&dir)?;
                println!("wrote TensorBoard logs to {done}; view them with: tensorboard --logdir {}", dir.display());
            }
            if let Some(dir) = mlflow {
                let done = results.export_mlflow(&dir)?;
                println!("wrote an MLflow file store to {done}; view it with: MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri {}", dir.display());
            }
            Ok(())
        }
    }
}

fn init(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Io { context: format!("cannot create {}", dir.display()), source: e })?;
    let files = [("study.toml", STUDY_TEMPLATE), ("train.py", TRAIN_TEMPLATE)];
    for (name, _) in files {
        let path = dir.join(name);
        if path.exists() {
            return Err(Error::Invalid { message: format!("{} exists already: ablate init never overwrites a file; use another folder", path.display()) });
        }
    }
    for (name, text) in files {
        let path = dir.join(name);
        let written = std::fs::OpenOptions::new().write(true).create_new(true).open(&path).and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
        written.map_err(|e| Error::Io { context: format!("cannot write {}", path.display()), source: e })?;
        println!("wrote {}", path.display());
    }
    let shown = if dir == Path::new(".") { String::new() } else { format!("{}/", dir.display()) };
    println!("\nnext: ablate plan {shown}study.toml   (what would run)\n      ablate run {shown}study.toml    (run it; run again to resume)");
    Ok(())
}

fn plan(study_file: &Path) -> Result<()> {
    let study = Study::from_file(study_file)?;
    let plan = study.plan()?;
    if let Some(spec) = study.command_spec() {
        println!("command: {}", spec.argv.join(" "));
    }
    let width = (0..plan.configs().len()).map(|c| plan.label(c).chars().count()).max().unwrap_or(6).max(6);
    println!("{:<width$}  {:<13}  {:>6}", "config", "design", "trials");
    for c in 0..plan.configs().len() {
        println!("{:<width$}  {:<13}  {:>6}", plan.label(c), plan.configs()[c].design().as_str(), plan.seeds_of(c).len());
    }
    println!(
        "{}; run directory {}",
        trial_count(&plan),
        study.store_dir().map_or_else(|| "(memory)".into(), |d| d.display().to_string())
    );
    // What is left of a fixed design (an adaptive one decides as it goes: see the estimate).
    if let Some(dir) = study.store_dir().filter(|d| d.join("spec.json").exists() && plan.sequential().is_none()) {
        estimate(&study, &dir, plan.trials().len())?;
    }
    println!("\n{}", study.estimate()?.to_text());
    Ok(())
}

/// "12 configs × 5 seeds = 60 trials", or with sampled configs on fewer seeds
/// "3 configs × 5 seeds + 64 sampled configs × 2 seeds = 143 trials".
fn trial_count(plan: &ablate::Plan) -> String {
    let all = plan.seeds().len();
    let full = (0..plan.configs().len()).filter(|&c| plan.seeds_of(c).len() == all).count();
    let seeds = |n: usize| if n == 1 { "1 seed".to_string() } else { format!("{n} seeds") };
    let mut text = format!("{full} configs × {}", seeds(all));
    if let Some(k) = plan.seeds_per_sample().filter(|_| full < plan.configs().len()) {
        text.push_str(&format!(" + {} sampled configs × {}", plan.configs().len() - full, seeds(k)));
    }
    match plan.sequential() {
        Some(s) => format!("{text} = {} trials at most (adaptive seeds: every config starts with {}, more only while undecided)", plan.trials().len(), s.min()),
        None => format!("{text} = {} trials", plan.trials().len()),
    }
}

/// What an earlier run of the same directory says about the cost of the rest.
fn estimate(study: &Study, dir: &Path, planned: usize) -> Result<()> {
    let earlier = Results::load(dir)?;
    let status = Results::status(dir)?;
    let ConfigProgress { done, running, .. } = status.totals();
    let durations: Vec<f64> = earlier.records().iter().map(|r| r.duration_s).collect();
    if durations.is_empty() {
        return Ok(());
    }
    let mean = durations.iter().sum::<f64>() / durations.len() as f64;
    let left = planned.saturating_sub(done + running);
    let workers = study.options().workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    println!(
        "{done} trials already done, {running} running; {left} to run at {mean:.2} s each (mean of {} earlier trials) ≈ {:.0} s with {workers} workers",
        durations.len(),
        mean * left as f64 / workers as f64
    );
    Ok(())
}

fn run_study(study_file: &Path, args: RunArgs) -> Result<()> {
    let mut study = Study::from_file(study_file)?;
    if let Some(n) = args.workers {
        study = study.workers(n);
    }
    if let Some(n) = args.retries {
        study = study.retries(n);
    }
    if let Some(dir) = args.run_dir {
        study = study.run_dir(dir);
    }
    // The flags win over the study file's [resources], setting by setting.
    let mut options = study.options().clone();
    let r = &mut options.resources;
    r.gpus_per_trial = args.gpus_per_trial.or(r.gpus_per_trial);
    r.trials_per_gpu = args.trials_per_gpu.or(r.trials_per_gpu);
    r.devices = args.devices.or(r.devices.take());
    r.cpus_per_trial = args.cpus_per_trial.or(r.cpus_per_trial);
    study = study.with_options(options);
    let plan = study.plan()?;
    eprintln!("ablate: study `{}`: {}", plan.name(), trial_count(&plan));
    let started = std::time::Instant::now();
    if args.schedule.multi_fidelity {
        let run = study.on(Local::commands()).run_with(MultiFidelityOptions::default())?;
        return print_multi_fidelity(&run, started);
    }
    if let Some(size) = args.schedule.scale_to {
        let run = study.on(Local::commands()).run_with(ScaleOptions::to(size))?;
        return print_scale_transfer(&run, started);
    }
    let results = study.run_command()?;
    let stats = results.run_stats();
    println!();
    print_analysis(&results, Format::Text)?;
    println!(
        "\n{} trials run now, {} reused from the journal, {:.1} s wall time",
        stats.executed,
        stats.reused,
        started.elapsed().as_secs_f64()
    );
    if let Some(dir) = results.run_dir() {
        println!("run directory: {} (ablate report {} for more)", dir.display(), dir.display());
    }
    Ok(())
}

fn print_multi_fidelity(run: &MultiFidelity, started: std::time::Instant) -> Result<()> {
    println!("{}\n\n{}", run.to_text(), run.agreement_table()?.to_text());
    if let Some(last) = run.final_results() {
        println!("\nAt full fidelity:");
        print_analysis(last, Format::Text)?;
    }
    println!("\n{:.1} s wall time", started.elapsed().as_secs_f64());
    Ok(())
}

fn print_scale_transfer(run: &ScaleTransfer, started: std::time::Instant) -> Result<()> {
    println!("{}\n\n{:.1} s wall time", run.to_text(), started.elapsed().as_secs_f64());
    Ok(())
}

fn submit(study_file: &Path, retries: Option<u32>, run_dir: Option<PathBuf>, trials_per_task: Option<u32>, ablate_bin: Option<PathBuf>, schedule: &ScheduleArgs) -> Result<()> {
    let mut study = Study::from_file(study_file)?;
    if let Some(n) = retries {
        study = study.retries(n);
    }
    if let Some(dir) = run_dir {
        study = study.run_dir(dir);
    }
    let mut settings = study.slurm_settings().cloned().unwrap_or_default();
    if let Some(n) = trials_per_task {
        settings = settings.trials_per_task(n);
    }
    if let Some(bin) = ablate_bin {
        settings = settings.ablate_bin(bin);
    } else if settings.ablate_bin.is_none() {
        // This very binary, unless the study file says where the nodes find theirs.
        let me = std::env::current_exe().map_err(|e| Error::Io { context: "cannot find the ablate binary".into(), source: e })?;
        settings = settings.ablate_bin(me);
    }
    let started = std::time::Instant::now();
    if schedule.multi_fidelity {
        return print_multi_fidelity(&study.on(settings).run_with(MultiFidelityOptions::default())?, started);
    }
    if let Some(size) = schedule.scale_to {
        return print_scale_transfer(&study.on(settings).run_with(ScaleOptions::to(size))?, started);
    }
    let run = study.on(settings).submit()?;
    let status = run.status()?;
    println!("{}", status.to_text());
    println!("\nfollow it: ablate status {dir}   ·   ablate wait {dir}   ·   ablate cancel {dir}", dir = run.run_dir().display());
    Ok(())
}

#[derive(Clone, Copy)]
enum Format {
    Text,
    Markdown,
    Latex,
}

fn print_analysis(results: &Results, format: Format) -> Result<()> {
    let summary = results.summary();
    let show = |view: &dyn TableView| match format {
        Format::Text => view.to_table().to_text(),
        Format::Markdown => view.to_markdown(),
        Format::Latex => view.to_latex(),
    };
    println!("{}", show(&summary));
    if results.plan().configs().len() >= 2 && summary.rows.iter().filter(|r| r.n >= 2).count() >= 2 {
        println!("{}", show(&results.significance()?));
        let conclusions = results.conclusions()?;
        let listed = match format {
            Format::Text => conclusions.to_text(),
            Format::Markdown => conclusions.to_markdown(),
            Format::Latex => conclusions.to_latex(),
        };
        println!("Conclusions:\n{listed}");
    }
    if results.plan().spans_space()
        && let Ok(importance) = results.importance()
    {
        println!("\n{}", show(&importance));
    }
    Ok(())
}

fn report(run: &Path, optuna: OptunaArgs, html: Option<&Path>, markdown: bool, latex: bool) -> Result<()> {
    let results = if optuna.optuna {
        let results = optuna.load(run)?;
        let stats = results.run_stats();
        println!(
            "Optuna study `{}`: {} trials imported, {} left out (pruned or unfinished), {} unreadable or ignored journal lines\n",
            results.plan().name(),
            results.records().len(),
            stats.left_out,
            stats.skipped_import_lines
        );
        results
    } else {
        let dir = run_dir_of(run)?;
        let status = Results::status(&dir)?;
        let ConfigProgress { done, failed, running, missing, .. } = status.totals();
        if failed + running + missing > 0 {
            println!("study `{}`: {done} trials done, {failed} failed, {running} running, {missing} not run yet\n", status.study);
        }
        let results = Results::load(&dir)?;
        warn_damaged(&results);
        results
    };
    let format = if markdown {
        Format::Markdown
    } else if latex {
        Format::Latex
    } else {
        Format::Text
    };
    print_analysis(&results, format)?;
    if let Some(path) = html {
        let report = results.report()?;
        report
            .save_html(path)
            .map_err(|e| Error::Io { context: format!("cannot write {}", path.display()), source: e })?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// Says on stderr, once per command, which lines of the run directory could not be read.
fn warn_damaged(results: &Results) {
    let damaged = &results.run_stats().damaged;
    if !damaged.is_empty() {
        eprintln!("ablate: warning: {}", damaged.notice(DamageContext::Reading));
    }
}

/// A run directory given directly, or the one a study file names.
fn run_dir_of(path: &Path) -> Result<PathBuf> {
    if path.is_file() {
        return Study::from_file(path)?.store_dir().ok_or_else(|| Error::Invalid { message: "the study keeps no run directory".into() });
    }
    Ok(path.to_path_buf())
}
