//! How requests are read, as MilMove's go-swagger server reads them: date-times in
//! go-openapi strfmt's layouts (no zone, fractions) in bodies and query parameters, an empty
//! optional query value counts as absent, a body in a content type the operation does not
//! consume is 415.

mod common;

use common::{send, Browser};
use serde_json::{json, Value};

const NO_ZONE: &str = "2024-01-11T02:01:01";

#[tokio::test]
async fn date_times_without_a_zone_are_accepted_in_queries_and_bodies() {
    let Some(sim) = common::start().await else {
        return;
    };
    let c = common::prime_client(&sim);
    let prime = |p: &str| format!("{}/prime/v1{p}", sim.mtls_url);
    let support = |p: &str| format!("{}/support/v1{p}", sim.mtls_url);

    // listMoves?since= in every strfmt layout the 2024 suite and others send.
    let (_, all) = send(c.get(prime("/moves"))).await;
    for since in [
        NO_ZONE,
        "2024-01-11T02:01:01.123456",
        "2024-01-11 02:01:01",
        "2024-01-11",
    ] {
        let (status, moves) = send(c.get(prime("/moves")).query(&[("since", since)])).await;
        assert_eq!(status, 200, "since={since}: {moves}");
        assert_eq!(moves.as_array().map(Vec::len), all.as_array().map(Vec::len));
    }
    // A time after every update finds nothing; garbage is still a 422.
    let (status, none) = send(
        c.get(prime("/moves"))
            .query(&[("since", "2999-01-01T00:00:00")]),
    )
    .await;
    assert_eq!((status, none), (200, json!([])));
    let (status, _) = send(c.get(prime("/moves")).query(&[("since", "yesterday")])).await;
    assert_eq!(status, 422);

    // Support createMoveTaskOrder with a zone-less approvedAt.
    let seeded = all[0]["id"].as_str().unwrap().to_string();
    let (_, full) = send(c.get(support(&format!("/move-task-orders/{seeded}")))).await;
    let order = &full["order"];
    let body = json!({
        "contractorID": full["contractorID"], "status": "SUBMITTED", "approvedAt": NO_ZONE,
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
    let (status, created) = send(c.post(support("/move-task-orders")).json(&body)).await;
    assert_eq!(status, 201, "approvedAt {NO_ZONE}: {created}");

    // The customer's move submit, certificate.date without a zone (MilMove's 2024 suite).
    let b = Browser::new(&sim.customer_url);
    assert_eq!(b.login("milmove").await, 200);
    let move_id = draft_move(&b).await;
    let certificate = json!({"certificate": {"date": NO_ZONE, "signature": "Ada Lovelace",
        "certification_text": "I certify", "certification_type": "SHIPMENT"}});
    let (status, submitted) = send(
        b.client
            .post(b.url(&format!("/internal/moves/{move_id}/submit")))
            .header("X-CSRF-Token", b.csrf())
            .json(&certificate),
    )
    .await;
    assert_eq!(status, 200, "certificate.date {NO_ZONE}: {submitted}");
    common::finish(sim).await;
}

/// Creates orders (and so a draft move) for the logged-in customer; returns the move id.
async fn draft_move(b: &Browser) -> String {
    let internal = |p: &str| b.url(&format!("/internal{p}"));
    let (_, me) = send(b.client.get(internal("/users/logged_in"))).await;
    let sm = me["service_member"]["id"].as_str().unwrap().to_string();
    let (_, locations) = send(b.client.get(internal("/duty_locations?search=fort"))).await;
    let orders_body = json!({"service_member_id": sm, "issue_date": "2030-01-01",
        "report_by_date": "2030-02-01", "orders_type": "PERMANENT_CHANGE_OF_STATION",
        "has_dependents": false, "spouse_has_pro_gear": false, "grade": "E-5",
        "new_duty_location_id": locations[1]["id"], "origin_duty_location_id": locations[0]["id"]});
    let (status, orders) = send(
        b.client
            .post(internal("/orders"))
            .header("X-CSRF-Token", b.csrf())
            .json(&orders_body),
    )
    .await;
    assert_eq!(status, 201, "{orders}");
    orders["moves"][0]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn empty_optional_query_values_count_as_absent() {
    let Some(sim) = common::start().await else {
        return;
    };
    let c = common::prime_client(&sim);
    let url = format!("{}/prime/v1/moves?since=", sim.mtls_url);
    let (status, moves) = send(c.get(&url)).await;
    assert_eq!(status, 200, "?since= is no filter: {moves}");
    let (_, all) = send(c.get(format!("{}/prime/v1/moves", sim.mtls_url))).await;
    assert_eq!(moves, all);
    // On the office app too: an empty filter of the moves queue is no filter.
    let too = Browser::new(&sim.office_url);
    assert_eq!(too.login("TOO office").await, 200);
    let (status, queue) = send(
        too.client
            .get(too.url("/ghc/v1/queues/moves?locator=&page=")),
    )
    .await;
    assert_eq!(status, 200, "{queue}");
    assert!(queue["totalCount"].as_u64().unwrap() > 0, "{queue}");
    common::finish(sim).await;
}

#[tokio::test]
async fn a_body_the_operation_does_not_consume_is_415() {
    let Some(sim) = common::start().await else {
        return;
    };
    let c = common::prime_client(&sim);
    let url = format!("{}/support/v1/move-task-orders", sim.mtls_url);
    let resp = c
        .post(&url)
        .header("Content-Type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["title"], "Unsupported Media Type", "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("text/plain"),
        "{body}"
    );
    // No content type at all is application/octet-stream to go-swagger: also 415.
    let resp = c.post(&url).body("{}").send().await.unwrap();
    assert_eq!(resp.status(), 415);
    // The office app: the same rule, after CSRF and the session.
    let too = Browser::new(&sim.office_url);
    assert_eq!(too.login("TOO office").await, 200);
    let order = sim.state().store.orders.collect(|o| Some(o.id))[0];
    let resp = too
        .client
        .patch(too.url(&format!("/ghc/v1/orders/{order}")))
        .header("X-CSRF-Token", too.csrf())
        .header("If-Match", "x")
        .header("Content-Type", "application/xml")
        .body("<order/>")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    // A JSON body with parameters on the content type is fine (422 here: not an order).
    let resp = c
        .post(&url)
        .header("Content-Type", "application/json; charset=utf-8")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    common::finish(sim).await;
}
