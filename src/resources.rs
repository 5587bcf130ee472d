//! Per-trial resources on this machine: which GPUs each trial sees, and how many CPU threads
//! it should start.
//!
//! The local executor runs one worker thread per concurrent trial; each worker owns a fixed
//! [`Placement`] (its devices and its CPU share) for every trial it runs. So a device is
//! never shared by more trials than `trials_per_gpu` allows, it is free again the moment a
//! trial ends however it ends (the worker takes the next trial), and no device idles while
//! trials wait (there are as many workers as the pool has room for).

use crate::error::{Error, Result};
pub use crate::spec::Resources;
use crate::store::Device;

/// The variables a trial's process reads for its CPU thread count (OpenMP, the BLAS
/// libraries, numexpr; PyTorch follows OpenMP). Set only where the driver's environment and
/// the command's `env` leave them unset.
pub const THREAD_VARIABLES: [&str; 5] = ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"];

/// The variables that say which GPUs a trial's process sees: NVIDIA (CUDA) and AMD (ROCm).
pub const DEVICE_VARIABLES: [&str; 3] = ["CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES"];

/// What every trial of one worker gets: its GPUs (none without GPU settings) and its CPU
/// threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Device ids, as `CUDA_VISIBLE_DEVICES` takes them.
    pub devices: Vec<String>,
    /// CPU threads.
    pub cpus: usize,
}

impl Resources {
    /// Whether nothing is set.
    pub fn is_unset(&self) -> bool {
        *self == Resources::default()
    }

    /// What one Slurm array task packing `trials` trials asks for, where the `[slurm]`
    /// settings do not say it themselves: `--gres=gpu:N` for the GPUs all of them use at
    /// once, `--cpus-per-task` for their CPU threads. Devices named in `devices` are this
    /// machine's and mean nothing on a node: only the counts travel.
    pub fn sbatch_options(&self, trials: usize, gpus_set: bool, cpus_set: bool) -> Vec<String> {
        let mut options = Vec::new();
        let trials = trials.max(1);
        if self.uses_gpus() && !gpus_set {
            let gpus = match (self.gpus_per_trial.unwrap_or(1) as usize, self.trials_per_gpu.unwrap_or(1) as usize) {
                (per_trial, 1) => per_trial * trials,
                (_, sharing) => trials.div_ceil(sharing),
            };
            options.push(format!("--gres=gpu:{gpus}"));
        }
        if let (Some(cpus), false) = (self.cpus_per_trial, cpus_set) {
            options.push(format!("--cpus-per-task={}", cpus as usize * trials));
        }
        options
    }

    /// Whether any GPU setting is given.
    pub fn uses_gpus(&self) -> bool {
        self.gpus_per_trial.is_some() || self.trials_per_gpu.is_some() || self.devices.is_some()
    }

    /// The workers that run at once and what each one's trials get: `workers` of them
    /// (default: one per core), or fewer when the GPUs have room for fewer trials at once.
    pub fn placements(&self, workers: Option<usize>) -> Result<Vec<Placement>> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if workers == Some(0) {
            return Err(invalid("workers must be at least 1".into()));
        }
        for (name, value) in [("gpus_per_trial", self.gpus_per_trial), ("trials_per_gpu", self.trials_per_gpu), ("cpus_per_trial", self.cpus_per_trial)] {
            if value == Some(0) {
                return Err(invalid(format!("{name} = 0: give at least 1 (or leave it out)")));
            }
        }
        let cpus = |n: usize| self.cpus_per_trial.map_or((cores / n.max(1)).max(1), |c| c as usize);
        if !self.uses_gpus() {
            let n = workers.unwrap_or(cores);
            return Ok(vec![Placement { devices: Vec::new(), cpus: cpus(n) }; n]);
        }
        let devices = match &self.devices {
            Some(list) => checked_devices(list)?,
            None => discover()?,
        };
        let (per_trial, sharing) = (self.gpus_per_trial.unwrap_or(1) as usize, self.trials_per_gpu.unwrap_or(1) as usize);
        if per_trial > 1 && sharing > 1 {
            return Err(invalid(format!("gpus_per_trial = {per_trial} and trials_per_gpu = {sharing}: a trial either takes several GPUs or shares one; keep one of the two")));
        }
        if per_trial > devices.len() {
            return Err(invalid(format!("gpus_per_trial = {per_trial}, but only {} GPU(s) are at hand ({}): lower it, or list more devices", devices.len(), devices.join(", "))));
        }
        let room = if sharing > 1 { devices.len() * sharing } else { devices.len() / per_trial };
        let n = workers.map_or(room, |w| w.min(room));
        Ok((0..n)
            .map(|w| {
                // Sharing: round robin, so fewer trials than room still spread over the GPUs.
                let mine = if sharing > 1 { vec![devices[w % devices.len()].clone()] } else { devices[w * per_trial..(w + 1) * per_trial].to_vec() };
                Placement { devices: mine, cpus: cpus(n) }
            })
            .collect())
    }
}

