//! Starting and stopping the stand-in: [`SimConfig`] → [`SimServer::start`] → [`SimHandle`].

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::audit::{AuditReport, ReportOnDrop, ResponseAudit};
use crate::knobs::Knobs;
use crate::listen::serve;
use crate::pipeline::Listener;
use crate::state::seed::SeedSize;
use crate::tls::{CertifiedKeyPem, SimCa};
use crate::{SimError, SimState};

/// How to run the stand-in.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Directory with the bundled specs (`prime.yaml`, `ghc.yaml`, …). `None`: found as the
    /// load-test apps find them (`MILMOVE_SWAGGER_DIR`, a folder beside the checkout, the
    /// cache of the pinned specs), else the pinned specs are downloaded into that cache.
    pub spec_dir: Option<PathBuf>,
    /// Never download the pinned specs (`--offline`).
    pub offline: bool,
    /// Address to bind (default 127.0.0.1).
    pub bind: IpAddr,
    /// Mutual-TLS (Prime/Support) port; 0 picks a free port.
    pub mtls_port: u16,
    /// Office (ghc/internal) port; 0 picks a free port.
    pub office_port: u16,
    /// Customer (internal) port; 0 picks a free port.
    pub customer_port: u16,
    /// Fault knobs.
    pub knobs: Knobs,
    /// How much data to seed.
    pub seed: SeedSize,
    /// Extra client-certificate SHA-256 digests (hex) to accept besides the dev certificate.
    pub allowed_digests: Vec<String>,
    /// Write the CA, server and dev client certificate/key (PEM) here.
    pub tls_dir: Option<PathBuf>,
    /// Check every response against its operation's declared responses ([`crate::audit`]).
    pub audit: Audit,
    /// Moves kept at most (`usize::MAX`: no bound); the least recently used idle ones are
    /// evicted with their children ([`crate::state::evict`]).
    pub max_moves: usize,
    /// A move (or session) used within this long is in use and never evicted.
    pub in_use_grace: std::time::Duration,
}

/// The default move limit: a few thousand moves (tens of MB), far more than a load test's
/// users hold at once.
pub const DEFAULT_MAX_MOVES: usize = 2_000;

/// The environment variable that sets the move limit (`--max-moves`), also for the stand-in the
/// apps start in-process for `--host sim` (0: no bound).
pub const MAX_MOVES_ENV: &str = "MILMOVE_SIM_MAX_MOVES";

/// The move limit from [`MAX_MOVES_ENV`]: [`DEFAULT_MAX_MOVES`] when unset, `usize::MAX` (no
/// bound) for 0, an error naming the variable for anything but a number.
pub fn max_moves_from_env() -> Result<usize, String> {
    parse_max_moves(std::env::var(MAX_MOVES_ENV).ok().as_deref())
}

/// The move limit a value of [`MAX_MOVES_ENV`] means (`None`: unset).
fn parse_max_moves(value: Option<&str>) -> Result<usize, String> {
    let Some(text) = value else {
        return Ok(DEFAULT_MAX_MOVES);
    };
    match text.trim().parse::<usize>() {
        Ok(0) => Ok(usize::MAX),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "{MAX_MOVES_ENV}={text:?}: not a number of moves (0 for no bound)"
        )),
    }
}

#[cfg(test)]
mod max_moves_tests {
    use super::*;

    #[test]
    fn the_move_limit_reads_a_number_zero_for_none_and_names_a_bad_value() {
        assert_eq!(parse_max_moves(None), Ok(DEFAULT_MAX_MOVES));
        assert_eq!(parse_max_moves(Some(" 20000 ")), Ok(20_000));
        assert_eq!(parse_max_moves(Some("0")), Ok(usize::MAX));
        let e = parse_max_moves(Some("lots")).unwrap_err();
        assert!(
            e.contains("MILMOVE_SIM_MAX_MOVES") && e.contains("lots"),
            "{e}"
        );
    }
}

