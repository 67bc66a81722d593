//! The HTTP surface outside the workflows: unknown routes (404), wrong methods (405 with
//! `Allow`), each spec served at `<basePath>/swagger.yaml` on the listeners that serve it, 422
//! bodies in each API's own shape over the wire, eTags that decode to `updated_at`, and the
//! fault knobs (error rate, added latency) seen by a real client.

mod common;

use std::time::{Duration, Instant};

use base64::Engine;
use common::{send, Browser};
use milmove_parser::{Direction, SchemaValidator};
use milmove_sim::api::Api;
use milmove_sim::{Knobs, Latency};
use serde_json::{json, Value};

#[tokio::test]
async fn unknown_routes_404_and_wrong_methods_405() {
    let Some(sim) = common::start().await else {
        return;
    };
    let c = common::prime_client(&sim);
    // Unknown route below a known base path: 404 in the API's error shape.
    let (status, body) = send(c.get(format!("{}/prime/v1/no-such-thing", sim.mtls_url))).await;
    assert_eq!(status, 404, "{body}");
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    // Outside every API: a plain 404.
    let resp = c
        .get(format!("{}/nowhere/at/all", sim.mtls_url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // Known route, wrong method: 405 naming the allowed ones.
    let resp = c
        .delete(format!("{}/prime/v1/moves", sim.mtls_url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    let allow = resp
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(allow.contains("GET"), "Allow: {allow:?}");
    // The same on a browser listener (logged in, so the session check is not what answers).
    let office = Browser::new(&sim.office_url);
    assert_eq!(office.login("TOO office").await, 200);
    let (status, body) = send(office.client.get(office.url("/ghc/v1/no-such-thing"))).await;
    assert_eq!(status, 404, "{body}");
    // The router's own errors: MilMove's ServeCustomError shape in every API.
    assert_eq!(body["title"], "Not Found Error", "{body}");
    assert!(body["detail"].is_string(), "{body}");
    let resp = office
        .client
        .put(office.url("/ghc/v1/queues/moves"))
        .header("X-CSRF-Token", office.csrf())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    common::finish(sim).await;
}

#[tokio::test]
async fn each_spec_is_served_at_its_base_path_on_its_listeners() {
    let Some(sim) = common::start().await else {
        return;
    };
    let prime = common::prime_client(&sim);
    let plain = reqwest::Client::new();
    for api in Api::ALL {
        let path = format!("{}/swagger.yaml", api.base_path());
        let mut served_on = Vec::new();
        if api.is_mtls() || api == Api::Internal {
            served_on.push((&prime, sim.mtls_url.as_str()));
        }
        if matches!(api, Api::Ghc | Api::Internal) {
            served_on.push((&plain, sim.office_url.as_str()));
        }
        if api == Api::Internal {
            served_on.push((&plain, sim.customer_url.as_str()));
        }
        for (client, base) in served_on {
            let resp = client.get(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(resp.status(), 200, "{base}{path}");
            let text = resp.text().await.unwrap();
            assert!(
                text.contains(&format!("basePath: {}", api.base_path())),
                "{base}{path} is not the {api:?} spec"
            );
        }
    }
    // APIs are not served on listeners that do not carry them: the browser apps answer their
    // single-page app's index instead, as MilMove's office and milmove routers do.
    for (base, path) in [
        (sim.customer_url.as_str(), "/ghc/v1/swagger.yaml"),
        (sim.office_url.as_str(), "/prime/v1/swagger.yaml"),
        (sim.customer_url.as_str(), "/support/v1/swagger.yaml"),
    ] {
        let resp = plain.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{base}{path}");
        let text = resp.text().await.unwrap();
        assert!(text.contains("<div id=\"root\">"), "{base}{path}: {text}");
    }
    common::finish(sim).await;
}

/// Checks a 422 body against the `ValidationError` definition of the API's own spec.
fn assert_validation_shape(sim: &milmove_sim::SimHandle, api: Api, body: &Value) {
    let spec = sim.state().specs.get(api).unwrap();
    let schema = spec
        .parser
        .definition("ValidationError")
        .expect("ValidationError definition");
    let validator = SchemaValidator::compile(&schema, Direction::Response, "ValidationError")
        .expect("ValidationError compiles");
    if let Err(errors) = validator.validate(body) {
        panic!("{api:?} 422 body does not match ValidationError: {errors:#?}\n{body:#}");
    }
}

#[tokio::test]
async fn validation_errors_use_each_apis_shape() {
    let Some(sim) = common::start().await else {
        return;
    };
    // Prime and Support: `invalidFields` maps a field to a list of messages.
    let c = common::prime_client(&sim);
    let (status, body) =
        send(c.get(format!("{}/prime/v1/moves?since=yesterday", sim.mtls_url))).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["invalidFields"]["since"].is_array(), "{body}");
    assert_validation_shape(&sim, Api::PrimeV1, &body);
    let (status, body) = send(
        c.post(format!("{}/support/v1/move-task-orders", sim.mtls_url))
            .json(&json!({"contractorID": "not-a-uuid"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["invalidFields"].is_object(), "{body}");
    assert_validation_shape(&sim, Api::Support, &body);

    // GHC: `invalid_fields` maps a field to one string.
    let office = Browser::new(&sim.office_url);
    assert_eq!(office.login("TOO office").await, 200);
    let (status, body) = send(
        office
            .client
            .get(office.url("/ghc/v1/queues/moves?page=first&perPage=many")),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["invalid_fields"]["page"].is_string(), "{body}");
    assert!(body.get("invalidFields").is_none(), "{body}");
    assert_validation_shape(&sim, Api::Ghc, &body);

    // Internal (customer app): `invalidFields` lists, as its spec declares.
    let customer = Browser::new(&sim.customer_url);
    assert_eq!(customer.login("milmove").await, 200);
    let (status, body) = send(
        customer
            .client
            .post(customer.url("/internal/orders"))
            .header("X-CSRF-Token", customer.csrf())
            .json(&json!({"orders_type": "NOT_A_TYPE"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["invalidFields"].is_object(), "{body}");
    assert_validation_shape(&sim, Api::Internal, &body);
    common::finish(sim).await;
}

/// Decodes an eTag into the time it stands for.
fn etag_time(tag: &str) -> (String, chrono::DateTime<chrono::FixedOffset>) {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(tag)
        .unwrap_or_else(|e| panic!("eTag {tag:?} is not base64: {e}"));
    let text = String::from_utf8(bytes).unwrap();
    let time = chrono::DateTime::parse_from_rfc3339(&text)
        .unwrap_or_else(|e| panic!("eTag {tag:?} decodes to {text:?}, not RFC 3339: {e}"));
    (text, time)
}

#[tokio::test]
async fn etags_are_base64_of_updated_at_and_change_on_every_update() {
    let Some(sim) = common::start().await else {
        return;
    };
    let c = common::prime_client(&sim);
    let (_, moves) = send(c.get(format!("{}/prime/v1/moves", sim.mtls_url))).await;
    let move_id = moves[0]["id"].as_str().unwrap().to_string();
    let (_, full) = send(c.get(format!(
        "{}/prime/v1/move-task-orders/{move_id}",
        sim.mtls_url
    )))
    .await;
    let shipment = &full["mtoShipments"][0];
    let mut tag = shipment["eTag"].as_str().unwrap().to_string();
    let id = shipment["id"].as_str().unwrap().to_string();
    let mut seen = std::collections::HashSet::new();
    let mut last = None;
    for weight in 0..20 {
        let (text, time) = etag_time(&tag);
        // Go's RFC3339Nano, as MilMove formats it: UTC `Z`, fraction without trailing zeros.
        assert!(text.ends_with('Z'), "{text}");
        if let Some((_, frac)) = text.trim_end_matches('Z').split_once('.') {
            assert!(!frac.ends_with('0') && frac.len() <= 9, "{text}");
        }
        assert!(seen.insert(tag.clone()), "eTag repeated");
        if let Some(previous) = last {
            assert!(time > previous, "updated_at moves forward");
        }
        last = Some(time);
        let (status, updated) = send(
            c.patch(format!("{}/prime/v3/mto-shipments/{id}", sim.mtls_url))
                .header("If-Match", &tag)
                .json(&json!({"primeActualWeight": 1000 + weight})),
        )
        .await;
        assert_eq!(status, 200, "{updated}");
        // The body's updatedAt is the same instant the new eTag encodes.
        let updated_at =
            chrono::DateTime::parse_from_rfc3339(updated["updatedAt"].as_str().unwrap()).unwrap();
        let new_tag = updated["eTag"].as_str().unwrap().to_string();
        assert_eq!(etag_time(&new_tag).1, updated_at);
        // The old eTag is now stale.
        let (status, _) = send(
            c.patch(format!("{}/prime/v3/mto-shipments/{id}", sim.mtls_url))
                .header("If-Match", &tag)
                .json(&json!({"primeActualWeight": 1})),
        )
        .await;
        assert_eq!(status, 412);
        tag = new_tag;
    }
    common::finish(sim).await;
}

#[tokio::test]
async fn knobs_inject_errors_and_latency_for_real_clients() {
    let Some(sim) = common::start().await else {
        return;
    };
    let c = common::prime_client(&sim);
    let moves_url = format!("{}/prime/v1/moves", sim.mtls_url);
    sim.set_knobs(Knobs {
        error_rate: 1.0,
        ..Knobs::default()
    });
    let (status, body) = send(c.get(&moves_url)).await;
    assert_eq!(status, 500, "{body}");
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    // Logging in is not an API call: it still works while every API call fails.
    let office = Browser::new(&sim.office_url);
    assert_eq!(office.login("TOO office").await, 200);
    let (status, body) = send(office.client.get(office.url("/ghc/v1/queues/moves"))).await;
    assert_eq!(status, 500, "{body}");
    assert!(body["message"].is_string(), "{body}");

    // A fixed added latency delays every answer by at least that much.
    sim.set_knobs(Knobs {
        latency: Latency::Fixed(Duration::from_millis(150)),
        ..Knobs::default()
    });
    for _ in 0..3 {
        let started = Instant::now();
        let (status, _) = send(c.get(&moves_url)).await;
        assert_eq!(status, 200);
        assert!(started.elapsed() >= Duration::from_millis(150));
    }
    sim.set_knobs(Knobs::default());
    let (status, _) = send(c.get(&moves_url)).await;
    assert_eq!(status, 200);
    common::finish(sim).await;
}
