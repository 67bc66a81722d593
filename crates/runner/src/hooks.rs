//! Extension hooks: test start, test stop, and a listener for every request record.

use crate::record::RequestListener;
use crate::stats::{RequestRecord, StatsHub};
use std::sync::Arc;
use std::time::Duration;

/// What the start/stop hooks are told about the run.
#[derive(Debug, Clone)]
pub struct TestInfo {
    /// Target users at start.
    pub users: usize,
    /// User classes (after tag filtering).
    pub classes: Vec<String>,
    /// Time since the start (zero for the start hook).
    pub elapsed: Duration,
    /// The run's statistics, for hooks that record rows of their own (e.g. work left
    /// unfinished when the test stopped).
    pub stats: Arc<StatsHub>,
}

/// A start or stop hook.
pub type TestHook = Arc<dyn Fn(&TestInfo) + Send + Sync + 'static>;

/// The hooks of one run. Request listeners run on the recording path, so keep them quick.
///
/// ```
/// use milmove_runner::Hooks;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::sync::Arc;
/// let failures = Arc::new(AtomicU64::new(0));
/// let f = failures.clone();
/// let hooks = Hooks::default()
///     .on_test_start(|info| println!("starting {} users", info.users))
///     .on_request(move |r| if r.error.is_some() { f.fetch_add(1, Ordering::Relaxed); });
/// # let _ = hooks;
/// ```
#[derive(Clone, Default)]
pub struct Hooks {
    pub(crate) test_start: Vec<TestHook>,
    pub(crate) test_stop: Vec<TestHook>,
    pub(crate) request: Vec<RequestListener>,
}

impl Hooks {
    /// Called once when the test starts, before the first user.
    pub fn on_test_start(mut self, f: impl Fn(&TestInfo) + Send + Sync + 'static) -> Self {
        self.test_start.push(Arc::new(f));
        self
    }

    /// Called once when the test has stopped (all users ended), before reports are written.
    pub fn on_test_stop(mut self, f: impl Fn(&TestInfo) + Send + Sync + 'static) -> Self {
        self.test_stop.push(Arc::new(f));
        self
    }

    /// Called for every request record (successes and failures).
    pub fn on_request(mut self, f: impl Fn(&RequestRecord<'_>) + Send + Sync + 'static) -> Self {
        self.request.push(Arc::new(f));
        self
    }
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("test_start", &self.test_start.len())
            .field("test_stop", &self.test_stop.len())
            .field("request", &self.request.len())
            .finish()
    }
}
