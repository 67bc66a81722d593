//! The lifecycle flows: MilMove's 2024 load-test flows, plus the TIO's review that ends a
//! move's life. Adding a flow is one declaration here (and one line in [`all`]); adding a step
//! is one function in [`super::steps`].

use std::sync::LazyLock;

use super::role::Role;
use super::spec::FlowSpec;
use super::steps::customer::NTS;
use super::steps::{counselor, customer, prime, tio, too};

/// One HHG shipment, counseled, approved, service items requested by the Prime.
pub const SINGLE_HHG: &str = "single-hhg";
/// The same with two HHG shipments.
pub const TWO_HHGS: &str = "two-hhgs";
/// The same with an NTS shipment.
pub const NTS_FLOW: &str = "nts";
/// One HHG shipment through payment: the TOO approves the Prime's service items, the Prime
/// requests payment (two payment requests) and the TIO reviews them.
pub const HHG_PAYMENTS: &str = "hhg-payments";

/// The default mix (`--flows`): the 2024 suite's task weights.
pub const DEFAULT_MIX: &str = "single-hhg:2,two-hhgs:1,nts:1,hhg-payments:1";

/// The steps every flow starts with: the customer's move, counseling, the TOO's approval and
/// the Prime's first service items.
fn to_the_prime(
    name: &'static str,
    about: &'static str,
    shipments: &'static [&'static str],
) -> FlowSpec {
    FlowSpec::new(name, about)
        .shipments(shipments)
        .step(
            Role::Customer,
            "create-move",
            "a new customer: profile, backup contact, orders and their upload, the shipments, submit",
            customer::create_move,
        )
        .step(
            Role::ServicesCounselor,
            "review",
            "finds the move in the counseling queue by locator, opens it and its shipments, completes counseling",
            counselor::review,
        )
        .step(
            Role::Too,
            "approve-move",
            "finds the move in the moves queue, completes the orders, approves the move (with move management) and each shipment",
            too::approve_move,
        )
        .step(
            Role::Prime,
            "request-service-items",
            "finds the move with listMoves?since=, weighs and schedules each shipment, requests origin SIT (DOFSIT)",
            prime::request_service_items,
        )
}

/// `single-hhg`.
pub fn single_hhg() -> FlowSpec {
    to_the_prime(
        SINGLE_HHG,
        "one HHG shipment, from the customer to the Prime's first service items",
        &["HHG"],
    )
}

/// `two-hhgs`.
pub fn two_hhgs() -> FlowSpec {
    to_the_prime(
        TWO_HHGS,
        "two HHG shipments, from the customer to the Prime's first service items",
        &["HHG", "HHG"],
    )
}

/// `nts`.
pub fn nts() -> FlowSpec {
    to_the_prime(
        NTS_FLOW,
        "one NTS shipment (household goods into storage), from the customer to the Prime's first service items",
        &[NTS],
    )
}

/// `hhg-payments`.
pub fn hhg_payments() -> FlowSpec {
    to_the_prime(
        HHG_PAYMENTS,
        "one HHG shipment through payment: service items approved, two payment requests, reviewed by the TIO",
        &["HHG"],
    )
    .step(
        Role::Too,
        "approve-service-items",
        "finds the move again and approves the service items the Prime requested",
        too::approve_service_items,
    )
    .step(
        Role::Prime,
        "request-payment",
        "bills every approved service item in two payment requests, with a proof of service each",
        prime::request_payment,
    )
    .step(
        Role::Tio,
        "review-payment-requests",
        "finds the payment requests by locator, approves or rejects each payment service item, marks each request reviewed",
        tio::review_payment_requests,
    )
}

static ALL: LazyLock<Vec<FlowSpec>> =
    LazyLock::new(|| vec![single_hhg(), two_hhgs(), nts(), hhg_payments()]);

/// Every flow, in the order the reports and `--flows` use.
pub fn all() -> &'static [FlowSpec] {
    &ALL
}

