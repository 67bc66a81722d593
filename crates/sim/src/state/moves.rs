//! Customers, orders and moves: creation, approval, submission and field updates.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::model::{unique_now, Customer, Move, Orders};
use super::{check_etag, not_found, transitions, StateError, StateResult, Store};

/// Generates a six-character move locator (MilMove uses upper-case letters and digits).
fn new_locator() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..6)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

fn new_reference_id() -> String {
    format!(
        "{:04}-{:04}",
        rand::random_range(0..10_000u32),
        rand::random_range(0..10_000u32)
    )
}

impl Store {
    /// Creates a customer (service member) for a user.
    pub fn create_customer(&self, user_id: Uuid, profile: Map<String, Value>) -> Customer {
        let now = unique_now();
        let customer = Customer {
            id: Uuid::new_v4(),
            user_id,
            profile,
            order_ids: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        self.customers.insert(customer.id, customer.clone());
        customer
    }

    /// Merges `patch` into a customer's profile (If-Match checked when given).
    pub fn patch_customer(
        &self,
        id: &Uuid,
        if_match: Option<&str>,
        patch: &Map<String, Value>,
    ) -> StateResult<Customer> {
        self.customers
            .update(id, |c| {
                if let Some(tag) = if_match {
                    check_etag(tag, &c.updated_at, "customer")?;
                }
                for (k, v) in patch {
                    c.profile.insert(k.clone(), v.clone());
                }
                c.updated_at = unique_now();
                Ok(c.clone())
            })
            .unwrap_or_else(|| Err(not_found("customer", id)))
    }

    /// Creates orders for a customer, with an uploaded-orders document id.
    pub fn create_orders(
        &self,
        customer_id: Uuid,
        fields: Map<String, Value>,
    ) -> StateResult<Orders> {
        let now = unique_now();
        let orders = Orders {
            id: Uuid::new_v4(),
            customer_id,
            move_id: None,
            fields,
            uploaded_orders_id: Uuid::new_v4(),
            created_at: now,
            updated_at: now,
        };
        self.customers
            .update(&customer_id, |c| c.order_ids.push(orders.id))
            .ok_or_else(|| not_found("customer", &customer_id))?;
        self.orders.insert(orders.id, orders.clone());
        Ok(orders)
    }

    /// Merges `patch` into orders' fields; If-Match is required.
    pub fn patch_orders(
        &self,
        id: &Uuid,
        if_match: &str,
        patch: &Map<String, Value>,
    ) -> StateResult<Orders> {
        self.orders
            .update(id, |o| {
                check_etag(if_match, &o.updated_at, "orders")?;
                for (k, v) in patch {
                    o.fields.insert(k.clone(), v.clone());
                }
                o.updated_at = unique_now();
                Ok(o.clone())
            })
            .unwrap_or_else(|| Err(not_found("orders", id)))
    }

    /// Creates a move for orders, in `status`.
    pub fn create_move(&self, orders_id: Uuid, status: &str) -> StateResult<Move> {
        let now = unique_now();
        let mv = Move {
            id: Uuid::new_v4(),
            locator: new_locator(),
            status: status.to_string(),
            orders_id,
            contractor_id: self.contractor_id,
            available_to_prime_at: None,
            approved_at: None,
            ppm_type: None,
            reference_id: new_reference_id(),
            shipment_ids: Vec::new(),
            service_item_ids: Vec::new(),
            payment_request_ids: Vec::new(),
            payment_request_seq: 0,
            created_at: now,
            updated_at: now,
        };
        self.orders
            .update(&orders_id, |o| o.move_id = Some(mv.id))
            .ok_or_else(|| not_found("orders", &orders_id))?;
        self.locators.insert(mv.locator.clone(), mv.id);
        self.moves.insert(mv.id, mv.clone());
        self.register_move(mv.id);
        Ok(mv)
    }

    /// Approves a move and makes it available to the Prime (support
    /// `makeMoveTaskOrderAvailable`, ghc `updateMoveTaskOrderStatus`). 409 from other statuses.
    pub fn approve_move(&self, id: &Uuid, if_match: Option<&str>) -> StateResult<Move> {
        self.moves
            .update(id, |m| {
                if let Some(tag) = if_match {
                    check_etag(tag, &m.updated_at, "move")?;
                }
                if !transitions::move_can_approve(&m.status) {
                    return Err(StateError::Conflict(format!(
                        "a move in status {} cannot be approved",
                        m.status
                    )));
                }
                let now = unique_now();
                m.status = "APPROVED".to_string();
                m.approved_at.get_or_insert(now);
                m.available_to_prime_at.get_or_insert(now);
                m.updated_at = now;
                Ok(m.clone())
            })
            .unwrap_or_else(|| Err(not_found("move", id)))
    }

    /// Submits a draft move (customer): the move goes to `NEEDS SERVICE COUNSELING` and its
    /// draft shipments to `SUBMITTED`.
    pub fn submit_move(&self, id: &Uuid, if_match: Option<&str>) -> StateResult<Move> {
        let mv = self
            .moves
            .update(id, |m| {
                if let Some(tag) = if_match {
                    check_etag(tag, &m.updated_at, "move")?;
                }
                if !transitions::move_can_submit(&m.status) {
                    return Err(StateError::Conflict(format!(
                        "a move in status {} cannot be submitted",
                        m.status
                    )));
                }
                m.status = "NEEDS SERVICE COUNSELING".to_string();
                m.updated_at = unique_now();
                Ok(m.clone())
            })
            .unwrap_or_else(|| Err(not_found("move", id)))?;
        for sid in &mv.shipment_ids {
            self.shipments.update(sid, |s| {
                if s.status == "DRAFT" {
                    s.status = "SUBMITTED".into();
                    s.updated_at = unique_now();
                }
            });
        }
        Ok(mv)
    }

    /// Services counseling completed (`NEEDS SERVICE COUNSELING` →
    /// `SERVICE COUNSELING COMPLETED`), 409 from other statuses.
    pub fn complete_counseling(&self, id: &Uuid, if_match: &str) -> StateResult<Move> {
        self.moves
            .update(id, |m| {
                check_etag(if_match, &m.updated_at, "move")?;
                if m.shipment_ids.is_empty() {
                    return Err(StateError::Conflict(
                        "No shipments associated with move".into(),
                    ));
                }
                if m.status != "NEEDS SERVICE COUNSELING" {
                    return Err(StateError::Conflict(format!(
                        "counseling cannot be completed for a move in status {}",
                        m.status
                    )));
                }
                m.status = "SERVICE COUNSELING COMPLETED".to_string();
                m.updated_at = unique_now();
                Ok(m.clone())
            })
            .unwrap_or_else(|| Err(not_found("move", id)))
    }

    /// Records post-counseling information (prime `updateMTOPostCounselingInformation`).
    pub fn post_counseling(&self, id: &Uuid, if_match: &str) -> StateResult<Move> {
        self.moves
            .update(id, |m| {
                if m.available_to_prime_at.is_none() {
                    return Err(not_found("move", id));
                }
                check_etag(if_match, &m.updated_at, "move")?;
                m.ppm_type.get_or_insert_with(|| "PARTIAL".to_string());
                m.updated_at = unique_now();
                Ok(m.clone())
            })
            .unwrap_or_else(|| Err(not_found("move", id)))
    }

    /// Touches a move's `updated_at` after a generic update (If-Match checked).
    pub fn touch_move(&self, id: &Uuid, if_match: &str) -> StateResult<Move> {
        self.moves
            .update(id, |m| {
                check_etag(if_match, &m.updated_at, "move")?;
                m.updated_at = unique_now();
                Ok(m.clone())
            })
            .unwrap_or_else(|| Err(not_found("move", id)))
    }
}
