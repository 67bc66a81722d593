//! 1,000 concurrent writes lose nothing: concurrent creations all land, concurrent updates
//! with one eTag let exactly one through, and read-modify-write loops with eTags apply every
//! increment.

mod common;

use std::sync::Arc;

use common::send;
use futures::future::join_all;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_writes_lose_nothing() {
    // Unbounded: 1,000 shipments on one move are far past what the memory bound keeps.
    let Some(sim) = common::start_with(|c| c.max_moves = usize::MAX).await else {
        return;
    };
    let c = common::prime_client(&sim);
    let base = sim.mtls_url.clone();
    let (_, moves) = send(c.get(format!("{base}/prime/v1/moves"))).await;
    let move_a = moves[0]["id"].as_str().unwrap().to_string();
    let move_b = moves[1]["id"].as_str().unwrap().to_string();

    // 1) 1,000 concurrent shipment creations on one move.
    let creations = (0..1000).map(|i| {
        let c = c.clone();
        let url = format!("{base}/prime/v3/mto-shipments");
        let body = json!({"moveTaskOrderID": move_a, "shipmentType": "HHG", "primeEstimatedWeight": 1000 + i});
        async move { send(c.post(url).json(&body)).await.0 }
    });
    let statuses = join_all(creations).await;
    assert!(
        statuses.iter().all(|s| *s == 200),
        "{:?}",
        statuses
            .iter()
            .filter(|s| **s != 200)
            .take(5)
            .collect::<Vec<_>>()
    );
    let (_, full) = send(c.get(format!("{base}/prime/v1/move-task-orders/{move_a}"))).await;
    assert_eq!(
        full["mtoShipments"].as_array().unwrap().len(),
        1001,
        "seeded one + 1,000 new"
    );

    // 2) 1,000 concurrent updates with the same eTag: exactly one wins, the rest get 412.
    let (_, full_b) = send(c.get(format!("{base}/prime/v1/move-task-orders/{move_b}"))).await;
    let shipment = full_b["mtoShipments"][0].clone();
    let id = shipment["id"].as_str().unwrap().to_string();
    let tag = shipment["eTag"].as_str().unwrap().to_string();
    let url = format!("{base}/prime/v3/mto-shipments/{id}");
    let racers = (0..1000).map(|i| {
        let (c, url, tag) = (c.clone(), url.clone(), tag.clone());
        async move {
            send(
                c.patch(url)
                    .header("If-Match", tag)
                    .json(&json!({"primeActualWeight": 100 + i})),
            )
            .await
            .0
        }
    });
    let statuses = join_all(racers).await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1);
    assert_eq!(statuses.iter().filter(|s| **s == 412).count(), 999);

    // 3) 1,000 increments by 8 concurrent read-modify-write loops: none is lost.
    let (_, now) = send(c.get(format!("{base}/prime/v1/move-task-orders/{move_b}"))).await;
    let start = now["mtoShipments"][0]["primeActualWeight"]
        .as_i64()
        .unwrap();
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers = (0..8).map(|_| {
        let (c, url, base, move_b, done) = (
            c.clone(),
            url.clone(),
            base.clone(),
            move_b.clone(),
            done.clone(),
        );
        async move {
            for _ in 0..125 {
                loop {
                    let (_, m) =
                        send(c.get(format!("{base}/prime/v1/move-task-orders/{move_b}"))).await;
                    let s = &m["mtoShipments"][0];
                    let weight = s["primeActualWeight"].as_i64().unwrap();
                    let req = c
                        .patch(&url)
                        .header("If-Match", s["eTag"].as_str().unwrap());
                    let (status, _) =
                        send(req.json(&json!({"primeActualWeight": weight + 1}))).await;
                    if status == 200 {
                        break;
                    }
                    assert_eq!(status, 412);
                }
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    });
    tokio::time::timeout(std::time::Duration::from_secs(300), join_all(workers))
        .await
        .expect("bounded");
    let (_, end) = send(c.get(format!("{base}/prime/v1/move-task-orders/{move_b}"))).await;
    assert_eq!(done.load(std::sync::atomic::Ordering::Relaxed), 1000);
    assert_eq!(
        end["mtoShipments"][0]["primeActualWeight"]
            .as_i64()
            .unwrap(),
        start + 1000
    );
    common::finish(sim).await;
}
