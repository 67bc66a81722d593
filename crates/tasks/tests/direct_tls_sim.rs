//! The engine's direct HTTPS path against the stand-in's mutual-TLS port, with the client
//! configuration `milmove-hosts` builds (as the apps do): the dev certificate is accepted and
//! each user keeps its own connection; no certificate, or one of another CA, is a named TLS
//! failure; a server certificate that is not trusted is a named failure unless `--insecure`.
//! The MilMove classes hand their configuration to the engine with `UserClassBuilder::tls`.

use milmove_hosts::{ClientIdentity, Environment, TlsSettings, Verification};
use milmove_runner::rustls::ClientConfig;
use milmove_runner::{
    ClientSettings, EndReason, Hooks, RunConfig, Runner, TaskError, TaskResult, User, UserClass,
};
use milmove_sim::tls::CertifiedKeyPem;
use milmove_sim::{SimConfig, SimHandle, SimServer};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The stand-in, or `None` (loudly) without the real specs; in CI they are required.
async fn start_sim() -> Option<SimHandle> {
    let dir = match milmove_parser::find_spec_dir(None) {
        Ok(dir) => dir,
        Err(e) => {
            assert!(std::env::var_os("CI").is_none(), "CI needs the specs: {e}");
            eprintln!("SKIPPED: {e}");
            return None;
        }
    };
    let config = SimConfig {
        spec_dir: Some(dir),
        ..SimConfig::default()
    };
    Some(SimServer::start(config).await.expect("stand-in starts"))
}

/// The mutual-TLS configuration as the apps build it for `--host sim`, with `identity`
/// (none: no client certificate) and `trust_sim` (false: the public roots only).
fn config(
    sim: &SimHandle,
    identity: Option<&CertifiedKeyPem>,
    trust_sim: bool,
) -> Arc<ClientConfig> {
    let mut tls = TlsSettings::for_environment(&Environment::Sim);
    if trust_sim {
        tls = tls.ca_pem(&sim.ca_pem);
    } else {
        tls = tls.with_verification(Verification::PublicRoots);
    }
    tls = match identity {
        Some(id) => tls.client_identity(
            ClientIdentity::from_pem(id.cert_pem.as_bytes(), id.key_pem.as_bytes(), "test")
                .unwrap(),
        ),
        None => tls.without_client_identity(),
    };
    tls.build().unwrap()
}

fn dev(sim: &SimHandle) -> CertifiedKeyPem {
    CertifiedKeyPem {
        cert_pem: sim.client_cert_pem.clone(),
        key_pem: sim.client_key_pem.clone(),
        sha256: sim.client_sha256.clone(),
    }
}

type Log = Arc<Mutex<Vec<(String, bool)>>>;

async fn list_moves_twice(u: &mut User<Log>) -> TaskResult {
    for _ in 0..2 {
        let r = u
            .get("/prime/v1/moves")
            .name("/prime/v1/moves")
            .send()
            .await;
        let text = match r.error() {
            None => r.status_code().to_string(),
            Some(e) => e.to_string(),
        };
        let own = u.http.has_own_connection();
        u.state.lock().unwrap().push((text, own));
    }
    Err(TaskError::stop_user())
}

async fn run(sim: &SimHandle, tls: Arc<ClientConfig>, insecure: bool) -> Vec<(String, bool)> {
    let log: Log = Arc::default();
    let l2 = log.clone();
    let class = UserClass::with_state("PrimeUser", move || l2.clone())
        .task(1, list_moves_twice)
        .tls(tls)
        .build();
    let cfg = RunConfig {
        host: Some(sim.mtls_url.clone()),
        users: 1,
        spawn_rate: 10.0,
        run_time: Some(Duration::from_secs(30)),
        client: ClientSettings {
            insecure,
            ..ClientSettings::default()
        },
        ..RunConfig::default()
    };
    let runner = Runner::start(cfg, vec![class], Hooks::default(), None).unwrap();
    assert_eq!(runner.wait().await.reason, EndReason::AllUsersStopped);
    let seen = log.lock().unwrap().clone();
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_direct_path_speaks_mutual_tls_to_the_stand_in() {
    let Some(sim) = start_sim().await else {
        return;
    };
    let ok = vec![("200".to_string(), true), ("200".to_string(), true)];
    // The dev certificate: accepted, one kept-alive connection held by the user.
    assert_eq!(
        run(&sim, config(&sim, Some(&dev(&sim)), true), false).await,
        ok
    );

    let both = |text: &str| vec![(text.to_string(), false), (text.to_string(), false)];
    // No client certificate.
    assert_eq!(
        run(&sim, config(&sim, None, true), false).await,
        both("TLS error: the server requires a client certificate (none was sent)")
    );
    // A certificate of another CA (one with the same name as the stand-in's, so the server
    // finds its issuer by name and then the signature fails).
    let outsider = milmove_sim::tls::SimCa::generate()
        .unwrap()
        .issue_client("outsider")
        .unwrap();
    assert_eq!(
        run(&sim, config(&sim, Some(&outsider), true), false).await,
        both(
            "TLS error: the server rejected the client certificate (decrypt error: a \
             signature did not verify)"
        )
    );
    // The stand-in's certificate is not among the public roots; `--insecure` accepts it.
    assert_eq!(
        run(&sim, config(&sim, Some(&dev(&sim)), false), false).await,
        both("TLS error: server certificate not trusted: unknown issuer (not signed by a trusted CA)")
    );
    assert_eq!(
        run(&sim, config(&sim, Some(&dev(&sim)), false), true).await,
        ok
    );

    // The MilMove classes hand the engine the configuration they are given.
    let dir = milmove_parser::find_spec_dir(None).unwrap();
    let shared =
        milmove_tasks::context::Shared::new(milmove_tasks::apis::Apis::from_dir(&dir).unwrap(), 16);
    let tls = config(&sim, Some(&dev(&sim)), true);
    let class = milmove_tasks::classes::prime_user().build(
        &shared,
        milmove_tasks::catalog::ClassOptions {
            host: sim.mtls_url.clone(),
            tls: Some(tls.clone()),
            weight: 1,
            wait: milmove_runner::Wait::constant(1.0),
        },
    );
    assert!(Arc::ptr_eq(class.tls().unwrap(), &tls));
    sim.shutdown().await;
}
