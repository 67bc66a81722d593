//! Service items in the Prime and Support shapes. As in MilMove's payload converters
//! (`primeapi/payloads` and `supportapi/internal/payloads` `MTOServiceItem`), the model type
//! comes from the service code, not from what the Prime sent, and each API has its own set:
//! Support has no international SIT, crating or fuel-surcharge models (they are
//! `MTOServiceItemBasic` there), and both answer shuttles as `MTOServiceItemDomesticShuttle`.
//! Each model carries MilMove's fields; dates MilMove formats from a zero time when unset
//! are written as `0001-01-01`, as it does.

use serde_json::{json, Map, Value};

use crate::state::model::{etag, ServiceItem};

/// Which API family the item is answered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Prime v1/v2/v3.
    Prime,
    /// Support.
    Support,
}

/// The date MilMove writes for an unset `strfmt.Date` it formats from a zero `time.Time`.
const ZERO_DATE: &str = "0001-01-01";

/// The contact time Support answers when the Prime gave none (see [`service_item`]).
pub const UNSET_MILITARY_TIME: &str = "0000Z";

/// MilMove's service name for a code (`re_services.name`).
pub fn service_name(code: &str) -> &'static str {
    match code {
        "MS" => "Move management",
        "CS" => "Counseling",
        "DLH" => "Domestic linehaul",
        "DSH" => "Domestic shorthaul",
        "FSC" => "Fuel surcharge",
        "DOP" => "Domestic origin price",
        "DDP" => "Domestic destination price",
        "DPK" => "Domestic packing",
        "DUPK" => "Domestic unpacking",
        "DOFSIT" => "Domestic origin 1st day SIT",
        "DOASIT" => "Domestic origin add'l SIT",
        "DOPSIT" => "Domestic origin SIT pickup",
        "DOSFSC" => "Domestic origin SIT fuel surcharge",
        "DDFSIT" => "Domestic destination 1st day SIT",
        "DDASIT" => "Domestic destination add'l SIT",
        "DDDSIT" => "Domestic destination SIT delivery",
        "DDSFSC" => "Domestic destination SIT fuel surcharge",
        "DOSHUT" => "Domestic origin shuttle service",
        "DDSHUT" => "Domestic destination shuttle service",
        "DCRT" => "Domestic crating",
        "DUCRT" => "Domestic uncrating",
        "IOSHUT" => "International origin shuttle service",
        "IDSHUT" => "International destination shuttle service",
        "ICRT" => "International crating",
        "IUCRT" => "International uncrating",
        "IOFSIT" => "International origin 1st day SIT",
        "IDFSIT" => "International destination 1st day SIT",
        _ => "Service item",
    }
}

/// The model type a code is answered with in `family`: MilMove's switch, except that the SIT
/// pickup, delivery and fuel-surcharge items (DOPSIT, DOSFSC, DDDSIT, DDSFSC and the
/// international ones), which MilMove writes as SIT models whose `reServiceCode` enums do not
/// list them (an answer its own spec refuses), are `MTOServiceItemBasic`, the one model both
/// specs allow them in.
pub fn model_type(family: Family, code: &str) -> &'static str {
    match (family, code) {
        (_, "DOFSIT" | "DOASIT") => "MTOServiceItemOriginSIT",
        (_, "DDFSIT" | "DDASIT") => "MTOServiceItemDestSIT",
        (_, "DCRT" | "DUCRT") => "MTOServiceItemDomesticCrating",
        (_, "DDSHUT" | "DOSHUT") => "MTOServiceItemDomesticShuttle",
        (_, "IDSHUT" | "IOSHUT") => "MTOServiceItemInternationalShuttle",
        (Family::Prime, "IOFSIT" | "IOASIT") => "MTOServiceItemInternationalOriginSIT",
        (Family::Prime, "IDFSIT" | "IDASIT") => "MTOServiceItemInternationalDestSIT",
        (Family::Prime, "ICRT" | "IUCRT") => "MTOServiceItemInternationalCrating",
        (Family::Prime, "POEFSC" | "PODFSC") => "MTOServiceItemInternationalFuelSurcharge",
        _ => "MTOServiceItemBasic",
    }
}

/// Whether the Prime and Support APIs can express a service code: their `ReServiceCode`
/// enums lack the SIT fuel surcharges (DOSFSC, DDSFSC, IOSFSC, IDSFSC) MilMove creates with
/// a first-day SIT item. MilMove lists them anyway, against its own specs; the stand-in
/// leaves them out of Prime and Support answers (the office app's GHC API shows them).
pub fn representable(code: &str) -> bool {
    !matches!(code, "DOSFSC" | "DDSFSC" | "IOSFSC" | "IDSFSC")
}

