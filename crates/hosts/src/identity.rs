//! Client identities (certificate chain + private key) for mutual TLS, held in memory only.

use std::fmt;
use std::path::{Path, PathBuf};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::TlsError;

/// The file name of MilMove's development client certificate (in `mymove/config/tls`).
pub const DEVLOCAL_CERT_FILE: &str = "devlocal-mtls.cer";
/// The file name of MilMove's development client key (in `mymove/config/tls`).
pub const DEVLOCAL_KEY_FILE: &str = "devlocal-mtls.key";

/// A client certificate chain and its private key, parsed from PEM and kept in memory.
///
/// `Debug` never prints key material.
pub struct ClientIdentity {
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Clone for ClientIdentity {
    fn clone(&self) -> Self {
        ClientIdentity {
            certs: self.certs.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("certificates", &self.certs.len())
            .field("key", &"<redacted>")
            .finish()
    }
}

impl ClientIdentity {
    /// Parses a PEM certificate chain and a PEM private key (PKCS#8, PKCS#1 or SEC1).
    ///
    /// `origin` names where the PEM came from in error messages (never the PEM itself).
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8], origin: &str) -> Result<Self, TlsError> {
        let certs = parse_certificates(cert_pem, "client certificate", origin)?;
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| TlsError::InvalidPem {
            what: "client private key",
            origin: origin.to_string(),
            reason: e.to_string(),
        })?;
        Ok(ClientIdentity { certs, key })
    }

    /// Reads a PEM certificate file and a PEM key file.
    pub fn from_files(cert_path: &Path, key_path: &Path) -> Result<Self, TlsError> {
        let cert_pem = read_pem_file(cert_path, "client certificate")?;
        let key_pem = read_pem_file(key_path, "client private key")?;
        let origin = format!("{} + {}", cert_path.display(), key_path.display());
        ClientIdentity::from_pem(&cert_pem, &key_pem, &origin)
    }

    /// Reads `MOVE_MIL_{infix}_TLS_CERT` and `MOVE_MIL_{infix}_TLS_KEY` through `lookup`.
    ///
    /// Returns `Ok(None)` when neither is set, an error when only one is. Values may hold real
    /// newlines or literal `\n` sequences (as secret stores often export them).
    pub fn from_env_vars(
        infix: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, TlsError> {
        let (cert_var, key_var) = env_var_names(infix);
        let cert = lookup(&cert_var).filter(|v| !v.trim().is_empty());
        let key = lookup(&key_var).filter(|v| !v.trim().is_empty());
        match (cert, key) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(TlsError::HalfIdentityInEnv {
                present: cert_var,
                missing: key_var,
            }),
            (None, Some(_)) => Err(TlsError::HalfIdentityInEnv {
                present: key_var,
                missing: cert_var,
            }),
            (Some(cert), Some(key)) => {
                let origin = format!("{cert_var} + {key_var}");
                let cert = unescape_newlines(&cert);
                let key = unescape_newlines(&key);
                ClientIdentity::from_pem(cert.as_bytes(), key.as_bytes(), &origin).map(Some)
            }
        }
    }

    /// The certificate chain (leaf first).
    pub fn certificates(&self) -> &[CertificateDer<'static>] {
        &self.certs
    }

    /// Splits into the parts rustls takes.
    pub fn into_parts(self) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        (self.certs, self.key)
    }
}

/// The names of the certificate and key variables for an environment infix (`DP3`, ...).
pub fn env_var_names(infix: &str) -> (String, String) {
    (
        format!("MOVE_MIL_{infix}_TLS_CERT"),
        format!("MOVE_MIL_{infix}_TLS_KEY"),
    )
}

/// Every certificate in a PEM text (at least one).
pub(crate) fn parse_certificates(
    pem: &[u8],
    what: &'static str,
    origin: &str,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::InvalidPem {
            what,
            origin: origin.to_string(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::InvalidPem {
            what,
            origin: origin.to_string(),
            reason: "no CERTIFICATE section found".to_string(),
        });
    }
    Ok(certs)
}

/// Reads a whole PEM file into memory.
pub(crate) fn read_pem_file(path: &Path, what: &'static str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::ReadFile {
        what,
        path: path.to_path_buf(),
        source,
    })
}

/// The directories searched for a sibling `mymove/config/tls` checkout: `$MYMOVE_DIR/config/tls`
/// if set, then `<ancestor>/mymove/config/tls` for the working directory and each ancestor.
pub fn default_local_tls_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os("MYMOVE_DIR") {
        dirs.push(PathBuf::from(dir).join("config").join("tls"));
    }
    if let Ok(cwd) = std::env::current_dir() {
        for ancestor in cwd.ancestors() {
            dirs.push(ancestor.join("mymove").join("config").join("tls"));
        }
    }
    dirs
}

/// Replaces literal `\n` sequences by newlines when the text holds no real newline.
fn unescape_newlines(value: &str) -> String {
    if value.contains('\n') {
        value.to_string()
    } else {
        value.replace("\\n", "\n")
    }
}
