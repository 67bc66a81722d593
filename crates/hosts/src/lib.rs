//! MilMove environments, host names, and TLS / mutual-TLS client configuration.
//!
//! - [`Environment`] is what `--host` takes: `local`, `exp`, `dod`, `dp3`, `sim` (the in-process
//!   stand-in) or a full URL. [`Domain`] is the MilMove application: `prime`, `office`, `milmove`.
//! - [`HostResolver::host`] (or [`host_for`]) builds base URLs exactly as the old Locust suite did:
//!   `local` → `{protocol}://{domain}local:{port}` (prime: `https` 9443, office/milmove: `http`
//!   8080, see [`LocalHost`]); deployed → `https://{sub}.{BASE_DOMAIN}` with `BASE_DOMAIN` defaulting
//!   to `loadtest.dp3.us` and `sub` = `api` for API users, else `my` (milmove) or `office`.
//! - [`TlsSettings`] finds the client identity for mutual TLS (PEM files, the MilMove dev
//!   certificate of a sibling `mymove/config/tls` checkout, or `MOVE_MIL_{ENV}_TLS_CERT` /
//!   `MOVE_MIL_{ENV}_TLS_KEY`), chooses how server certificates are verified (off for `local`, a
//!   CA bundle for `dod`, public roots for `dp3`/`exp`, the stand-in's CA for `sim`) and builds one
//!   `Arc<rustls::ClientConfig>` (ring provider) shared by every user of a class. Keys stay in
//!   memory: this crate never writes a file.
//!
//! ```
//! use milmove_hosts::{apply_to_reqwest, Domain, Environment, HostResolver, LocalHost, TlsSettings};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let resolver = HostResolver::default();
//! let local: Environment = "local".parse()?;
//! assert_eq!(
//!     resolver.host(&local, Domain::Prime, true, LocalHost::PRIME)?,
//!     "https://primelocal:9443"
//! );
//! let dp3: Environment = "dp3".parse()?;
//! assert_eq!(
//!     resolver.host(&dp3, Domain::Milmove, false, LocalHost::HTTP)?,
//!     "https://my.loadtest.dp3.us"
//! );
//! assert!("staging".parse::<Environment>().is_err());
//!
//! // Office users need no client certificate; verification uses the public roots on dp3.
//! let tls = TlsSettings::for_environment(&dp3).without_client_identity().build()?;
//! let client = apply_to_reqwest(reqwest::Client::builder(), &tls).build()?;
//! # drop(client);
//! # Ok(())
//! # }
//! ```

mod environment;
mod error;
mod host;
mod identity;
mod tls;
mod verifier;

pub use environment::{Domain, Environment, ENVIRONMENT_NAMES};
pub use error::{HostError, TlsError};
pub use host::{
    host_for, HostResolver, LocalHost, Protocol, SimHosts, BASE_DOMAIN_VAR, DEFAULT_BASE_DOMAIN,
};
pub use identity::{
    default_local_tls_dirs, env_var_names, ClientIdentity, DEVLOCAL_CERT_FILE, DEVLOCAL_KEY_FILE,
};
pub use tls::{apply_to_reqwest, TlsSettings, Verification};
