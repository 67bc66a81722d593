//! Wait times between tasks, as Locust's `between`, `constant`, `constant_pacing` and
//! `constant_throughput`.

use rand::RngExt;
use std::time::Duration;

/// How long a user waits after each task.
///
/// ```
/// use milmove_runner::Wait;
/// use std::time::Duration;
/// let w = Wait::between(0.5, 1.0);
/// let mut rng = milmove_runner::seeded_rng(7);
/// let d = w.next_wait(&mut rng, Duration::ZERO);
/// assert!(d >= Duration::from_millis(500) && d <= Duration::from_secs(1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Wait {
    /// A uniformly random wait in `[min, max]` seconds.
    Between {
        /// Shortest wait, seconds.
        min: f64,
        /// Longest wait, seconds.
        max: f64,
    },
    /// Always the same wait, seconds.
    Constant(f64),
    /// Start a task every `period` seconds: the wait is `period` minus the time the task took
    /// (never negative).
    Pacing(f64),
}

impl Default for Wait {
    /// No wait at all (`constant(0)`).
    fn default() -> Self {
        Wait::Constant(0.0)
    }
}

impl Wait {
    /// A random wait in `[min, max]` seconds (swapped if given backwards; negatives and
    /// non-numbers become 0; anything above 10⁹ s is clamped to it — true of every constructor).
    pub fn between(min: f64, max: f64) -> Self {
        let (a, b) = (clean(min), clean(max));
        let (min, max) = if a <= b { (a, b) } else { (b, a) };
        Wait::Between { min, max }
    }

    /// The same wait every time, in seconds.
    pub fn constant(seconds: f64) -> Self {
        Wait::Constant(clean(seconds))
    }

    /// Start a task every `seconds` whatever the task took (the wait is the rest of the period).
    pub fn constant_pacing(seconds: f64) -> Self {
        Wait::Pacing(clean(seconds))
    }

    /// At most `per_second` task starts per second per user (`constant_pacing(1 / per_second)`).
    /// Zero or negative means no limit.
    pub fn constant_throughput(per_second: f64) -> Self {
        if per_second > 0.0 && per_second.is_finite() {
            Wait::constant_pacing(1.0 / per_second)
        } else {
            Wait::Pacing(0.0)
        }
    }

    /// The wait after a task that took `task_elapsed`.
    pub fn next_wait<R: rand::Rng + ?Sized>(
        &self,
        rng: &mut R,
        task_elapsed: Duration,
    ) -> Duration {
        match *self {
            Wait::Between { min, max } => {
                if max > min && max.is_finite() && min.is_finite() {
                    secs(rng.random_range(min..=max))
                } else {
                    secs(min)
                }
            }
            Wait::Constant(s) => secs(s),
            Wait::Pacing(period) => secs(period).saturating_sub(task_elapsed),
        }
    }

    /// Whether this wait is always zero (then the user never sleeps between tasks).
    pub fn is_zero(&self) -> bool {
        matches!(*self, Wait::Constant(s) | Wait::Pacing(s) if s == 0.0)
            || matches!(*self, Wait::Between { max, .. } if max == 0.0)
    }
}

impl std::str::FromStr for Wait {
    type Err = String;

    /// Parses `0`, `1.5` (constant seconds) or `0.5..1.0` (between), as the examples' `--wait`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let num = |t: &str| -> Result<f64, String> {
            let v: f64 = t
                .trim()
                .parse()
                .map_err(|_| format!("invalid wait `{s}`: `{t}` is not a number of seconds"))?;
            if !v.is_finite() || v < 0.0 {
                return Err(format!("invalid wait `{s}`: seconds must be >= 0"));
            }
            Ok(v)
        };
        match s.split_once("..") {
            Some((a, b)) => Ok(Wait::between(num(a)?, num(b.trim_start_matches('='))?)),
            None => Ok(Wait::constant(num(s)?)),
        }
    }
}

/// Longest wait in seconds (about 31 years); longer values are clamped to it.
const MAX_WAIT_SECS: f64 = 1e9;

/// Seconds as a duration, for variants built by hand too (clamped like the constructors).
fn secs(seconds: f64) -> Duration {
    Duration::from_secs_f64(clean(seconds))
}

fn clean(seconds: f64) -> f64 {
    if seconds.is_finite() && seconds > 0.0 {
        seconds.min(MAX_WAIT_SECS)
    } else {
        0.0
    }
}
