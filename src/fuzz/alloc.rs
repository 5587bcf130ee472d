//! The test binary's allocator: the system allocator, plus a per-thread record of the
//! largest single request and the bytes requested while a fuzz input runs on that thread.
//! A parser that lets a length or count read from its input size an allocation shows up here
//! as one huge request, whatever it then does with it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, watched while [`Watch`] is active on the allocating thread.
pub(super) struct Counting;

thread_local! {
    // `const` thread-locals without a destructor never allocate, so reading them inside the
    // allocator cannot recurse.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    if ACTIVE.with(Cell::get) {
        LARGEST.with(|l| l.set(l.get().max(size)));
        TOTAL.with(|t| t.set(t.get().saturating_add(size)));
    }
}

// SAFETY: every call is forwarded unchanged to `System`; the bookkeeping touches only
// const thread-locals of plain integers.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: forwarded with the caller's pointer, layout and size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// What one input allocated on the fuzzing thread.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Allocated {
    /// The largest single request, in bytes.
    pub largest: usize,
    /// Every request added up (reallocations count their new size), in bytes.
    pub total: usize,
}

/// Watches this thread's allocations from `start` to `stop`.
pub(super) struct Watch;

impl Watch {
    pub fn start() -> Watch {
        LARGEST.with(|l| l.set(0));
        TOTAL.with(|t| t.set(0));
        ACTIVE.with(|a| a.set(true));
        Watch
    }

    pub fn stop(self) -> Allocated {
        ACTIVE.with(|a| a.set(false));
        Allocated { largest: LARGEST.with(Cell::get), total: TOTAL.with(Cell::get) }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.set(false));
    }
}
