//! Service items: creation by the Prime, updates and status changes.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::model::{unique_now, ServiceItem};
use super::{check_etag, not_found, transitions, StateError, StateResult, Store};

/// The items created with a first-day SIT item. MilMove's `mto_service_item_creator.go`
/// creates DOFSIT → DOASIT, DOPSIT, DOSFSC and DDFSIT → DDASIT, DDDSIT, DDSFSC; the SIT fuel
/// surcharges (DOSFSC, DDSFSC and the international ones) are left out here: the Prime and
/// Support specs cannot express their codes (their `ReServiceCode` enums lack them), so MilMove
/// lists them against its own specs, and an item the Prime cannot see it cannot bill either.
pub fn sit_companions(code: &str) -> &'static [&'static str] {
    match code {
        "DOFSIT" => &["DOASIT", "DOPSIT"],
        "DDFSIT" => &["DDASIT", "DDDSIT"],
        "IOFSIT" => &["IOASIT", "IOPSIT"],
        "IDFSIT" => &["IDASIT", "IDDSIT"],
        _ => &[],
    }
}

/// Codes MilMove creates only as companions: "A service item with reServiceCode %s cannot
/// be manually created."
pub fn companion_only(code: &str) -> bool {
    matches!(
        code,
        "DOPSIT" | "DOSFSC" | "DDDSIT" | "DDSFSC" | "IOPSIT" | "IOSFSC" | "IDDSIT" | "IDSFSC"
    )
}

/// The fields a companion takes from its first-day item: MilMove's `makeExtraSITServiceItem`
/// (entry and departure dates, postal code, reason, customer contacts) and the SIT addresses
/// it copies onto them.
const COMPANION_FIELDS: &[&str] = &[
    "sitEntryDate",
    "sitDepartureDate",
    "sitPostalCode",
    "reason",
    "dateOfContact1",
    "timeMilitary1",
    "firstAvailableDeliveryDate1",
    "dateOfContact2",
    "timeMilitary2",
    "firstAvailableDeliveryDate2",
    "sitHHGActualOrigin",
    "sitHHGOriginalOrigin",
    "sitDestinationFinalAddress",
];

impl Store {
    /// Creates what the Prime's createMTOServiceItem creates: the requested item and, for a
    /// first-day SIT item, its companions (`sit_companions`), in that order, all
    /// `SUBMITTED`. MilMove's rules: the move must be `APPROVED` or `APPROVALS REQUESTED`
    /// (409), and a companion code cannot be requested on its own (422).
    pub fn create_prime_service_items(
        &self,
        move_id: &Uuid,
        shipment_id: Option<Uuid>,
        model_type: &str,
        code: &str,
        body: Map<String, Value>,
    ) -> StateResult<Vec<ServiceItem>> {
        let status = self.prime_move(move_id)?.status;
        if status != "APPROVED" && status != "APPROVALS REQUESTED" {
            return Err(StateError::Conflict(format!(
                "Cannot create service items before a move has been approved. The current \
                 status for the move with ID {move_id} is {status}"
            )));
        }
        if companion_only(code) {
            return Err(StateError::Invalid {
                field: "reServiceCode".into(),
                message: format!(
                    "A service item with reServiceCode {code} cannot be manually created."
                ),
            });
        }
        let companions: Map<String, Value> = COMPANION_FIELDS
            .iter()
            .filter_map(|k| body.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        let mut created =
            vec![self.create_service_item(move_id, shipment_id, model_type, code, body)?];
        for companion in sit_companions(code) {
            created.push(self.create_service_item(
                move_id,
                shipment_id,
                model_type,
                companion,
                companions.clone(),
            )?);
        }
        Ok(created)
    }

    /// Creates a service item (status `SUBMITTED`) on a move available to the Prime; the
    /// shipment, when given, must belong to the move.
    pub fn create_service_item(
        &self,
        move_id: &Uuid,
        shipment_id: Option<Uuid>,
        model_type: &str,
        code: &str,
        body: Map<String, Value>,
    ) -> StateResult<ServiceItem> {
        self.prime_move(move_id)?;
        if let Some(sid) = shipment_id {
            let shipment = self.get_shipment(&sid)?;
            if shipment.move_id != *move_id {
                return Err(StateError::Conflict(format!(
                    "shipment {sid} does not belong to move {move_id}"
                )));
            }
        }
        let now = unique_now();
        let item = ServiceItem {
            id: Uuid::new_v4(),
            move_id: *move_id,
            shipment_id,
            code: code.to_string(),
            model_type: model_type.to_string(),
            status: "SUBMITTED".to_string(),
            body,
            rejection_reason: None,
            created_at: now,
            updated_at: now,
        };
        self.service_items.insert(item.id, item.clone());
        self.moves
            .update(move_id, |m| m.service_item_ids.push(item.id));
        self.child_added(move_id);
        Ok(item)
    }

    /// A service item by id.
    pub fn get_service_item(&self, id: &Uuid) -> StateResult<ServiceItem> {
        self.service_items
            .get(id)
            .ok_or_else(|| not_found("service item", id))
    }

    /// Merges body fields into a service item (prime `updateMTOServiceItem`, If-Match).
    pub fn update_service_item(
        &self,
        id: &Uuid,
        if_match: &str,
        fields: &Map<String, Value>,
    ) -> StateResult<ServiceItem> {
        self.service_items
            .update(id, |s| {
                check_etag(if_match, &s.updated_at, "service item")?;
                for (k, v) in fields {
                    if !matches!(k.as_str(), "id" | "eTag" | "modelType") {
                        s.body.insert(k.clone(), v.clone());
                    }
                }
                s.updated_at = unique_now();
                Ok(s.clone())
            })
            .unwrap_or_else(|| Err(not_found("service item", id)))
    }

    /// Changes a service item's status (`APPROVED`/`REJECTED`; rejection needs a reason).
    pub fn set_service_item_status(
        &self,
        id: &Uuid,
        if_match: &str,
        status: &str,
        reason: Option<&str>,
    ) -> StateResult<ServiceItem> {
        if status == "REJECTED" && reason.is_none_or(str::is_empty) {
            return Err(StateError::Invalid {
                field: "rejectionReason".into(),
                message: "a rejection reason is required".into(),
            });
        }
        self.service_items
            .update(id, |s| {
                check_etag(if_match, &s.updated_at, "service item")?;
                if !transitions::service_item_can(&s.status, status) {
                    return Err(StateError::Conflict(format!(
                        "service item status {} cannot change to {status}",
                        s.status
                    )));
                }
                s.status = status.to_string();
                s.rejection_reason = reason.map(str::to_string);
                s.updated_at = unique_now();
                Ok(s.clone())
            })
            .unwrap_or_else(|| Err(not_found("service item", id)))
    }
}
