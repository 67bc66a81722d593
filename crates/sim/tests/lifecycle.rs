//! The side effects of a move's life across roles, over HTTP: counseling needs a shipment
//! (409), the TOO's approvals create the move-level and basic service items, a service item
//! the Prime requests sends the move back to the TOO (`APPROVALS REQUESTED`) until the TOO
//! reviews it, and the TIO's payment request queue filters by locator. Every success body is
//! validated against its response schema.

mod common;

use common::{assert_valid_response, send, Browser};
use milmove_sim::api::Api;
use serde_json::{json, Value};

async fn ghc(
    b: &Browser,
    method: reqwest::Method,
    path: &str,
    tag: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = b
        .client
        .request(method, b.url(&format!("/ghc/v1{path}")))
        .header("X-CSRF-Token", b.csrf());
    if let Some(tag) = tag {
        req = req.header("If-Match", tag);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    send(req).await
}

fn text<'v>(v: &'v Value, key: &str) -> &'v str {
    v[key].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_move_through_counseling_approval_service_items_and_payment_review() {
    let Some(sim) = common::start().await else {
        return;
    };
    let store = &sim.state().store;
    use reqwest::Method;

    // Services counselor: a move without shipments cannot complete counseling.
    let sc = Browser::new(&sim.office_url);
    assert_eq!(sc.login("Services Counselor office").await, 200);
    let bare = store.seed_move(90, "NEEDS SERVICE COUNSELING").unwrap();
    let bare = store.get_move(&bare).unwrap();
    let (_, mv) = ghc(
        &sc,
        Method::GET,
        &format!("/move/{}", bare.locator),
        None,
        None,
    )
    .await;
    let path = format!(
        "/move-task-orders/{}/status/service-counseling-completed",
        bare.id
    );
    let (status, err) = ghc(&sc, Method::PATCH, &path, Some(text(&mv, "eTag")), None).await;
    assert_eq!(status, 409, "{err}");

    // A move with a shipment does: found in the counseling queue by its locator.
    let id = store.seed_move(91, "NEEDS SERVICE COUNSELING").unwrap();
    let locator = store.get_move(&id).unwrap().locator;
    let shipment = milmove_sim::state::shipments::NewShipment {
        shipment_type: "HHG".into(),
        pickup_address: Some(milmove_sim::state::seed::sample_address(1)),
        destination_address: Some(milmove_sim::state::seed::sample_address(2)),
        ..Default::default()
    };
    let shipment = store.insert_shipment(&id, shipment, "SUBMITTED").unwrap();
    let (status, queue) = ghc(
        &sc,
        Method::GET,
        &format!("/queues/counseling?locator={locator}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(queue["queueMoves"].as_array().unwrap().len(), 1, "{queue}");
    let (_, mv) = ghc(&sc, Method::GET, &format!("/move/{locator}"), None, None).await;
    let path = format!("/move-task-orders/{id}/status/service-counseling-completed");
    let (status, mv) = ghc(&sc, Method::PATCH, &path, Some(text(&mv, "eTag")), None).await;
    assert_eq!(status, 200, "{mv}");
    assert_eq!(mv["status"], "SERVICE COUNSELING COMPLETED");

    // TOO: approving the move creates the move management item asked for; approving the
    // shipment creates its basic items, all approved; the move is approved.
    let too = Browser::new(&sim.office_url);
    assert_eq!(too.login("TOO office").await, 200);
    let path = format!("/move-task-orders/{id}/status");
    let ask = json!({"serviceCodeMS": true, "serviceCodeCS": false});
    let (status, mv) = ghc(
        &too,
        Method::PATCH,
        &path,
        Some(text(&mv, "eTag")),
        Some(ask),
    )
    .await;
    assert_eq!(status, 200, "{mv}");
    assert_valid_response(
        &sim,
        Api::Ghc,
        "PATCH",
        "/move-task-orders/{moveTaskOrderID}/status",
        200,
        &mv,
    );
    let (_, list) = ghc(
        &too,
        Method::GET,
        &format!("/move_task_orders/{id}/mto_shipments"),
        None,
        None,
    )
    .await;
    let tag = text(&list[0], "eTag").to_string();
    let (status, approved) = ghc(
        &too,
        Method::POST,
        &format!("/shipments/{}/approve", shipment.id),
        Some(&tag),
        None,
    )
    .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "APPROVED");
    let (_, items) = ghc(
        &too,
        Method::GET,
        &format!("/move_task_orders/{id}/mto_service_items"),
        None,
        None,
    )
    .await;
    assert_valid_response(
        &sim,
        Api::Ghc,
        "GET",
        "/move_task_orders/{moveTaskOrderID}/mto_service_items",
        200,
        &items,
    );
    let mut codes: Vec<(&str, &str)> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (text(i, "reServiceCode"), text(i, "status")))
        .collect();
    codes.sort();
    let expected = ["DDP", "DLH", "DOP", "DPK", "DUPK", "FSC", "MS"].map(|c| (c, "APPROVED"));
    assert_eq!(codes, expected);
    // Approving it again is refused.
    let (status, _) = ghc(
        &too,
        Method::POST,
        &format!("/shipments/{}/approve", shipment.id),
        Some(text(&approved, "eTag")),
        None,
    )
    .await;
    assert_eq!(status, 409);
    let (_, mv) = ghc(&too, Method::GET, &format!("/move/{locator}"), None, None).await;
    assert_eq!(mv["status"], "APPROVED");

    // Prime: a requested service item sends the move back to the TOO.
    let prime = common::prime_client(&sim);
    let item = json!({"moveTaskOrderID": id, "mtoShipmentID": shipment.id, "modelType": "MTOServiceItemShuttle",
        "reServiceCode": "DOSHUT", "reason": "narrow street", "description": "shuttle",
        "estimatedWeight": 400, "actualWeight": 400});
    let (status, created) = send(
        prime
            .post(format!("{}/prime/v1/mto-service-items", sim.mtls_url))
            .json(&item),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let (_, mv) = ghc(&too, Method::GET, &format!("/move/{locator}"), None, None).await;
    assert_eq!(mv["status"], "APPROVALS REQUESTED");
    let (status, queue) = ghc(
        &too,
        Method::GET,
        &format!("/queues/moves?locator={locator}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        queue["queueMoves"][0]["status"], "APPROVALS REQUESTED",
        "{queue}"
    );

    // TOO reviews it: the move is approved again.
    let requested = &created[0];
    let path = format!(
        "/move-task-orders/{id}/service-items/{}/status",
        text(requested, "id")
    );
    let (status, reviewed) = ghc(
        &too,
        Method::PATCH,
        &path,
        Some(text(requested, "eTag")),
        Some(json!({"status": "APPROVED"})),
    )
    .await;
    assert_eq!(status, 200, "{reviewed}");
    let (_, mv) = ghc(&too, Method::GET, &format!("/move/{locator}"), None, None).await;
    assert_eq!(mv["status"], "APPROVED");

    // Prime bills two items in two payment requests; the TIO finds exactly those by locator.
    let ids: Vec<String> = items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["reServiceCode"] != "MS")
        .map(|i| text(i, "id").to_string())
        .collect();
    for chunk in [&ids[..1], &ids[1..3]] {
        let body = json!({"moveTaskOrderID": id, "isFinal": false,
            "serviceItems": chunk.iter().map(|i| json!({"id": i})).collect::<Vec<_>>()});
        let (status, pr) = send(
            prime
                .post(format!("{}/prime/v1/payment-requests", sim.mtls_url))
                .json(&body),
        )
        .await;
        assert_eq!(status, 201, "{pr}");
    }
    let tio = Browser::new(&sim.office_url);
    assert_eq!(tio.login("TIO office").await, 200);
    let (status, queue) = ghc(
        &tio,
        Method::GET,
        &format!("/queues/payment-requests?locator={locator}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_valid_response(
        &sim,
        Api::Ghc,
        "GET",
        "/queues/payment-requests",
        200,
        &queue,
    );
    let rows = queue["queuePaymentRequests"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{queue}");
    assert!(rows.iter().all(|r| r["locator"] == locator.as_str()));
    let (_, all) = ghc(&tio, Method::GET, "/queues/payment-requests", None, None).await;
    assert!(
        all["totalCount"].as_u64().unwrap() > 2,
        "the unfiltered queue has the seeded ones too"
    );
}
