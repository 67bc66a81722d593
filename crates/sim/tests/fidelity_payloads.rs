//! Payload fields as MilMove's payload converters fill them (transcom/mymove at the specs'
//! commit): queue and list rows, the Prime/Support `Order` (entitlement, duty locations,
//! GBLOCs), `null` only where go-swagger writes one, service item model types per API, and
//! seed data that looks like MilMove's.

mod common;

use common::{assert_valid_response, send, Browser};
use milmove_sim::api::Api;
use serde_json::{json, Value};

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// A duty location in the Prime/GHC shape: id, name, and an address in the town of the name.
fn assert_duty_location(d: &Value, what: &str) {
    assert!(d["id"].is_string(), "{what}: {d}");
    let name = text(d, "/name");
    let zip = text(d, "/address/postalCode");
    assert!(zip.len() == 5, "{what} has a ZIP: {d}");
    assert!(
        name.ends_with(zip),
        "{what} is named after its town and ZIP: {d}"
    );
    assert!(name.contains(text(d, "/address/state")), "{what}: {d}");
}

#[tokio::test]
async fn queue_and_list_rows_carry_milmoves_fields() {
    let Some(sim) = common::start().await else {
        return;
    };
    // Services counseling queue: MilMove fills destinationDutyLocation from the orders' new
    // duty location (every queue type but the TOO task-order queue).
    let sc = Browser::new(&sim.office_url);
    assert_eq!(sc.login("Services Counselor office").await, 200);
    let (_, queue) = send(sc.client.get(sc.url("/ghc/v1/queues/counseling"))).await;
    assert_valid_response(&sim, Api::Ghc, "GET", "/queues/counseling", 200, &queue);
    let row = &queue["queueMoves"][0];
    assert_duty_location(&row["destinationDutyLocation"], "SC row destination");
    assert_duty_location(&row["originDutyLocation"], "SC row origin");
    assert_eq!(text(row, "/originGBLOC").len(), 4, "{row}");
    assert!(row["orderType"].is_string(), "{row}");
    assert!(row["requestedMoveDate"].is_string(), "{row}");
    assert!(row["customer"]["current_address"].is_object(), "{row}");
    // The orders behind the row name the same destination.
    let mv = sim
        .state()
        .store
        .move_by_locator(text(row, "/locator"))
        .unwrap();
    let orders = sim.state().store.orders.get(&mv.orders_id).unwrap();
    assert_eq!(
        orders.fields["new_duty_location_id"],
        row["destinationDutyLocation"]["id"]
    );

    // TOO moves queue (QueueTypeTaskOrder: no destinationDutyLocation at this commit).
    let too = Browser::new(&sim.office_url);
    assert_eq!(too.login("TOO office").await, 200);
    let (_, queue) = send(too.client.get(too.url("/ghc/v1/queues/moves"))).await;
    assert_valid_response(&sim, Api::Ghc, "GET", "/queues/moves", 200, &queue);
    let row = &queue["queueMoves"][0];
    assert_duty_location(&row["originDutyLocation"], "TOO row origin");
    assert_eq!(text(row, "/originGBLOC").len(), 4, "{row}");
    assert!(row["appearedInTooAt"].is_string(), "{row}");
    assert!(row["orderType"].is_string(), "{row}");
    assert!(row.get("destinationDutyLocation").is_none(), "{row}");

    // Payment requests queue.
    let tio = Browser::new(&sim.office_url);
    assert_eq!(tio.login("TIO office").await, 200);
    let (_, queue) = send(tio.client.get(tio.url("/ghc/v1/queues/payment-requests"))).await;
    assert_valid_response(
        &sim,
        Api::Ghc,
        "GET",
        "/queues/payment-requests",
        200,
        &queue,
    );
    let row = &queue["queuePaymentRequests"][0];
    assert_duty_location(&row["originDutyLocation"], "payment row origin");
    assert_eq!(text(row, "/originGBLOC").len(), 4, "{row}");
    assert!(row["orderType"].is_string(), "{row}");
    assert_eq!(row["status"], "Payment requested");

    // Prime listMoves rows: the destination GBLOC and ZIP, the amendments counts.
    let c = common::prime_client(&sim);
    let (_, moves) = send(c.get(format!("{}/prime/v1/moves", sim.mtls_url))).await;
    assert_valid_response(&sim, Api::PrimeV1, "GET", "/moves", 200, &moves);
    let row = &moves[0];
    assert_eq!(text(row, "/destinationGBLOC").len(), 4, "{row}");
    assert_eq!(text(row, "/destinationPostalCode").len(), 5, "{row}");
    assert_eq!(row["amendments"], json!({"total": 0, "availableSince": 0}));
    common::finish(sim).await;
}

