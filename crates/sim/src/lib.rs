//! A stand-in MilMove server for load tests, CI and demos, driven by the real Swagger specs.
//!
//! It serves the Prime and Support APIs (`/prime/v1`, `/prime/v2`, `/prime/v3`,
//! `/support/v1`) on a mutual-TLS port that requires a client certificate signed by its own CA
//! (generated in memory at start) and accepts only allowed certificate digests; the office app
//! (`/ghc/v1`, `/internal`) and the customer app (`/internal`) on plain HTTP ports, with
//! devlocal login, CSRF and sessions as MilMove has them. Requests are validated against the
//! specs (422 in MilMove's error shapes), state lives in memory (moves, shipments, service
//! items, payment requests, …) with eTags and MilMove's status rules, and other operations
//! answer with bodies generated from their response schemas.
//!
//! In-process use (what the load-test apps do for `--host sim`):
//!
//! ```no_run
//! # async fn demo() -> Result<(), milmove_sim::SimError> {
//! use milmove_sim::{SimConfig, SimServer};
//!
//! let sim = SimServer::start(SimConfig {
//!     spec_dir: Some("/path/to/milmove-swagger/bundled".into()),
//!     ..SimConfig::default()
//! })
//! .await?;
//! println!("prime/support: {}", sim.mtls_url); // https://127.0.0.1:PORT
//! println!("office: {}  customer: {}", sim.office_url, sim.customer_url);
//! // Trust `sim.ca_pem`; present `sim.client_cert_pem` + `sim.client_key_pem` on the mTLS port.
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

pub mod api;
pub mod audit;
pub mod auth;
mod handlers;
pub mod http_util;
pub mod knobs;
mod listen;
pub mod pipeline;
mod server;
pub mod shape;
mod spa;
pub mod state;
pub mod tls;
pub mod validate;

use std::time::Instant;

pub use audit::{AuditReport, Violation, AUDIT_ENV};
pub use knobs::{Knobs, Latency, Stall};
pub use server::{
    max_moves_from_env, Audit, SimConfig, SimHandle, SimServer, DEFAULT_MAX_MOVES, MAX_MOVES_ENV,
};
pub use state::seed::SeedSize;

/// Errors from starting or configuring the stand-in.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Bad configuration value.
    #[error("configuration: {0}")]
    Config(String),
    /// Certificate or TLS setup failure.
    #[error("TLS: {0}")]
    Tls(String),
    /// A spec could not be loaded.
    #[error("spec: {0}")]
    Spec(String),
    /// No spec folder, and the pinned specs could not be fetched (or `--offline`).
    #[error("{0}")]
    Specs(String),
    /// Socket or file I/O failure.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// Seeding failed.
    #[error("seed: {0}")]
    Seed(#[from] state::StateError),
}

/// Everything one running stand-in shares between its listeners.
pub struct SimState {
    /// In-memory MilMove data.
    pub store: state::Store,
    /// Logged-in sessions.
    pub sessions: auth::Sessions,
    /// Loaded specs and validators.
    pub specs: validate::Specs,
    /// Current fault knobs.
    pub knobs: parking_lot::RwLock<Knobs>,
    /// Allowed client-certificate digests.
    pub allowed: tls::AllowedDigests,
    /// Start time (stall schedule origin).
    pub started: Instant,
    /// The response audit, when on ([`SimConfig::audit`]).
    pub audit: Option<std::sync::Arc<audit::ResponseAudit>>,
}
