//! Claims: before a process runs a trial it creates `claims/<trial id>` exclusively, so
//! several processes or cluster tasks on one run directory share the work with no trial run
//! twice. A claim is a hard link to the process's owner file `claims/.owner.<host>.<pid>`
//! (which says who holds it and for how long): `link` is atomic and exclusive also on NFS
//! and Lustre, where locks are not, and costs no new inode, so claiming is cheap. All of a
//! process's claims share that one inode, so renewing the lease (touching the owner file)
//! renews them all at once. A claim whose holder is gone — known dead on this host, or
//! silent for longer than its lease — is taken over.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::files::Owner;
use crate::error::{Error, Result};
use crate::trial::TrialId;

/// How long a claim stays valid without renewal, unless the study says otherwise.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// The claims folder's name inside a run directory.
pub const CLAIMS_DIR: &str = "claims";

/// What a claim file says about its holder.
#[derive(Debug, Serialize, Deserialize)]
struct ClaimFile {
    host: String,
    pid: u32,
    start: u64,
    lease_s: f64,
}

/// The outcome of trying to claim a trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This process holds the claim now.
    Won,
    /// Another live process holds it.
    HeldElsewhere,
}

/// This process's claims in one run directory.
#[derive(Debug)]
pub struct Claims {
    dir: PathBuf,
    /// The owner file every claim of this process links to.
    owner_file: PathBuf,
    owner: Owner,
    lease: Duration,
    held: Mutex<HashSet<TrialId>>,
}

impl Claims {
    /// Claims in `run_dir/claims`, held for `lease` between renewals.
    pub(crate) fn open(run_dir: &Path, lease: Duration) -> Result<Claims> {
        let dir = run_dir.join(CLAIMS_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| Error::RunDir { path: dir.clone(), source: e })?;
        remove_dead_owner_files(&dir);
        let owner = Owner::current();
        let owner_file = dir.join(format!("{OWNER_PREFIX}{}.{}.{}", owner.host, owner.pid, owner.start));
        let body = serde_json::to_vec(&ClaimFile { host: owner.host.clone(), pid: owner.pid, start: owner.start, lease_s: lease.as_secs_f64() }).unwrap_or_default();
        std::fs::write(&owner_file, body).map_err(|e| Error::RunDir { path: owner_file.clone(), source: e })?;
        Ok(Claims { dir, owner_file, owner, lease, held: Mutex::new(HashSet::new()) })
    }

    /// How often [`Claims::renew`] should run: a quarter of the lease.
    pub fn renew_interval(&self) -> Duration {
        self.lease / 4
    }

    fn path(&self, id: &TrialId) -> PathBuf {
        self.dir.join(id.as_str())
    }

