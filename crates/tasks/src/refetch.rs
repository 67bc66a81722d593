//! Stale copies: how a task gets the server's current copy of an object after MilMove
//! answers `412 Precondition Failed` (the `If-Match` eTag is stale) or `409 Conflict` (the
//! object is no longer in the state the task expected).
//!
//! Load-test users work on shared objects, and other actors change them: creating a shipment
//! on an approved move changes the move (and its eTag), the TOO approves shipments the
//! Support user also approves, the workflow's move is listed and used by Prime users. A real
//! client of MilMove's optimistic locking does what [`Call::send_refetching`] does with a
//! [`Refetch`]: fetch the current copy, and send the update again with its eTag if the object
//! still needs it (a few times at most, see
//! [`MAX_STALE_RETRIES`](crate::call::MAX_STALE_RETRIES)). See [`Call::send_refetching`] for how each outcome is recorded.
//!
//! [`Call::send_refetching`]: crate::call::Call::send_refetching

use std::borrow::Cow;

use serde_json::Value;

use crate::call::{text, Call};
use crate::office::common::{GET_CUSTOMER, GET_MOVE, GET_ORDER, LIST_SHIPMENTS};
use crate::office::tio::GET_PAYMENT_REQUEST;
use crate::prime::moves::{remember_move, GET_MOVE_TASK_ORDER};
use crate::store::{etag, DataStores, Kind};

/// Picks the object out of the refetch answer.
type Pick = Box<dyn Fn(&Value) -> Option<Value> + Send + Sync>;
/// A task's precondition: whether the object still needs the task's update.
type Needs = Box<dyn Fn(&Value) -> bool + Send + Sync>;
/// The `If-Match` value for the retry, from the current copy.
type IfMatch = Box<dyn Fn(&Value) -> String + Send + Sync>;

/// How to fetch the current copy of one object: the `GET` to send, where the object is in
/// the answer, and whether the current copy still needs the task's update.
pub struct Refetch {
    path: String,
    name: &'static str,
    pick: Pick,
    needs_update: Needs,
    if_match: IfMatch,
    remember: Option<fn(&DataStores, Value)>,
}

impl std::fmt::Debug for Refetch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refetch")
            .field("path", &self.path)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Refetch {
    /// `GET path` (recorded as `name (refetch after STATUS)`), the whole answer being the
    /// object.
    pub fn get(path: impl Into<String>, name: &'static str) -> Self {
        Refetch {
            path: path.into(),
            name,
            pick: Box::new(|answer| Some(answer.clone())),
            needs_update: Box::new(|_| true),
            if_match: Box::new(|current| etag(current).to_string()),
            remember: None,
        }
    }

    /// The object is the element of the answer's array `field` (or of the answer itself, when
    /// `field` is empty) whose `"id"` is `id`.
    pub fn element(mut self, field: &'static str, id: impl Into<String>) -> Self {
        let id = id.into();
        self.pick = Box::new(move |answer| {
            let list = if field.is_empty() {
                answer
            } else {
                answer.get(field)?
            };
            list.as_array()?
                .iter()
                .find(|o| text(o, "id") == id)
                .cloned()
        });
        self
    }

    /// The task's precondition (e.g. `status == "SUBMITTED"`): when the current copy no
    /// longer satisfies it, another actor already did the work and the update is not resent.
    pub fn needs_update(mut self, needs: impl Fn(&Value) -> bool + Send + Sync + 'static) -> Self {
        self.needs_update = Box::new(needs);
        self
    }

    /// Where the retry's `If-Match` comes from in the current copy, when it is not the
    /// object's own `eTag` (e.g. an agent's eTag inside its shipment).
    pub fn if_match_from(
        mut self,
        pick: impl Fn(&Value) -> String + Send + Sync + 'static,
    ) -> Self {
        self.if_match = Box::new(pick);
        self
    }

    /// Also hand the whole answer to `remember` (e.g. to refresh every object of a move).
    pub fn remember(mut self, remember: fn(&DataStores, Value)) -> Self {
        self.remember = Some(remember);
        self
    }

    /// The refetch request, recorded under its own name so stale copies show in the table.
    pub(crate) fn call(&self, status: u16) -> Call {
        let name: Cow<'static, str> = Cow::Owned(format!("{} (refetch after {status})", self.name));
        Call::get(self.path.clone(), name)
    }

    /// The object in a refetch answer.
    pub(crate) fn pick(&self, answer: &Value) -> Option<Value> {
        (self.pick)(answer)
    }

    /// Whether the current copy still needs the update.
    pub(crate) fn still_needed(&self, current: &Value) -> bool {
        (self.needs_update)(current) && !self.if_match_of(current).is_empty()
    }

    /// The `If-Match` value for the retry.
    pub(crate) fn if_match_of(&self, current: &Value) -> String {
        (self.if_match)(current)
    }

    /// Stores what the refetch brought, if asked to.
    pub(crate) fn store(&self, stores: &DataStores, answer: Value) {
        if let Some(remember) = self.remember {
            remember(stores, answer);
        }
    }

    /// A Prime/Support object of `kind` (move, shipment, service item or payment request),
    /// refetched with the Prime's getMoveTaskOrder of its move; every object of the move is
    /// refreshed in the stores on the way.
    pub fn prime(kind: Kind, object: &Value) -> Refetch {
        let id = text(object, "id").to_string();
        let move_id = match kind {
            Kind::Move => id.clone(),
            _ => text(object, "moveTaskOrderID").to_string(),
        };
        let base = Refetch::get(
            format!("/prime/v1/move-task-orders/{move_id}"),
            GET_MOVE_TASK_ORDER,
        )
        .remember(remember_move);
        match kind {
            Kind::Shipment => base.element("mtoShipments", id),
            Kind::ServiceItem => base.element("mtoServiceItems", id),
            Kind::PaymentRequest => base.element("paymentRequests", id),
            _ => base,
        }
    }

    /// An office (GHC API) object of `kind`, refetched with the office app's own `GET`.
    pub fn ghc(kind: Kind, object: &Value) -> Refetch {
        let id = text(object, "id");
        match kind {
            Kind::Move => Refetch::get(
                format!("/ghc/v1/move/{}", text(object, "locator")),
                GET_MOVE,
            ),
            Kind::Order => Refetch::get(format!("/ghc/v1/orders/{id}"), GET_ORDER),
            Kind::Customer => Refetch::get(format!("/ghc/v1/customer/{id}"), GET_CUSTOMER),
            Kind::PaymentRequest => Refetch::get(
                format!("/ghc/v1/payment-requests/{id}"),
                GET_PAYMENT_REQUEST,
            ),
            Kind::Shipment | Kind::ServiceItem => Refetch::get(
                format!(
                    "/ghc/v1/move_task_orders/{}/mto_shipments",
                    text(object, "moveTaskOrderID")
                ),
                LIST_SHIPMENTS,
            )
            .element("", id),
        }
    }
}

