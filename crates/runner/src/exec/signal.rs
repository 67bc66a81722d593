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

/// Which stop signal arrived.
pub(crate) enum StopSignal {
    /// SIGINT / Ctrl-C.
    Interrupt,
    /// SIGTERM.
    Terminate,
}

/// SIGINT (Ctrl-C) and SIGTERM listeners, installed once so no signal is lost between polls.
pub(crate) struct Signals {
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    #[cfg(unix)]
    pub(crate) fn install() -> Self {
        use tokio::signal::unix::{signal, SignalKind};
        Self {
            int: signal(SignalKind::interrupt()).ok(),
            term: signal(SignalKind::terminate()).ok(),
        }
    }

    #[cfg(not(unix))]
    pub(crate) fn install() -> Self {
        Self {}
    }

    #[cfg(unix)]
    pub(crate) async fn next(&mut self) -> StopSignal {
        async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
            let received = match s {
                Some(s) => s.recv().await.is_some(),
                None => false,
            };
            if !received {
                std::future::pending::<()>().await;
            }
        }
        tokio::select! {
            _ = recv(&mut self.int) => StopSignal::Interrupt,
            _ = recv(&mut self.term) => StopSignal::Terminate,
        }
    }

    #[cfg(not(unix))]
    pub(crate) async fn next(&mut self) -> StopSignal {
        match tokio::signal::ctrl_c().await {
            Ok(()) => StopSignal::Interrupt,
            Err(_) => std::future::pending().await,
        }
    }
}
