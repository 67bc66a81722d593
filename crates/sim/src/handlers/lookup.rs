//! Unknown ids on operations without a stateful handler: where a path parameter names an
//! object kind the stand-in keeps (moves, shipments, orders, customers, service items,
//! payment requests, uploads, documents, duty locations, agents, addresses) and the
//! operation declares a 404, an id that does not exist is a 404, as MilMove answers for a
//! record it cannot find. Kinds the stand-in does not keep (PPM shipments, evaluation
//! reports, weight tickets, …) are answered from the spec as before.

use http::StatusCode;
use uuid::Uuid;

use super::Call;
use crate::api::ApiError;
use crate::state::Store;

/// An object kind a path parameter can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A move, by id or locator.
    Move,
    /// A move by locator only.
    Locator,
    /// A shipment.
    Shipment,
    /// Orders.
    Orders,
    /// A customer (service member).
    Customer,
    /// A service item.
    ServiceItem,
    /// A payment request.
    PaymentRequest,
    /// A payment service item (searched in the payment requests).
    PaymentServiceItem,
    /// An upload.
    Upload,
    /// A document.
    Document,
    /// A duty location.
    DutyLocation,
    /// A shipment agent.
    Agent,
    /// An address.
    Address,
}

impl Kind {
    /// The kind a path parameter names, by MilMove's parameter names.
    pub fn of_param(name: &str) -> Option<Kind> {
        Some(match name {
            "moveTaskOrderID" | "moveId" | "moveID" => Kind::Move,
            "locator" => Kind::Locator,
            "shipmentID" | "mtoShipmentID" | "mtoShipmentId" => Kind::Shipment,
            "orderID" | "ordersId" => Kind::Orders,
            "serviceMemberId" | "customerID" => Kind::Customer,
            "mtoServiceItemID" => Kind::ServiceItem,
            "paymentRequestID" => Kind::PaymentRequest,
            "paymentServiceItemID" => Kind::PaymentServiceItem,
            "uploadID" | "uploadId" => Kind::Upload,
            "documentId" => Kind::Document,
            "dutyLocationId" => Kind::DutyLocation,
            "agentID" => Kind::Agent,
            "addressID" | "addressId" => Kind::Address,
            _ => return None,
        })
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Move | Kind::Locator => "move",
            Kind::Shipment => "shipment",
            Kind::Orders => "orders",
            Kind::Customer => "customer",
            Kind::ServiceItem => "service item",
            Kind::PaymentRequest => "payment request",
            Kind::PaymentServiceItem => "payment service item",
            Kind::Upload => "upload",
            Kind::Document => "document",
            Kind::DutyLocation => "duty location",
            Kind::Agent => "agent",
            Kind::Address => "address",
        }
    }

    /// Whether `value` names an existing object of this kind.
    pub fn exists(self, store: &Store, value: &str) -> bool {
        let id = Uuid::parse_str(value).ok();
        let by_id = |f: &dyn Fn(&Uuid) -> bool| id.as_ref().is_some_and(f);
        match self {
            Kind::Move => {
                by_id(&|id| store.moves.contains(id)) || store.locators.contains(&value.to_string())
            }
            Kind::Locator => store.locators.contains(&value.to_string()),
            Kind::Shipment => by_id(&|id| store.shipments.contains(id)),
            Kind::Orders => by_id(&|id| store.orders.contains(id)),
            Kind::Customer => by_id(&|id| store.customers.contains(id)),
            Kind::ServiceItem => by_id(&|id| store.service_items.contains(id)),
            Kind::PaymentRequest => by_id(&|id| store.payment_requests.contains(id)),
            Kind::PaymentServiceItem => by_id(&|id| {
                !store
                    .payment_requests
                    .collect(|p| p.items.iter().any(|i| i.id == *id).then_some(()))
                    .is_empty()
            }),
            Kind::Upload => by_id(&|id| store.uploads.contains(id)),
            Kind::Document => by_id(&|id| store.documents.contains(id)),
            Kind::DutyLocation => by_id(&|id| store.duty_locations.iter().any(|d| d.id == *id)),
            Kind::Agent => by_id(&|id| store.agents.contains(id)),
            Kind::Address => by_id(&|id| store.addresses.contains(id)),
        }
    }
}

impl Kind {
    /// The moves an id of this kind belongs to (for the eviction's in-use marks).
    fn moves_of(self, store: &Store, value: &str) -> Vec<Uuid> {
        let id = Uuid::parse_str(value).ok();
        let one = |m: Option<Uuid>| m.into_iter().collect::<Vec<_>>();
        match (self, id) {
            (Kind::Move, Some(id)) if store.moves.contains(&id) => vec![id],
            (Kind::Move | Kind::Locator, _) => one(store.locators.get(&value.to_string())),
            (Kind::Shipment, Some(id)) => one(store.shipments.with(&id, |s| s.move_id)),
            (Kind::ServiceItem, Some(id)) => one(store.service_items.with(&id, |i| i.move_id)),
            (Kind::PaymentRequest, Some(id)) => {
                one(store.payment_requests.with(&id, |p| p.move_id))
            }
            (Kind::Orders, Some(id)) => one(store.orders.with(&id, |o| o.move_id).flatten()),
            (Kind::Customer, Some(id)) => store
                .customers
                .with(&id, |c| c.order_ids.clone())
                .unwrap_or_default()
                .iter()
                .filter_map(|o| store.orders.with(o, |o| o.move_id).flatten())
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Body fields that name the move (or a shipment of it) a request works on.
const BODY_IDS: &[(&str, Kind)] = &[
    ("moveTaskOrderID", Kind::Move),
    ("moveID", Kind::Move),
    ("mtoShipmentID", Kind::Shipment),
    ("service_member_id", Kind::Customer),
];

/// Marks the moves a request works on (by path and body ids) as in use, so eviction spares
/// them.
pub fn mark_in_use(store: &Store, call: &Call<'_>) {
    let from_path = call
        .path_params
        .iter()
        .filter_map(|(name, value)| Some((Kind::of_param(name)?, value.as_str())));
    let from_body = BODY_IDS
        .iter()
        .filter_map(|(field, kind)| Some((*kind, call.body.as_ref()?.get(*field)?.as_str()?)));
    for (kind, value) in from_path.chain(from_body) {
        for m in kind.moves_of(store, value) {
            store.mark_in_use(&m);
        }
    }
}

/// 404 for the first path parameter that names a kept object that does not exist (only
/// when the operation declares a 404).
pub fn missing(store: &Store, call: &Call<'_>) -> Option<ApiError> {
    if !call.op.responses.iter().any(|s| s == "404") {
        return None;
    }
    call.path_params.iter().find_map(|(name, value)| {
        let kind = Kind::of_param(name)?;
        (!kind.exists(store, value)).then(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("{} {value} not found", kind.label()),
            )
        })
    })
}
