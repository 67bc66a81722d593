//! Fault knobs for demos and for testing the load tester: added latency, an error rate and
//! periodic stalls. All are parsed from short strings so the binary and tests share one syntax.

use std::str::FromStr;
use std::time::{Duration, Instant};

use crate::SimError;

/// Latency added before every API response.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Latency {
    /// No added latency.
    #[default]
    None,
    /// Always the same delay: `fixed:50ms`.
    Fixed(Duration),
    /// Uniformly distributed between two bounds: `uniform:10ms..100ms`.
    Uniform(Duration, Duration),
    /// Log-normal with the given median and shape sigma: `lognormal:50ms,0.5`.
    LogNormal {
        /// Median delay (e^mu).
        median: Duration,
        /// Standard deviation of the underlying normal.
        sigma: f64,
    },
}

/// Periodic stall: for `length` out of every `period`, responses are held until the stall ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stall {
    /// How long each stall lasts.
    pub length: Duration,
    /// Time between stall starts.
    pub period: Duration,
}

/// Parses `250ms`, `1s`, `1.5s`, `800us`, `2m`.
pub fn parse_duration(text: &str) -> Result<Duration, SimError> {
    let t = text.trim();
    let bad = || SimError::Config(format!("bad duration {t:?} (use e.g. 50ms, 1s, 800us)"));
    let (num, unit) = t
        .find(|c: char| c.is_ascii_alphabetic())
        .map(|i| t.split_at(i))
        .ok_or_else(bad)?;
    let value: f64 = num.trim().parse().map_err(|_| bad())?;
    if !value.is_finite() || value < 0.0 {
        return Err(bad());
    }
    let secs = match unit {
        "us" => value / 1e6,
        "ms" => value / 1e3,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(bad()),
    };
    Ok(Duration::from_secs_f64(secs))
}

impl FromStr for Latency {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            SimError::Config(format!(
                "bad latency {s:?}: use none, fixed:50ms, uniform:10ms..100ms or lognormal:50ms,0.5"
            ))
        };
        if s == "none" {
            return Ok(Latency::None);
        }
        let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
        match kind {
            "fixed" => Ok(Latency::Fixed(parse_duration(rest)?)),
            "uniform" => {
                let (a, b) = rest.split_once("..").ok_or_else(bad)?;
                let (a, b) = (parse_duration(a)?, parse_duration(b)?);
                if a > b {
                    return Err(bad());
                }
                Ok(Latency::Uniform(a, b))
            }
            "lognormal" => {
                let (m, sd) = rest.split_once(',').ok_or_else(bad)?;
                let sigma: f64 = sd.trim().parse().map_err(|_| bad())?;
                if !sigma.is_finite() || sigma < 0.0 {
                    return Err(bad());
                }
                Ok(Latency::LogNormal {
                    median: parse_duration(m)?,
                    sigma,
                })
            }
            _ => Err(bad()),
        }
    }
}

impl FromStr for Stall {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || SimError::Config(format!("bad stall {s:?}: use LENGTH/PERIOD, e.g. 1s/10s"));
        let (a, b) = s.split_once('/').ok_or_else(bad)?;
        let (length, period) = (parse_duration(a)?, parse_duration(b)?);
        if period.is_zero() || length >= period {
            return Err(bad());
        }
        Ok(Stall { length, period })
    }
}

impl Latency {
    /// Draws one delay.
    pub fn sample(&self) -> Duration {
        match *self {
            Latency::None => Duration::ZERO,
            Latency::Fixed(d) => d,
            Latency::Uniform(a, b) => {
                if a == b {
                    a
                } else {
                    Duration::from_secs_f64(rand::random_range(a.as_secs_f64()..b.as_secs_f64()))
                }
            }
            Latency::LogNormal { median, sigma } => {
                // Box–Muller for a standard normal, then exp(mu + sigma * z).
                let u1: f64 = rand::random_range(f64::EPSILON..1.0);
                let u2: f64 = rand::random_range(0.0..1.0);
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                let secs = median.as_secs_f64() * (sigma * z).exp();
                Duration::from_secs_f64(secs.clamp(0.0, 600.0))
            }
        }
    }
}

/// All knobs together, applied by the request pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Knobs {
    /// Added latency.
    pub latency: Latency,
    /// Fraction (0..=1) of API requests answered with a 500 error.
    pub error_rate: f64,
    /// Optional periodic stall.
    pub stall: Option<Stall>,
}

impl Knobs {
    /// How long a request arriving now must wait: stall remainder plus sampled latency.
    pub fn delay(&self, started: Instant) -> Duration {
        let mut wait = self.latency.sample();
        if let Some(stall) = self.stall {
            let period = stall.period.as_nanos().max(1);
            let phase = started.elapsed().as_nanos() % period;
            let length = stall.length.as_nanos();
            if phase < length {
                wait += Duration::from_nanos((length - phase) as u64);
            }
        }
        wait
    }

    /// Whether this request should fail with an injected 500.
    pub fn inject_error(&self) -> bool {
        self.error_rate > 0.0 && rand::random_bool(self.error_rate.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_latency_and_stall() {
        assert_eq!(
            "fixed:50ms".parse::<Latency>().unwrap(),
            Latency::Fixed(Duration::from_millis(50))
        );
        assert!(matches!(
            "uniform:10ms..20ms".parse::<Latency>().unwrap(),
            Latency::Uniform(_, _)
        ));
        assert!("lognormal:5ms,0.5".parse::<Latency>().is_ok());
        assert!("uniform:20ms..10ms".parse::<Latency>().is_err());
        assert!("fast".parse::<Latency>().is_err());
        let s: Stall = "1s/10s".parse().unwrap();
        assert_eq!(s.length, Duration::from_secs(1));
        assert!("10s/1s".parse::<Stall>().is_err());
        assert!(parse_duration("x").is_err());
    }

    #[test]
    fn samples_stay_in_bounds() {
        let u = Latency::Uniform(Duration::from_millis(1), Duration::from_millis(2));
        for _ in 0..100 {
            let d = u.sample();
            assert!(d >= Duration::from_millis(1) && d <= Duration::from_millis(2));
        }
        let l = Latency::LogNormal {
            median: Duration::from_millis(10),
            sigma: 0.3,
        };
        let mut v: Vec<Duration> = (0..401).map(|_| l.sample()).collect();
        v.sort();
        let median = v[200].as_secs_f64();
        assert!(median > 0.007 && median < 0.014, "median {median}");
    }

    #[test]
    fn stall_delays_only_inside_window() {
        let knobs = Knobs {
            stall: Some(Stall {
                length: Duration::from_secs(1),
                period: Duration::from_secs(3600),
            }),
            ..Knobs::default()
        };
        let d = knobs.delay(Instant::now());
        assert!(d > Duration::from_millis(900) && d <= Duration::from_secs(1));
        let old = Instant::now() - Duration::from_secs(2);
        assert_eq!(knobs.delay(old), Duration::ZERO);
    }
}
