//! A flow in flight: which flow, which step is next, and what the flow knows about its move
//! (the 2024 suite's "flow context", typed).

use std::time::{Duration, Instant};

use serde::Serialize;

use super::role::Role;

/// What a flow knows about its move, filled in step by step: each step reads what the earlier
/// steps found and adds what the later steps need.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MoveCase {
    /// The flow's number in the process ([`FlowCase::id`]).
    pub flow_id: u64,
    /// The shipment types the customer asks for (`HHG`, `HHG_INTO_NTS`), from the flow.
    pub shipment_plan: Vec<&'static str>,
    /// The customer's login e-mail.
    pub customer_email: String,
    /// The move id.
    pub move_id: String,
    /// The move's locator (move code), how office users find it in their queues.
    pub locator: String,
    /// The orders id.
    pub orders_id: String,
    /// The shipments the customer created, in order.
    pub shipment_ids: Vec<String>,
    /// When the move became available to the Prime (the server's time): the Prime looks for
    /// moves changed since then.
    pub available_to_prime_at: String,
    /// Service items the Prime requested.
    pub requested_service_item_ids: Vec<String>,
    /// Service items the TOO approved after the Prime requested them.
    pub approved_service_item_ids: Vec<String>,
    /// Payment requests the Prime created.
    pub payment_request_ids: Vec<String>,
    /// Payment service items the TIO approved.
    pub payment_items_approved: usize,
    /// Payment service items the TIO denied (rejected).
    pub payment_items_denied: usize,
}

/// One flow on its way through the roles' queues.
#[derive(Debug, Clone)]
pub struct FlowCase {
    /// Unique in the process.
    pub id: u64,
    /// The flow (index into the run's flows).
    pub flow: usize,
    /// The next step to run (index into the flow's steps).
    pub step: usize,
    /// What the flow knows about its move.
    pub data: MoveCase,
    /// When the flow started.
    pub started: Instant,
    /// Time spent in steps so far (queue waits and think time excluded).
    pub busy: Duration,
    /// When the flow entered the queue it is in (or its current step began).
    pub since: Instant,
    /// Each wait in a queue so far: the role and how long.
    pub waits: Vec<(Role, Duration)>,
}

impl FlowCase {
    /// A new case of flow `flow`, starting now.
    pub fn new(id: u64, flow: usize, shipment_plan: &[&'static str]) -> Self {
        let now = Instant::now();
        FlowCase {
            id,
            flow,
            step: 0,
            data: MoveCase {
                flow_id: id,
                shipment_plan: shipment_plan.to_vec(),
                ..MoveCase::default()
            },
            started: now,
            busy: Duration::ZERO,
            since: now,
            waits: Vec::new(),
        }
    }
}