/// Whether and where the response audit runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Audit {
    /// No audit (the default: it costs a validation per response).
    #[default]
    Off,
    /// Audit; read the report with [`SimHandle::audit`].
    InMemory,
    /// Audit, and write the report to this file (JSON) when the stand-in stops or its handle
    /// is dropped.
    File(PathBuf),
}

impl Audit {
    /// [`Audit::File`] when the [`crate::AUDIT_ENV`] variable names a file, else [`Audit::Off`]
    /// (how the load-test apps' stand-in launcher lets their end-to-end tests turn it on).
    pub fn from_env() -> Audit {
        match std::env::var_os(crate::AUDIT_ENV) {
            Some(path) if !path.is_empty() => Audit::File(path.into()),
            _ => Audit::Off,
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            spec_dir: None,
            offline: false,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            mtls_port: 0,
            office_port: 0,
            customer_port: 0,
            knobs: Knobs::default(),
            seed: SeedSize {
                prime_moves: 20,
                office_moves: 10,
            },
            allowed_digests: Vec::new(),
            tls_dir: None,
            audit: Audit::Off,
            max_moves: DEFAULT_MAX_MOVES,
            in_use_grace: std::time::Duration::from_secs(10),
        }
    }
}

/// Entry point for starting the stand-in.
pub struct SimServer;

/// A running stand-in. Dropping it without [`SimHandle::shutdown`] leaves it running until
/// the runtime ends.
pub struct SimHandle {
    /// Base URL of the mutual-TLS listener (`https://127.0.0.1:PORT`): Prime and Support.
    pub mtls_url: String,
    /// Base URL of the office listener (`http://127.0.0.1:PORT`): ghc and internal.
    pub office_url: String,
    /// Base URL of the customer listener (`http://127.0.0.1:PORT`): internal.
    pub customer_url: String,
    /// The CA certificate (PEM) that signed the server and client certificates.
    pub ca_pem: String,
    /// The dev client certificate (PEM), allowed on the mutual-TLS listener.
    pub client_cert_pem: String,
    /// The dev client private key (PEM). Keep it in memory.
    pub client_key_pem: String,
    /// SHA-256 digest (hex) of the dev client certificate.
    pub client_sha256: String,
    state: Arc<SimState>,
    ca: Arc<SimCa>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    /// Writes the audit report when the handle goes (declared last: dropped last).
    audit_file: Option<ReportOnDrop>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("mtls_url", &self.mtls_url)
            .field("office_url", &self.office_url)
            .field("customer_url", &self.customer_url)
            .finish_non_exhaustive()
    }
}

async fn bind(ip: IpAddr, port: u16) -> Result<(TcpListener, String), SimError> {
    let listener = TcpListener::bind(SocketAddr::new(ip, port)).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr.to_string()))
}

fn write_tls_dir(
    dir: &std::path::Path,
    ca: &SimCa,
    server: &CertifiedKeyPem,
    client: &CertifiedKeyPem,
) -> Result<(), SimError> {
    std::fs::create_dir_all(dir)?;
    let files = [
        ("ca.pem", ca.cert_pem()),
        ("server.pem", server.cert_pem.as_str()),
        ("server.key", server.key_pem.as_str()),
        ("client.pem", client.cert_pem.as_str()),
        ("client.key", client.key_pem.as_str()),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text)?;
    }
    Ok(())
}

