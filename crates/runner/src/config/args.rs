//! The standard command-line flags (Locust's names), flattenable into an app's own CLI.

use clap::Args;
use std::path::PathBuf;

/// Every standard flag. Each can also come from an environment variable `MILMOVE_LOAD_<NAME>`
/// (e.g. `MILMOVE_LOAD_USERS=50`) or from the `--config` TOML file; the command line wins over
/// the environment, which wins over the file.
///
/// Flatten it into an app's parser:
/// ```
/// use clap::Parser;
/// #[derive(Parser)]
/// struct Cli {
///     #[command(flatten)]
///     runner: milmove_runner::config::RunnerArgs,
///     /// An app-specific flag.
///     #[arg(long)]
///     wait: Option<String>,
/// }
/// let cli = Cli::parse_from(["app", "-u", "20", "-r", "5", "-t", "90s", "--headless"]);
/// assert_eq!(cli.runner.users, Some(20));
/// ```
#[derive(Debug, Clone, Default, Args)]
pub struct RunnerArgs {
    /// Host to load test, e.g. http://127.0.0.1:8080 (for classes without their own host).
    #[arg(short = 'H', long, env = "MILMOVE_LOAD_HOST")]
    pub host: Option<String>,

    /// Peak number of concurrent users [default: 1].
    #[arg(short = 'u', long, env = "MILMOVE_LOAD_USERS")]
    pub users: Option<usize>,

    /// Users started per second [default: 1].
    #[arg(short = 'r', long = "spawn-rate", env = "MILMOVE_LOAD_SPAWN_RATE")]
    pub spawn_rate: Option<f64>,

    /// Stop after this long, e.g. 90s, 5m, 1h30m [default: until Ctrl-C].
    #[arg(short = 't', long = "run-time", env = "MILMOVE_LOAD_RUN_TIME")]
    pub run_time: Option<String>,

    /// Run without the web UI: start the test at once, print stats tables to the console, exit
    /// when it ends. Without it the web UI is served (see --web-host, --web-port).
    #[arg(long, env = "MILMOVE_LOAD_HEADLESS")]
    pub headless: bool,

    /// Address the web UI binds [default: 127.0.0.1]; any other address needs --web-login.
    #[arg(long = "web-host", env = "MILMOVE_LOAD_WEB_HOST")]
    pub web_host: Option<String>,

    /// Port of the web UI [default: 8089; 0 = any free port].
    #[arg(long = "web-port", env = "MILMOVE_LOAD_WEB_PORT")]
    pub web_port: Option<u16>,

    /// With the web UI: start the test at once with the command line's parameters.
    #[arg(long, env = "MILMOVE_LOAD_AUTOSTART")]
    pub autostart: bool,

    /// With the web UI: quit this many seconds after a test ends.
    #[arg(long, value_name = "SECONDS", env = "MILMOVE_LOAD_AUTOQUIT")]
    pub autoquit: Option<f64>,

