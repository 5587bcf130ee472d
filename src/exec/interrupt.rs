//! Ctrl-C and SIGTERM while child processes run: the driver stops its trials' process
//! groups, journals nothing half-done, and returns; a rerun resumes. Installed only for
//! the duration of a run that spawns processes, and restored afterwards.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Set by the signal handler; read by the guard's owner.
static SIGNALLED: AtomicBool = AtomicBool::new(false);
/// Guards alive: a guard installed inside another keeps a signal the outer one caught.
static ALIVE: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_signal(_signal: libc::c_int) {
    SIGNALLED.store(true, Ordering::SeqCst);
}

/// While alive, SIGINT and SIGTERM set a flag instead of ending the process.
pub struct InterruptGuard {
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

impl InterruptGuard {
    /// Installs the handlers (SIGINT, SIGTERM). The outermost guard starts with no signal
    /// seen; one installed inside it sees what arrived before (a cluster worker installs one
    /// before it loads its study, the run inside it another).
    pub fn install() -> InterruptGuard {
        if ALIVE.fetch_add(1, Ordering::SeqCst) == 0 {
            SIGNALLED.store(false, Ordering::SeqCst);
        }
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
        ALIVE.fetch_sub(1, Ordering::SeqCst);
        for (signal, old) in &self.previous {
            // SAFETY: restores the action saved by `install`.
            unsafe {
                libc::sigaction(*signal, old, std::ptr::null_mut());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guard_inside_another_keeps_a_signal_that_came_before_it() {
        let outer = InterruptGuard::install();
        assert!(!outer.signalled());
        // SAFETY: raising SIGTERM runs the handler installed above, which only stores a flag.
        unsafe {
            libc::raise(libc::SIGTERM);
        }
        assert!(outer.signalled());
        let inner = InterruptGuard::install();
        assert!(inner.signalled(), "the inner guard must see the signal the outer one caught");
        drop(inner);
        drop(outer);
        let fresh = InterruptGuard::install();
        assert!(!fresh.signalled(), "a new outermost guard starts clean");
    }
}