/// The Prime `Order` of a move: entitlement, both duty locations with their GBLOCs, the
/// customer's current address.
fn assert_prime_order(order: &Value) {
    let e = &order["entitlement"];
    for k in [
        "authorizedWeight",
        "totalWeight",
        "proGearWeight",
        "storageInTransit",
    ] {
        assert!(e[k].is_number(), "entitlement.{k}: {order}");
    }
    assert_duty_location(&order["originDutyLocation"], "origin");
    assert_duty_location(&order["destinationDutyLocation"], "destination");
    assert_eq!(text(order, "/originDutyLocationGBLOC").len(), 4, "{order}");
    assert_eq!(
        text(order, "/destinationDutyLocationGBLOC").len(),
        4,
        "{order}"
    );
    assert!(
        order["customer"]["currentAddress"]["city"].is_string(),
        "{order}"
    );
}

#[tokio::test]
async fn prime_and_support_orders_carry_entitlement_duty_locations_and_gblocs() {
    let Some(sim) = common::start().await else {
        return;
    };
    let c = common::prime_client(&sim);
    let prime = |p: &str| format!("{}/prime/v1{p}", sim.mtls_url);
    let support = |p: &str| format!("{}/support/v1{p}", sim.mtls_url);
    // A seeded move.
    let (_, moves) = send(c.get(prime("/moves"))).await;
    let seeded = text(&moves[0], "/id").to_string();
    let (_, mto) = send(c.get(prime(&format!("/move-task-orders/{seeded}")))).await;
    assert_valid_response(
        &sim,
        Api::PrimeV1,
        "GET",
        "/move-task-orders/{moveID}",
        200,
        &mto,
    );
    assert_prime_order(&mto["order"]);
    assert_eq!(text(&mto, "/destinationGBLOC").len(), 4, "{mto}");
    // A move created through Support keeps the entitlement it was sent.
    let (_, full) = send(c.get(support(&format!("/move-task-orders/{seeded}")))).await;
    let order = &full["order"];
    assert!(order["entitlement"]["totalWeight"].is_number(), "{full}");
    let body = json!({
        "contractorID": full["contractorID"], "status": "APPROVED",
        "order": {
            "orderNumber": "ORD777", "ordersType": "PERMANENT_CHANGE_OF_STATION",
            "ordersTypeDetail": "HHG_PERMITTED", "rank": "E-6", "reportByDate": "2030-01-01",
            "issueDate": "2029-12-01", "status": "APPROVED", "tac": "F8J1",
            "departmentIndicator": "ARMY", "uploadedOrdersID": order["uploadedOrdersID"],
            "originDutyLocationID": order["originDutyLocationID"],
            "destinationDutyLocationID": order["destinationDutyLocationID"],
            "entitlement": {"authorizedWeight": 7777, "dependentsAuthorized": true,
                            "totalDependents": 2, "nonTemporaryStorage": false},
            "customer": {"firstName": "Ada", "lastName": "Lovelace", "dodID": "1234567890",
                         "rank": "E-6", "agency": "ARMY", "email": "ada@example.com",
                         "currentAddress": {"streetAddress1": "1 Main St", "city": "Norfolk",
                                            "state": "VA", "postalCode": "23511"}}
        }
    });
    let (status, created) = send(c.post(support("/move-task-orders")).json(&body)).await;
    assert_eq!(status, 201, "{created}");
    assert_valid_response(
        &sim,
        Api::Support,
        "POST",
        "/move-task-orders",
        201,
        &created,
    );
    let e = &created["order"]["entitlement"];
    assert_eq!(e["authorizedWeight"], 7777, "{created}");
    assert_eq!(e["totalDependents"], 2, "{created}");
    assert_eq!(
        created["order"]["originDutyLocation"]["id"],
        order["originDutyLocationID"]
    );
    let id = text(&created, "/id").to_string();
    let (status, mto) = send(c.get(prime(&format!("/move-task-orders/{id}")))).await;
    assert_eq!(status, 200, "{mto}");
    assert_valid_response(
        &sim,
        Api::PrimeV1,
        "GET",
        "/move-task-orders/{moveID}",
        200,
        &mto,
    );
    assert_prime_order(&mto["order"]);
    assert_eq!(mto["order"]["entitlement"]["authorizedWeight"], 7777);
    common::finish(sim).await;
}

