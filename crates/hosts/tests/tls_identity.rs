//! Client identities from files, from environment variables and from memory; verification modes;
//! real mutual-TLS handshakes against a local rustls server on 127.0.0.1.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use milmove_hosts::{
    apply_to_reqwest, ClientIdentity, Environment, TlsError, TlsSettings, Verification,
};
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn lookup_from(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn empty_lookup() -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    |_| None
}

#[test]
fn identity_from_files() {
    let pki = common::generate();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
    std::fs::write(&cert, &pki.client_cert_pem).unwrap();
    std::fs::write(&key, &pki.client_key_pem).unwrap();
    let settings = TlsSettings::for_environment(&Environment::Dp3)
        .env_lookup(empty_lookup())
        .client_identity_files(&cert, &key)
        .require_client_identity(true);
    let identity = settings.resolve_identity().unwrap().unwrap();
    assert_eq!(identity.certificates().len(), 1);
    settings.build().unwrap();
}

#[test]
fn local_identity_from_the_devlocal_files_in_a_tls_dir() {
    let pki = common::generate();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("devlocal-mtls.cer"), &pki.client_cert_pem).unwrap();
    std::fs::write(dir.path().join("devlocal-mtls.key"), &pki.client_key_pem).unwrap();
    let settings = TlsSettings::for_environment(&Environment::Local)
        .env_lookup(empty_lookup())
        .local_tls_dir(dir.path())
        .require_client_identity(true);
    assert!(settings.resolve_identity().unwrap().is_some());
    assert_eq!(settings.verification(), Verification::Off);
    settings.build().unwrap();
}

#[test]
fn local_without_identity_names_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let err = TlsSettings::for_environment(&Environment::Local)
        .env_lookup(empty_lookup())
        .local_tls_dir(dir.path())
        .require_client_identity(true)
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, TlsError::MissingClientIdentity { .. }));
    assert!(text.contains("MOVE_MIL_LOCAL_TLS_CERT"), "{text}");
    assert!(text.contains("devlocal-mtls.cer"), "{text}");
    assert!(text.contains(&dir.path().display().to_string()), "{text}");
}

#[test]
fn identity_from_env_vars_per_environment() {
    let pki = common::generate();
    for (env, infix) in [
        (Environment::Local, "LOCAL"),
        (Environment::Exp, "EXP"),
        (Environment::Dod, "DOD"),
        (Environment::Dp3, "DP3"),
    ] {
        let cert_var = format!("MOVE_MIL_{infix}_TLS_CERT");
        let key_var = format!("MOVE_MIL_{infix}_TLS_KEY");
        let settings = TlsSettings::for_environment(&env)
            .env_lookup(lookup_from(&[
                (&cert_var, &pki.client_cert_pem),
                (&key_var, &pki.client_key_pem),
                ("MOVE_MIL_DOD_CA_BUNDLE", &pki.ca_pem),
            ]))
            .require_client_identity(true);
        assert!(settings.resolve_identity().unwrap().is_some(), "{env}");
        settings.build().unwrap();
        // Another environment's variables are not used.
        let other = TlsSettings::for_environment(&Environment::Dp3).env_lookup(lookup_from(&[
            ("MOVE_MIL_OTHER_TLS_CERT", &pki.client_cert_pem),
            ("MOVE_MIL_OTHER_TLS_KEY", &pki.client_key_pem),
        ]));
        assert!(other.resolve_identity().unwrap().is_none());
    }
}

#[test]
fn env_values_with_escaped_newlines_are_accepted() {
    let pki = common::generate();
    let cert = pki.client_cert_pem.replace('\n', "\\n");
    let key = pki.client_key_pem.replace('\n', "\\n");
    let identity = ClientIdentity::from_env_vars(
        "DP3",
        &lookup_from(&[
            ("MOVE_MIL_DP3_TLS_CERT", &cert),
            ("MOVE_MIL_DP3_TLS_KEY", &key),
        ]),
    )
    .unwrap();
    assert!(identity.is_some());
}

#[test]
fn half_set_env_vars_are_an_error_naming_the_missing_one() {
    let pki = common::generate();
    let err = ClientIdentity::from_env_vars(
        "EXP",
        &lookup_from(&[("MOVE_MIL_EXP_TLS_CERT", &pki.client_cert_pem)]),
    )
    .unwrap_err();
    assert!(err.to_string().contains("MOVE_MIL_EXP_TLS_KEY"), "{err}");
}