    /// Path prefix of the web UI behind a reverse proxy or port-forward, e.g. /load.
    #[arg(
        long = "web-base-path",
        value_name = "PATH",
        env = "MILMOVE_LOAD_WEB_BASE_PATH"
    )]
    pub web_base_path: Option<String>,

    /// Basic-authentication login for the web UI, USER:PASSWORD (required to bind a
    /// non-loopback address).
    #[arg(
        long = "web-login",
        value_name = "USER:PASSWORD",
        env = "MILMOVE_LOAD_WEB_LOGIN",
        hide_env_values = true
    )]
    pub web_login: Option<String>,

    /// Serve Prometheus metrics (/metrics) and the health checks (/healthz, /readyz) on this
    /// port as well [0 = any free port]. The web UI serves them on its own port anyway.
    #[arg(long = "metrics-port", env = "MILMOVE_LOAD_METRICS_PORT")]
    pub metrics_port: Option<u16>,

    /// Address the metrics port binds [default: 127.0.0.1]; any other address needs
    /// --metrics-login (or --web-login).
    #[arg(long = "metrics-host", env = "MILMOVE_LOAD_METRICS_HOST")]
    pub metrics_host: Option<String>,

    /// Basic-authentication login for /metrics on the metrics port, USER:PASSWORD [default:
    /// the --web-login]. /healthz and /readyz need none.
    #[arg(
        long = "metrics-login",
        value_name = "USER:PASSWORD",
        env = "MILMOVE_LOAD_METRICS_LOGIN",
        hide_env_values = true
    )]
    pub metrics_login: Option<String>,

    /// Write a self-contained HTML report (statistics, charts, thresholds) when the test ends.
    #[arg(long, value_name = "FILE", env = "MILMOVE_LOAD_HTML")]
    pub html: Option<PathBuf>,

    /// At stop, let tasks in flight finish for this long before cutting them, e.g. 10s [default: 0].
    #[arg(long = "stop-timeout", env = "MILMOVE_LOAD_STOP_TIMEOUT")]
    pub stop_timeout: Option<String>,

    /// Only run tasks with at least one of these tags (comma-separated or repeated).
    #[arg(short = 'T', long, value_delimiter = ',', num_args = 1.., env = "MILMOVE_LOAD_TAGS")]
    pub tags: Vec<String>,

    /// Never run tasks with any of these tags (wins over --tags).
    #[arg(short = 'E', long = "exclude-tags", value_delimiter = ',', num_args = 1.., env = "MILMOVE_LOAD_EXCLUDE_TAGS")]
    pub exclude_tags: Vec<String>,

    /// Write Locust's CSV files PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv,
    /// PREFIX_exceptions.csv.
    #[arg(long, value_name = "PREFIX", env = "MILMOVE_LOAD_CSV")]
    pub csv: Option<PathBuf>,

    /// Add per-endpoint rows to PREFIX_stats_history.csv.
    #[arg(long = "csv-full-history", env = "MILMOVE_LOAD_CSV_FULL_HISTORY")]
    pub csv_full_history: bool,

    /// Write a JSON summary (per-endpoint counts, percentiles in µs, failures, thresholds).
    #[arg(long, value_name = "FILE", env = "MILMOVE_LOAD_JSON")]
    pub json: Option<PathBuf>,

    /// Print only the final summary, not the periodic table.
    #[arg(long = "only-summary", env = "MILMOVE_LOAD_ONLY_SUMMARY")]
    pub only_summary: bool,

    /// Reset statistics once all users are spawned.
    #[arg(long = "reset-stats", env = "MILMOVE_LOAD_RESET_STATS")]
    pub reset_stats: bool,

    /// A pass/fail criterion, repeatable: p95<500ms, p99<1s, fail_ratio<0.01, rps>100,
    /// "GET /moves:p95<300ms".
    #[arg(
        long = "threshold",
        value_name = "EXPR",
        env = "MILMOVE_LOAD_THRESHOLD",
        value_delimiter = ';'
    )]
    pub thresholds: Vec<String>,

    /// Exit code when any request failed [default: 1].
    #[arg(long = "exit-code-on-error", env = "MILMOVE_LOAD_EXIT_CODE_ON_ERROR")]
    pub exit_code_on_error: Option<i32>,

    /// TOML config file with the same settings (keys are the long flag names).
    #[arg(long, value_name = "FILE", env = "MILMOVE_LOAD_CONFIG")]
    pub config: Option<PathBuf>,

    /// Log level: trace, debug, info, warning, error [default: info].
    #[arg(short = 'L', long, env = "MILMOVE_LOAD_LOGLEVEL")]
    pub loglevel: Option<String>,

    /// Write logs to this file instead of stderr.
    #[arg(long, value_name = "FILE", env = "MILMOVE_LOAD_LOGFILE")]
    pub logfile: Option<PathBuf>,

    /// Load shape as stages USERS:SPAWN_RATE:DURATION,... e.g. 10:5:30s,50:10:2m (overrides -u/-r/-t).
    #[arg(long, env = "MILMOVE_LOAD_STAGES")]
    pub stages: Option<String>,

    /// Open model: start this many iterations (tasks) per second whatever the response times;
    /// -u is then the pool of users serving them. Latency is also reported from the intended start.
    #[arg(long = "arrival-rate", env = "MILMOVE_LOAD_ARRIVAL_RATE")]
    pub arrival_rate: Option<f64>,

    /// Seed of the users' random generators (reproducible task choices and waits).
    #[arg(long, env = "MILMOVE_LOAD_SEED")]
    pub seed: Option<u64>,

    /// Per-request timeout, e.g. 30s [default: 60s].
    #[arg(long = "request-timeout", env = "MILMOVE_LOAD_REQUEST_TIMEOUT")]
    pub request_timeout: Option<String>,

    /// Connect timeout, e.g. 5s [default: 10s].
    #[arg(long = "connect-timeout", env = "MILMOVE_LOAD_CONNECT_TIMEOUT")]
    pub connect_timeout: Option<String>,

    /// Accept invalid TLS certificates (test environments only).
    #[arg(long, env = "MILMOVE_LOAD_INSECURE")]
    pub insecure: bool,

    /// Seconds between statistics samples (history, charts, PREFIX_stats_history.csv)
    /// [default: 1]; shorter only to fast-forward long runs in benchmarks.
    #[arg(
        long = "sample-interval",
        hide = true,
        env = "MILMOVE_LOAD_SAMPLE_INTERVAL"
    )]
    pub sample_interval: Option<f64>,

    /// Seconds between console stats tables [default: 2].
    #[arg(long = "print-interval", env = "MILMOVE_LOAD_PRINT_INTERVAL")]
    pub print_interval: Option<f64>,
}