fn invalid(message: String) -> Error {
    Error::Invalid { message }
}

/// A device list as given: non-empty ids without commas or blanks, each once.
fn checked_devices(list: &[String]) -> Result<Vec<String>> {
    if list.is_empty() {
        return Err(invalid("devices = []: list at least one GPU id, such as [\"0\", \"1\"]".into()));
    }
    for (i, id) in list.iter().enumerate() {
        if id.is_empty() || id.contains([',', ' ', '\t', '\n']) {
            return Err(invalid(format!("device id {id:?} must be one id such as \"0\" or \"GPU-5f3a…\", without commas or blanks")));
        }
        if list[..i].contains(id) {
            return Err(invalid(format!("device {id:?} is listed twice")));
        }
    }
    Ok(list.to_vec())
}

/// The GPUs this process may hand out: its own `CUDA_VISIBLE_DEVICES`, else those
/// `nvidia-smi -L` lists. `nvidia-smi` runs once per process: a scheduler's every look,
/// rung or step asks again, and the machine's GPUs do not change meanwhile.
fn discover() -> Result<Vec<String>> {
    static LISTED: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let listed = || {
        LISTED
            .get_or_init(|| {
                let out = std::process::Command::new("nvidia-smi").arg("-L").output().ok()?;
                out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
            })
            .clone()
    };
    discover_from(std::env::var("CUDA_VISIBLE_DEVICES").ok(), listed)
}

/// This machine's host name (read once per process; `None` when it cannot be read).
pub(crate) fn host_name() -> Option<String> {
    static HOST: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        let mut buffer = [0u8; 256];
        // SAFETY: gethostname writes at most `len` bytes into the buffer we own.
        let ok = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) } == 0;
        let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
        (ok && end > 0).then(|| String::from_utf8_lossy(&buffer[..end]).into_owned())
    })
    .clone()
}

/// The GPUs `ids` with their model and driver as `nvidia-smi` reports them (asked once per
/// process); without `nvidia-smi`, the ids alone.
pub(crate) fn describe(ids: &[String]) -> Vec<Device> {
    static QUERIED: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if ids.is_empty() {
        return Vec::new();
    }
    let table = QUERIED.get_or_init(|| {
        let out = std::process::Command::new("nvidia-smi").args(["--query-gpu=index,uuid,name,driver_version", "--format=csv,noheader"]).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    });
    describe_from(ids, table.as_deref())
}

/// [`describe`] from the text of `nvidia-smi --query-gpu=index,uuid,name,driver_version
/// --format=csv,noheader` (a device is matched by index or UUID).
fn describe_from(ids: &[String], nvidia_smi: Option<&str>) -> Vec<Device> {
    let rows: Vec<Vec<&str>> = nvidia_smi.unwrap_or_default().lines().map(|l| l.split(',').map(str::trim).collect::<Vec<_>>()).filter(|r| r.len() == 4).collect();
    ids.iter()
        .map(|id| {
            let row = rows.iter().find(|r| r[0] == id || r[1] == id);
            Device { id: id.clone(), model: row.map(|r| r[2].to_string()), driver: row.map(|r| r[3].to_string()) }
        })
        .collect()
}

