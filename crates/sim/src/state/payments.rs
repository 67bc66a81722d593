//! Payment requests: creation by the Prime and status changes.

use uuid::Uuid;

use super::model::{unique_now, PaymentRequest, PaymentServiceItem};
use super::{check_etag, not_found, transitions, StateError, StateResult, Store};

impl Store {
    /// Creates a payment request (`PENDING`) for approved service items of a move available
    /// to the Prime. Unknown items → 404; items of another move or not approved → 409.
    pub fn create_payment_request(
        &self,
        move_id: &Uuid,
        service_item_ids: Vec<Uuid>,
        is_final: bool,
    ) -> StateResult<PaymentRequest> {
        self.prime_move(move_id)?;
        for id in &service_item_ids {
            let item = self.get_service_item(id)?;
            if item.move_id != *move_id {
                return Err(StateError::Conflict(format!(
                    "service item {id} does not belong to move {move_id}"
                )));
            }
            if item.status != "APPROVED" {
                return Err(StateError::Conflict(format!(
                    "service item {id} is {} and cannot be billed",
                    item.status
                )));
            }
        }
        let number = self
            .moves
            .update(move_id, |m| {
                m.payment_request_seq += 1;
                format!("{}-{}", m.reference_id, m.payment_request_seq)
            })
            .ok_or_else(|| not_found("move", move_id))?;
        let now = unique_now();
        let request = PaymentRequest {
            id: Uuid::new_v4(),
            move_id: *move_id,
            status: "PENDING".to_string(),
            number,
            is_final,
            items: service_item_ids
                .iter()
                .map(|id| PaymentServiceItem {
                    id: Uuid::new_v4(),
                    service_item_id: *id,
                    status: "REQUESTED".into(),
                    rejection_reason: None,
                    updated_at: now,
                })
                .collect(),
            created_at: now,
            updated_at: now,
        };
        self.payment_requests.insert(request.id, request.clone());
        self.moves
            .update(move_id, |m| m.payment_request_ids.push(request.id));
        self.child_added(move_id);
        Ok(request)
    }

    /// A payment request by id.
    pub fn get_payment_request(&self, id: &Uuid) -> StateResult<PaymentRequest> {
        self.payment_requests
            .get(id)
            .ok_or_else(|| not_found("payment request", id))
    }

    /// Changes a payment request's status following MilMove's flow (409 otherwise).
    pub fn set_payment_request_status(
        &self,
        id: &Uuid,
        if_match: &str,
        status: &str,
    ) -> StateResult<PaymentRequest> {
        self.payment_requests
            .update(id, |p| {
                check_etag(if_match, &p.updated_at, "payment request")?;
                if !transitions::payment_request_can(&p.status, status) {
                    return Err(StateError::Conflict(format!(
                        "payment request status {} cannot change to {status}",
                        p.status
                    )));
                }
                p.status = status.to_string();
                p.updated_at = unique_now();
                Ok(p.clone())
            })
            .unwrap_or_else(|| Err(not_found("payment request", id)))
    }

    /// The TIO's review of a payment request (GHC `updatePaymentRequestStatus`): MilMove's
    /// status updater checks the eTag only — any current status may become `REVIEWED` or
    /// `REVIEWED_AND_ALL_SERVICE_ITEMS_REJECTED` (the handler allows no other).
    pub fn review_payment_request(
        &self,
        id: &Uuid,
        if_match: &str,
        status: &str,
    ) -> StateResult<PaymentRequest> {
        self.payment_requests
            .update(id, |p| {
                check_etag(if_match, &p.updated_at, "payment request")?;
                p.status = status.to_string();
                p.updated_at = unique_now();
                Ok(p.clone())
            })
            .unwrap_or_else(|| Err(not_found("payment request", id)))
    }

    /// Reviews one payment service item (TIO): `APPROVED` or `DENIED` (denial needs a reason).
    pub fn set_payment_service_item_status(
        &self,
        request_id: &Uuid,
        item_id: &Uuid,
        if_match: &str,
        status: &str,
        reason: Option<&str>,
    ) -> StateResult<(PaymentRequest, PaymentServiceItem)> {
        if status == "DENIED" && reason.is_none_or(str::is_empty) {
            return Err(StateError::Invalid {
                field: "rejectionReason".into(),
                message: "a rejection reason is required".into(),
            });
        }
        // MilMove checks the eTag and the rejection reason only (not the request's status).
        self.payment_requests
            .update(request_id, |p| {
                let item = p
                    .items
                    .iter_mut()
                    .find(|i| i.id == *item_id)
                    .ok_or_else(|| not_found("payment service item", item_id))?;
                check_etag(if_match, &item.updated_at, "payment service item")?;
                item.status = status.to_string();
                item.rejection_reason = reason.map(str::to_string);
                item.updated_at = unique_now();
                let item = item.clone();
                Ok((p.clone(), item))
            })
            .unwrap_or_else(|| Err(not_found("payment request", request_id)))
    }

    /// The payment request holding a payment service item (linear scan of one move's).
    pub fn payment_request_of_item(&self, move_id: &Uuid, item_id: &Uuid) -> StateResult<Uuid> {
        let mv = self.get_move(move_id)?;
        mv.payment_request_ids
            .iter()
            .find(|pr| {
                self.payment_requests
                    .with(pr, |p| p.items.iter().any(|i| i.id == *item_id))
                    .unwrap_or(false)
            })
            .copied()
            .ok_or_else(|| not_found("payment service item", item_id))
    }
}
