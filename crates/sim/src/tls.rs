//! Certificates for the mutual-TLS listener: a CA generated in memory at start, a server
//! certificate and a dev client certificate signed by it, and the rustls server config that
//! requires a client certificate chaining to that CA.

use std::collections::HashSet;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

use crate::SimError;

/// A certificate and its private key, both PEM, held in memory.
#[derive(Clone)]
pub struct CertifiedKeyPem {
    /// The certificate (PEM).
    pub cert_pem: String,
    /// The private key (PKCS#8 PEM). Never logged.
    pub key_pem: String,
    /// Lower-case hex SHA-256 digest of the certificate's DER bytes (what MilMove stores).
    pub sha256: String,
}

impl std::fmt::Debug for CertifiedKeyPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertifiedKeyPem")
            .field("sha256", &self.sha256)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

/// The stand-in's certificate authority: signs the server certificate and client certificates.
pub struct SimCa {
    issuer: Issuer<'static, KeyPair>,
    cert_pem: String,
    cert_der: CertificateDer<'static>,
}

impl std::fmt::Debug for SimCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimCa").finish_non_exhaustive()
    }
}

fn tls_err(what: &str, e: impl std::fmt::Display) -> SimError {
    SimError::Tls(format!("{what}: {e}"))
}

/// Hex SHA-256 digest of DER bytes.
pub fn sha256_hex(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

impl SimCa {
    /// Generates a new CA key pair and self-signed CA certificate.
    pub fn generate() -> Result<Self, SimError> {
        let key = KeyPair::generate().map_err(|e| tls_err("CA key", e))?;
        let mut params =
            CertificateParams::new(Vec::<String>::new()).map_err(|e| tls_err("CA", e))?;
        params
            .distinguished_name
            .push(DnType::CommonName, "milmove-sim test CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params
            .self_signed(&key)
            .map_err(|e| tls_err("CA sign", e))?;
        let cert_pem = cert.pem();
        let cert_der = cert.der().clone();
        Ok(Self {
            issuer: Issuer::new(params, key),
            cert_pem,
            cert_der,
        })
    }

    /// The CA certificate (PEM).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// Issues a server certificate valid for `localhost`, `127.0.0.1`, `::1` and the MilMove
    /// local host names.
    pub fn issue_server(&self) -> Result<CertifiedKeyPem, SimError> {
        let names = [
            "localhost",
            "127.0.0.1",
            "::1",
            "primelocal",
            "officelocal",
            "milmovelocal",
        ];
        self.issue(
            names.iter().map(|s| s.to_string()).collect(),
            "milmove-sim server",
            ExtendedKeyUsagePurpose::ServerAuth,
        )
    }

    /// Issues a client certificate with the given common name (not allowed until its digest is
    /// added to the allow list).
    pub fn issue_client(&self, common_name: &str) -> Result<CertifiedKeyPem, SimError> {
        self.issue(Vec::new(), common_name, ExtendedKeyUsagePurpose::ClientAuth)
    }

    fn issue(
        &self,
        names: Vec<String>,
        common_name: &str,
        usage: ExtendedKeyUsagePurpose,
    ) -> Result<CertifiedKeyPem, SimError> {
        let key = KeyPair::generate().map_err(|e| tls_err("leaf key", e))?;
        let mut params = CertificateParams::new(names).map_err(|e| tls_err("leaf", e))?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.extended_key_usages = vec![usage];
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let cert = params
            .signed_by(&key, &self.issuer)
            .map_err(|e| tls_err("leaf sign", e))?;
        Ok(CertifiedKeyPem {
            sha256: sha256_hex(cert.der()),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// Builds the rustls server config: TLS 1.2/1.3 with ring, a client certificate signed by
    /// this CA is mandatory (no certificate → the handshake fails), ALPN h2 + http/1.1.
    pub fn server_config(
        &self,
        server: &CertifiedKeyPem,
    ) -> Result<Arc<rustls::ServerConfig>, SimError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(self.cert_der.clone())
            .map_err(|e| tls_err("CA root", e))?;
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| tls_err("client verifier", e))?;
        let chain = vec![CertificateDer::from_pem_slice(server.cert_pem.as_bytes())
            .map_err(|e| tls_err("server cert", e))?];
        let key = PrivateKeyDer::from_pem_slice(server.key_pem.as_bytes())
            .map_err(|e| tls_err("server key", e))?;
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_err("protocol versions", e))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .map_err(|e| tls_err("server identity", e))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// The set of client-certificate SHA-256 digests the Prime/Support listener accepts.
#[derive(Debug, Default)]
pub struct AllowedDigests {
    digests: parking_lot::RwLock<HashSet<String>>,
}

impl AllowedDigests {
    /// Adds a digest (hex, any case).
    pub fn allow(&self, digest: &str) {
        self.digests.write().insert(digest.to_ascii_lowercase());
    }

    /// Whether a digest is allowed.
    pub fn contains(&self, digest: &str) -> bool {
        self.digests.read().contains(digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_distinct_client_certs_with_hex_digests() {
        let ca = SimCa::generate().unwrap();
        let a = ca.issue_client("a").unwrap();
        let b = ca.issue_client("b").unwrap();
        assert_eq!(a.sha256.len(), 64);
        assert_ne!(a.sha256, b.sha256);
        assert!(a.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(!format!("{a:?}").contains("PRIVATE"));
        let server = ca.issue_server().unwrap();
        assert!(ca.server_config(&server).is_ok());
    }
}
