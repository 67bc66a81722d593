//! Malformed bodies, path parameters, query parameters and headers sent to every operation
//! of every API get 4xx answers, never 5xx. Requests go through the same pipeline as network
//! traffic (in-process, so thousands of cases stay fast and bounded).

mod common;

use std::sync::Arc;

use axum::body::Body;
use milmove_sim::api::Api;
use milmove_sim::auth::csrf::CsrfSecret;
use milmove_sim::auth::{App, Session};
use milmove_sim::pipeline::{handle, Listener};
use milmove_sim::state::model::Role;
use milmove_sim::SimState;
use proptest::prelude::*;

struct Caller {
    state: Arc<SimState>,
    digest: Arc<str>,
    cookie: String,
    csrf: String,
}

impl Caller {
    fn new(sim: &milmove_sim::SimHandle) -> Self {
        let state = sim.state().clone();
        let token = state.sessions.create(Session {
            user_id: uuid::Uuid::new_v4(),
            app: App::Office,
            roles: vec![Role::Too, Role::Tio, Role::ServicesCounselor],
            office_user_id: Some(uuid::Uuid::new_v4()),
            service_member_id: None,
            email: "fuzz@example.com".into(),
        });
        let secret = CsrfSecret::generate();
        Caller {
            digest: Arc::from(sim.client_sha256.as_str()),
            cookie: format!(
                "_gorilla_csrf={}; office_session_token={token}",
                secret.cookie_value()
            ),
            csrf: secret.masked(),
            state,
        }
    }

    async fn call(
        &self,
        api: Api,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> u16 {
        let listener = if api.is_mtls() {
            Listener::Mtls
        } else {
            Listener::Office
        };
        let mut req = http::Request::builder().method(method).uri(path);
        req = req
            .header("Cookie", &self.cookie)
            .header("X-CSRF-Token", &self.csrf);
        req = req.header("Content-Type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let Ok(req) = req.body(Body::from(body)) else {
            return 400;
        };
        let digest = listener.eq(&Listener::Mtls).then(|| self.digest.clone());
        handle(self.state.clone(), listener, digest, req)
            .await
            .status()
            .as_u16()
    }
}

/// Percent-encodes everything but unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn concrete(template: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        out.push_str(&encode(value));
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// One malformed call: path with query, extra headers, body, and whether it must be a 4xx.
type MalformedCase<'a> = (String, Vec<(&'a str, String)>, Vec<u8>, bool);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_rejects_malformed_input_without_5xx() {
    let Some(sim) = common::start().await else {
        return;
    };
    let caller = Caller::new(&sim);
    let mut checked = 0;
    for api in Api::ALL {
        let spec = sim.state().specs.get(api).unwrap().clone();
        for op in spec.parser.operations() {
            let has_uuid_path_param = op.parameters.iter().any(|p| {
                p.location == milmove_parser::ParamLocation::Path
                    && p.schema.get("format").and_then(|f| f.as_str()) == Some("uuid")
            });
            let base = api.base_path();
            let valid_path = concrete(&op.path, "5f0c6f4e-1d2b-4f7a-9f0e-3b1c2d3e4f5a");
            let cases: Vec<MalformedCase> = vec![
                (
                    valid_path.clone(),
                    vec![],
                    b"{not json".to_vec(),
                    op.has_json_body,
                ),
                (
                    valid_path.clone(),
                    vec![("If-Match", "\u{7f}garbage".into())],
                    b"[1,2,3]".to_vec(),
                    false,
                ),
                (
                    concrete(&op.path, "not a uuid / at all"),
                    vec![],
                    b"{}".to_vec(),
                    has_uuid_path_param,
                ),
                (
                    format!("{valid_path}?page=-x&perPage=abc&since=yesterday&%zz=1"),
                    vec![],
                    b"null".to_vec(),
                    false,
                ),
            ];
            for (path, headers, body, must_reject) in cases {
                let status = caller
                    .call(api, &op.method, &format!("{base}{path}"), &headers, body)
                    .await;
                assert!(status < 500, "{} {}{path} → {status}", op.method, base);
                if must_reject {
                    assert!(
                        (400..500).contains(&status),
                        "{} {}{path} → {status}, expected 4xx",
                        op.method,
                        base
                    );
                }
                checked += 1;
            }
        }
    }
    let operations: usize = Api::ALL
        .iter()
        .map(|a| sim.state().specs.get(*a).unwrap().parser.operations().len())
        .sum();
    assert!(operations > 200, "{operations} operations loaded");
    assert_eq!(checked, 4 * operations);
    sim.shutdown().await;
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[a-zA-Z]{1,12}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn random_bodies_and_params_never_cause_5xx() {
    if common::spec_dir().is_none() {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = rt.block_on(common::start()).unwrap();
    let caller = Caller::new(&sim);
    let config = ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(api_ix in 0usize..Api::ALL.len(), op_ix in any::<prop::sample::Index>(),
                        body in json_value(), param in ".{0,16}", raw in prop::collection::vec(any::<u8>(), 0..64),
                        use_raw in any::<bool>())| {
        let api = Api::ALL[api_ix];
        let spec = sim.state().specs.get(api).unwrap().clone();
        let op = &spec.parser.operations()[op_ix.index(spec.parser.operations().len())];
        let path = format!("{}{}?q={}", api.base_path(), concrete(&op.path, &param), encode(&param));
        let bytes = if use_raw { raw } else { serde_json::to_vec(&body).unwrap() };
        let headers = [("If-Match", encode(&param))];
        let status = rt.block_on(caller.call(api, &op.method, &path, &headers, bytes));
        prop_assert!(status < 500, "{} {} → {}", op.method, path, status);
    });
    rt.block_on(sim.shutdown());
}