#[tokio::test]
async fn null_only_where_go_swagger_writes_one() {
    let Some(sim) = common::start().await else {
        return;
    };
    let c = common::prime_client(&sim);
    let (_, moves) = send(c.get(format!("{}/prime/v1/moves", sim.mtls_url))).await;
    let move_id = text(&moves[0], "/id").to_string();
    // A shipment sent with explicit nulls for optional nullable fields.
    let body = json!({"moveTaskOrderID": move_id, "shipmentType": "HHG",
        "requestedPickupDate": "2030-02-01", "storageFacility": null, "counselorRemarks": null,
        "pickupAddress": {"streetAddress1": "1 Main St", "streetAddress2": null,
            "city": "Beverly Hills", "state": "CA", "postalCode": "90210"}});
    let (status, shipment) = send(
        c.post(format!("{}/prime/v3/mto-shipments", sim.mtls_url))
            .json(&body),
    )
    .await;
    assert_eq!(status, 200, "{shipment}");
    for k in ["storageFacility", "counselorRemarks"] {
        assert!(
            shipment.get(k).is_none(),
            "{k} is left out, not null: {shipment}"
        );
    }
    assert!(
        shipment["pickupAddress"].get("streetAddress2").is_none(),
        "{shipment}"
    );
    let (_, mto) = send(c.get(format!(
        "{}/prime/v1/move-task-orders/{move_id}",
        sim.mtls_url
    )))
    .await;
    for s in mto["mtoShipments"].as_array().unwrap() {
        assert!(s.get("storageFacility").is_none(), "{s}");
    }
    // GHC shipments: tacType/sacType (allOf [$ref, x-nullable]) are never null, in the
    // stateful answer and in the spec-generated one.
    let too = Browser::new(&sim.office_url);
    assert_eq!(too.login("TOO office").await, 200);
    let shipment_id = text(&shipment, "/id").to_string();
    let (_, list) = send(
        too.client
            .get(too.url(&format!("/ghc/v1/move_task_orders/{move_id}/mto_shipments"))),
    )
    .await;
    for s in list.as_array().unwrap() {
        for k in ["tacType", "sacType", "storageFacility"] {
            assert!(!s.get(k).is_some_and(Value::is_null), "{k}: {s}");
        }
    }
    for _ in 0..40 {
        let (status, s) = send(
            too.client
                .get(too.url(&format!("/ghc/v1/shipments/{shipment_id}"))),
        )
        .await;
        assert_eq!(status, 200, "{s}");
        for k in ["tacType", "sacType"] {
            assert!(!s.get(k).is_some_and(Value::is_null), "{k}: {s}");
        }
    }
    common::finish(sim).await;
}