/// The `eTag` of the element of `object[field]` (an array, or a single object) whose `"id"`
/// is `id`: e.g. an agent's or an address's eTag inside its shipment.
pub fn nested_etag(object: &Value, field: &str, id: &str) -> String {
    let matches = |o: &Value| text(o, "id") == id;
    let found = match &object[field] {
        Value::Array(list) => list.iter().find(|o| matches(o)),
        single if matches(single) => Some(single),
        _ => None,
    };
    found.map(|o| etag(o).to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prime_refetch_finds_nested_objects_by_id() {
        let shipment = json!({"id": "s2", "moveTaskOrderID": "m1", "eTag": "old"});
        let refetch = Refetch::prime(Kind::Shipment, &shipment);
        assert_eq!(refetch.path, "/prime/v1/move-task-orders/m1");
        let answer = json!({"id": "m1", "mtoShipments": [
            {"id": "s1", "eTag": "a"}, {"id": "s2", "eTag": "new"}
        ]});
        assert_eq!(refetch.pick(&answer).unwrap()["eTag"], "new");
        assert!(refetch.pick(&json!({"id": "m1"})).is_none());
        assert_eq!(
            refetch.call(412).name(),
            "/prime/v1/move-task-orders/{moveID} (refetch after 412)"
        );
    }

    #[test]
    fn prime_refetch_of_a_move_is_the_whole_answer() {
        let refetch = Refetch::prime(Kind::Move, &json!({"id": "m9"}));
        assert_eq!(refetch.path, "/prime/v1/move-task-orders/m9");
        let answer = json!({"id": "m9", "eTag": "e"});
        assert_eq!(refetch.pick(&answer), Some(answer));
    }

    #[test]
    fn the_precondition_decides_whether_to_resend() {
        let refetch = Refetch::ghc(Kind::Order, &json!({"id": "o1"}))
            .needs_update(|o| text(o, "status") == "SUBMITTED");
        assert!(refetch.still_needed(&json!({"status": "SUBMITTED", "eTag": "x"})));
        assert!(!refetch.still_needed(&json!({"status": "APPROVED", "eTag": "x"})));
        assert!(
            !refetch.still_needed(&json!({"status": "SUBMITTED"})),
            "no eTag to send"
        );
    }

    #[test]
    fn nested_objects_give_their_own_etag_for_the_retry() {
        let shipment = json!({"id": "s1", "moveTaskOrderID": "m1", "eTag": "ship",
            "agents": [{"id": "a1", "eTag": "agent1"}, {"id": "a2", "eTag": "agent2"}],
            "pickupAddress": {"id": "p1", "eTag": "addr"}});
        assert_eq!(nested_etag(&shipment, "agents", "a2"), "agent2");
        assert_eq!(nested_etag(&shipment, "pickupAddress", "p1"), "addr");
        assert_eq!(nested_etag(&shipment, "agents", "zz"), "");
        let refetch = Refetch::prime(Kind::Shipment, &shipment)
            .if_match_from(|s| nested_etag(s, "agents", "a1"));
        assert_eq!(refetch.if_match_of(&shipment), "agent1");
        assert!(refetch.still_needed(&shipment));
        let without_agent = json!({"id": "s1", "eTag": "ship", "agents": []});
        assert!(
            !refetch.still_needed(&without_agent),
            "nothing to send If-Match for"
        );
    }

    #[test]
    fn ghc_shipments_are_found_in_the_move_list() {
        let shipment = json!({"id": "s1", "moveTaskOrderID": "m1"});
        let refetch = Refetch::ghc(Kind::Shipment, &shipment);
        assert_eq!(refetch.path, "/ghc/v1/move_task_orders/m1/mto_shipments");
        let answer = json!([{"id": "s0"}, {"id": "s1", "eTag": "t"}]);
        assert_eq!(refetch.pick(&answer).unwrap()["eTag"], "t");
    }
}
