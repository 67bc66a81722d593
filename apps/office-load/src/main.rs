//! `office-load`: Services Counselor, TOO and TIO users against the MilMove office app.
//!
//! `--host` takes `local`, `exp`, `dod`, `dp3`, a URL, or `sim` (the default): the stand-in
//! MilMove server started in-process on free loopback ports with its own certificates.
//! Run `office-load --help` for every flag and `office-load --list` for the user classes and tasks.

use std::any::Any;
use std::path::PathBuf;
use std::process::ExitCode;

use milmove_hosts::SimHosts;
use milmove_sim::{SimConfig, SimServer};
use milmove_tasks::app::{self, AppKind, SimTarget};

fn main() -> ExitCode {
    app::main(AppKind::Office, Box::new(|dir| Box::pin(start_sim(dir))))
}

/// Starts the stand-in on free loopback ports; the returned handle keeps it running.
async fn start_sim(spec_dir: PathBuf) -> Result<(SimTarget, Box<dyn Any + Send>), String> {
    let config = SimConfig {
        spec_dir: Some(spec_dir),
        ..SimConfig::default()
    };
    let handle = SimServer::start(config)
        .await
        .map_err(|e| format!("cannot start the stand-in: {e}"))?;
    let target = SimTarget {
        hosts: SimHosts {
            mtls_url: handle.mtls_url.clone(),
            office_url: handle.office_url.clone(),
            customer_url: handle.customer_url.clone(),
        },
        ca_pem: handle.ca_pem.clone(),
        client_cert_pem: handle.client_cert_pem.clone(),
        client_key_pem: handle.client_key_pem.clone(),
    };
    Ok((target, Box::new(handle)))
}
