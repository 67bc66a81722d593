//! Merge config file < environment < command line into the settings of one run.

use super::file::{ConfigFile, DurationValue, StagesValue};
use super::{parse_duration, RunnerArgs};
use crate::control::{MetricsOptions, WebOptions};
use crate::error::RunnerError;
use crate::exec::runner::RunConfig;
use crate::filter::TagFilter;
use crate::http::ClientSettings;
use crate::shape::Stages;
use crate::stats::StatsConfig;
use std::path::PathBuf;
use std::time::Duration;

/// What to print and write (everything except how to run).
#[derive(Debug, Clone)]
pub struct OutputOptions {
    /// `--headless`.
    pub headless: bool,
    /// `--csv PREFIX`.
    pub csv: Option<PathBuf>,
    /// `--csv-full-history`.
    pub csv_full_history: bool,
    /// `--json FILE`.
    pub json: Option<PathBuf>,
    /// `--only-summary`.
    pub only_summary: bool,
    /// `--threshold` expressions (validated).
    pub thresholds: Vec<String>,
    /// `--exit-code-on-error` (default 1).
    pub exit_code_on_error: i32,
    /// `-L/--loglevel` (default `info`).
    pub loglevel: String,
    /// `--logfile`.
    pub logfile: Option<PathBuf>,
    /// Seconds between console tables.
    pub print_interval: Duration,
    /// `--html FILE`.
    pub html: Option<PathBuf>,
    /// Time between statistics samples (1 s; shorter only in benchmarks).
    pub sample_interval: Duration,
    /// The web UI (used unless `headless`).
    pub web: WebOptions,
    /// The metrics port (`--metrics-port`), when given.
    pub metrics: Option<MetricsOptions>,
}

/// The resolved settings of one run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How to run.
    pub run: RunConfig,
    /// Reports and console.
    pub output: OutputOptions,
    /// `--stages`, when given (then it drives users, spawn rate and the end).
    pub stages: Option<Stages>,
}

fn duration(field: &str, v: Option<String>) -> Result<Option<Duration>, RunnerError> {
    v.map(|t| parse_duration(&t).map_err(|e| RunnerError::Config(format!("--{field}: {e}"))))
        .transpose()
}

fn text(v: Option<DurationValue>) -> Option<String> {
    v.map(|d| d.to_text())
}

impl Settings {
    /// Resolve `args` (command line + environment, as clap parsed them) over the config file
    /// named by `--config` (if any).
    pub fn resolve(args: &RunnerArgs) -> Result<Self, RunnerError> {
        let file = match &args.config {
            Some(path) => ConfigFile::load(path)?,
            None => ConfigFile::default(),
        };
        Self::merge(args, file)
    }

