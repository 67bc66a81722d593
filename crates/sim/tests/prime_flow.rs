//! The HHG workflow over the Prime and Support APIs: state transitions, eTags (412 on stale),
//! 409 on invalid transitions, 404 on unknown ids, 410 on retired endpoints, 422 shapes, and
//! every success body validated against its response schema.

mod common;

use common::{assert_valid_response, send};
use milmove_sim::api::Api;
use serde_json::{json, Value};

fn address(street: &str) -> Value {
    json!({"streetAddress1": street, "city": "Beverly Hills", "state": "CA", "postalCode": "90210"})
}

#[tokio::test]
async fn hhg_workflow_with_etags_and_transitions() {
    let Some(sim) = common::start().await else {
        return;
    };
    let c = common::prime_client(&sim);
    let prime = |p: &str| format!("{}/prime/v1{p}", sim.mtls_url);
    let v3 = |p: &str| format!("{}/prime/v3{p}", sim.mtls_url);
    let support = |p: &str| format!("{}/support/v1{p}", sim.mtls_url);

    // IDs for createMoveTaskOrder come from an existing move, as the old suite did.
    let (_, moves) = send(c.get(prime("/moves"))).await;
    assert_valid_response(&sim, Api::PrimeV1, "GET", "/moves", 200, &moves);
    let seeded = moves[0]["id"].as_str().unwrap().to_string();
    let (status, full) = send(c.get(support(&format!("/move-task-orders/{seeded}")))).await;
    assert_eq!(status, 200, "{full}");
    assert_valid_response(
        &sim,
        Api::Support,
        "GET",
        "/move-task-orders/{moveTaskOrderID}",
        200,
        &full,
    );
    let order = &full["order"];
    let body = json!({
        "contractorID": full["contractorID"], "status": "SUBMITTED",
        "order": {
            "orderNumber": "ORD123", "ordersType": "PERMANENT_CHANGE_OF_STATION",
            "ordersTypeDetail": "HHG_PERMITTED", "rank": "E-5", "reportByDate": "2030-01-01",
            "issueDate": "2029-12-01", "status": "APPROVED", "tac": "F8J1",
            "departmentIndicator": "ARMY", "uploadedOrdersID": order["uploadedOrdersID"],
            "originDutyLocationID": order["originDutyLocationID"],
            "destinationDutyLocationID": order["destinationDutyLocationID"],
            "customer": {"firstName": "Ada", "lastName": "Lovelace", "dodID": "1234567890",
                         "rank": "E-5", "agency": "ARMY", "email": "ada@example.com"}
        }
    });
    let (status, mto) = send(c.post(support("/move-task-orders")).json(&body)).await;
    assert_eq!(status, 201, "{mto}");
    assert_valid_response(&sim, Api::Support, "POST", "/move-task-orders", 201, &mto);
    let move_id = mto["id"].as_str().unwrap().to_string();
    let etag = mto["eTag"].as_str().unwrap().to_string();

    // Not yet available to the Prime → 404 there.
    let (status, _) = send(c.get(prime(&format!("/move-task-orders/{move_id}")))).await;
    assert_eq!(status, 404);
    let available = support(&format!("/move-task-orders/{move_id}/available-to-prime"));
    let (status, err) = send(c.patch(&available)).await;
    assert_eq!(status, 422, "missing If-Match: {err}");
    assert!(err["invalidFields"]["If-Match"].is_array(), "{err}");
    let (status, _) = send(c.patch(&available).header("If-Match", "c3RhbGU=")).await;
    assert_eq!(status, 412, "stale eTag");
    let (status, mto) = send(c.patch(&available).header("If-Match", &etag)).await;
    assert_eq!(status, 200, "{mto}");
    assert_valid_response(
        &sim,
        Api::Support,
        "PATCH",
        "/move-task-orders/{moveTaskOrderID}/available-to-prime",
        200,
        &mto,
    );
    assert_ne!(mto["eTag"], json!(etag), "eTag changes on update");

    // Shipment on prime v3.
    let shipment_body = json!({
        "moveTaskOrderID": move_id, "shipmentType": "HHG", "requestedPickupDate": "2030-02-01",
        "primeEstimatedWeight": 4000, "pickupAddress": address("1 Pickup St"),
        "destinationAddress": address("2 Drop St"),
        "agents": [{"firstName": "Rita", "lastName": "R", "agentType": "RELEASING_AGENT",
                    "email": "rita@example.com", "phone": "555-555-5555"}]
    });
    let (status, shipment) = send(c.post(v3("/mto-shipments")).json(&shipment_body)).await;
    assert_eq!(status, 200, "{shipment}");
    assert_valid_response(&sim, Api::PrimeV3, "POST", "/mto-shipments", 200, &shipment);
    assert_eq!(shipment["status"], "SUBMITTED");
    let shipment_id = shipment["id"].as_str().unwrap().to_string();

    // Retired v1 endpoint → 410; invalid body → 422 with invalidFields.
    let (status, _) = send(c.post(prime("/mto-shipments")).json(&shipment_body)).await;
    assert_eq!(status, 410);
    let (status, _) = send(
        c.patch(prime(&format!("/mto-shipments/{shipment_id}")))
            .header("If-Match", shipment["eTag"].as_str().unwrap())
            .json(&json!({"primeActualWeight": 1})),
    )
    .await;
    assert_eq!(status, 410, "v1 updateMTOShipment is retired");
    let (status, err) = send(
        c.post(v3("/mto-shipments"))
            .json(&json!({"moveTaskOrderID": move_id, "shipmentType": "SPACESHIP"})),
    )
    .await;
    assert_eq!(status, 422, "{err}");
    assert!(
        err["invalidFields"]["body.shipmentType"].is_array(),
        "{err}"
    );

    // Approve the shipment (support); approving twice is an invalid transition.
    let status_url = support(&format!("/mto-shipments/{shipment_id}/status"));
    let tag = shipment["eTag"].as_str().unwrap().to_string();
    let (status, approved) = send(
        c.patch(&status_url)
            .header("If-Match", &tag)
            .json(&json!({"status": "APPROVED"})),
    )
    .await;
    assert_eq!(status, 200, "{approved}");
    assert_valid_response(
        &sim,
        Api::Support,
        "PATCH",
        "/mto-shipments/{mtoShipmentID}/status",
        200,
        &approved,
    );
    let tag = approved["eTag"].as_str().unwrap().to_string();
    let (status, _) = send(
        c.patch(&status_url)
            .header("If-Match", &tag)
            .json(&json!({"status": "APPROVED"})),
    )
    .await;
    assert_eq!(status, 409);

    // Update the shipment (v3), its address and agent (v1).
    let (status, updated) = send(
        c.patch(v3(&format!("/mto-shipments/{shipment_id}")))
            .header("If-Match", &tag)
            .json(&json!({"scheduledPickupDate": "2030-02-02", "primeActualWeight": 4100})),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_valid_response(
        &sim,
        Api::PrimeV3,
        "PATCH",
        "/mto-shipments/{mtoShipmentID}",
        200,
        &updated,
    );
    assert_eq!(updated["primeActualWeight"], 4100);
    let addr = &updated["pickupAddress"];
    let (status, new_addr) = send(
        c.put(prime(&format!(
            "/mto-shipments/{shipment_id}/addresses/{}",
            addr["id"].as_str().unwrap()
        )))
        .header("If-Match", addr["eTag"].as_str().unwrap())
        .json(&address("3 New St")),
    )
    .await;
    assert_eq!(status, 200, "{new_addr}");
    assert_valid_response(
        &sim,
        Api::PrimeV1,
        "PUT",
        "/mto-shipments/{mtoShipmentID}/addresses/{addressID}",
        200,
        &new_addr,
    );
    let agent = &updated["agents"][0];
    let (status, new_agent) = send(
        c.put(prime(&format!(
            "/mto-shipments/{shipment_id}/agents/{}",
            agent["id"].as_str().unwrap()
        )))
        .header("If-Match", agent["eTag"].as_str().unwrap())
        .json(&json!({"firstName": "Rosa", "agentType": "RELEASING_AGENT"})),
    )
    .await;
    assert_eq!(status, 200, "{new_agent}");
    assert_eq!(new_agent["firstName"], "Rosa");

    // Shuttle service item, approved by support; then a payment request reviewed by support.
    let (status, items) = send(c.post(prime("/mto-service-items")).json(&json!({
        "moveTaskOrderID": move_id, "mtoShipmentID": shipment_id, "modelType": "MTOServiceItemShuttle",
        "reServiceCode": "DDSHUT", "reason": "narrow street", "estimatedWeight": 500
    }))).await;
    assert_eq!(status, 200, "{items}");
    assert_valid_response(
        &sim,
        Api::PrimeV1,
        "POST",
        "/mto-service-items",
        200,
        &items,
    );
    let item = &items[0];
    let item_id = item["id"].as_str().unwrap().to_string();
    // Not approved yet → a payment request conflicts.
    let pr_body = json!({"moveTaskOrderID": move_id, "isFinal": false,
                         "serviceItems": [{"id": item_id}]});
    let (status, _) = send(c.post(prime("/payment-requests")).json(&pr_body)).await;
    assert_eq!(status, 409);
    let (status, approved_item) = send(
        c.patch(support(&format!("/mto-service-items/{item_id}/status")))
            .header("If-Match", item["eTag"].as_str().unwrap())
            .json(&json!({"status": "APPROVED"})),
    )
    .await;
    assert_eq!(status, 200, "{approved_item}");
    assert_valid_response(
        &sim,
        Api::Support,
        "PATCH",
        "/mto-service-items/{mtoServiceItemID}/status",
        200,
        &approved_item,
    );
    let (status, pr) = send(c.post(prime("/payment-requests")).json(&pr_body)).await;
    assert_eq!(status, 201, "{pr}");
    assert_valid_response(&sim, Api::PrimeV1, "POST", "/payment-requests", 201, &pr);
    let pr_url = support(&format!(
        "/payment-requests/{}/status",
        pr["id"].as_str().unwrap()
    ));
    let (status, _) = send(
        c.patch(&pr_url)
            .header("If-Match", pr["eTag"].as_str().unwrap())
            .json(&json!({"status": "PAID"})),
    )
    .await;
    assert_eq!(status, 409, "PENDING → PAID is not allowed");
    let (status, reviewed) = send(
        c.patch(&pr_url)
            .header("If-Match", pr["eTag"].as_str().unwrap())
            .json(&json!({"status": "REVIEWED"})),
    )
    .await;
    assert_eq!(status, 200, "{reviewed}");
    assert_valid_response(
        &sim,
        Api::Support,
        "PATCH",
        "/payment-requests/{paymentRequestID}/status",
        200,
        &reviewed,
    );

    // The whole move, as the Prime sees it.
    let (status, full) = send(c.get(v3(&format!("/move-task-orders/{move_id}")))).await;
    assert_eq!(status, 200);
    assert_valid_response(
        &sim,
        Api::PrimeV3,
        "GET",
        "/move-task-orders/{moveID}",
        200,
        &full,
    );
    assert_eq!(full["mtoShipments"].as_array().unwrap().len(), 1);
    assert_eq!(full["paymentRequests"][0]["status"], "REVIEWED");

    // Unknown ids → 404.
    let nobody = "00000000-0000-4000-8000-000000000000";
    let (status, _) = send(c.get(prime(&format!("/move-task-orders/{nobody}")))).await;
    assert_eq!(status, 404);
    let (status, _) = send(
        c.patch(support(&format!("/mto-shipments/{nobody}/status")))
            .header("If-Match", "x")
            .json(&json!({"status": "APPROVED"})),
    )
    .await;
    assert_eq!(status, 404);
    common::finish(sim).await;
}
