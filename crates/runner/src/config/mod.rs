//! Command-line arguments, the TOML config file, environment variables, and their merge
//! (config file < environment < command line).

mod args;
mod file;
mod metrics;
mod resolve;

pub use args::RunnerArgs;
pub use file::ConfigFile;
pub use resolve::{is_loopback, OutputOptions, Settings};

use std::time::Duration;

/// The prefix of every environment variable (`MILMOVE_LOAD_USERS`, `MILMOVE_LOAD_HOST`, ...).
pub const ENV_PREFIX: &str = "MILMOVE_LOAD_";

/// Parse a duration as Locust does (`90s`, `5m`, `1h30m`, `2h`; a bare number is seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration".to_string());
    }
    let d = if let Ok(secs) = t.parse::<f64>() {
        if !(secs >= 0.0 && secs.is_finite()) {
            return Err(format!("invalid duration `{t}`: must be >= 0"));
        }
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
    } else {
        humantime::parse_duration(t)
            .map_err(|e| format!("invalid duration `{t}` ({e}); use e.g. 90s, 5m, 1h30m"))?
    };
    if d > MAX_DURATION {
        return Err(format!("invalid duration `{t}`: longer than 100 years"));
    }
    Ok(d)
}

/// The longest duration [`parse_duration`] accepts (100 years), so that adding it to a clock
/// reading can never overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
