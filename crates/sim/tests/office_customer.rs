//! Office roles (Services Counselor, TOO, TIO) and customer onboarding over the plain-HTTP
//! listeners, with devlocal login and CSRF; every success body is validated against its
//! response schema.

mod common;

use common::{assert_valid_response, send, Browser};
use milmove_sim::api::Api;
use serde_json::{json, Value};

async fn get(b: &Browser, sim: &milmove_sim::SimHandle, template: &str, path: &str) -> Value {
    let (status, body) = send(b.client.get(b.url(&format!("/ghc/v1{path}")))).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    assert_valid_response(sim, Api::Ghc, "GET", template, 200, &body);
    body
}

async fn patch(
    b: &Browser,
    sim: &milmove_sim::SimHandle,
    template: &str,
    path: &str,
    tag: &str,
    body: Value,
) -> Value {
    let req = b
        .client
        .patch(b.url(&format!("/ghc/v1{path}")))
        .header("X-CSRF-Token", b.csrf())
        .header("If-Match", tag);
    let (status, out) = send(req.json(&body)).await;
    assert_eq!(status, 200, "PATCH {path}: {out}");
    assert_valid_response(sim, Api::Ghc, "PATCH", template, 200, &out);
    out
}

#[tokio::test]
async fn office_roles_work_their_queues() {
    let Some(sim) = common::start().await else {
        return;
    };
    // Services counselor: queue → move → orders → customer → update orders and customer.
    let sc = Browser::new(&sim.office_url);
    assert_eq!(sc.login("Services Counselor office").await, 200);
    let queue = get(&sc, &sim, "/queues/counseling", "/queues/counseling").await;
    let locator = queue["queueMoves"][0]["locator"]
        .as_str()
        .unwrap()
        .to_string();
    let mv = get(&sc, &sim, "/move/{locator}", &format!("/move/{locator}")).await;
    let order_id = mv["ordersId"].as_str().unwrap().to_string();
    let order = get(
        &sc,
        &sim,
        "/orders/{orderID}",
        &format!("/orders/{order_id}"),
    )
    .await;
    let customer_id = order["customerID"].as_str().unwrap().to_string();
    let customer = get(
        &sc,
        &sim,
        "/customer/{customerID}",
        &format!("/customer/{customer_id}"),
    )
    .await;
    let new_duty = order["destinationDutyLocation"]["id"].clone();
    let origin = order["originDutyLocation"]["id"].clone();
    let body = json!({"issueDate": "2030-01-01", "reportByDate": "2030-03-01",
        "ordersType": "PERMANENT_CHANGE_OF_STATION", "newDutyLocationId": new_duty, "originDutyLocationId": origin});
    let updated = patch(
        &sc,
        &sim,
        "/counseling/orders/{orderID}",
        &format!("/counseling/orders/{order_id}"),
        order["eTag"].as_str().unwrap(),
        body.clone(),
    )
    .await;
    assert_eq!(updated["report_by_date"], "2030-03-01");
    // Stale eTag → 412.
    let req = sc
        .client
        .patch(sc.url(&format!("/ghc/v1/counseling/orders/{order_id}")))
        .header("X-CSRF-Token", sc.csrf())
        .header("If-Match", order["eTag"].as_str().unwrap());
    assert_eq!(send(req.json(&body)).await.0, 412);
    patch(
        &sc,
        &sim,
        "/customer/{customerID}",
        &format!("/customer/{customer_id}"),
        customer["eTag"].as_str().unwrap(),
        json!({"first_name": "Grace"}),
    )
    .await;
    let shipments = get(
        &sc,
        &sim,
        "/move_task_orders/{moveTaskOrderID}/mto_shipments",
        &format!(
            "/move_task_orders/{}/mto_shipments",
            mv["id"].as_str().unwrap()
        ),
    )
    .await;
    assert!(shipments.is_array());

    // TOO: moves queue → approve a submitted move and its shipment.
    let too = Browser::new(&sim.office_url);
    assert_eq!(too.login("TOO office").await, 200);
    let queue = get(
        &too,
        &sim,
        "/queues/moves",
        "/queues/moves?page=1&perPage=50",
    )
    .await;
    let row = queue["queueMoves"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["status"] == "SUBMITTED")
        .expect("a submitted move")
        .clone();
    let mv = get(
        &too,
        &sim,
        "/move/{locator}",
        &format!("/move/{}", row["locator"].as_str().unwrap()),
    )
    .await;
    let move_id = mv["id"].as_str().unwrap().to_string();
    get(
        &too,
        &sim,
        "/move_task_orders/{moveTaskOrderID}/mto_service_items",
        &format!("/move_task_orders/{move_id}/mto_service_items"),
    )
    .await;
    let approved = patch(
        &too,
        &sim,
        "/move-task-orders/{moveTaskOrderID}/status",
        &format!("/move-task-orders/{move_id}/status"),
        mv["eTag"].as_str().unwrap(),
        json!({}),
    )
    .await;
    assert_eq!(approved["status"], "APPROVED");
    assert!(approved["availableToPrimeAt"].is_string());
    let shipments = get(
        &too,
        &sim,
        "/move_task_orders/{moveTaskOrderID}/mto_shipments",
        &format!("/move_task_orders/{move_id}/mto_shipments"),
    )
    .await;
    let s = &shipments[0];
    let req = too
        .client
        .post(too.url(&format!(
            "/ghc/v1/shipments/{}/approve",
            s["id"].as_str().unwrap()
        )))
        .header("X-CSRF-Token", too.csrf())
        .header("If-Match", s["eTag"].as_str().unwrap());
    let (status, approved_shipment) = send(req).await;
    assert_eq!(status, 200, "{approved_shipment}");
    assert_valid_response(
        &sim,
        Api::Ghc,
        "POST",
        "/shipments/{shipmentID}/approve",
        200,
        &approved_shipment,
    );

    // TIO: payment request queue → review each service item → reviewed.
    let tio = Browser::new(&sim.office_url);
    assert_eq!(tio.login("TIO office").await, 200);
    let queue = get(
        &tio,
        &sim,
        "/queues/payment-requests",
        "/queues/payment-requests",
    )
    .await;
    let pr_id = queue["queuePaymentRequests"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let pr = get(
        &tio,
        &sim,
        "/payment-requests/{paymentRequestID}",
        &format!("/payment-requests/{pr_id}"),
    )
    .await;
    let move_id = pr["moveTaskOrderID"].as_str().unwrap();
    // Reviewing the request before its items is refused (422: GHC declares no 409).
    let req = tio
        .client
        .patch(tio.url(&format!("/ghc/v1/payment-requests/{pr_id}/status")))
        .header("X-CSRF-Token", tio.csrf())
        .header("If-Match", pr["eTag"].as_str().unwrap());
    assert_eq!(send(req.json(&json!({"status": "REVIEWED"}))).await.0, 422);
    for item in pr["serviceItems"].as_array().unwrap() {
        let path = format!(
            "/move-task-orders/{move_id}/payment-service-items/{}/status",
            item["id"].as_str().unwrap()
        );
        patch(&tio, &sim, "/move-task-orders/{moveTaskOrderID}/payment-service-items/{paymentServiceItemID}/status", &path, item["eTag"].as_str().unwrap(), json!({"status": "APPROVED"})).await;
    }
    let pr = get(
        &tio,
        &sim,
        "/payment-requests/{paymentRequestID}",
        &format!("/payment-requests/{pr_id}"),
    )
    .await;
    let reviewed = patch(
        &tio,
        &sim,
        "/payment-requests/{paymentRequestID}/status",
        &format!("/payment-requests/{pr_id}/status"),
        pr["eTag"].as_str().unwrap(),
        json!({"status": "REVIEWED"}),
    )
    .await;
    assert_eq!(reviewed["status"], "REVIEWED");
    common::finish(sim).await;
}

#[tokio::test]
async fn customer_onboarding_submits_a_move() {
    let Some(sim) = common::start().await else {
        return;
    };
    let b = Browser::new(&sim.customer_url);
    assert_eq!(b.login("milmove").await, 200);
    let internal = |p: &str| b.url(&format!("/internal{p}"));
    let (_, me) = send(b.client.get(internal("/users/logged_in"))).await;
    let sm = me["service_member"]["id"].as_str().unwrap().to_string();
    let (status, locations) = send(b.client.get(internal("/duty_locations?search=fort"))).await;
    assert_eq!(status, 200);
    assert_valid_response(
        &sim,
        Api::Internal,
        "GET",
        "/duty_locations",
        200,
        &locations,
    );
    let profile = json!({"first_name": "Ada", "last_name": "Lovelace", "edipi": "1234567890",
        "affiliation": "ARMY", "telephone": "555-555-5555", "personal_email": "ada@example.com",
        "residential_address": {"streetAddress1": "1 Main St", "city": "Norfolk", "state": "VA", "postalCode": "23511"}});
    let (status, member) = send(
        b.client
            .patch(internal(&format!("/service_members/{sm}")))
            .header("X-CSRF-Token", b.csrf())
            .json(&profile),
    )
    .await;
    assert_eq!(status, 200, "{member}");
    assert_valid_response(
        &sim,
        Api::Internal,
        "PATCH",
        "/service_members/{serviceMemberId}",
        200,
        &member,
    );
    assert_eq!(member["is_profile_complete"], true);
    let orders_body = json!({"service_member_id": sm, "issue_date": "2030-01-01", "report_by_date": "2030-02-01",
        "orders_type": "PERMANENT_CHANGE_OF_STATION", "has_dependents": false, "spouse_has_pro_gear": false,
        "new_duty_location_id": locations[1]["id"], "origin_duty_location_id": locations[0]["id"], "grade": "E-5"});
    let (status, orders) = send(
        b.client
            .post(internal("/orders"))
            .header("X-CSRF-Token", b.csrf())
            .json(&orders_body),
    )
    .await;
    assert_eq!(status, 201, "{orders}");
    assert_valid_response(&sim, Api::Internal, "POST", "/orders", 201, &orders);
    let doc = orders["uploaded_orders"]["id"].as_str().unwrap();
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4 test".to_vec())
        .file_name("orders.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let form = reqwest::multipart::Form::new().part("file", part);
    let (status, upload) = send(
        b.client
            .post(internal(&format!("/uploads?documentId={doc}")))
            .header("X-CSRF-Token", b.csrf())
            .multipart(form),
    )
    .await;
    assert_eq!(status, 201, "{upload}");
    assert_valid_response(&sim, Api::Internal, "POST", "/uploads", 201, &upload);
    assert_eq!(upload["filename"], "orders.pdf");
    let move_id = orders["moves"][0]["id"].as_str().unwrap().to_string();
    let shipment = json!({"moveTaskOrderID": move_id, "shipmentType": "HHG", "requestedPickupDate": "2030-01-15",
        "pickupAddress": profile["residential_address"]});
    let (status, s) = send(
        b.client
            .post(internal("/mto_shipments"))
            .header("X-CSRF-Token", b.csrf())
            .json(&shipment),
    )
    .await;
    assert_eq!(status, 200, "{s}");
    assert_valid_response(&sim, Api::Internal, "POST", "/mto_shipments", 200, &s);
    let (status, submitted) = send(
        b.client
            .post(internal(&format!("/moves/{move_id}/submit")))
            .header("X-CSRF-Token", b.csrf())
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, 200, "{submitted}");
    assert_valid_response(
        &sim,
        Api::Internal,
        "POST",
        "/moves/{moveId}/submit",
        200,
        &submitted,
    );
    assert_eq!(submitted["status"], "NEEDS SERVICE COUNSELING");
    // Submitting again leaves the move as it is (MilMove's move router returns early for a
    // move already waiting for counseling); another customer's record is forbidden.
    let (status, again) = send(
        b.client
            .post(internal(&format!("/moves/{move_id}/submit")))
            .header("X-CSRF-Token", b.csrf())
            .json(&json!({})),
    )
    .await;
    assert_eq!(
        (status, &again["status"]),
        (200, &json!("NEEDS SERVICE COUNSELING"))
    );
    let other = Browser::new(&sim.customer_url);
    assert_eq!(other.login("milmove").await, 200);
    let (status, _) = send(
        other
            .client
            .get(other.url(&format!("/internal/service_members/{sm}"))),
    )
    .await;
    assert_eq!(status, 403);
    common::finish(sim).await;
}
