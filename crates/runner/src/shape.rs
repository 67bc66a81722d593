//! Load shapes: the user count and spawn rate as a function of time.
//!
//! [`Stages`] covers the common case (from `--stages` or the config file); implement
//! [`LoadShape`] for anything else.

use std::str::FromStr;
use std::time::Duration;

/// What a shape asks for at a given moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShapeTick {
    /// Target number of users.
    pub users: usize,
    /// Users started (or stopped) per second on the way to the target.
    pub spawn_rate: f64,
}

/// A custom load shape (Locust's `LoadTestShape`): asked about ten times per second.
///
/// ```
/// use milmove_runner::{LoadShape, ShapeTick};
/// use std::time::Duration;
/// /// 10 users for a minute, then 50, then stop after 3 minutes.
/// struct StepUp;
/// impl LoadShape for StepUp {
///     fn tick(&mut self, elapsed: Duration, _users: usize) -> Option<ShapeTick> {
///         match elapsed.as_secs() {
///             0..=59 => Some(ShapeTick { users: 10, spawn_rate: 10.0 }),
///             60..=179 => Some(ShapeTick { users: 50, spawn_rate: 5.0 }),
///             _ => None,
///         }
///     }
/// }
/// ```
pub trait LoadShape: Send + 'static {
    /// The target at `elapsed` since the start (`users` = users running now); `None` ends the test.
    fn tick(&mut self, elapsed: Duration, users: usize) -> Option<ShapeTick>;
}

/// One stage: ramp to `users` at `spawn_rate`, and stay for `duration` (counted from the
/// stage's start).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct Stage {
    /// Target users.
    pub users: usize,
    /// Spawn rate (users/s).
    #[serde(alias = "spawn-rate")]
    pub spawn_rate: f64,
    /// How long the stage lasts.
    #[serde(with = "humantime_serde_compat")]
    pub duration: Duration,
}

/// A sequence of stages; the test ends after the last one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stages(pub Vec<Stage>);

impl Stages {
    /// Total duration of all stages.
    pub fn total(&self) -> Duration {
        self.0.iter().map(|s| s.duration).sum()
    }
}

impl LoadShape for Stages {
    fn tick(&mut self, elapsed: Duration, _users: usize) -> Option<ShapeTick> {
        let mut end = Duration::ZERO;
        for s in &self.0 {
            end += s.duration;
            if elapsed < end {
                return Some(ShapeTick {
                    users: s.users,
                    spawn_rate: s.spawn_rate,
                });
            }
        }
        None
    }
}

impl FromStr for Stages {
    type Err = String;

    /// Parses `USERS:RATE:DURATION` stages separated by commas, e.g. `10:5:30s,50:10:2m,0:50:10s`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut stages = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let fields: Vec<&str> = part.split(':').collect();
            let [users, rate, duration] = fields.as_slice() else {
                return Err(format!(
                    "invalid stage `{part}`: expected USERS:SPAWN_RATE:DURATION, e.g. 10:5:30s"
                ));
            };
            let users = users
                .trim()
                .parse()
                .map_err(|_| format!("invalid stage `{part}`: `{users}` is not a user count"))?;
            let spawn_rate: f64 = rate
                .trim()
                .parse()
                .map_err(|_| format!("invalid stage `{part}`: `{rate}` is not a spawn rate"))?;
            if !(spawn_rate > 0.0 && spawn_rate.is_finite()) {
                return Err(format!("invalid stage `{part}`: spawn rate must be > 0"));
            }
            let duration = crate::config::parse_duration(duration)
                .map_err(|e| format!("invalid stage `{part}`: {e}"))?;
            stages.push(Stage {
                users,
                spawn_rate,
                duration,
            });
        }
        if stages.is_empty() {
            return Err("no stage given".to_string());
        }
        Ok(Stages(stages))
    }
}

/// Serde helper: durations as `"30s"`, `"5m"` strings or plain seconds.
mod humantime_serde_compat {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_duration(*d).to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Secs(f64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Secs(s) => {
                crate::config::parse_duration(&s.to_string()).map_err(serde::de::Error::custom)
            }
            Raw::Text(t) => crate::config::parse_duration(&t).map_err(serde::de::Error::custom),
        }
    }
}
