//! The side effects MilMove's services have along a move's life, beyond the status change
//! itself (facts from transcom/mymove's shipment approver, move task order updater, service
//! item creator and move router):
//!
//! - approving a shipment creates its basic service items, already `APPROVED`: for an HHG
//!   linehaul, fuel surcharge, origin and destination price, packing and unpacking (`DLH`,
//!   `FSC`, `DOP`, `DDP`, `DPK`, `DUPK`); for an NTS (`HHG_INTO_NTS`) NTS packing (`DNPK`)
//!   instead of packing and unpacking; for an NTS release (`HHG_OUTOF_NTS`) unpacking only;
//! - making a move available to the Prime from the office (`updateMoveTaskOrderStatus`) creates
//!   the move-level move management (`MS`) and counseling (`CS`) items asked for, `APPROVED`;
//! - after service items are created or reviewed, and after a shipment is approved, the move is
//!   routed again ([`Store::route_move`]): `APPROVALS REQUESTED` while a service item waits
//!   for the TOO (`SUBMITTED`), `APPROVED` once none does.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::model::{unique_now, Move, ServiceItem};
use super::{not_found, StateResult, Store};

/// The basic service items MilMove creates (approved) when a shipment of `shipment_type` is
/// approved; none for types it does not price this way (PPM).
pub fn basic_service_codes(shipment_type: &str) -> &'static [&'static str] {
    match shipment_type {
        "HHG" => &["DLH", "FSC", "DOP", "DDP", "DPK", "DUPK"],
        "HHG_INTO_NTS" | "HHG_INTO_NTS_DOMESTIC" => &["DLH", "FSC", "DOP", "DDP", "DNPK"],
        "HHG_OUTOF_NTS" | "HHG_OUTOF_NTS_DOMESTIC" => &["DLH", "FSC", "DOP", "DDP", "DUPK"],
        "MOBILE_HOME" => &["DLH", "FSC", "DOP", "DDP", "DMHF"],
        "BOAT_HAUL_AWAY" => &["DLH", "FSC", "DOP", "DDP", "DBHF"],
        "BOAT_TOW_AWAY" => &["DLH", "FSC", "DOP", "DDP", "DBTF"],
        _ => &[],
    }
}

/// The move-level service items the TOO may ask for when approving a move: `(body field,
/// service code)`.
pub const MOVE_SERVICE_CODES: [(&str, &str); 2] =
    [("serviceCodeMS", "MS"), ("serviceCodeCS", "CS")];

