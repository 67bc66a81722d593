//! Unit tests of the data stores: bounds, eviction, claims, eTags and concurrency.

use super::*;
use rand::rngs::SmallRng;
use rand::SeedableRng;
use serde_json::json;
use std::sync::Arc;

fn rng() -> SmallRng {
    SmallRng::seed_from_u64(7)
}

fn object(id: usize, etag: &str, updated_at: &str) -> Value {
    json!({"id": format!("o{id}"), "eTag": etag, "updatedAt": updated_at, "status": "SUBMITTED"})
}

#[test]
fn eviction_spares_claimed_objects_and_claims_outlive_eviction() {
    let store = ObjectStore::new(2);
    store.put(object(1, "e", ""));
    store.put(object(2, "e", ""));
    let claim = store.claim("o1").unwrap();
    store.put(object(3, "e", ""));
    assert!(store.get("o1").is_some(), "the claimed object is kept");
    assert!(store.get("o2").is_none(), "the oldest unclaimed one goes");
    let other = store.claim("o3").unwrap();
    store.put(object(4, "e", ""));
    assert_eq!(
        store.len(),
        2,
        "every object claimed: the oldest goes anyway"
    );
    assert!(store.get("o1").is_none());
    store.put(object(1, "again", ""));
    assert!(
        store.claim("o1").is_none(),
        "still claimed by the first claim"
    );
    drop(claim);
    drop(other);
    assert!(store.claim("o1").is_some());
}

#[test]
fn the_store_is_bounded_and_drops_the_oldest_first() {
    let store = ObjectStore::new(3);
    for i in 0..5 {
        assert!(store.put(object(i, "e", "2024-01-01T00:00:00Z")));
    }
    assert_eq!(store.len(), 3);
    assert_eq!(store.capacity(), 3);
    assert!(store.get("o0").is_none() && store.get("o1").is_none());
    assert!(store.get("o2").is_some() && store.get("o4").is_some());
    // Replacing a stored object does not evict anything.
    assert!(store.put(object(3, "e2", "2024-01-02T00:00:00Z")));
    assert_eq!(store.len(), 3);
    assert!(store.get("o2").is_some());
}

#[test]
fn a_zero_capacity_still_keeps_one_object() {
    let store = ObjectStore::new(0);
    store.put(object(1, "e", ""));
    store.put(object(2, "e", ""));
    assert_eq!(store.len(), 1);
    assert!(store.get("o2").is_some());
}

#[test]
fn objects_without_an_id_are_ignored() {
    let store = ObjectStore::new(3);
    assert!(!store.put(json!({"eTag": "x"})));
    assert!(!store.put(json!({"id": 12})));
    assert_eq!(
        store.put_all(json!([{"id": "a"}, {"no": "id"}, {"id": "b"}])),
        2
    );
    assert_eq!(store.len(), 2);
}

#[test]
fn updates_bring_fresh_etags_and_never_stale_ones() {
    let store = ObjectStore::new(3);
    store.put(object(1, "old", "2024-01-01T00:00:00Z"));
    assert!(store.update(object(1, "new", "2024-01-02T00:00:00Z")));
    assert_eq!(etag(&store.get("o1").unwrap()), "new");
    // A slow read of the older copy does not bring the stale eTag back.
    assert!(!store.update(object(1, "old", "2024-01-01T00:00:00Z")));
    assert!(!store.put(object(1, "old", "2024-01-01T00:00:00Z")));
    assert_eq!(etag(&store.get("o1").unwrap()), "new");
    // Updating an object no longer stored does not re-add it.
    assert!(!store.update(object(9, "x", "2024-01-03T00:00:00Z")));
    assert!(store.get("o9").is_none());
}

#[test]
fn a_claimed_object_is_not_handed_out_for_another_update() {
    let store = ObjectStore::new(5);
    store.put(object(1, "e1", "2024-01-01T00:00:00Z"));
    let mut rng = rng();
    let claim = store.claim_where(&mut rng, |_| true).unwrap();
    assert_eq!(claim.id(), "o1");
    assert!(store.claim_where(&mut rng, |_| true).is_none());
    assert!(store.claim("o1").is_none());
    // Reads still see it.
    assert!(store.random(&mut rng).is_some());
    drop(claim);
    assert_eq!(store.claimed(), 0);
    assert!(store.claim("o1").is_some());
}

