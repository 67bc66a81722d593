//! The stand-in launcher shared by the three binaries (each includes this file with
//! `#[path]`): `milmove-tasks` may not depend on `milmove-sim`, so the binaries, which depend
//! on both, connect them here.

use std::any::Any;
use std::path::PathBuf;

use milmove_hosts::SimHosts;
use milmove_sim::{SimConfig, SimServer};
use milmove_tasks::app::SimTarget;

/// Starts the stand-in on free loopback ports; the returned handle keeps it running.
pub async fn start_sim(spec_dir: PathBuf) -> Result<(SimTarget, Box<dyn Any + Send>), String> {
    let config = SimConfig {
        spec_dir: Some(spec_dir),
        // MILMOVE_SIM_MAX_MOVES, as for `milmove-sim --max-moves` (long lifecycle runs).
        max_moves: milmove_sim::max_moves_from_env()?,
        // Off unless MILMOVE_SIM_AUDIT names a report file (the end-to-end tests set it).
        audit: milmove_sim::Audit::from_env(),
        ..SimConfig::default()
    };
    let handle = SimServer::start(config)
        .await
        .map_err(|e| format!("cannot start the stand-in: {e}"))?;
    Ok((sim_target(&handle), Box::new(handle)))
}

/// What the apps need of a running stand-in: its URLs and certificates.
pub fn sim_target(handle: &milmove_sim::SimHandle) -> SimTarget {
    SimTarget {
        hosts: SimHosts {
            mtls_url: handle.mtls_url.clone(),
            office_url: handle.office_url.clone(),
            customer_url: handle.customer_url.clone(),
        },
        ca_pem: handle.ca_pem.clone(),
        client_cert_pem: handle.client_cert_pem.clone(),
        client_key_pem: handle.client_key_pem.clone(),
    }
}