fn basic_body(code: &str) -> Map<String, Value> {
    match json!({"modelType": "MTOServiceItemBasic", "reServiceCode": code}) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

impl Store {
    /// Adds an `APPROVED` basic service item (created by MilMove itself, not requested).
    fn insert_approved_item(
        &self,
        move_id: &Uuid,
        shipment_id: Option<Uuid>,
        code: &str,
    ) -> ServiceItem {
        let now = unique_now();
        let item = ServiceItem {
            id: Uuid::new_v4(),
            move_id: *move_id,
            shipment_id,
            code: code.to_string(),
            model_type: "MTOServiceItemBasic".to_string(),
            status: "APPROVED".to_string(),
            body: basic_body(code),
            rejection_reason: None,
            created_at: now,
            updated_at: now,
        };
        self.service_items.insert(item.id, item.clone());
        self.moves
            .update(move_id, |m| m.service_item_ids.push(item.id));
        item
    }

    /// After a shipment was approved: creates its basic service items (once: codes it already
    /// has are skipped) and routes its move again. Returns the items created.
    pub fn shipment_approved(&self, shipment_id: &Uuid) -> StateResult<Vec<ServiceItem>> {
        let shipment = self.get_shipment(shipment_id)?;
        let mv = self.get_move(&shipment.move_id)?;
        let existing: Vec<String> = mv
            .service_item_ids
            .iter()
            .filter_map(|id| self.service_items.get(id))
            .filter(|i| i.shipment_id == Some(shipment.id))
            .map(|i| i.code)
            .collect();
        let created = basic_service_codes(&shipment.shipment_type)
            .iter()
            .filter(|code| !existing.iter().any(|e| e == *code))
            .map(|code| self.insert_approved_item(&mv.id, Some(shipment.id), code))
            .collect();
        self.route_move(&mv.id)?;
        Ok(created)
    }

    /// After a move was made available to the Prime by the TOO: creates the move-level items
    /// the approval asked for (`serviceCodeMS`, `serviceCodeCS` set to `true` in `request`),
    /// unless the move already has them.
    pub fn move_approved_with_items(
        &self,
        move_id: &Uuid,
        request: &Value,
    ) -> StateResult<Vec<ServiceItem>> {
        let mv = self.get_move(move_id)?;
        let has = |code: &str| {
            mv.service_item_ids
                .iter()
                .filter_map(|id| self.service_items.get(id))
                .any(|i| i.shipment_id.is_none() && i.code == code)
        };
        Ok(MOVE_SERVICE_CODES
            .iter()
            .filter(|(field, code)| request.get(*field) == Some(&Value::Bool(true)) && !has(code))
            .map(|(_, code)| self.insert_approved_item(move_id, None, code))
            .collect())
    }

    /// Routes a move that the Prime works on, as MilMove's `ApproveOrRequestApproval`:
    /// `APPROVALS REQUESTED` while one of its service items is `SUBMITTED`, else `APPROVED`.
    /// Moves in other statuses are left alone. The move's eTag changes only when its status
    /// does.
    pub fn route_move(&self, move_id: &Uuid) -> StateResult<Move> {
        let item_ids = self.get_move(move_id)?.service_item_ids;
        let waiting = item_ids.iter().any(|id| {
            self.service_items
                .with(id, |i| i.status == "SUBMITTED")
                .unwrap_or(false)
        });
        self.moves
            .update(move_id, |m| {
                if matches!(m.status.as_str(), "APPROVED" | "APPROVALS REQUESTED") {
                    let status = if waiting {
                        "APPROVALS REQUESTED"
                    } else {
                        "APPROVED"
                    };
                    if m.status != status {
                        m.status = status.to_string();
                        m.updated_at = unique_now();
                    }
                }
                m.clone()
            })
            .ok_or_else(|| not_found("move", move_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::model::etag;
    use crate::state::seed::SeedSize;

    fn store() -> Store {
        Store::seeded(SeedSize {
            prime_moves: 1,
            office_moves: 1,
        })
        .unwrap()
    }

    #[test]
    fn approving_a_shipment_creates_its_basic_items_once() {
        let store = store();
        let mv = store.seed_move(7, "SUBMITTED").unwrap();
        store.approve_move(&mv, None).unwrap();
        let mut nts = crate::state::shipments::NewShipment {
            shipment_type: "HHG_INTO_NTS".into(),
            ..Default::default()
        };
        nts.fields
            .insert("primeEstimatedWeight".into(), json!(3000));
        let shipment = store.create_shipment(&mv, nts).unwrap();
        assert_eq!(store.get_move(&mv).unwrap().status, "APPROVALS REQUESTED");
        let tag = etag(&shipment.updated_at);
        store
            .set_shipment_status(&shipment.id, &tag, "APPROVED", None)
            .unwrap();
        let created = store.shipment_approved(&shipment.id).unwrap();
        let codes: Vec<&str> = created.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes, ["DLH", "FSC", "DOP", "DDP", "DNPK"]);
        assert!(created.iter().all(|i| i.status == "APPROVED"));
        assert!(store.shipment_approved(&shipment.id).unwrap().is_empty());
        // No item waits for the TOO: the move is approved again.
        assert_eq!(store.get_move(&mv).unwrap().status, "APPROVED");
        assert_eq!(basic_service_codes("HHG").len(), 6);
        assert!(basic_service_codes("PPM").is_empty());
    }

    #[test]
    fn a_submitted_item_sends_the_move_to_the_too_and_its_review_brings_it_back() {
        let store = store();
        let mv = store.seed_move(8, "SUBMITTED").unwrap();
        store.approve_move(&mv, None).unwrap();
        let item = store
            .create_service_item(&mv, None, "MTOServiceItemBasic", "CS", Map::new())
            .unwrap();
        let routed = store.route_move(&mv).unwrap();
        assert_eq!(routed.status, "APPROVALS REQUESTED");
        let before = etag(&routed.updated_at);
        // Routing again without a change keeps the eTag.
        assert_eq!(etag(&store.route_move(&mv).unwrap().updated_at), before);
        let tag = etag(&item.updated_at);
        store
            .set_service_item_status(&item.id, &tag, "REJECTED", Some("not needed"))
            .unwrap();
        assert_eq!(store.route_move(&mv).unwrap().status, "APPROVED");
        // Moves the Prime does not work on are left alone.
        let draft = store.seed_move(9, "DRAFT").unwrap();
        assert_eq!(store.route_move(&draft).unwrap().status, "DRAFT");
    }

    #[test]
    fn move_level_items_are_created_once_when_asked_for() {
        let store = store();
        let mv = store.seed_move(10, "SUBMITTED").unwrap();
        store.approve_move(&mv, None).unwrap();
        let ask = json!({"serviceCodeMS": true, "serviceCodeCS": false});
        let created = store.move_approved_with_items(&mv, &ask).unwrap();
        assert_eq!(created.len(), 1);
        assert_eq!(
            (created[0].code.as_str(), created[0].status.as_str()),
            ("MS", "APPROVED")
        );
        assert!(store
            .move_approved_with_items(&mv, &ask)
            .unwrap()
            .is_empty());
    }
}