    /// Tries to claim trial `id`: links its claim to the owner file, or takes over a stale
    /// claim.
    pub fn try_claim(&self, id: &TrialId) -> Result<Claim> {
        let path = self.path(id);
        // Two rounds: a stale claim found in the first is moved away, then made anew.
        for _ in 0..2 {
            match std::fs::hard_link(&self.owner_file, &path) {
                Ok(()) => {
                    self.lock_held().insert(id.clone());
                    return Ok(Claim::Won);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(Error::Io { context: format!("cannot create the claim {} (the run directory's file system must support hard links)", path.display()), source: e }),
            }
            if !self.is_stale(&path) {
                return Ok(Claim::HeldElsewhere);
            }
            // Only one process wins the rename of a stale claim; the others find it gone.
            let aside = path.with_file_name(format!("{OWNER_PREFIX}stale.{}.{}.{}", id.as_str(), self.owner.pid, self.owner.start));
            if std::fs::rename(&path, &aside).is_ok() {
                let _ = std::fs::remove_file(&aside);
            }
        }
        Ok(Claim::HeldElsewhere)
    }

    /// Whether someone holds a live claim on trial `id` (this process included).
    pub fn is_claimed(&self, id: &TrialId) -> bool {
        let path = self.path(id);
        path.exists() && !self.is_stale(&path)
    }

    fn is_stale(&self, path: &Path) -> bool {
        claim_is_stale(path, &self.owner, self.lease)
    }

    /// Gives up the claim on `id` (after its record is durable, or when it was not run).
    pub fn release(&self, id: &TrialId) {
        if self.lock_held().remove(id) {
            let _ = std::fs::remove_file(self.path(id));
        }
    }

    /// Renews every claim this process holds: they all share the owner file's inode, so
    /// setting its modification time renews them at once.
    pub fn renew(&self) {
        if let Ok(file) = std::fs::File::options().write(true).open(&self.owner_file) {
            let _ = file.set_modified(SystemTime::now());
        }
    }

    /// Releases every claim still held (a run that stops early).
    pub fn release_all(&self) {
        let held: Vec<TrialId> = self.lock_held().drain().collect();
        for id in held {
            let _ = std::fs::remove_file(self.path(&id));
        }
    }

    fn lock_held(&self) -> std::sync::MutexGuard<'_, HashSet<TrialId>> {
        self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Whether the claim file at `path` is stale: unreadable and older than `default_lease`,
/// its holder known dead on this host, or not renewed within its lease. `me` never holds a
/// stale claim.
fn claim_is_stale(path: &Path, me: &Owner, default_lease: Duration) -> bool {
    claim_is_stale_by(path, me, default_lease, 1)
}

/// [`claim_is_stale`] with the lease multiplied by `leases`.
fn claim_is_stale_by(path: &Path, me: &Owner, default_lease: Duration, leases: u32) -> bool {
    let Ok(meta) = std::fs::metadata(path) else { return false };
    let age = meta.modified().ok().and_then(|m| SystemTime::now().duration_since(m).ok()).unwrap_or_default();
    let claim = std::fs::read(path).ok().and_then(|b| serde_json::from_slice::<ClaimFile>(&b).ok());
    match claim {
        None => default_lease.checked_mul(leases).is_some_and(|lease| age > lease),
        Some(c) => {
            let owner = Owner { host: c.host, pid: c.pid, start: c.start };
            if owner == *me {
                return false;
            }
            // A lease too long to count (a torn or edited claim, `Study::lease(Duration::MAX)`)
            // never runs out; only the holder's death ends it.
            let lease = Duration::try_from_secs_f64(c.lease_s.max(0.0)).ok().and_then(|l| l.checked_mul(leases));
            owner.is_dead_here() || lease.is_some_and(|lease| age > lease)
        }
    }
}

/// Trials that a live process has claimed in `run_dir` (read-only: nothing is written).
pub(crate) fn live_claims(run_dir: &Path) -> Vec<TrialId> {
    let Ok(entries) = std::fs::read_dir(run_dir.join(CLAIMS_DIR)) else { return Vec::new() };
    let me = Owner::current();
    entries
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with(OWNER_PREFIX) && !claim_is_stale(&e.path(), &me, DEFAULT_LEASE))
        .filter_map(|e| e.file_name().to_str().and_then(TrialId::parse))
        .collect()
}

impl Drop for Claims {
    fn drop(&mut self) {
        self.release_all();
        let _ = std::fs::remove_file(&self.owner_file);
    }
}

/// Names in the claims folder that are not claims (owner files, claims being moved aside).
const OWNER_PREFIX: &str = ".owner.";

/// Removes owner files of processes that are gone (known dead on this host, or not renewed
/// for ten leases); claims still linked to them keep their content.
fn remove_dead_owner_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let me = Owner::current();
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(OWNER_PREFIX) && claim_is_stale_by(&entry.path(), &me, DEFAULT_LEASE, 10) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::Config;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ablate-claims-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn one_claim_per_trial_and_release() {
        let d = dir("one");
        let a = Claims::open(&d, DEFAULT_LEASE).unwrap();
        let id = TrialId::compute(&Config::new(), 1, None);
        assert_eq!(a.try_claim(&id).unwrap(), Claim::Won);
        // Same owner, second attempt: the file exists and is not stale.
        assert_eq!(a.try_claim(&id).unwrap(), Claim::HeldElsewhere);
        assert!(a.is_claimed(&id));
        a.release(&id);
        assert!(!a.is_claimed(&id));
        assert_eq!(a.try_claim(&id).unwrap(), Claim::Won);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn claims_of_dead_processes_and_expired_leases_are_taken_over() {
        let d = dir("stale");
        let claims = Claims::open(&d, DEFAULT_LEASE).unwrap();
        let dead = TrialId::compute(&Config::new(), 2, None);
        let me = Owner::current();
        let body = serde_json::to_vec(&ClaimFile { host: me.host.clone(), pid: 4_194_304, start: 1, lease_s: 60.0 }).unwrap();
        std::fs::write(claims.path(&dead), &body).unwrap();
        assert_eq!(claims.try_claim(&dead).unwrap(), Claim::Won, "holder is dead on this host");

        let silent = TrialId::compute(&Config::new(), 3, None);
        let body = serde_json::to_vec(&ClaimFile { host: "elsewhere".into(), pid: 1, start: 1, lease_s: 0.05 }).unwrap();
        std::fs::write(claims.path(&silent), &body).unwrap();
        assert_eq!(claims.try_claim(&silent).unwrap(), Claim::HeldElsewhere, "lease still running");
        std::thread::sleep(Duration::from_millis(120));
        assert_eq!(claims.try_claim(&silent).unwrap(), Claim::Won, "lease expired");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