impl SimServer {
    /// Loads the specs, generates the certificates, seeds the state and starts the three
    /// listeners.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        let fetch = if config.offline {
            milmove_parser::Fetch::Offline
        } else {
            milmove_parser::Fetch::Allowed
        };
        let explicit = config.spec_dir.clone();
        let spec_dir = tokio::task::spawn_blocking(move || {
            let progress = |line: &str| eprintln!("{line}");
            milmove_parser::resolve_spec_dir(explicit.as_deref(), fetch, &progress)
        })
        .await
        .map_err(|e| SimError::Config(format!("finding the specs failed: {e}")))?
        .map_err(|e| SimError::Specs(e.to_string()))?;
        let seed = config.seed;
        let limits = crate::state::evict::Limits {
            max_moves: config.max_moves,
            in_use_grace: config.in_use_grace,
        };
        let loading = tokio::task::spawn_blocking(move || {
            let specs = crate::validate::Specs::load(&spec_dir)?;
            let store = crate::state::Store::seeded_with(seed, limits)?;
            Ok::<_, SimError>((specs, store))
        });
        let ca = Arc::new(SimCa::generate()?);
        let server_cert = ca.issue_server()?;
        let client = ca.issue_client("milmove-sim dev client")?;
        let tls_config = ca.server_config(&server_cert)?;
        if let Some(dir) = &config.tls_dir {
            write_tls_dir(dir, &ca, &server_cert, &client)?;
        }
        let (specs, store) = loading
            .await
            .map_err(|e| SimError::Config(format!("loading task failed: {e}")))??;
        let audit = (config.audit != Audit::Off).then(|| Arc::new(ResponseAudit::default()));
        let audit_file = match (&config.audit, &audit) {
            (Audit::File(path), Some(audit)) => Some(ReportOnDrop {
                audit: audit.clone(),
                path: path.clone(),
            }),
            _ => None,
        };
        let state = Arc::new(SimState {
            store,
            sessions: Default::default(),
            specs,
            knobs: parking_lot::RwLock::new(config.knobs),
            allowed: Default::default(),
            started: Instant::now(),
            audit,
        });
        state.allowed.allow(&client.sha256);
        for d in &config.allowed_digests {
            state.allowed.allow(d);
        }
        let (mtls, mtls_addr) = bind(config.bind, config.mtls_port).await?;
        let (office, office_addr) = bind(config.bind, config.office_port).await?;
        let (customer, customer_addr) = bind(config.bind, config.customer_port).await?;
        let (stop, rx) = watch::channel(false);
        let acceptor = tokio_rustls::TlsAcceptor::from(tls_config);
        let tasks = vec![
            tokio::spawn(serve(
                mtls,
                Listener::Mtls,
                Some(acceptor),
                state.clone(),
                rx.clone(),
            )),
            tokio::spawn(serve(
                office,
                Listener::Office,
                None,
                state.clone(),
                rx.clone(),
            )),
            tokio::spawn(serve(customer, Listener::Customer, None, state.clone(), rx)),
        ];
        Ok(SimHandle {
            mtls_url: format!("https://{mtls_addr}"),
            office_url: format!("http://{office_addr}"),
            customer_url: format!("http://{customer_addr}"),
            ca_pem: ca.cert_pem().to_string(),
            client_cert_pem: client.cert_pem.clone(),
            client_key_pem: client.key_pem.clone(),
            client_sha256: client.sha256.clone(),
            state,
            ca,
            stop,
            tasks,
            audit_file,
        })
    }
}

impl SimHandle {
    /// The shared state (store, sessions, specs), e.g. for tests.
    pub fn state(&self) -> &Arc<SimState> {
        &self.state
    }

    /// Issues another client certificate signed by the stand-in's CA; when `allow` is false
    /// its digest is unknown to the server (requests get 401).
    pub fn issue_client_cert(&self, name: &str, allow: bool) -> Result<CertifiedKeyPem, SimError> {
        let cert = self.ca.issue_client(name)?;
        if allow {
            self.state.allowed.allow(&cert.sha256);
        }
        Ok(cert)
    }

    /// The response audit's report so far (`None` when the audit is off).
    pub fn audit(&self) -> Option<AuditReport> {
        self.state.audit.as_ref().map(|a| a.report())
    }

    /// Replaces the fault knobs while running.
    pub fn set_knobs(&self, knobs: Knobs) {
        *self.state.knobs.write() = knobs;
    }

    /// Stops the listeners and ends every open connection (and writes the audit report when
    /// one is configured).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        drop(self.audit_file);
    }
}