/// Parses a flow mix (`single-hhg:2,nts:1`; a name alone means weight 1) into one weight per
/// flow of [`all`], in order; flows the mix does not name get weight 0.
pub fn parse_mix(text: &str) -> Result<Vec<u32>, String> {
    let flows = all();
    let mut weights = vec![0u32; flows.len()];
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, weight) = match part.split_once([':', '=']) {
            Some((name, weight)) => {
                let weight = weight.trim().parse::<u32>().map_err(|_| {
                    format!("--flows: `{part}`: the weight must be a whole number ≥ 0")
                })?;
                (name.trim(), weight)
            }
            None => (part, 1),
        };
        let Some(i) = flows.iter().position(|f| f.name == name) else {
            let known: Vec<&str> = flows.iter().map(|f| f.name).collect();
            return Err(format!(
                "--flows: unknown flow `{name}` (known: {})",
                known.join(", ")
            ));
        };
        weights[i] = weight;
    }
    if weights.iter().all(|w| *w == 0) {
        return Err(format!("--flows `{text}`: every flow has weight 0"));
    }
    Ok(weights)
}

/// The roles the flows with weight > 0 need (customers always: they start the flows), in
/// [`Role::ALL`] order.
pub fn roles_of(weights: &[u32]) -> Vec<Role> {
    let mut roles = vec![Role::Customer];
    for (flow, weight) in all().iter().zip(weights) {
        if *weight > 0 {
            roles.extend(flow.steps.iter().map(|s| s.role));
        }
    }
    roles.sort();
    roles.dedup();
    roles
}

/// The `--list` text of the flows of a mix: each flow with its weight and its steps.
pub fn list_text(weights: &[u32]) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("Lifecycle flows (--flows):\n");
    for (flow, weight) in all().iter().zip(weights) {
        let _ = writeln!(out, "  {} (weight {weight}): {}", flow.name, flow.about);
        for (i, step) in flow.steps.iter().enumerate() {
            let _ = writeln!(
                out,
                "      {}/{} {:<18} {:<24} {}",
                i + 1,
                flow.steps.len(),
                step.role.label(),
                step.name,
                step.about
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_mix_starts_every_flow() {
        assert_eq!(parse_mix(DEFAULT_MIX).unwrap(), [2, 1, 1, 1]);
        assert_eq!(parse_mix("nts, hhg-payments=3").unwrap(), [0, 0, 1, 3]);
        assert!(parse_mix("single-hhg:x")
            .unwrap_err()
            .contains("whole number"));
        assert!(parse_mix("moving-day")
            .unwrap_err()
            .contains("unknown flow"));
        assert!(parse_mix("nts:0").unwrap_err().contains("weight 0"));
    }

    #[test]
    fn every_flow_starts_with_the_customer_and_names_its_steps_once() {
        for flow in all() {
            assert_eq!(flow.steps[0].role, Role::Customer, "{}", flow.name);
            assert!(flow.steps[1..].iter().all(|s| s.role != Role::Customer));
            assert!(!flow.shipments.is_empty());
            let mut names: Vec<&str> = flow.steps.iter().map(|s| s.name).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), flow.steps.len(), "{}", flow.name);
        }
        let payments = all().iter().find(|f| f.name == HHG_PAYMENTS).unwrap();
        assert_eq!(payments.steps.last().unwrap().role, Role::Tio);
    }

    #[test]
    fn a_mix_needs_the_roles_of_its_flows() {
        assert_eq!(
            roles_of(&[1, 0, 0, 0]),
            [
                Role::Customer,
                Role::ServicesCounselor,
                Role::Too,
                Role::Prime
            ]
        );
        assert!(roles_of(&[0, 0, 0, 1]).contains(&Role::Tio));
        let text = list_text(&[2, 1, 1, 1]);
        assert!(text.contains("hhg-payments (weight 1)"));
        assert!(text.contains("7/7 TIO"));
    }
}
