//! Every operation that answers 2xx to a plain request (path parameters filled, no body)
//! returns a body that validates against its declared response schema: the stateful handlers
//! and the spec-generated answers alike.

mod common;

use std::sync::Arc;

use axum::body::Body;
use milmove_sim::api::Api;
use milmove_sim::auth::csrf::CsrfSecret;
use milmove_sim::auth::{App, Session};
use milmove_sim::pipeline::{handle, Listener};
use milmove_sim::state::model::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_bodies_validate_for_every_operation() {
    let Some(sim) = common::start().await else {
        return;
    };
    let state = sim.state().clone();
    let token = state.sessions.create(Session {
        user_id: uuid::Uuid::new_v4(),
        app: App::Office,
        roles: vec![
            Role::Too,
            Role::Tio,
            Role::ServicesCounselor,
            Role::Qae,
            Role::Hq,
        ],
        office_user_id: Some(uuid::Uuid::new_v4()),
        service_member_id: None,
        email: "check@example.com".into(),
    });
    let secret = CsrfSecret::generate();
    let cookie = format!(
        "_gorilla_csrf={}; office_session_token={token}",
        secret.cookie_value()
    );
    // Real ids where the stateful handlers need them: a seeded move available to the Prime.
    let prime_move = state.store.prime_move_ids(None)[0];
    let locator = state.store.get_move(&prime_move).unwrap().locator;
    let (mut validated, mut failures) = (0, Vec::new());
    for api in Api::ALL {
        let spec = state.specs.get(api).unwrap().clone();
        for op in spec.parser.operations() {
            let mut path = op.path.clone();
            for p in &op.parameters {
                let value = if p.name.to_ascii_lowercase().contains("locator") || p.name == "moveID"
                {
                    locator.clone()
                } else if p.name.starts_with("move") {
                    prime_move.to_string()
                } else {
                    uuid::Uuid::new_v4().to_string()
                };
                path = path.replace(&format!("{{{}}}", p.name), &value);
            }
            let listener = if api.is_mtls() {
                Listener::Mtls
            } else {
                Listener::Office
            };
            let req = http::Request::builder()
                .method(op.method.as_str())
                .uri(format!("{}{path}", api.base_path()))
                .header("Cookie", &cookie)
                .header("X-CSRF-Token", secret.masked())
                .header("If-Match", "x")
                .body(Body::empty())
                .unwrap();
            let digest = api
                .is_mtls()
                .then(|| Arc::<str>::from(sim.client_sha256.as_str()));
            let response = handle(state.clone(), listener, digest, req).await;
            let status = response.status().as_u16();
            assert!(status < 500, "{} {path} → {status}", op.method);
            let media = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            if !(200..300).contains(&status) || bytes.is_empty() {
                continue;
            }
            if !media.starts_with("application/json") {
                // Downloads and streams: the media type the operation produces.
                assert!(
                    op.produces.iter().any(|p| media.starts_with(p.as_str())),
                    "{api:?} {} {}: {media} not in {:?}",
                    op.method,
                    op.path,
                    op.produces
                );
                validated += 1;
                continue;
            }
            let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            if let Some(v) = spec.response_validator(op, status) {
                match v.validate(&body) {
                    Ok(()) => validated += 1,
                    Err(e) => failures.push(format!(
                        "{api:?} {} {} {status}: {:?}",
                        op.method,
                        op.path,
                        &e[..e.len().min(3)]
                    )),
                }
            }
        }
    }
    eprintln!("validated {validated} success bodies");
    assert!(
        failures.is_empty(),
        "{} invalid bodies:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(validated > 60, "only {validated} bodies validated");
    common::finish(sim).await;
}