/// The fields each model carries besides the common ones, and the dates MilMove writes as
/// [`ZERO_DATE`] when unset.
fn model_fields(family: Family, model: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match (family, model) {
        (Family::Prime, "MTOServiceItemOriginSIT" | "MTOServiceItemInternationalOriginSIT") => (
            &[
                "reason",
                "sitDepartureDate",
                "sitEntryDate",
                "sitPostalCode",
                "sitHHGActualOrigin",
                "sitHHGOriginalOrigin",
                "requestApprovalsRequestedStatus",
                "sitCustomerContacted",
                "sitRequestedDelivery",
            ],
            &["sitDepartureDate"],
        ),
        (Family::Prime, "MTOServiceItemDestSIT" | "MTOServiceItemInternationalDestSIT") => (
            &[
                "reason",
                "dateOfContact1",
                "timeMilitary1",
                "firstAvailableDeliveryDate1",
                "dateOfContact2",
                "timeMilitary2",
                "firstAvailableDeliveryDate2",
                "sitDepartureDate",
                "sitEntryDate",
                "sitDestinationFinalAddress",
                "sitCustomerContacted",
                "sitRequestedDelivery",
            ],
            &[
                "dateOfContact1",
                "firstAvailableDeliveryDate1",
                "dateOfContact2",
                "firstAvailableDeliveryDate2",
                "sitDepartureDate",
            ],
        ),
        (Family::Support, "MTOServiceItemOriginSIT") => (
            &[
                "reason",
                "sitDepartureDate",
                "sitEntryDate",
                "sitPostalCode",
            ],
            &["sitDepartureDate"],
        ),
        (Family::Support, "MTOServiceItemDestSIT") => (
            &[
                "dateOfContact1",
                "timeMilitary1",
                "firstAvailableDeliveryDate1",
                "dateOfContact2",
                "timeMilitary2",
                "firstAvailableDeliveryDate2",
                "sitDepartureDate",
                "sitEntryDate",
            ],
            &[
                "dateOfContact1",
                "firstAvailableDeliveryDate1",
                "dateOfContact2",
                "firstAvailableDeliveryDate2",
                "sitDepartureDate",
            ],
        ),
        (_, "MTOServiceItemDomesticCrating" | "MTOServiceItemInternationalCrating") => (
            &[
                "description",
                "reason",
                "standaloneCrate",
                "externalCrate",
                "item",
                "crate",
                "market",
            ],
            &[],
        ),
        (_, "MTOServiceItemDomesticShuttle" | "MTOServiceItemInternationalShuttle") => (
            &[
                "reason",
                "requestApprovalsRequestedStatus",
                "estimatedWeight",
                "actualWeight",
                "market",
            ],
            &[],
        ),
        (_, "MTOServiceItemInternationalFuelSurcharge") => (&["portCode"], &[]),
        _ => (&[], &[]),
    }
}

/// A service item in `family`'s shape.
pub fn service_item(family: Family, i: &ServiceItem) -> Value {
    let model = model_type(family, &i.code);
    let (fields, zero_dates) = model_fields(family, model);
    let mut out = Map::new();
    for k in fields {
        if let Some(v) = i.body.get(*k).filter(|v| !v.is_null()) {
            out.insert((*k).to_string(), v.clone());
        }
    }
    for k in zero_dates {
        out.entry(*k).or_insert_with(|| json!(ZERO_DATE));
    }
    if model.ends_with("DestSIT") && family == Family::Support {
        // Support requires the contact times (pattern `\d{4}Z`); MilMove writes "" when the
        // Prime gave none, which its own spec refuses: the stand-in writes midnight.
        for k in ["timeMilitary1", "timeMilitary2"] {
            out.entry(k).or_insert_with(|| json!(UNSET_MILITARY_TIME));
        }
    }
    if model.ends_with("OriginSIT") && family == Family::Prime {
        out.entry("requestApprovalsRequestedStatus")
            .or_insert(json!(false));
    }
    for (k, v) in [
        ("id", json!(i.id)),
        ("moveTaskOrderID", json!(i.move_id)),
        ("modelType", json!(model)),
        ("reServiceCode", json!(i.code)),
        ("reServiceName", json!(service_name(&i.code))),
        ("status", json!(i.status)),
        ("eTag", json!(etag(&i.updated_at))),
    ] {
        out.insert(k.to_string(), v);
    }
    if let Some(s) = i.shipment_id {
        out.insert("mtoShipmentID".into(), json!(s));
    }
    if let Some(r) = &i.rejection_reason {
        out.insert("rejectionReason".into(), json!(r));
    }
    if family == Family::Prime {
        out.insert("serviceRequestDocuments".into(), json!([]));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_types_follow_the_code_per_api() {
        assert_eq!(model_type(Family::Prime, "DOPSIT"), "MTOServiceItemBasic");
        assert_eq!(
            model_type(Family::Prime, "DDSHUT"),
            "MTOServiceItemDomesticShuttle"
        );
        assert_eq!(
            model_type(Family::Prime, "POEFSC"),
            "MTOServiceItemInternationalFuelSurcharge"
        );
        assert_eq!(model_type(Family::Support, "POEFSC"), "MTOServiceItemBasic");
        assert_eq!(model_type(Family::Support, "IOFSIT"), "MTOServiceItemBasic");
        assert_eq!(model_type(Family::Support, "DDDSIT"), "MTOServiceItemBasic");
        assert_eq!(model_type(Family::Prime, "MS"), "MTOServiceItemBasic");
        assert!(representable("DOPSIT") && !representable("DDSFSC"));
    }
}
