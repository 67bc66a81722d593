//! What the users of a class share ([`Shared`]) and what each user keeps ([`MilMoveUser`]).

use std::sync::Arc;

use parking_lot::Mutex;
use serde_json::Value;

use crate::apis::Apis;
use crate::flows::hub::FlowHub;
use crate::flows::role::Role;
use crate::flows::runnable::Runnable;
use crate::store::{DataStores, Exclude};

/// The PDF uploaded by `createUpload` and customer onboarding (from `static/test.pdf`).
pub const TEST_PDF: &[u8] = include_bytes!("../../../static/test.pdf");

/// IDs needed to create moves with the Support API's `createMoveTaskOrder`, learned from an
/// existing move (as the old suite's `default_mto_ids`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoveTemplateIds {
    /// The contractor (the Prime).
    pub contractor_id: String,
    /// The origin duty location.
    pub origin_duty_location_id: String,
    /// The destination duty location.
    pub destination_duty_location_id: String,
    /// The uploaded-orders document.
    pub uploaded_orders_id: String,
}

impl MoveTemplateIds {
    /// Whether every ID is known.
    pub fn is_complete(&self) -> bool {
        !(self.contractor_id.is_empty()
            || self.origin_duty_location_id.is_empty()
            || self.destination_duty_location_id.is_empty()
            || self.uploaded_orders_id.is_empty())
    }

    /// Fills missing IDs from a Support API move task order (keeps known ones).
    pub fn learn_from(&mut self, move_task_order: &Value) {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
        let fill = |slot: &mut String, value: String| {
            if slot.is_empty() && !value.is_empty() {
                *slot = value;
            }
        };
        fill(
            &mut self.contractor_id,
            text(move_task_order.get("contractorID")),
        );
        if let Some(order) = move_task_order.get("order") {
            fill(
                &mut self.origin_duty_location_id,
                text(order.get("originDutyLocationID")),
            );
            fill(
                &mut self.destination_duty_location_id,
                text(order.get("destinationDutyLocationID")),
            );
            fill(
                &mut self.uploaded_orders_id,
                text(order.get("uploadedOrdersID")),
            );
        }
    }
}

/// State shared by every user of the classes of one app (as the old suite's class-level stores):
/// the API parsers, the data stores and the learned move template.
#[derive(Debug)]
pub struct Shared {
    /// The MilMove API specs (fake bodies, request validation).
    pub apis: Arc<Apis>,
    /// Objects kept for reuse by later tasks.
    pub stores: DataStores,
    /// IDs for `createMoveTaskOrder`.
    pub move_template: Mutex<MoveTemplateIds>,
}

impl Shared {
    /// Shared state with stores bounded to `capacity` objects per kind.
    pub fn new(apis: Arc<Apis>, capacity: usize) -> Arc<Self> {
        Shared::with_stores(apis, DataStores::with_capacity(capacity))
    }

    /// Shared state whose stores never keep what `exclude` refuses (lifecycle runs: the
    /// objects of moves that flows own).
    pub fn excluding(apis: Arc<Apis>, capacity: usize, exclude: Exclude) -> Arc<Self> {
        Shared::with_stores(apis, DataStores::excluding(capacity, exclude))
    }

    fn with_stores(apis: Arc<Apis>, stores: DataStores) -> Arc<Self> {
        Arc::new(Shared {
            apis,
            stores,
            move_template: Mutex::new(MoveTemplateIds::default()),
        })
    }
}

/// A logged-in customer's identifiers, filled step by step during onboarding.
#[derive(Debug, Clone, Default)]
pub struct CustomerSession {
    /// The user id.
    pub user_id: String,
    /// The service member id.
    pub service_member_id: String,
    /// The login e-mail.
    pub email: String,
    /// Duty locations found by the search (origin first).
    pub duty_location_ids: Vec<String>,
    /// The service member as last returned (fresh eTag).
    pub service_member: Option<Value>,
    /// The orders as last returned.
    pub orders: Option<Value>,
    /// The move id.
    pub move_id: String,
    /// The shipment as last returned.
    pub shipment: Option<Value>,
}

/// The objects of one workflow iteration, each step using the previous step's results.
#[derive(Debug, Clone, Default)]
pub struct WorkflowState {
    /// When the iteration started.
    pub started: Option<std::time::Instant>,
    /// Time spent in the iteration's steps so far (think time between steps excluded).
    pub busy: std::time::Duration,
    /// The step that failed (the remaining steps are skipped).
    pub failed_step: Option<&'static str>,
    /// The move.
    pub move_task_order: Option<Value>,
    /// The shipment.
    pub shipment: Option<Value>,
    /// The service items created.
    pub service_items: Vec<Value>,
}

impl WorkflowState {
    /// Whether the iteration is still going (started and no step failed).
    pub fn running(&self) -> bool {
        self.started.is_some() && self.failed_step.is_none()
    }

    /// A copy of the object `pick` chooses, if the iteration is still going and has it: what
    /// each step starts from.
    pub fn live(&self, pick: impl FnOnce(&Self) -> &Option<Value>) -> Option<Value> {
        pick(self).clone().filter(|_| self.running())
    }
}

/// A lifecycle user's place: the process's flow queues, the role it plays, and its class's
/// own tasks (run by weight when its queue is empty).
#[derive(Debug)]
pub struct Seat {
    /// The flows of this process.
    pub hub: Arc<FlowHub>,
    /// The role the user plays.
    pub role: Role,
    /// The class's own tasks with their weights (after tag filtering).
    pub browse: Vec<(u32, Runnable<MilMoveUser>)>,
}

/// The per-user state of every MilMove user class.
#[derive(Debug)]
pub struct MilMoveUser {
    /// What the users of the app share.
    pub shared: Arc<Shared>,
    /// Whether the user logged in (office/customer) — set by the login `on_start`.
    pub logged_in: bool,
    /// The masked CSRF token to send on unsafe requests (office/customer).
    pub csrf_token: Option<String>,
    /// The customer's onboarding progress.
    pub customer: CustomerSession,
    /// The current workflow iteration.
    pub workflow: WorkflowState,
    /// The lifecycle seat of users of a lifecycle run (`None` otherwise).
    pub seat: Option<Arc<Seat>>,
}

impl MilMoveUser {
    /// A fresh user sharing `shared`.
    pub fn new(shared: Arc<Shared>) -> Self {
        MilMoveUser {
            shared,
            logged_in: false,
            csrf_token: None,
            customer: CustomerSession::default(),
            workflow: WorkflowState::default(),
            seat: None,
        }
    }

    /// A fresh lifecycle user sitting at `seat`.
    pub fn seated(shared: Arc<Shared>, seat: Arc<Seat>) -> Self {
        MilMoveUser {
            seat: Some(seat),
            ..MilMoveUser::new(shared)
        }
    }
}
