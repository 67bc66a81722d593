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
    common::finish(sim).await;
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
    rt.block_on(common::finish(sim));
}

/// The current eTag of whichever stored object has this id.
fn current_etag(state: &SimState, id: &str) -> Option<String> {
    use milmove_sim::state::model::etag;
    let id = uuid::Uuid::parse_str(id).ok()?;
    let s = &state.store;
    s.moves
        .with(&id, |m| m.updated_at)
        .or_else(|| s.shipments.with(&id, |x| x.updated_at))
        .or_else(|| s.addresses.with(&id, |x| x.updated_at))
        .or_else(|| s.agents.with(&id, |x| x.updated_at))
        .or_else(|| s.service_items.with(&id, |x| x.updated_at))
        .or_else(|| s.payment_requests.with(&id, |x| x.updated_at))
        .or_else(|| s.orders.with(&id, |x| x.updated_at))
        .map(|t| etag(&t))
}

/// Real seeded ids by the path/body parameter names MilMove's specs use for them.
fn real_ids(state: &SimState) -> Vec<(&'static str, String)> {
    let s = &state.store;
    let move_id = s.prime_move_ids(None)[0];
    let m = s.get_move(&move_id).unwrap();
    let shipment = s.get_shipment(&m.shipment_ids[0]).unwrap();
    let mut ids = vec![
        ("moveTaskOrderID", move_id.to_string()),
        ("moveID", move_id.to_string()),
        ("moveId", move_id.to_string()),
        ("locator", m.locator.clone()),
        ("orderID", m.orders_id.to_string()),
        ("mtoShipmentID", shipment.id.to_string()),
        ("shipmentID", shipment.id.to_string()),
    ];
    if let Some(a) = shipment.pickup_address_id {
        ids.push(("addressID", a.to_string()));
    }
    if let Some(a) = shipment.agent_ids.first() {
        ids.push(("agentID", a.to_string()));
    }
    if let Some(i) = m.service_item_ids.first() {
        ids.push(("mtoServiceItemID", i.to_string()));
    }
    if let Some(p) = m.payment_request_ids.first() {
        ids.push(("paymentRequestID", p.to_string()));
        let request = s.get_payment_request(p).unwrap();
        ids.push(("paymentServiceItemID", request.items[0].id.to_string()));
    }
    ids
}

/// Mostly valid bodies (generated from the spec, real ids filled in) with a few fields
/// replaced or removed, sent to every operation on real seeded objects with their current
/// eTag: the stateful handlers see plausible input and must still never answer 5xx.
#[test]
fn nearly_valid_bodies_on_real_objects_never_cause_5xx() {
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
    let state = sim.state().clone();
    let ids = real_ids(&state);
    // Status counts, to show the cases get past validation into the handlers.
    let statuses = std::sync::Mutex::new(std::collections::BTreeMap::<u16, usize>::new());
    let config = ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(api_ix in 0usize..Api::ALL.len(), op_ix in any::<prop::sample::Index>(),
                        seed in any::<u64>(), use_real_ids in any::<bool>(),
                        edits in prop::collection::vec((any::<prop::sample::Index>(), prop::option::of(json_value())), 0..3))| {
        let api = Api::ALL[api_ix];
        let spec = state.specs.get(api).unwrap().clone();
        let ops = spec.parser.operations();
        let op = &ops[op_ix.index(ops.len())];
        let mut path = op.path.clone();
        let mut last_id = None;
        for p in op.parameters.iter().filter(|p| p.location == milmove_parser::ParamLocation::Path) {
            let value = ids
                .iter()
                .find(|(name, _)| *name == p.name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            path = path.replace(&format!("{{{}}}", p.name), &value);
            last_id = Some(value);
        }
        let mut body = spec
            .parser
            .fake_request(&op.path, &op.method, None, false, seed)
            .unwrap_or(serde_json::Value::Null);
        if let serde_json::Value::Object(map) = &mut body {
            if use_real_ids {
                for (name, value) in &ids {
                    if map.contains_key(*name) {
                        map.insert(name.to_string(), value.clone().into());
                    }
                }
            }
            for (key_ix, replacement) in edits {
                let keys: Vec<String> = map.keys().cloned().collect();
                if keys.is_empty() {
                    break;
                }
                let key = &keys[key_ix.index(keys.len())];
                match replacement {
                    Some(v) => map.insert(key.clone(), v),
                    None => map.remove(key),
                };
            }
        }
        let tag = last_id
            .as_deref()
            .and_then(|id| current_etag(&state, id))
            .unwrap_or_else(|| "c3RhbGU=".to_string());
        let headers = [("If-Match", tag)];
        let bytes = if body.is_null() { Vec::new() } else { serde_json::to_vec(&body).unwrap() };
        let full = format!("{}{path}", api.base_path());
        let status = rt.block_on(caller.call(api, &op.method, &full, &headers, bytes));
        *statuses.lock().unwrap().entry(status).or_default() += 1;
        prop_assert!(status < 500, "{} {} → {} with {}", op.method, full, status, body);
    });
    let statuses = statuses.into_inner().unwrap();
    eprintln!("statuses: {statuses:?}");
    let successes: usize = statuses.range(200..300).map(|(_, n)| n).sum();
    assert!(
        successes >= 40,
        "only {successes} of the cases reached a handler's success path: {statuses:?}"
    );
    rt.block_on(common::finish(sim));
}