#[test]
fn malformed_pem_is_an_error_without_echoing_the_secret() {
    let err = ClientIdentity::from_pem(b"garbage", b"secret-key-text", "MOVE_MIL_DP3_TLS_CERT")
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, TlsError::InvalidPem { .. }));
    assert!(text.contains("MOVE_MIL_DP3_TLS_CERT"));
    assert!(!text.contains("secret-key-text"));
    let pki = common::generate();
    let err =
        ClientIdentity::from_pem(pki.client_cert_pem.as_bytes(), b"not a key", "x").unwrap_err();
    assert!(err.to_string().contains("private key"), "{err}");
}

#[test]
fn key_that_does_not_match_the_certificate_is_rejected() {
    let a = common::generate();
    let b = common::generate();
    let identity = ClientIdentity::from_pem(
        a.client_cert_pem.as_bytes(),
        b.client_key_pem.as_bytes(),
        "mix",
    )
    .unwrap();
    let err = TlsSettings::for_environment(&Environment::Dp3)
        .client_identity(identity)
        .build()
        .unwrap_err();
    assert!(matches!(err, TlsError::Rustls(_)), "{err}");
}

#[test]
fn debug_output_redacts_the_key() {
    let pki = common::generate();
    let identity = ClientIdentity::from_pem(
        pki.client_cert_pem.as_bytes(),
        pki.client_key_pem.as_bytes(),
        "test",
    )
    .unwrap();
    let text = format!("{identity:?}");
    assert!(text.contains("redacted"));
    let body = pki.client_key_pem.lines().nth(1).unwrap();
    assert!(!text.contains(body));
    let settings = TlsSettings::for_environment(&Environment::Sim).client_identity(identity);
    assert!(!format!("{settings:?}").contains(body));
}

#[test]
fn verification_defaults_per_environment() {
    let cases = [
        (Environment::Local, Verification::Off),
        (Environment::Exp, Verification::PublicRoots),
        (Environment::Dod, Verification::CaBundle),
        (Environment::Dp3, Verification::PublicRoots),
        (Environment::Sim, Verification::CaBundle),
        ("https://x.test".parse().unwrap(), Verification::PublicRoots),
    ];
    for (env, expected) in cases {
        assert_eq!(
            TlsSettings::for_environment(&env).verification(),
            expected,
            "{env}"
        );
    }
}

#[test]
fn dod_and_sim_need_a_ca_bundle() {
    for env in [Environment::Dod, Environment::Sim] {
        let err = TlsSettings::for_environment(&env)
            .env_lookup(empty_lookup())
            .build()
            .unwrap_err();
        assert!(matches!(err, TlsError::MissingCa { .. }), "{env}: {err}");
    }
    let pki = common::generate();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("dod-ca.pem");
    std::fs::write(&bundle, &pki.ca_pem).unwrap();
    TlsSettings::for_environment(&Environment::Dod)
        .env_lookup(empty_lookup())
        .ca_bundle_file(&bundle)
        .build()
        .unwrap();
    let path = bundle.display().to_string();
    TlsSettings::for_environment(&Environment::Dod)
        .env_lookup(lookup_from(&[("MOVE_MIL_DOD_CA_BUNDLE", &path)]))
        .build()
        .unwrap();
    let missing = dir.path().join("nope.pem");
    let err = TlsSettings::for_environment(&Environment::Dod)
        .ca_bundle_file(&missing)
        .build()
        .unwrap_err();
    assert!(matches!(err, TlsError::ReadFile { .. }) && err.to_string().contains("nope.pem"));
}

#[test]
fn alpn_offers_http1_by_default_and_h2_on_request() {
    let env = Environment::Dp3;
    let config = TlsSettings::for_environment(&env).build().unwrap();
    assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    let config = TlsSettings::for_environment(&env)
        .http2(true)
        .build()
        .unwrap();
    assert_eq!(config.alpn_protocols[0], b"h2".to_vec());
}