    /// Merge already-parsed arguments over an already-parsed config file.
    pub fn merge(args: &RunnerArgs, file: ConfigFile) -> Result<Self, RunnerError> {
        let a = args.clone();
        let headless = a.headless || file.headless.unwrap_or(false);
        let web = web_options(&a, &file, headless)?;
        let metrics = super::metrics::metrics_options(&a, &file, web.login.as_ref())?;
        let users = a.users.or(file.users).unwrap_or(1);
        let spawn_rate = a.spawn_rate.or(file.spawn_rate).unwrap_or(1.0);
        if !(spawn_rate > 0.0 && spawn_rate.is_finite()) {
            return Err(RunnerError::Config(format!(
                "--spawn-rate must be > 0, got {spawn_rate}"
            )));
        }
        let run_time = duration("run-time", a.run_time.or(text(file.run_time)))?;
        let stop_timeout = duration("stop-timeout", a.stop_timeout.or(text(file.stop_timeout)))?
            .unwrap_or_default();
        let request_timeout = duration(
            "request-timeout",
            a.request_timeout.or(text(file.request_timeout)),
        )?;
        let connect_timeout = duration(
            "connect-timeout",
            a.connect_timeout.or(text(file.connect_timeout)),
        )?;
        let pick_list = |cli: Vec<String>, f: Option<Vec<String>>| -> Vec<String> {
            let v = if cli.is_empty() {
                f.unwrap_or_default()
            } else {
                cli
            };
            v.into_iter()
                .flat_map(|s| {
                    s.split(',')
                        .map(|t| t.trim().to_string())
                        .collect::<Vec<_>>()
                })
                .filter(|s| !s.is_empty())
                .collect()
        };
        let tags = pick_list(a.tags, file.tags);
        let exclude = pick_list(a.exclude_tags, file.exclude_tags);
        let stages = match (a.stages, file.stages) {
            (Some(t), _) | (None, Some(StagesValue::Text(t))) => Some(
                t.parse::<Stages>()
                    .map_err(|e| RunnerError::Config(format!("--stages: {e}")))?,
            ),
            (None, Some(StagesValue::List(list))) if !list.is_empty() => Some(Stages(list)),
            _ => None,
        };
        let arrival_rate = a.arrival_rate.or(file.arrival_rate);
        if let Some(r) = arrival_rate {
            if !(r > 0.0 && r.is_finite()) {
                return Err(RunnerError::Config(format!(
                    "--arrival-rate must be > 0 iterations/s, got {r}"
                )));
            }
        }
        let defaults = ClientSettings::default();
        let client = ClientSettings {
            request_timeout: request_timeout.or(defaults.request_timeout),
            connect_timeout: connect_timeout.or(defaults.connect_timeout),
            pool_max_idle_per_host: None,
            insecure: a.insecure || file.insecure.unwrap_or(false),
            idle_timeout: defaults.idle_timeout,
        };
        let csv_full_history = a.csv_full_history || file.csv_full_history.unwrap_or(false);
        let run = RunConfig {
            host: a.host.or(file.host),
            users,
            spawn_rate,
            run_time,
            stop_timeout,
            tags: TagFilter::new(tags, exclude),
            reset_stats: a.reset_stats || file.reset_stats.unwrap_or(false),
            arrival_rate,
            client,
            seed: a.seed.or(file.seed),
            stats: StatsConfig {
                full_history: csv_full_history,
                ..StatsConfig::default()
            },
        };
        let thresholds = if a.thresholds.is_empty() {
            file.threshold.unwrap_or_default()
        } else {
            a.thresholds
        };
        for t in &thresholds {
            t.parse::<crate::threshold::Threshold>()
                .map_err(|e| RunnerError::Config(format!("--threshold `{t}`: {e}")))?;
        }
        let print_interval = a.print_interval.or(file.print_interval).unwrap_or(2.0);
        let print_interval = Duration::try_from_secs_f64(print_interval)
            .ok()
            .filter(|d| !d.is_zero() && *d <= super::MAX_DURATION)
            .ok_or_else(|| {
                RunnerError::Config(format!(
                    "--print-interval must be > 0 and at most 100 years, got {print_interval}"
                ))
            })?;
        let sample_interval = match a.sample_interval {
            None => Duration::from_secs(1),
            Some(s) => Duration::try_from_secs_f64(s)
                .ok()
                .filter(|d| *d >= Duration::from_millis(1) && *d <= super::MAX_DURATION)
                .ok_or_else(|| {
                    RunnerError::Config(format!(
                        "--sample-interval must be at least 0.001 s, got {s}"
                    ))
                })?,
        };
        let output = OutputOptions {
            headless,
            sample_interval,
            html: a.html.or(file.html),
            web,
            metrics,
            csv: a.csv.or(file.csv),
            csv_full_history,
            json: a.json.or(file.json),
            only_summary: a.only_summary || file.only_summary.unwrap_or(false),
            thresholds,
            exit_code_on_error: a
                .exit_code_on_error
                .or(file.exit_code_on_error)
                .unwrap_or(1),
            loglevel: a
                .loglevel
                .or(file.loglevel)
                .unwrap_or_else(|| "info".into()),
            logfile: a.logfile.or(file.logfile),
            print_interval,
        };
        Ok(Self {
            run,
            output,
            stages,
        })
    }
}

/// The web UI's options; binding a non-loopback address without a login is refused.
fn web_options(
    a: &RunnerArgs,
    file: &ConfigFile,
    headless: bool,
) -> Result<WebOptions, RunnerError> {
    let host = a
        .web_host
        .clone()
        .or_else(|| file.web_host.clone())
        .unwrap_or_else(|| "127.0.0.1".to_string());
    let login = parse_login("web-login", a.web_login.as_deref())?;
    if !headless && login.is_none() && !is_loopback(&host) {
        return Err(RunnerError::Config(format!(
            "refusing to serve the web UI on `{host}` without authentication: give --web-login \
             USER:PASSWORD (or MILMOVE_LOAD_WEB_LOGIN), or bind 127.0.0.1"
        )));
    }
    let autoquit = match a.autoquit.or(file.autoquit) {
        Some(s) => Some(
            Duration::try_from_secs_f64(s)
                .ok()
                .filter(|d| *d <= super::MAX_DURATION)
                .ok_or_else(|| {
                    RunnerError::Config(format!("--autoquit must be >= 0 seconds, got {s}"))
                })?,
        ),
        None => None,
    };
    let base_path = a
        .web_base_path
        .clone()
        .or_else(|| file.web_base_path.clone())
        .unwrap_or_default();
    let base_path = base_path.trim().trim_end_matches('/').to_string();
    let base_path = if base_path.is_empty() || base_path.starts_with('/') {
        base_path
    } else {
        format!("/{base_path}")
    };
    if base_path
        .chars()
        .any(|c| c.is_whitespace() || c == '?' || c == '#')
    {
        return Err(RunnerError::Config(format!(
            "--web-base-path `{base_path}` must be a plain path such as /load"
        )));
    }
    Ok(WebOptions {
        host,
        port: a.web_port.or(file.web_port).unwrap_or(8089),
        autostart: a.autostart || file.autostart.unwrap_or(false),
        autoquit,
        base_path,
        login,
    })
}

/// Parses a `USER:PASSWORD` flag value (`flag` names it in errors).
pub(super) fn parse_login(
    flag: &str,
    text: Option<&str>,
) -> Result<Option<(String, String)>, RunnerError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let (user, password) = text
        .split_once(':')
        .ok_or_else(|| RunnerError::Config(format!("--{flag} must be USER:PASSWORD")))?;
    if user.is_empty() || password.is_empty() {
        return Err(RunnerError::Config(format!(
            "--{flag} must be USER:PASSWORD with neither part empty"
        )));
    }
    Ok(Some((user.to_string(), password.to_string())))
}

/// Whether `host` names a loopback address (`127.x.x.x`, `::1`, `localhost`).
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
