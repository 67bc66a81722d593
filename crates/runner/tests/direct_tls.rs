//! HTTPS and mutual TLS on both paths: a class's rustls configuration (client certificate,
//! trusted CA) is used for each user's own connection and for reqwest; TLS failures are named
//! (no client certificate, a certificate of another CA, an untrusted server certificate) and
//! never panic; `--insecure` accepts the server's certificate; SNI is sent for host names;
//! a class that offers HTTP/2 stays on reqwest.

mod support;

use milmove_runner::rustls::ClientConfig;
use milmove_runner::{
    ClientSettings, EndReason, Hooks, RunConfig, Runner, TaskError, TaskResult, User, UserClass,
};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::certs::{client_config, server_config, TestCa};
use support::faulty::{self, Behaviour, FaultyOptions, FaultyServer};

/// What the user saw: each request's outcome, and whether it held its own connection after.
type Log = Arc<Mutex<Vec<(String, bool)>>>;

async fn twice(u: &mut User<Log>) -> TaskResult {
    for _ in 0..2 {
        let r = u.get("/moves").name("/moves").send().await;
        let text = match r.error() {
            None => format!("{} {}", r.status_code(), r.text()),
            Some(e) => e.to_string(),
        };
        let own = u.http.has_own_connection();
        u.state.lock().unwrap().push((text, own));
    }
    Err(TaskError::stop_user())
}

struct Case {
    tls: Option<Arc<ClientConfig>>,
    insecure: bool,
    reqwest_only: bool,
}

async fn run(url: &str, case: Case) -> Vec<(String, bool)> {
    let log: Log = Arc::default();
    let l2 = log.clone();
    let mut class = UserClass::with_state("Tls", move || l2.clone()).task(1, twice);
    if let Some(tls) = case.tls {
        class = class.tls(tls);
    }
    if case.reqwest_only {
        class = class.reqwest_only();
    }
    let cfg = RunConfig {
        host: Some(url.to_string()),
        users: 1,
        spawn_rate: 10.0,
        run_time: Some(Duration::from_secs(20)),
        client: ClientSettings {
            insecure: case.insecure,
            request_timeout: Some(Duration::from_secs(5)),
            ..ClientSettings::default()
        },
        ..RunConfig::default()
    };
    let runner = Runner::start(cfg, vec![class.build()], Hooks::default(), None).unwrap();
    let outcome = runner.wait().await;
    assert_eq!(outcome.reason, EndReason::AllUsersStopped);
    assert!(runner.stats().snapshot().exceptions.is_empty());
    let seen = log.lock().unwrap().clone();
    seen
}

/// The stand-in's shape: a server certificate from `server_ca`, client certificates from
/// `client_ca` required.
async fn mtls_server(server_ca: &TestCa, client_ca: &TestCa, localhost: bool) -> FaultyServer {
    faulty::start(FaultyOptions {
        mix: vec![(Behaviour::WellFormed, 1)],
        tls: Some(server_config(server_ca, Some(client_ca))),
        localhost,
        ..FaultyOptions::default()
    })
    .await
}

const OK: &str = r#"200 {"status":"APPROVED","locator":"ABC123"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_with_the_class_config_on_both_paths() {
    let (server_ca, client_ca) = (TestCa::new("server CA"), TestCa::new("client CA"));
    for reqwest_only in [false, true] {
        let server = mtls_server(&server_ca, &client_ca, true).await;
        let identity = client_ca.client_identity("prime user");
        let seen = run(
            &server.url,
            Case {
                tls: Some(client_config(&server_ca, Some(identity))),
                insecure: false,
                reqwest_only,
            },
        )
        .await;
        // Two requests on one kept-alive connection; the direct path holds it per user.
        let own = !reqwest_only;
        assert_eq!(
            seen,
            vec![(OK.into(), own), (OK.into(), own)],
            "{reqwest_only}"
        );
        assert_eq!(server.counts.read(), 2);
        assert_eq!(server.counts.handshakes.load(Ordering::SeqCst), 1);
        // A host name: SNI is sent.
        assert_eq!(
            *server.counts.sni.lock().unwrap(),
            vec!["localhost".to_string()]
        );
    }
}