/// Serves one HTTP/1.1 response per connection on 127.0.0.1, requiring a client certificate
/// from the PKI's CA when `mtls` is set. Returns the port.
async fn serve(pki: &common::TestPki, mtls: bool, connections: usize) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(pki.server_cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_slice(pki.server_key_pem.as_bytes()).unwrap();
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let config = if mtls {
        let mut roots = rustls::RootCertStore::empty();
        for ca in CertificateDer::pem_slice_iter(pki.ca_pem.as_bytes()) {
            roots.add(ca.unwrap()).unwrap();
        }
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .unwrap();
        builder
            .with_client_cert_verifier(verifier)
            .with_single_cert(certs, key)
            .unwrap()
    } else {
        builder
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap()
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        for _ in 0..connections {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let mut buf = [0u8; 4096];
                    let _ = tls.read(&mut buf).await;
                    let body = "hello";
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(response.as_bytes()).await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn mutual_tls_request_with_sim_settings_succeeds() {
    let pki = common::generate();
    let port = serve(&pki, true, 1).await;
    let identity = ClientIdentity::from_pem(
        pki.client_cert_pem.as_bytes(),
        pki.client_key_pem.as_bytes(),
        "sim dev client",
    )
    .unwrap();
    let config = TlsSettings::for_environment(&Environment::Sim)
        .ca_pem(&pki.ca_pem)
        .client_identity(identity)
        .require_client_identity(true)
        .build()
        .unwrap();
    let client = apply_to_reqwest(reqwest::Client::builder(), &config)
        .build()
        .unwrap();
    let response = client
        .get(format!("https://localhost:{port}/prime/v1/moves"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "hello");
}

#[tokio::test]
async fn mutual_tls_without_identity_is_refused() {
    let pki = common::generate();
    let port = serve(&pki, true, 1).await;
    let config = TlsSettings::for_environment(&Environment::Sim)
        .ca_pem(&pki.ca_pem)
        .without_client_identity()
        .build()
        .unwrap();
    let client = apply_to_reqwest(reqwest::Client::builder(), &config)
        .build()
        .unwrap();
    let result = client
        .get(format!("https://localhost:{port}/"))
        .send()
        .await;
    assert!(
        result.is_err(),
        "server must refuse a client without certificate"
    );
}

/// GETs `/` on a plain-TLS test server with `config`: `Ok(status)` or the error text.
async fn get_with(config: &Arc<rustls::ClientConfig>, port: u16) -> Result<u16, String> {
    let client = apply_to_reqwest(reqwest::Client::builder(), config)
        .build()
        .unwrap();
    client
        .get(format!("https://localhost:{port}/"))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| format!("{e:?}"))
}

#[tokio::test]
async fn server_certificates_are_verified_per_environment() {
    // The test server's certificate is signed by a private CA: no public root knows it.
    let pki = common::generate();
    let other = common::generate();
    let port = serve(&pki, false, 6).await;
    let build = |settings: TlsSettings| settings.without_client_identity().build().unwrap();

    // dp3: the public roots only → the private CA is rejected; adding it makes it pass.
    let dp3 = TlsSettings::for_environment(&Environment::Dp3).env_lookup(empty_lookup());
    let err = get_with(&build(dp3.clone()), port).await.unwrap_err();
    assert!(
        err.contains("certificate") || err.contains("Certificate"),
        "{err}"
    );
    assert_eq!(
        get_with(&build(dp3.ca_pem(&pki.ca_pem)), port).await,
        Ok(200)
    );

    // dod: only the CA bundle → the right bundle passes, another CA's bundle is rejected.
    let dod = |ca: &str| {
        TlsSettings::for_environment(&Environment::Dod)
            .env_lookup(lookup_from(&[("MOVE_MIL_DOD_CA_BUNDLE", ca)]))
    };
    assert_eq!(get_with(&build(dod(&pki.ca_pem)), port).await, Ok(200));
    assert!(get_with(&build(dod(&other.ca_pem)), port).await.is_err());

    // sim: the stand-in's CA only.
    let sim = |ca: &str| TlsSettings::for_environment(&Environment::Sim).ca_pem(ca);
    assert_eq!(get_with(&build(sim(&pki.ca_pem)), port).await, Ok(200));
    assert!(get_with(&build(sim(&other.ca_pem)), port).await.is_err());
}

#[tokio::test]
async fn local_verification_off_accepts_an_unknown_server_certificate() {
    let pki = common::generate();
    let port = serve(&pki, false, 1).await;
    let config = TlsSettings::for_environment(&Environment::Local)
        .env_lookup(empty_lookup())
        .without_client_identity()
        .build()
        .unwrap();
    let client = apply_to_reqwest(reqwest::Client::builder(), &config)
        .build()
        .unwrap();
    let response = client
        .get(format!("https://127.0.0.1:{port}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