#[test]
fn releasing_a_claim_stores_the_servers_copy() {
    let store = ObjectStore::new(5);
    store.put(object(1, "e1", "2024-01-01T00:00:00Z"));
    let claim = store.claim("o1").unwrap();
    claim.release(object(1, "e2", "2024-01-02T00:00:00Z"));
    assert_eq!(etag(&store.get("o1").unwrap()), "e2");
    assert_eq!(store.claimed(), 0);
    let claim = store.claim("o1").unwrap();
    claim.discard();
    assert!(store.is_empty());
    assert_eq!(store.claimed(), 0);
}

#[test]
fn claim_where_only_picks_matching_objects() {
    let store = ObjectStore::new(10);
    for i in 0..10 {
        let mut o = object(i, "e", "");
        if i == 6 {
            o["status"] = json!("APPROVED");
        }
        store.put(o);
    }
    let mut rng = rng();
    for _ in 0..20 {
        let claim = store
            .claim_where(&mut rng, |o| o["status"] == "APPROVED")
            .unwrap();
        assert_eq!(claim.id(), "o6");
    }
    let found = store.random_where(&mut rng, |o| o["status"] == "NONE");
    assert!(found.is_none());
}

#[test]
fn an_evicted_claimed_object_is_not_brought_back_by_its_release() {
    let store = ObjectStore::new(1);
    store.put(object(1, "e1", ""));
    let claim = store.claim("o1").unwrap();
    store.put(object(2, "e", ""));
    assert!(store.get("o1").is_none());
    claim.release(object(1, "e2", ""));
    assert!(store.get("o1").is_none());
    assert_eq!(store.len(), 1);
    assert_eq!(store.claimed(), 0);
}

#[test]
fn concurrent_users_never_hold_the_same_object_and_the_bound_holds() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 2_000;
    let store = Arc::new(ObjectStore::new(16));
    let held = Arc::new(Mutex::new(HashSet::<String>::new()));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let store = store.clone();
            let held = held.clone();
            std::thread::spawn(move || {
                let mut rng = SmallRng::seed_from_u64(t as u64);
                for round in 0..ROUNDS {
                    store.put(object((t * ROUNDS + round) % 40, "e", ""));
                    if let Some(claim) = store.claim_where(&mut rng, |_| true) {
                        let id = claim.id().to_string();
                        assert!(held.lock().insert(id.clone()), "{id} claimed twice");
                        let _ = store.random(&mut rng);
                        assert!(held.lock().remove(&id));
                        if round % 3 == 0 {
                            claim.discard();
                        } else {
                            claim.release(json!({"id": id, "eTag": "fresh"}));
                        }
                    }
                    assert!(store.len() <= 16);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert!(store.len() <= 16);
    assert_eq!(store.claimed(), 0, "every claim was released");
}

#[test]
fn each_kind_has_its_own_bounded_store() {
    let stores = DataStores::with_capacity(2);
    stores.of(Kind::Move).put(json!({"id": "m"}));
    stores.of(Kind::Shipment).put(json!({"id": "m"}));
    for kind in Kind::ALL {
        assert_eq!(stores.of(kind).capacity(), 2);
    }
    assert_eq!(stores.of(Kind::Move).len(), 1);
    assert_eq!(stores.of(Kind::Order).len(), 0);
    assert_eq!(
        DataStores::default().of(Kind::Move).capacity(),
        DEFAULT_CAPACITY
    );
}

#[test]
fn an_excluding_store_never_keeps_refused_objects() {
    let keep_out: crate::store::Exclude =
        std::sync::Arc::new(|o: &serde_json::Value| o["moveTaskOrderID"] == "owned");
    let stores = DataStores::excluding(4, keep_out);
    let shipments = stores.of(Kind::Shipment);
    assert!(!shipments.put(json!({"id": "s1", "moveTaskOrderID": "owned"})));
    assert!(shipments.put(json!({"id": "s2", "moveTaskOrderID": "other"})));
    assert_eq!(
        shipments.put_all(json!([
            {"id": "s3", "moveTaskOrderID": "owned"},
            {"id": "s4", "moveTaskOrderID": "other"}
        ])),
        1
    );
    assert_eq!(shipments.len(), 2);
    assert!(shipments.get("s1").is_none() && shipments.get("s3").is_none());
    // `update` only replaces what is stored, so it cannot bring a refused object in either.
    assert!(!shipments.update(json!({"id": "s1", "moveTaskOrderID": "owned"})));
}
