//! A per-user stop signal: an atomic flag plus a wake-up, no lock shared between users.

use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Notify;

/// Tells one user to stop after its current task (and wakes it if it is waiting).
#[derive(Debug, Default)]
pub(crate) struct UserSignal {
    stopping: AtomicBool,
    busy: AtomicBool,
    notify: Notify,
}

impl UserSignal {
    /// Ask the user to stop.
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        // `notify_one` keeps a permit when nobody waits yet, so the wake-up cannot be lost.
        self.notify.notify_one();
    }

    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// Completes once `stop` has been called.
    pub(crate) async fn stopped(&self) {
        while !self.is_stopping() {
            self.notify.notified().await;
        }
    }

    /// Mark the user as inside a task (or `on_start`/`on_stop`) or not.
    pub(crate) fn set_busy(&self, busy: bool) {
        self.busy.store(busy, Ordering::Relaxed);
    }

    /// Whether the user is inside a task.
    pub(crate) fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Relaxed)
    }
}
