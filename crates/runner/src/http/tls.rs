//! TLS for a class: the rustls client configuration both paths use, and failure texts.
//!
//! A class gives its configuration with
//! [`UserClassBuilder::tls`](crate::UserClassBuilder::tls) (client certificate, verification,
//! CA bundle, resumption, ALPN); `--insecure` replaces only its server-certificate verifier.
//! A class without one gets, for the direct path, the public web roots (as reqwest's default)
//! with HTTP/1.1 offered through ALPN. The same configuration goes to reqwest
//! (`use_preconfigured_tls`), so both paths trust, present and resume the same way.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct};
use rustls::{RootCertStore, SignatureScheme};
use std::sync::Arc;

/// The configuration a class's requests use: the class's own (with `--insecure` applied), or
/// `None` when it has none (reqwest then keeps its defaults).
pub(crate) fn class_config(
    given: Option<&Arc<ClientConfig>>,
    insecure: bool,
) -> Option<Arc<ClientConfig>> {
    let given = given?;
    if !insecure {
        return Some(given.clone());
    }
    let mut config = ClientConfig::clone(given);
    let provider = config.crypto_provider().clone();
    config
        .dangerous()
        .set_certificate_verifier(Arc::new(AcceptAnyServerCert(provider)));
    Some(Arc::new(config))
}

/// The direct path's configuration for a class that gave none: the public web roots (or any
/// certificate with `--insecure`), no client certificate, HTTP/1.1 through ALPN.
pub(crate) fn default_config(insecure: bool) -> Result<Arc<ClientConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert(provider)))
            .with_no_client_auth()
    } else {
        let roots = RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Whether the direct path (HTTP/1.1) may use `config`: not when it offers HTTP/2 through
/// ALPN (the class asked for HTTP/2, which reqwest speaks).
pub(crate) fn direct_capable(config: &ClientConfig) -> bool {
    !config.alpn_protocols.iter().any(|p| p == b"h2")
}

/// The server name to verify and send as SNI for `host` (an IP address gets no SNI).
pub(crate) fn server_name(host: &str) -> Option<ServerName<'static>> {
    ServerName::try_from(host.to_string()).ok()
}

/// `--insecure`: any server certificate is accepted; handshake signatures are still checked
/// (a broken handshake still fails).
#[derive(Debug)]
struct AcceptAnyServerCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The failure text of a TLS error, naming what a MilMove engineer must fix: the server's
/// certificate is not trusted, or the server refused (or missed) our client certificate.
pub(crate) fn describe(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(c) => {
            format!(
                "TLS error: server certificate not trusted: {}",
                cert_problem(c)
            )
        }
        rustls::Error::AlertReceived(alert) => match alert {
            AlertDescription::CertificateRequired => {
                "TLS error: the server requires a client certificate (none was sent)".into()
            }
            AlertDescription::UnknownCA => {
                "TLS error: the server rejected the client certificate (unknown CA)".into()
            }
            // What a server sends when a certificate's signature does not verify, e.g. one
            // issued by another CA that has the same name as the one it trusts.
            AlertDescription::DecryptError => "TLS error: the server rejected the client \
                certificate (decrypt error: a signature did not verify)"
                .into(),
            AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
            | AlertDescription::AccessDenied => format!(
                "TLS error: the server rejected the client certificate ({})",
                alert_text(*alert)
            ),
            other => format!("TLS error: the server sent alert `{}`", alert_text(*other)),
        },
        rustls::Error::NoCertificatesPresented => {
            "TLS error: the server presented no certificate".into()
        }
        other => format!("TLS error: {other}"),
    }
}

fn cert_problem(c: &CertificateError) -> String {
    match c {
        CertificateError::UnknownIssuer => "unknown issuer (not signed by a trusted CA)".into(),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => "expired".into(),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "not valid yet".into()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "not valid for the host name".into()
        }
        CertificateError::Revoked => "revoked".into(),
        CertificateError::BadSignature => "bad signature".into(),
        other => format!("{other:?}"),
    }
}

/// An alert's name in words (`UnknownCA` → `unknown CA`, `BadCertificate` → `bad certificate`).
fn alert_text(alert: AlertDescription) -> String {
    let name = format!("{alert:?}");
    let chars: Vec<char> = name.chars().collect();
    let mut words: Vec<String> = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev_lower = i > 0 && chars[i - 1].is_lowercase();
        let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        let prev_upper = i > 0 && chars[i - 1].is_uppercase();
        if words.is_empty() || (c.is_uppercase() && (prev_lower || (prev_upper && next_lower))) {
            words.push(String::new());
        }
        if let Some(w) = words.last_mut() {
            w.push(c);
        }
    }
    let words: Vec<String> = words
        .into_iter()
        .map(|w| {
            if w.len() > 1 && w.chars().all(|c| c.is_uppercase()) {
                w
            } else {
                w.to_lowercase()
            }
        })
        .collect();
    words.join(" ")
}

/// The rustls error behind an I/O error, if any (tokio-rustls wraps them as `InvalidData`).
pub(crate) fn rustls_error(e: &std::io::Error) -> Option<&rustls::Error> {
    e.get_ref()?.downcast_ref::<rustls::Error>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_read_as_words() {
        assert_eq!(alert_text(AlertDescription::UnknownCA), "unknown CA");
        assert_eq!(
            alert_text(AlertDescription::BadCertificate),
            "bad certificate"
        );
        assert_eq!(
            alert_text(AlertDescription::HandshakeFailure),
            "handshake failure"
        );
        assert_eq!(alert_text(AlertDescription::AccessDenied), "access denied");
    }

    #[test]
    fn tls_failures_are_named() {
        let untrusted = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        assert_eq!(
            describe(&untrusted),
            "TLS error: server certificate not trusted: unknown issuer (not signed by a trusted CA)"
        );
        assert_eq!(
            describe(&rustls::Error::AlertReceived(
                AlertDescription::CertificateRequired
            )),
            "TLS error: the server requires a client certificate (none was sent)"
        );
        assert_eq!(
            describe(&rustls::Error::AlertReceived(AlertDescription::UnknownCA)),
            "TLS error: the server rejected the client certificate (unknown CA)"
        );
        assert_eq!(
            describe(&rustls::Error::AlertReceived(
                AlertDescription::DecryptError
            )),
            "TLS error: the server rejected the client certificate (decrypt error: a signature \
             did not verify)"
        );
        let wrapped = std::io::Error::new(std::io::ErrorKind::InvalidData, untrusted.clone());
        assert_eq!(rustls_error(&wrapped), Some(&untrusted));
    }

    #[test]
    fn http2_configs_stay_on_reqwest() {
        let mut c = ClientConfig::clone(&default_config(true).unwrap());
        assert!(direct_capable(&c));
        c.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        assert!(!direct_capable(&c));
    }
}
