//! The command line shared by `prime-load`, `office-load` and `milmove-load`: every runner
//! flag (flattened), plus host/TLS/spec options, `--list`, `--all` and per-class weights.

use std::path::PathBuf;

use clap::Args;
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
    #[arg(long)]
    pub all: bool,

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
