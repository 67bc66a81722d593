//! Bounded memory over HTTP: with `max_moves`, creating many moves (through Support, each
//! with a Prime shipment, and through customers' orders) keeps the move count near the limit,
//! takes their children with them, and answers 404 for an evicted move; the store does not
//! grow without end.

mod common;

use common::{send, Browser};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moves_past_the_limit_are_evicted_with_their_children() {
    let Some(sim) = common::start_with(|c| {
        c.max_moves = 30;
        c.in_use_grace = std::time::Duration::ZERO;
    })
    .await
    else {
        return;
    };
    let c = common::prime_client(&sim);
    let support = |p: &str| format!("{}/support/v1{p}", sim.mtls_url);
    let (_, moves) = send(c.get(format!("{}/prime/v1/moves", sim.mtls_url))).await;
    let first = moves[0]["id"].as_str().unwrap().to_string();
    let (_, full) = send(c.get(support(&format!("/move-task-orders/{first}")))).await;
    let order = full["order"].clone();
    let mut created = Vec::new();
    for i in 0..120 {
        let body = json!({
            "contractorID": full["contractorID"], "status": "APPROVED",
            "order": {
                "orderNumber": format!("ORD{i}"), "ordersType": "PERMANENT_CHANGE_OF_STATION",
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
        let id = mto["id"].as_str().unwrap().to_string();
        let shipment = json!({"moveTaskOrderID": id, "shipmentType": "HHG",
            "requestedPickupDate": "2030-02-01",
            "pickupAddress": {"streetAddress1": "1 Main St", "city": "Beverly Hills",
                              "state": "CA", "postalCode": "90210"}});
        let (status, s) = send(
            c.post(format!("{}/prime/v3/mto-shipments", sim.mtls_url))
                .json(&shipment),
        )
        .await;
        assert_eq!(status, 200, "{s}");
        created.push(id);
    }
    // Customers: each login and orders make a user, a customer, orders and a move.
    for _ in 0..20 {
        let b = Browser::new(&sim.customer_url);
        assert_eq!(b.login("milmove").await, 200);
    }
    let store = &sim.state().store;
    assert!(store.moves.len() <= 30, "moves: {}", store.moves.len());
    assert!(
        store.evicted_moves() >= 90,
        "evicted: {}",
        store.evicted_moves()
    );
    assert!(
        store.shipments.len() <= 30 + 30,
        "shipments: {}",
        store.shipments.len()
    );
    assert!(store.orders.len() <= 30, "orders: {}", store.orders.len());
    assert!(
        store.customers.len() <= 30 + 20,
        "customers: {} (evicted moves' customers go)",
        store.customers.len()
    );
    // The seeded document the Support moves shared is still there (other orders use it).
    let doc: uuid::Uuid = order["uploadedOrdersID"].as_str().unwrap().parse().unwrap();
    assert!(
        store.documents.contains(&doc)
            || store
                .orders
                .collect(|o| (o.uploaded_orders_id == doc).then_some(()))
                .is_empty()
    );
    // An evicted move is gone for every API; the newest is still there.
    let (status, _) = send(c.get(support(&format!("/move-task-orders/{}", created[0])))).await;
    assert_eq!(status, 404);
    let last = created.last().unwrap();
    let (status, _) = send(c.get(support(&format!("/move-task-orders/{last}")))).await;
    assert_eq!(status, 200);
    common::finish(sim).await;
}
