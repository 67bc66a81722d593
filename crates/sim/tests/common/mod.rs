//! Shared helpers for the stand-in's integration tests (all traffic on 127.0.0.1).
#![allow(dead_code)]

use std::sync::Arc;

use milmove_sim::api::Api;
use milmove_sim::tls::CertifiedKeyPem;
use milmove_sim::{Audit, SeedSize, SimConfig, SimHandle, SimServer};
use reqwest::cookie::CookieStore;
use serde_json::Value;

/// The real specs' directory (`MILMOVE_SWAGGER_DIR` or found beside the checkout), or `None`
/// (with a loud skip notice) when there is none. In CI (`CI` set) a missing directory fails the
/// test instead of skipping it.
pub fn spec_dir() -> Option<std::path::PathBuf> {
    match milmove_parser::find_spec_dir(None) {
        Ok(dir) => Some(dir),
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "these tests need the real specs in CI: {e}"
            );
            eprintln!("SKIPPED: {e}");
            None
        }
    }
}

/// Starts a stand-in on free ports, or returns `None` when the real specs are not available
/// (see [`spec_dir`]).
pub async fn start() -> Option<SimHandle> {
    start_with(|_| {}).await
}

/// [`start`] with a configuration changed by `tune`.
pub async fn start_with(tune: impl FnOnce(&mut SimConfig)) -> Option<SimHandle> {
    let dir = spec_dir()?;
    let mut config = SimConfig {
        spec_dir: Some(dir),
        seed: SeedSize {
            prime_moves: 4,
            office_moves: 3,
        },
        audit: Audit::InMemory,
        ..SimConfig::default()
    };
    tune(&mut config);
    Some(SimServer::start(config).await.expect("stand-in starts"))
}

/// Checks that every response the stand-in sent for a spec operation matched that
/// operation's declared responses (the response audit), then shuts it down.
pub async fn finish(sim: SimHandle) {
    let audit = sim
        .audit()
        .expect("the tests' stand-in audits its responses");
    assert_eq!(
        audit.violations, 0,
        "{} of {} responses do not match their operation's spec:\n{:#?}",
        audit.violations, audit.checked, audit.samples
    );
    sim.shutdown().await;
}

/// An HTTPS client trusting the stand-in's CA, presenting `identity` if given.
pub fn tls_client(sim: &SimHandle, identity: Option<&CertifiedKeyPem>) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(sim.ca_pem.as_bytes()).expect("CA PEM");
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(ca)
        .timeout(std::time::Duration::from_secs(30));
    if let Some(id) = identity {
        let pem = format!("{}{}", id.cert_pem, id.key_pem);
        builder = builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).expect("identity"));
    }
    builder.build().expect("client")
}

/// The Prime/Support client with the dev certificate.
pub fn prime_client(sim: &SimHandle) -> reqwest::Client {
    let dev = CertifiedKeyPem {
        cert_pem: sim.client_cert_pem.clone(),
        key_pem: sim.client_key_pem.clone(),
        sha256: String::new(),
    };
    tls_client(sim, Some(&dev))
}

/// A browser-like client of the office or customer app.
pub struct Browser {
    pub client: reqwest::Client,
    pub jar: Arc<reqwest::cookie::Jar>,
    pub base: String,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("client");
        Browser {
            client,
            jar,
            base: base.to_string(),
        }
    }

    /// The current masked CSRF token from the cookie jar.
    pub fn csrf(&self) -> String {
        let url = self.base.parse().expect("url");
        let cookies = self.jar.cookies(&url).expect("cookies set");
        let text = cookies.to_str().expect("ascii").to_string();
        text.split("; ")
            .find_map(|c| c.strip_prefix("masked_gorilla_csrf="))
            .expect("masked_gorilla_csrf cookie")
            .to_string()
    }

    /// Devlocal login as MilMove does it: GET the login page, POST create with the token.
    pub async fn login(&self, user_type: &str) -> reqwest::StatusCode {
        let page = self
            .client
            .get(format!("{}/devlocal-auth/login", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        self.client
            .post(format!("{}/devlocal-auth/create", self.base))
            .header("X-CSRF-Token", self.csrf())
            .form(&[("userType", user_type)])
            .send()
            .await
            .unwrap()
            .status()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

/// Asserts `body` validates against the response schema of `method path_template` → `status`.
pub fn assert_valid_response(
    sim: &SimHandle,
    api: Api,
    method: &str,
    template: &str,
    status: u16,
    body: &Value,
) {
    let spec = sim.state().specs.get(api).expect("spec");
    let op = spec.parser.operation(template, method).expect("operation");
    if let Some(v) = spec.response_validator(op, status) {
        if let Err(errors) = v.validate(body) {
            panic!("{method} {template} {status} response invalid: {errors:#?}\nbody: {body:#}");
        }
    }
}

/// Sends a request and returns (status, JSON body or Null).
pub async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap_or_default();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}
