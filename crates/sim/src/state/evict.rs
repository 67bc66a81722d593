//! Bounded memory: at most [`Limits::max_moves`] moves are kept, and at most
//! [`CHILDREN_PER_MOVE`] times as many shipments, service items and payment requests. When a
//! creation takes either count over its limit, the least recently used moves are evicted
//! (down to 90 % of the limits, so eviction runs once per many creations) with everything
//! that belongs to them:
//! orders and their uploaded documents (unless other orders share them), shipments with
//! their addresses and agents, service items, payment requests with their proof-of-service
//! uploads, and the customer once it has no orders and no user left.
//!
//! A move in constant use keeps its place, so its own children are bounded too
//! ([`MAX_CHILDREN_OF_ONE_MOVE`]: its oldest ones go first).
//!
//! A move is *in use* while requests touch it (it, or any of its shipments, service items,
//! payment requests or orders, by path or body id: see `handlers::dispatch`); one used within
//! [`Limits::in_use_grace`] is never evicted, so an object a load-test user holds and keeps
//! working on stays. When every move is in use, the count may exceed the limit until some
//! fall idle.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use uuid::Uuid;

use super::Store;

/// The memory bound.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Moves kept at most (`usize::MAX`: no bound).
    pub max_moves: usize,
    /// A move used within this long is in use and never evicted.
    pub in_use_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_moves: usize::MAX,
            in_use_grace: Duration::from_secs(10),
        }
    }
}

/// Children (shipments, service items, payment requests) kept per move of the limit: a
/// move used all the time keeps gaining children, so they are bounded too, by evicting other
/// moves. A move that went through a lifecycle flow has about a dozen (its shipments, their
/// basic and SIT service items, two payment requests), so the move limit, not this one, is
/// what binds in a lifecycle run; with 4 the children bound evicted moves (and the payment
/// requests office users still held) after a quarter of the move limit.
pub const CHILDREN_PER_MOVE: usize = 16;

/// The children one move keeps at most: shipments, service items, payment requests (the
/// oldest go first). Far above what a MilMove move has (a few shipments, a few dozen items).
pub const MAX_CHILDREN_OF_ONE_MOVE: [usize; 3] = [20, 60, 20];

/// Eviction bookkeeping of a [`Store`].
#[derive(Default)]
pub struct Usage {
    /// Last use of each move (milliseconds since the epoch).
    last_used: super::table::Table<Uuid, AtomicI64>,
    /// One eviction pass at a time.
    evicting: AtomicBool,
    /// Moves evicted so far.
    evicted: AtomicU64,
}

fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Store {
    /// Marks a move as used now (it and its children are spared for the grace period).
    pub fn mark_in_use(&self, move_id: &Uuid) {
        self.usage
            .last_used
            .with(move_id, |t| t.store(now_millis(), Ordering::Relaxed));
    }

    /// Sets when a move was last used (tools and tests replaying an age).
    pub fn set_last_used(&self, move_id: &Uuid, at: chrono::DateTime<chrono::Utc>) {
        self.usage.last_used.with(move_id, |t| {
            t.store(at.timestamp_millis(), Ordering::Relaxed)
        });
    }

    /// Moves evicted since start.
    pub fn evicted_moves(&self) -> u64 {
        self.usage.evicted.load(Ordering::Relaxed)
    }

    /// Records a new move, then [`Store::check_bounds`].
    pub(super) fn register_move(&self, move_id: Uuid) {
        self.usage
            .last_used
            .insert(move_id, AtomicI64::new(now_millis()));
        self.check_bounds();
    }

    /// After a child (shipment, service item, payment request) was added to `move_id`: the
    /// move's oldest children past [`MAX_CHILDREN_OF_ONE_MOVE`] of that kind go (a move in
    /// constant use is never evicted, so this is what bounds it), then [`Store::check_bounds`].
    pub(super) fn child_added(&self, move_id: &Uuid) {
        if self.limits.max_moves == usize::MAX {
            return;
        }
        let (shipments, items, requests) = self
            .moves
            .update(move_id, |m| {
                let cut = |ids: &mut Vec<Uuid>, max: usize| {
                    let extra = ids.len().saturating_sub(max);
                    ids.drain(..extra).collect::<Vec<_>>()
                };
                let [s, i, p] = MAX_CHILDREN_OF_ONE_MOVE;
                (
                    cut(&mut m.shipment_ids, s),
                    cut(&mut m.service_item_ids, i),
                    cut(&mut m.payment_request_ids, p),
                )
            })
            .unwrap_or_default();
        for id in &shipments {
            self.remove_shipment_tree(id);
        }
        for id in &items {
            self.service_items.remove(id);
        }
        if !requests.is_empty() {
            for id in &requests {
                self.payment_requests.remove(id);
            }
            self.drop_unshared_documents(requests);
        }
        self.check_bounds();
    }

    fn remove_shipment_tree(&self, id: &Uuid) {
        if let Some(s) = self.shipments.remove(id) {
            for a in [s.pickup_address_id, s.destination_address_id]
                .into_iter()
                .flatten()
            {
                self.addresses.remove(&a);
            }
            for a in &s.agent_ids {
                self.agents.remove(a);
            }
        }
    }

    /// Shipments, service items and payment requests kept: a move's children.
    fn children(&self) -> usize {
        self.shipments.len() + self.service_items.len() + self.payment_requests.len()
    }

    /// The children kept at most: [`CHILDREN_PER_MOVE`] per move of the limit.
    fn max_children(&self) -> usize {
        self.limits.max_moves.saturating_mul(CHILDREN_PER_MOVE)
    }

    /// Evicts idle moves when there are more moves, or more children, than the limits allow
    /// (called after every creation; cheap when under the limits).
    pub fn check_bounds(&self) {
        if self.limits.max_moves == usize::MAX {
            return;
        }
        if self.moves.len() > self.limits.max_moves || self.children() > self.max_children() {
            self.evict_idle_moves();
        }
    }

    /// Evicts least recently used idle moves until the moves and their children are at 90 %
    /// of their limits (or no idle move is left); returns how many.
    pub fn evict_idle_moves(&self) -> usize {
        if self.usage.evicting.swap(true, Ordering::AcqRel) {
            return 0;
        }
        let move_target = self.limits.max_moves - self.limits.max_moves / 10;
        let child_target = self.max_children() - self.max_children() / 10;
        let mut evicted = 0;
        if self.moves.len() > move_target || self.children() > child_target {
            let grace = self.limits.in_use_grace.as_millis() as i64;
            let idle_before = now_millis() - grace;
            let mut candidates: Vec<(i64, Uuid)> = self.moves.collect(|m| {
                let used = self
                    .usage
                    .last_used
                    .with(&m.id, |t| t.load(Ordering::Relaxed))
                    .unwrap_or(0);
                (used <= idle_before).then_some((used, m.id))
            });
            candidates.sort_unstable();
            let mut moves = self.moves.len();
            let mut children = self.children();
            let mut documents = Vec::new();
            for (_, id) in candidates {
                if moves <= move_target && children <= child_target {
                    break;
                }
                let weight = self
                    .moves
                    .with(&id, |m| {
                        m.shipment_ids.len()
                            + m.service_item_ids.len()
                            + m.payment_request_ids.len()
                    })
                    .unwrap_or(0);
                documents.extend(self.remove_move_tree(&id));
                moves = moves.saturating_sub(1);
                children = children.saturating_sub(weight);
                evicted += 1;
            }
            self.drop_unshared_documents(documents);
            self.usage
                .evicted
                .fetch_add(evicted as u64, Ordering::Relaxed);
        }
        self.usage.evicting.store(false, Ordering::Release);
        evicted
    }

    /// Removes a move and what belongs to it; returns the documents its orders referred to
    /// (removed later if no other orders share them).
    fn remove_move_tree(&self, id: &Uuid) -> Vec<Uuid> {
        self.usage.last_used.remove(id);
        let Some(mv) = self.moves.remove(id) else {
            return Vec::new();
        };
        self.locators.remove(&mv.locator);
        for sid in &mv.shipment_ids {
            self.remove_shipment_tree(sid);
        }
        for item in &mv.service_item_ids {
            self.service_items.remove(item);
        }
        let mut documents = Vec::new();
        for pr in &mv.payment_request_ids {
            self.payment_requests.remove(pr);
            // Proof-of-service uploads are kept under the payment request's id.
            documents.push(*pr);
        }
        if let Some(orders) = self.orders.remove(&mv.orders_id) {
            documents.push(orders.uploaded_orders_id);
            let customer = orders.customer_id;
            self.customers.update(&customer, |c| {
                c.order_ids.retain(|o| *o != orders.id);
            });
            self.forget_customer_if_unused(&customer);
        }
        documents
    }

    /// Removes documents (and their uploads) no remaining orders refer to.
    fn drop_unshared_documents(&self, documents: Vec<Uuid>) {
        if documents.is_empty() {
            return;
        }
        let referenced: HashSet<Uuid> = self
            .orders
            .collect(|o| Some(o.uploaded_orders_id))
            .into_iter()
            .collect();
        for doc in documents {
            if referenced.contains(&doc) {
                continue;
            }
            if let Some(uploads) = self.documents.remove(&doc) {
                for u in uploads {
                    self.uploads.remove(&u);
                }
            }
        }
    }

    /// Removes a customer that has no orders and whose user is gone (a Support-created
    /// customer, or a devlocal one whose sessions were evicted), with its uploads.
    pub fn forget_customer_if_unused(&self, customer_id: &Uuid) {
        let unused = self
            .customers
            .with(customer_id, |c| {
                c.order_ids.is_empty() && !self.users.contains(&c.user_id)
            })
            .unwrap_or(false);
        if unused {
            if let Some(c) = self.customers.remove(customer_id) {
                self.forget_document(&c.user_id);
            }
        }
    }

    /// Removes a user (its sessions are gone), and its customer when that has no orders.
    pub fn forget_user(&self, user_id: &Uuid) {
        if let Some(user) = self.users.remove(user_id) {
            if let Some(c) = user.service_member_id {
                self.forget_customer_if_unused(&c);
            }
            self.forget_document(user_id);
        }
    }

    fn forget_document(&self, id: &Uuid) {
        if let Some(uploads) = self.documents.remove(id) {
            for u in uploads {
                self.uploads.remove(&u);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::seed::SeedSize;

    fn store(max_moves: usize) -> Store {
        let limits = Limits {
            max_moves,
            in_use_grace: Duration::from_secs(3600),
        };
        let size = SeedSize {
            prime_moves: 0,
            office_moves: 0,
        };
        Store::seeded_with(size, limits).unwrap()
    }

    #[test]
    fn the_least_recently_used_idle_moves_go_with_their_children() {
        let s = store(10);
        let long_ago = chrono::Utc::now() - chrono::Duration::hours(2);
        let mut ids = Vec::new();
        for i in 0..10 {
            let id = s.seed_move(i, "SUBMITTED").unwrap();
            s.approve_move(&id, None).unwrap();
            let shipment = crate::state::shipments::NewShipment {
                shipment_type: "HHG".into(),
                pickup_address: Some(crate::state::seed::sample_address(i)),
                ..Default::default()
            };
            s.create_shipment(&id, shipment).unwrap();
            ids.push(id);
        }
        // All idle for two hours but the fourth, used a moment ago.
        for (i, id) in ids.iter().enumerate() {
            let at = long_ago + chrono::Duration::seconds(i as i64);
            s.set_last_used(id, at);
        }
        s.mark_in_use(&ids[3]);
        let newest = s.seed_move(10, "SUBMITTED").unwrap();
        // 11 > 10: down to 9, the two oldest idle ones go (not the one in use).
        assert_eq!(s.moves.len(), 9);
        assert_eq!(s.evicted_moves(), 2);
        for gone in &ids[..2] {
            assert!(!s.moves.contains(gone));
        }
        assert!(s.moves.contains(&ids[3]) && s.moves.contains(&newest));
        assert_eq!(s.shipments.len(), 8, "shipments go with their moves");
        assert_eq!(s.orders.len(), 9);
        assert_eq!(
            s.customers.len(),
            9,
            "a customer without orders or user goes"
        );
        assert_eq!(s.locators.len(), 9);
    }

    #[test]
    fn a_busy_move_keeps_only_its_newest_children() {
        let s = store(100);
        let id = s.seed_move(0, "SUBMITTED").unwrap();
        s.approve_move(&id, None).unwrap();
        let mut shipments = Vec::new();
        for _ in 0..25 {
            let new = crate::state::shipments::NewShipment {
                shipment_type: "HHG".into(),
                ..Default::default()
            };
            shipments.push(s.create_shipment(&id, new).unwrap().id);
        }
        let kept = s.get_move(&id).unwrap().shipment_ids;
        assert_eq!(kept, shipments[5..].to_vec(), "the newest 20");
        assert_eq!(s.shipments.len(), 20);
        assert!(s.moves.contains(&id), "the move itself stays");
    }

    #[test]
    fn moves_in_use_are_never_evicted() {
        let s = store(4);
        for i in 0..8 {
            s.seed_move(i, "SUBMITTED").unwrap();
        }
        assert_eq!(s.moves.len(), 8, "all used just now: none idle");
        assert_eq!(s.evicted_moves(), 0);
    }
}
