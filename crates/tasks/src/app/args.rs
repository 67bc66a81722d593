//! The command line shared by `prime-load`, `office-load` and `milmove-load`: every runner
//! flag (flattened), plus host/TLS/spec options, `--list`, `--all` and per-class weights.

use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args};
use milmove_runner::config::RunnerArgs;

/// The apps' flags. `-H/--host` takes `local`, `exp`, `dod`, `dp3`, `sim` (default: starts the
/// stand-in in-process) or a full URL.
#[derive(Debug, Clone, Args)]
pub struct AppArgs {
    /// Every runner flag (-H, -u, -r, -t, --headless, -T, -E, --csv, --json, --threshold, ...).
    #[command(flatten)]
    pub runner: RunnerArgs,

    /// Print the user classes and their tasks with tags, then exit.
    #[arg(short = 'l', long)]
    pub list: bool,

    /// Run every MilMove user class (Prime, Support, Prime workflow, Services Counselor, TOO,
    /// TIO and customer users) whatever the binary; weights come from the --*-user-weight flags.
    /// The roles' classes then run the lifecycle flows (see --lifecycle) unless --no-lifecycle.
    #[arg(long)]
    pub all: bool,

    /// Run the lifecycle flows: each move goes from its customer to the services counselor,
    /// the TOO, the Prime and the TIO through per-role queues (see --flows); users with an
    /// empty queue run their class's own tasks. Runs the classes of the roles the flows need.
    #[arg(long, conflicts_with = "no_lifecycle")]
    pub lifecycle: bool,

    /// With --all, run the classes on their own, without the lifecycle flows.
    #[arg(long)]
    pub no_lifecycle: bool,

    /// The mix of lifecycle flows, as FLOW:WEIGHT,…; flows left out are not started. Flows:
    /// single-hhg, two-hhgs, nts, hhg-payments.
    #[arg(
        long,
        value_name = "MIX",
        default_value = crate::flows::catalog::DEFAULT_MIX,
        env = "MILMOVE_LOAD_FLOWS"
    )]
    pub flows: String,

    /// Lifecycle flows in flight at most per process (queued or in a step); at the bound,
    /// customers wait for a flow to end before starting another.
    #[arg(
        long,
        value_name = "N",
        default_value_t = crate::flows::hub::DEFAULT_MAX_FLOWS,
        env = "MILMOVE_LOAD_MAX_FLOWS"
    )]
    pub max_flows: usize,

    /// End the lifecycle once every flow of the mix completed N times: its users stop at their
    /// next turn, and the run ends when every user has stopped (or at the run time).
    #[arg(long, value_name = "N", env = "MILMOVE_LOAD_COMPLETE_EACH_FLOW")]
    pub complete_each_flow: Option<u64>,

    /// Write one JSON line per lifecycle flow that ends (completed, failed, or unfinished at
    /// the end): its move (id, locator, shipments, payment requests), steps, queue waits.
    #[arg(long, value_name = "FILE", env = "MILMOVE_LOAD_FLOW_LOG")]
    pub flow_log: Option<PathBuf>,

    /// Directory of the bundled MilMove specs (prime.yaml, prime_v3.yaml, support.yaml,
    /// ghc.yaml, internal.yaml).
    #[arg(long, value_name = "DIR", env = "MILMOVE_SWAGGER_DIR")]
    pub swagger_dir: Option<PathBuf>,

    /// Never download the pinned MilMove specs: use the folder given or found, or the cache.
    #[arg(long, env = "MILMOVE_LOAD_OFFLINE")]
    pub offline: bool,

    /// Download the pinned MilMove specs into --swagger-dir (else the user's cache), verify
    /// their checksums, print the folder and exit (for images and air-gapped machines).
    #[arg(long)]
    pub fetch_specs: bool,

    /// Directory holding MilMove's dev certificate devlocal-mtls.cer/.key for `--host local`
    /// [default: a sibling mymove/config/tls checkout].
    #[arg(long, value_name = "DIR", env = "MILMOVE_LOAD_TLS_DIR")]
    pub tls_dir: Option<PathBuf>,

    /// Client certificate (PEM) for mutual TLS (with --key); overrides the environment's default.
    #[arg(long, value_name = "FILE", requires = "key", env = "MILMOVE_LOAD_CERT")]
    pub cert: Option<PathBuf>,

    /// Client private key (PEM) for mutual TLS (with --cert).
    #[arg(long, value_name = "FILE", requires = "cert", env = "MILMOVE_LOAD_KEY")]
    pub key: Option<PathBuf>,

    /// CA bundle (PEM) to verify the server with (needed for `dod`; added to the public roots
    /// elsewhere).
    #[arg(long, value_name = "FILE", env = "MILMOVE_LOAD_CA_BUNDLE")]
    pub ca_bundle: Option<PathBuf>,

    /// Objects kept per kind in each data store.
    #[arg(long, default_value_t = crate::store::DEFAULT_CAPACITY, value_name = "N")]
    pub store_size: usize,

    /// Seconds a user waits between tasks, as MIN-MAX (uniform) or one number (constant).
    #[arg(long, default_value = "0.5-2", value_name = "SECONDS")]
    pub wait_time: String,

    /// Weight of Prime users (0 leaves them out).
    #[arg(long, default_value_t = 1, env = "PRIME_USER_WEIGHT")]
    pub prime_user_weight: u32,

    /// Weight of Support users.
    #[arg(long, default_value_t = 1, env = "SUPPORT_USER_WEIGHT")]
    pub support_user_weight: u32,

    /// Weight of Prime workflow users.
    #[arg(long, default_value_t = 1, env = "PRIME_WORKFLOW_USER_WEIGHT")]
    pub prime_workflow_user_weight: u32,

    /// Weight of Services Counselor users.
    #[arg(long, default_value_t = 1, env = "SERVICES_COUNSELOR_USER_WEIGHT")]
    pub services_counselor_user_weight: u32,

    /// Weight of TOO users.
    #[arg(long, default_value_t = 1, env = "TOO_USER_WEIGHT")]
    pub too_user_weight: u32,

    /// Weight of TIO users.
    #[arg(long, default_value_t = 1, env = "TIO_USER_WEIGHT")]
    pub tio_user_weight: u32,

    /// Weight of customer (milmove) users.
    #[arg(long, default_value_t = 1, env = "CUSTOMER_USER_WEIGHT")]
    pub customer_user_weight: u32,
}