#[tokio::test]
async fn service_items_answer_each_apis_own_model_types() {
    let Some(sim) = common::start().await else {
        return;
    };
    let c = common::prime_client(&sim);
    let (_, moves) = send(c.get(format!("{}/prime/v1/moves", sim.mtls_url))).await;
    let move_id = text(&moves[0], "/id").to_string();
    let (_, mto) = send(c.get(format!(
        "{}/prime/v1/move-task-orders/{move_id}",
        sim.mtls_url
    )))
    .await;
    let shipment_id = text(&mto, "/mtoShipments/0/id").to_string();
    for (model, code) in [
        ("MTOServiceItemInternationalOriginSIT", "IOFSIT"),
        ("MTOServiceItemShuttle", "DDSHUT"),
        ("MTOServiceItemOriginSIT", "DOFSIT"),
    ] {
        let body = json!({"moveTaskOrderID": move_id, "mtoShipmentID": shipment_id,
            "modelType": model, "reServiceCode": code, "reason": "r",
            "sitEntryDate": "2030-01-01", "sitPostalCode": "90210",
            "sitHHGActualOrigin": {"streetAddress1": "1 Main St", "city": "Beverly Hills",
                "state": "CA", "postalCode": "90210"}});
        let (status, items) = send(
            c.post(format!("{}/prime/v1/mto-service-items", sim.mtls_url))
                .json(&body),
        )
        .await;
        assert_eq!(status, 200, "{model}: {items}");
        assert_valid_response(
            &sim,
            Api::PrimeV1,
            "POST",
            "/mto-service-items",
            200,
            &items,
        );
    }
    // The Prime answers shuttles as MTOServiceItemDomesticShuttle, as MilMove does.
    let (_, mto) = send(c.get(format!(
        "{}/prime/v1/move-task-orders/{move_id}",
        sim.mtls_url
    )))
    .await;
    let models: Vec<(&str, &str)> = mto["mtoServiceItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (text(i, "/reServiceCode"), text(i, "/modelType")))
        .collect();
    assert!(
        models.contains(&("DDSHUT", "MTOServiceItemDomesticShuttle")),
        "{models:?}"
    );
    // Support sees the same items in its own model types only.
    let (status, full) = send(c.get(format!(
        "{}/support/v1/move-task-orders/{move_id}",
        sim.mtls_url
    )))
    .await;
    assert_eq!(status, 200);
    assert_valid_response(
        &sim,
        Api::Support,
        "GET",
        "/move-task-orders/{moveTaskOrderID}",
        200,
        &full,
    );
    let support_models: Vec<(&str, &str)> = full["mtoServiceItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (text(i, "/reServiceCode"), text(i, "/modelType")))
        .collect();
    assert!(
        support_models.contains(&("IOFSIT", "MTOServiceItemBasic")),
        "{support_models:?}"
    );
    common::finish(sim).await;
}

#[tokio::test]
async fn seed_data_looks_like_milmoves() {
    let Some(sim) = common::start().await else {
        return;
    };
    let b = Browser::new(&sim.customer_url);
    assert_eq!(b.login("milmove").await, 200);
    let (_, locations) = send(b.client.get(b.url("/internal/duty_locations?search=fort"))).await;
    let year = |t: &str| t.get(..4).and_then(|y| y.parse::<i32>().ok()).unwrap_or(0);
    for d in locations.as_array().unwrap() {
        assert!(
            year(text(d, "/created_at")) >= 2020,
            "created_at near the present: {d}"
        );
        assert_duty_location(d, "searchDutyLocations");
        assert!(text(d, "/name").to_lowercase().contains("fort"), "{d}");
    }
    // Real towns: Fort Eisenhower, GA 30813 is one of MilMove's own test duty locations.
    let (_, all) = send(
        b.client
            .get(b.url("/internal/duty_locations?search=eisenhower")),
    )
    .await;
    assert_eq!(text(&all, "/0/name"), "Fort Eisenhower, GA 30813", "{all}");
    assert_eq!(text(&all, "/0/address/city"), "Fort Eisenhower");
    // Seeded customers have a current address.
    let sc = Browser::new(&sim.office_url);
    assert_eq!(sc.login("Services Counselor office").await, 200);
    let (_, queue) = send(sc.client.get(sc.url("/ghc/v1/queues/counseling"))).await;
    let customer_id = text(&queue, "/queueMoves/0/customer/id").to_string();
    let (_, customer) = send(
        sc.client
            .get(sc.url(&format!("/ghc/v1/customer/{customer_id}"))),
    )
    .await;
    assert!(
        customer["current_address"]["postalCode"].is_string(),
        "{customer}"
    );
    common::finish(sim).await;
}