/// Each case's failure text, identical on both paths; the server read nothing.
async fn failure_on_both_paths(
    server_ca: &TestCa,
    client_ca: &TestCa,
    tls: Arc<ClientConfig>,
    expected: &str,
) {
    for reqwest_only in [false, true] {
        let server = mtls_server(server_ca, client_ca, false).await;
        let seen = run(
            &server.url,
            Case {
                tls: Some(tls.clone()),
                insecure: false,
                reqwest_only,
            },
        )
        .await;
        let texts: Vec<&str> = seen.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            texts,
            vec![expected, expected],
            "reqwest only: {reqwest_only}"
        );
        assert_eq!(server.counts.read(), 0);
        assert!(server.counts.handshake_failures.load(Ordering::SeqCst) >= 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_client_certificate_is_a_named_failure() {
    let (server_ca, client_ca) = (TestCa::new("server CA"), TestCa::new("client CA"));
    failure_on_both_paths(
        &server_ca,
        &client_ca,
        client_config(&server_ca, None),
        "TLS error: the server requires a client certificate (none was sent)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_certificate_of_another_ca_is_a_named_failure() {
    let (server_ca, client_ca) = (TestCa::new("server CA"), TestCa::new("client CA"));
    let stranger = TestCa::new("another CA").client_identity("stranger");
    failure_on_both_paths(
        &server_ca,
        &client_ca,
        client_config(&server_ca, Some(stranger)),
        "TLS error: the server rejected the client certificate (unknown CA)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_server_certificate_fails_unless_insecure() {
    let (server_ca, client_ca) = (TestCa::new("server CA"), TestCa::new("client CA"));
    let wrong_trust = TestCa::new("not the server's CA");
    let identity = || Some(client_ca.client_identity("prime user"));
    failure_on_both_paths(
        &server_ca,
        &client_ca,
        client_config(&wrong_trust, identity()),
        "TLS error: server certificate not trusted: unknown issuer (not signed by a trusted CA)",
    )
    .await;
    // --insecure: the server's certificate is accepted; the client certificate still goes.
    for reqwest_only in [false, true] {
        let server = mtls_server(&server_ca, &client_ca, false).await;
        let seen = run(
            &server.url,
            Case {
                tls: Some(client_config(&wrong_trust, identity())),
                insecure: true,
                reqwest_only,
            },
        )
        .await;
        let own = !reqwest_only;
        assert_eq!(seen, vec![(OK.into(), own), (OK.into(), own)]);
        // An IP address: no SNI.
        assert!(server.counts.sni.lock().unwrap().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_without_a_class_config_uses_public_roots_or_insecure() {
    let server_ca = TestCa::new("private CA");
    let server = faulty::start(FaultyOptions {
        mix: vec![(Behaviour::WellFormed, 1)],
        tls: Some(server_config(&server_ca, None)),
        ..FaultyOptions::default()
    })
    .await;
    let plain = |insecure| Case {
        tls: None,
        insecure,
        reqwest_only: false,
    };
    // A private CA is not among the public roots.
    let seen = run(&server.url, plain(false)).await;
    assert!(
        seen[0]
            .0
            .starts_with("TLS error: server certificate not trusted: unknown issuer"),
        "{seen:?}"
    );
    let seen = run(&server.url, plain(true)).await;
    assert_eq!(seen, vec![(OK.into(), true), (OK.into(), true)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_class_offering_http2_stays_on_reqwest() {
    let server_ca = TestCa::new("server CA");
    let server = faulty::start(FaultyOptions {
        mix: vec![(Behaviour::WellFormed, 1)],
        tls: Some(server_config(&server_ca, None)),
        ..FaultyOptions::default()
    })
    .await;
    let mut config = ClientConfig::clone(&client_config(&server_ca, None));
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let seen = run(
        &server.url,
        Case {
            tls: Some(Arc::new(config)),
            insecure: false,
            reqwest_only: false,
        },
    )
    .await;
    // The server speaks HTTP/1.1 only: ALPN settles on it, through reqwest.
    assert_eq!(seen, vec![(OK.into(), false), (OK.into(), false)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_is_a_connection_error() {
    let server_ca = TestCa::new("server CA");
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let seen = run(
        &format!("https://127.0.0.1:{closed}"),
        Case {
            tls: Some(client_config(&server_ca, None)),
            insecure: false,
            reqwest_only: false,
        },
    )
    .await;
    assert!(seen[0].0.starts_with("connection error: "), "{seen:?}");
}