/// [`discover`] from the value of `CUDA_VISIBLE_DEVICES` and, when it is unset, the output of
/// `nvidia-smi -L` (`None`: it is not there or failed).
fn discover_from(visible: Option<String>, nvidia_smi: impl FnOnce() -> Option<String>) -> Result<Vec<String>> {
    if let Some(visible) = visible {
        let ids: Vec<String> = visible.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
        if ids.is_empty() || ids.iter().any(|id| id == "-1" || id == "NoDevFiles") {
            return Err(invalid(format!("GPUs were asked for, but this process sees none (CUDA_VISIBLE_DEVICES={visible:?}): list them with .devices([\"0\", \"1\"]) or --devices 0,1")));
        }
        return Ok(ids);
    }
    match nvidia_smi() {
        Some(text) => {
            let n = text.lines().filter(|l| l.starts_with("GPU ")).count();
            if n == 0 {
                return Err(invalid("GPUs were asked for, but `nvidia-smi -L` lists none: list them with .devices([\"0\", \"1\"]) or --devices 0,1".into()));
            }
            Ok((0..n).map(|i| i.to_string()).collect())
        }
        None => Err(invalid(
            "GPUs were asked for, but none were found (CUDA_VISIBLE_DEVICES is unset and `nvidia-smi -L` does not answer): list them with .devices([\"0\", \"1\"]) or --devices 0,1".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpus(per_trial: Option<u32>, sharing: Option<u32>, devices: &[&str]) -> Resources {
        Resources { gpus_per_trial: per_trial, trials_per_gpu: sharing, devices: Some(devices.iter().map(|d| d.to_string()).collect()), cpus_per_trial: None }
    }

    fn devices_of(p: &[Placement]) -> Vec<Vec<&str>> {
        p.iter().map(|p| p.devices.iter().map(String::as_str).collect()).collect()
    }

    #[test]
    fn the_pool_sets_how_many_trials_run_at_once_and_what_each_sees() {
        let four = ["a", "b", "c", "d"];
        assert_eq!(devices_of(&gpus(None, None, &four).placements(None).unwrap()), [["a"], ["b"], ["c"], ["d"]]);
        assert_eq!(devices_of(&gpus(None, None, &four).placements(Some(2)).unwrap()), [["a"], ["b"]], "fewer workers than GPUs");
        assert_eq!(devices_of(&gpus(None, None, &four).placements(Some(8)).unwrap()).len(), 4, "no more trials at once than GPUs");
        assert_eq!(devices_of(&gpus(Some(2), None, &four).placements(None).unwrap()), [["a", "b"], ["c", "d"]]);
        assert_eq!(devices_of(&gpus(Some(3), None, &four).placements(None).unwrap()), [["a", "b", "c"]], "the odd GPU idles");
        assert_eq!(devices_of(&gpus(None, Some(2), &["a", "b"]).placements(None).unwrap()), [["a"], ["b"], ["a"], ["b"]]);
        assert_eq!(devices_of(&gpus(None, Some(3), &["a", "b"]).placements(Some(2)).unwrap()), [["a"], ["b"]], "spread before sharing");
    }

    #[test]
    fn cpu_threads_split_the_cores_unless_given() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let plain = Resources::default().placements(Some(1)).unwrap();
        assert_eq!((plain.len(), plain[0].cpus, plain[0].devices.len()), (1, cores, 0));
        let many = Resources::default().placements(Some(4 * cores)).unwrap();
        assert_eq!(many[0].cpus, 1, "never below one thread");
        let given = Resources { cpus_per_trial: Some(3), ..Resources::default() }.placements(Some(2)).unwrap();
        assert_eq!(given[1].cpus, 3);
    }

    #[test]
    fn gpus_are_found_in_the_environment_then_through_nvidia_smi() {
        let never = || -> Option<String> { panic!("nvidia-smi is not asked when CUDA_VISIBLE_DEVICES is set") };
        assert_eq!(discover_from(Some("2, 3".into()), never).unwrap(), ["2", "3"]);
        assert!(discover_from(Some("".into()), never).unwrap_err().to_string().contains("sees none"));
        assert!(discover_from(Some("-1".into()), never).unwrap_err().to_string().contains("sees none"));
        let two = "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-a)\nGPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-b)\n";
        assert_eq!(discover_from(None, || Some(two.into())).unwrap(), ["0", "1"]);
        assert!(discover_from(None, || Some(String::new())).unwrap_err().to_string().contains("lists none"));
        assert!(discover_from(None, || None).unwrap_err().to_string().contains("does not answer"));
    }

    #[test]
    fn devices_are_described_by_index_or_uuid_from_nvidia_smi() {
        let smi = "0, GPU-aaa, NVIDIA A100-SXM4-40GB, 550.54.15\n1, GPU-bbb, NVIDIA H100 80GB HBM3, 550.54.15\n";
        let ids = ["1".to_string(), "GPU-aaa".to_string(), "7".to_string()];
        let found = describe_from(&ids, Some(smi));
        assert_eq!(found[0].model.as_deref(), Some("NVIDIA H100 80GB HBM3"));
        assert_eq!(found[1].model.as_deref(), Some("NVIDIA A100-SXM4-40GB"));
        assert_eq!(found[1].driver.as_deref(), Some("550.54.15"));
        assert_eq!((found[2].id.as_str(), found[2].model.as_deref()), ("7", None));
        assert!(describe_from(&ids, None).iter().all(|d| d.model.is_none()));
        assert!(host_name().is_some_and(|h| !h.is_empty()));
    }

    #[test]
    fn bad_settings_say_what_to_fix() {
        let e = |r: Resources| r.placements(None).unwrap_err().to_string();
        assert!(e(gpus(Some(2), Some(2), &["a", "b"])).contains("keep one of the two"));
        assert!(e(gpus(Some(3), None, &["a", "b"])).contains("only 2 GPU(s) are at hand (a, b)"));
        assert!(e(gpus(Some(0), None, &["a"])).contains("gpus_per_trial = 0"));
        assert!(e(gpus(None, None, &[])).contains("list at least one GPU id"));
        assert!(e(gpus(None, None, &["0,1"])).contains("without commas"));
        assert!(e(gpus(None, None, &["0", "0"])).contains("listed twice"));
    }
}
