//! Optional TLS between master and workers: the master presents a certificate, workers check
//! it against a CA they are given.

use crate::error::ClusterError;
use std::path::{Path, PathBuf};
use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};

/// The master's certificate chain and key (PEM), read once at start and kept in memory.
#[derive(Clone)]
pub struct MasterTls {
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
}

impl std::fmt::Debug for MasterTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterTls").finish_non_exhaustive()
    }
}

/// What a worker trusts: the CA (PEM) that signed the master's certificate, and the name to
/// check in it.
#[derive(Clone, Debug)]
pub struct WorkerTls {
    ca_pem: Vec<u8>,
    server_name: Option<String>,
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, ClusterError> {
    std::fs::read(path)
        .map_err(|e| ClusterError::Tls(format!("cannot read the {what} {}: {e}", path.display())))
}

fn check_pem(bytes: &[u8], path: &Path, what: &str) -> Result<(), ClusterError> {
    if String::from_utf8_lossy(bytes).contains("-----BEGIN") {
        Ok(())
    } else {
        Err(ClusterError::Tls(format!(
            "the {what} {} is not PEM (no -----BEGIN line)",
            path.display()
        )))
    }
}

impl MasterTls {
    /// From PEM text in memory.
    pub fn from_pem(cert_pem: impl Into<Vec<u8>>, key_pem: impl Into<Vec<u8>>) -> Self {
        Self {
            cert_pem: cert_pem.into(),
            key_pem: key_pem.into(),
        }
    }

    /// Reads a certificate chain and a private key from PEM files.
    pub fn from_files(cert: &Path, key: &Path) -> Result<Self, ClusterError> {
        let (cert_pem, key_pem) = (read(cert, "certificate")?, read(key, "private key")?);
        check_pem(&cert_pem, cert, "certificate")?;
        check_pem(&key_pem, key, "private key")?;
        Ok(Self { cert_pem, key_pem })
    }

    pub(crate) fn server_config(&self) -> ServerTlsConfig {
        ServerTlsConfig::new().identity(Identity::from_pem(&self.cert_pem, &self.key_pem))
    }
}

impl WorkerTls {
    /// From a CA in memory; `server_name` overrides the name checked (default: the master host).
    pub fn from_pem(ca_pem: impl Into<Vec<u8>>, server_name: Option<String>) -> Self {
        Self {
            ca_pem: ca_pem.into(),
            server_name,
        }
    }

    /// Reads the CA from a PEM file.
    pub fn from_file(ca: &Path, server_name: Option<String>) -> Result<Self, ClusterError> {
        let ca_pem = read(ca, "CA certificate")?;
        check_pem(&ca_pem, ca, "CA certificate")?;
        Ok(Self {
            ca_pem,
            server_name,
        })
    }

    pub(crate) fn client_config(&self, master_host: &str) -> ClientTlsConfig {
        ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&self.ca_pem))
            .domain_name(self.server_name.as_deref().unwrap_or(master_host))
    }
}

/// Paths given on the command line, resolved into TLS settings.
pub(crate) fn master_tls(
    cert: &Option<PathBuf>,
    key: &Option<PathBuf>,
) -> Result<Option<MasterTls>, ClusterError> {
    match (cert, key) {
        (Some(c), Some(k)) => MasterTls::from_files(c, k).map(Some),
        (None, None) => Ok(None),
        _ => Err(ClusterError::Config(
            "--cluster-tls-cert and --cluster-tls-key go together".into(),
        )),
    }
}
