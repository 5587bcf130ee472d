//! Ctrl-C and SIGTERM while child processes run: the driver stops its trials' process
//! groups, journals nothing half-done, and returns; a rerun resumes. Installed only for
//! the duration of a run that spawns processes, and restored afterwards.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the signal handler; read by the guard's owner.
static SIGNALLED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_signal: libc::c_int) {
    SIGNALLED.store(true, Ordering::SeqCst);
}

/// While alive, SIGINT and SIGTERM set a flag instead of ending the process.
pub struct InterruptGuard {
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

impl InterruptGuard {
    /// Installs the handlers (SIGINT, SIGTERM).
    pub fn install() -> InterruptGuard {
        SIGNALLED.store(false, Ordering::SeqCst);
        let mut previous = Vec::new();
        for signal in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: a zeroed sigaction is a valid value; the handler only stores an atomic.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
                libc::sigemptyset(&mut action.sa_mask);
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(signal, &action, &mut old) == 0 {
                    previous.push((signal, old));
                }
            }
        }
        InterruptGuard { previous }
    }

    /// Whether SIGINT or SIGTERM arrived since the guard was installed.
    pub fn signalled(&self) -> bool {
        SIGNALLED.load(Ordering::SeqCst)
    }
}

impl Drop for InterruptGuard {
    fn drop(&mut self) {
        for (signal, old) in &self.previous {
            // SAFETY: restores the action saved by `install`.
            unsafe {
                libc::sigaction(*signal, old, std::ptr::null_mut());
            }
        }
    }
}