impl AppArgs {
    /// Whether this run is a lifecycle run: `--lifecycle`, or `--all` without
    /// `--no-lifecycle`.
    pub fn lifecycle_mode(&self) -> bool {
        self.lifecycle || (self.all && !self.no_lifecycle)
    }

    /// Fills the flags not given on the command line or in the environment from the `[app]`
    /// table of the `--config` file (keys are the long flag names): config file < environment
    /// < command line, as for the runner's flags.
    pub fn apply_config(&mut self, matches: &ArgMatches) -> Result<(), String> {
        let Some(path) = self.runner.config.clone() else {
            return Ok(());
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read --config {}: {e}", path.display()))?;
        let file: toml::Table = text
            .parse()
            .map_err(|e| format!("--config {}: {e}", path.display()))?;
        let Some(app) = file.get("app") else {
            return Ok(());
        };
        let app = app
            .as_table()
            .ok_or_else(|| format!("--config {}: `app` must be a table", path.display()))?;
        for (key, value) in app {
            let id = key.replace('-', "_");
            // Unknown keys fall through to `set_from_config`, which refuses them.
            let known = matches.try_get_raw(&id).is_ok();
            let given = known
                && matches!(
                    matches.value_source(&id),
                    Some(ValueSource::CommandLine | ValueSource::EnvVariable)
                );
            if !given {
                self.set_from_config(key, value)
                    .map_err(|e| format!("--config {} [app] {key}: {e}", path.display()))?;
            }
        }
        Ok(())
    }

    fn set_from_config(&mut self, key: &str, value: &toml::Value) -> Result<(), String> {
        let number = || -> Result<u64, String> {
            value
                .as_integer()
                .and_then(|n| u64::try_from(n).ok())
                .ok_or_else(|| "must be a whole number >= 0".to_string())
        };
        let weight = || -> Result<u32, String> {
            u32::try_from(number()?).map_err(|_| "is too large".to_string())
        };
        let flag = || {
            value
                .as_bool()
                .ok_or_else(|| "must be true or false".to_string())
        };
        let text = || -> Result<String, String> {
            match value {
                toml::Value::String(s) => Ok(s.clone()),
                toml::Value::Float(f) => Ok(f.to_string()),
                toml::Value::Integer(i) => Ok(i.to_string()),
                _ => Err("must be a string".to_string()),
            }
        };
        match key {
            "all" => self.all = flag()?,
            "lifecycle" => self.lifecycle = flag()?,
            "no-lifecycle" => self.no_lifecycle = flag()?,
            "flows" => {
                self.flows = match value {
                    toml::Value::Table(t) => t
                        .iter()
                        .map(|(k, v)| format!("{k}:{}", v.as_integer().unwrap_or(-1)))
                        .collect::<Vec<_>>()
                        .join(","),
                    _ => text()?,
                }
            }
            "max-flows" => self.max_flows = number()? as usize,
            "complete-each-flow" => self.complete_each_flow = Some(number()?),
            "flow-log" => self.flow_log = Some(PathBuf::from(text()?)),
            "store-size" => self.store_size = number()? as usize,
            "wait-time" => self.wait_time = text()?,
            "prime-user-weight" => self.prime_user_weight = weight()?,
            "support-user-weight" => self.support_user_weight = weight()?,
            "prime-workflow-user-weight" => self.prime_workflow_user_weight = weight()?,
            "services-counselor-user-weight" => self.services_counselor_user_weight = weight()?,
            "too-user-weight" => self.too_user_weight = weight()?,
            "tio-user-weight" => self.tio_user_weight = weight()?,
            "customer-user-weight" => self.customer_user_weight = weight()?,
            _ => return Err("unknown key".to_string()),
        }
        Ok(())
    }
}

/// Parses `--wait-time`: `MIN-MAX` or a constant.
pub fn parse_wait(text: &str) -> Result<milmove_runner::Wait, String> {
    let number = |t: &str| -> Result<f64, String> {
        let value: f64 = t.trim().parse().map_err(|_| {
            format!("invalid --wait-time `{text}`: use MIN-MAX or SECONDS, e.g. 0.5-2")
        })?;
        if value.is_finite() && value >= 0.0 {
            Ok(value)
        } else {
            Err(format!(
                "invalid --wait-time `{text}`: seconds must be >= 0"
            ))
        }
    };
    match text.split_once('-') {
        Some((min, max)) => {
            let (min, max) = (number(min)?, number(max)?);
            if min > max {
                return Err(format!("invalid --wait-time `{text}`: MIN is above MAX"));
            }
            Ok(milmove_runner::Wait::between(min, max))
        }
        None => Ok(milmove_runner::Wait::constant(number(text)?)),
    }
}
