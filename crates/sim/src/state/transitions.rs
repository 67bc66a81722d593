//! Status transition rules, following MilMove's services (move router, shipment status
//! updater, service item status updater, payment request status updater).

/// Whether a move may be approved / made available to the Prime from `from`.
/// `APPROVED` is accepted as a no-op, as MilMove's `Approve` does.
pub fn move_can_approve(from: &str) -> bool {
    matches!(
        from,
        "SUBMITTED" | "APPROVALS REQUESTED" | "SERVICE COUNSELING COMPLETED" | "APPROVED"
    )
}

/// Whether a customer may submit a move in status `from`.
pub fn move_can_submit(from: &str) -> bool {
    from == "DRAFT"
}

/// Whether a shipment may go from `from` to `to`.
pub fn shipment_can(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("DRAFT", "SUBMITTED")
            | ("SUBMITTED", "APPROVED")
            | ("SUBMITTED", "REJECTED")
            | ("SUBMITTED", "CANCELLATION_REQUESTED")
            | ("APPROVALS_REQUESTED", "APPROVED")
            | ("APPROVALS_REQUESTED", "CANCELLATION_REQUESTED")
            | ("APPROVED", "CANCELLATION_REQUESTED")
            | ("APPROVED", "DIVERSION_REQUESTED")
            | ("APPROVED", "APPROVALS_REQUESTED")
            | ("DIVERSION_REQUESTED", "APPROVED")
            | ("CANCELLATION_REQUESTED", "CANCELED")
            | ("APPROVED", "TERMINATED_FOR_CAUSE")
    )
}

/// Whether a service item may go from `from` to `to`.
pub fn service_item_can(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("SUBMITTED", "APPROVED")
            | ("SUBMITTED", "REJECTED")
            | ("APPROVED", "REJECTED")
            | ("REJECTED", "APPROVED")
    )
}

/// Whether a payment request may go from `from` to `to`.
pub fn payment_request_can(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("PENDING", "REVIEWED")
            | ("PENDING", "REVIEWED_AND_ALL_SERVICE_ITEMS_REJECTED")
            | ("REVIEWED", "SENT_TO_GEX")
            | ("REVIEWED", "PENDING")
            | ("SENT_TO_GEX", "TPPS_RECEIVED")
            | ("SENT_TO_GEX", "EDI_ERROR")
            | ("TPPS_RECEIVED", "PAID")
            | ("TPPS_RECEIVED", "EDI_ERROR")
            | ("EDI_ERROR", "SENT_TO_GEX")
            | (_, "DEPRECATED")
    ) && from != "DEPRECATED"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(move_can_approve("SUBMITTED"));
        assert!(!move_can_approve("DRAFT"));
        assert!(shipment_can("SUBMITTED", "APPROVED"));
        assert!(!shipment_can("REJECTED", "APPROVED"));
        assert!(service_item_can("SUBMITTED", "REJECTED"));
        assert!(!service_item_can("APPROVED", "APPROVED"));
        assert!(payment_request_can("PENDING", "REVIEWED"));
        assert!(!payment_request_can("PAID", "PENDING"));
        assert!(!payment_request_can("DEPRECATED", "DEPRECATED"));
    }
}
