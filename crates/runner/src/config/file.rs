//! The `--config` TOML file: the same settings as the flags, keyed by long flag name.

use crate::error::RunnerError;
use crate::shape::Stage;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A duration written as `"90s"`/`"5m"` or as a number of seconds.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum DurationValue {
    /// Seconds.
    Seconds(f64),
    /// Text such as `90s`.
    Text(String),
}

impl DurationValue {
    pub(crate) fn to_text(&self) -> String {
        match self {
            DurationValue::Seconds(s) => s.to_string(),
            DurationValue::Text(t) => t.clone(),
        }
    }
}

/// Stages as a table list (`[[stages]] users = 10 ...`) or as the `--stages` string.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum StagesValue {
    /// `[[stages]]` tables.
    List(Vec<Stage>),
    /// `"10:5:30s,50:10:2m"`.
    Text(String),
}

/// Contents of the config file. Unknown keys are an error (typos do not pass silently).
///
/// ```toml
/// host = "http://127.0.0.1:8080"
/// users = 50
/// spawn-rate = 10
/// run-time = "5m"
/// headless = true
/// tags = ["prime"]
/// threshold = ["p95<500ms", "fail_ratio<0.01"]
/// [[stages]]
/// users = 10
/// spawn-rate = 5
/// duration = "30s"
/// [app]          # read by the application, not by the runner
/// too-user-weight = 2
/// ```
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ConfigFile {
    pub host: Option<String>,
    pub users: Option<usize>,
    #[serde(alias = "spawn_rate")]
    pub spawn_rate: Option<f64>,
    #[serde(alias = "run_time")]
    pub run_time: Option<DurationValue>,
    pub headless: Option<bool>,
    #[serde(alias = "web_host")]
    pub web_host: Option<String>,
    #[serde(alias = "web_port")]
    pub web_port: Option<u16>,
    pub autostart: Option<bool>,
    pub autoquit: Option<f64>,
    #[serde(alias = "web_base_path")]
    pub web_base_path: Option<String>,
    #[serde(alias = "metrics_host")]
    pub metrics_host: Option<String>,
    #[serde(alias = "metrics_port")]
    pub metrics_port: Option<u16>,
    pub html: Option<PathBuf>,
    #[serde(alias = "stop_timeout")]
    pub stop_timeout: Option<DurationValue>,
    pub tags: Option<Vec<String>>,
    #[serde(alias = "exclude_tags")]
    pub exclude_tags: Option<Vec<String>>,
    pub csv: Option<PathBuf>,
    #[serde(alias = "csv_full_history")]
    pub csv_full_history: Option<bool>,
    pub json: Option<PathBuf>,
    #[serde(alias = "only_summary")]
    pub only_summary: Option<bool>,
    #[serde(alias = "reset_stats")]
    pub reset_stats: Option<bool>,
    #[serde(alias = "thresholds")]
    pub threshold: Option<Vec<String>>,
    #[serde(alias = "exit_code_on_error")]
    pub exit_code_on_error: Option<i32>,
    pub loglevel: Option<String>,
    pub logfile: Option<PathBuf>,
    pub stages: Option<StagesValue>,
    #[serde(alias = "arrival_rate")]
    pub arrival_rate: Option<f64>,
    pub seed: Option<u64>,
    #[serde(alias = "request_timeout")]
    pub request_timeout: Option<DurationValue>,
    #[serde(alias = "connect_timeout")]
    pub connect_timeout: Option<DurationValue>,
    pub insecure: Option<bool>,
    #[serde(alias = "print_interval")]
    pub print_interval: Option<f64>,
    /// `[app]`: settings of the application built on the runner (e.g. the MilMove apps'
    /// class weights and lifecycle flows). The runner does not read them; the application does.
    pub app: Option<toml::Table>,
}

impl ConfigFile {
    /// Read and parse a config file.
    pub fn load(path: &Path) -> Result<Self, RunnerError> {
        let text = std::fs::read_to_string(path).map_err(|e| RunnerError::ConfigFile {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Self::parse(&text).map_err(|message| RunnerError::ConfigFile {
            path: path.display().to_string(),
            message,
        })
    }

    /// Parse config text.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
}
