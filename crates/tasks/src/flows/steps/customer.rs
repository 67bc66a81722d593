//! The customer's step: a new customer creates a move and submits it (facts from the 2024
//! suite's `do_flow`: devlocal login as a new customer, profile, backup contact, orders with
//! the orders document, the flow's shipments, submit).

use milmove_runner::{TaskResult, User};
use serde_json::{json, Value};

use super::{get, list, missing, send};
use crate::call::{text, upload_pdf, Call};
use crate::context::MilMoveUser;
use crate::customer::{
    backup_contact_body, orders_body, profile_body, shipment_body, submit_body,
    CREATE_BACKUP_CONTACT, CREATE_ORDERS, CREATE_SHIPMENT, CREATE_UPLOAD, PATCH_SERVICE_MEMBER,
    SEARCH_DUTY_LOCATIONS, SUBMIT_MOVE,
};
use crate::flows::case::MoveCase;
use crate::flows::spec::{StepFailure, StepResult};
use crate::office::common::LOGGED_IN_USER;
use crate::office::login::{devlocal_login, UserType};

/// `GET /internal/moves/{moveId}`.
pub const SHOW_MOVE: &str = "/internal/moves/{moveId}";
/// `GET /internal/moves/{moveTaskOrderID}/mto_shipments`.
pub const LIST_MOVE_SHIPMENTS: &str = "/internal/moves/{moveTaskOrderID}/mto_shipments";

/// The shipment type of an NTS (household goods into non-temporary storage).
pub const NTS: &str = "HHG_INTO_NTS";

/// The origin duty location searched for: one whose office provides services counseling, in
/// the GBLOC of devlocal office users (a fact from MilMove's 2024 load tests), so the move
/// goes to the counseling queue.
pub const ORIGIN_SEARCH: &str = "Blue Grass Army Depot";
/// The new duty location searched for.
pub const DESTINATION_SEARCH: &str = "Fort Gordon";

/// The customer's home (the pickup address): an address in the same GBLOC that MilMove's
/// route planner can price (the 2024 suite's choice).
fn home_address() -> Value {
    json!({
        "streetAddress1": "3373 NW Martin Luther King Jr Blvd",
        "city": "Beverly Hills",
        "state": "CA",
        "postalCode": "90210",
    })
}

/// The HHG's destination, near the new duty location.
fn destination_address() -> Value {
    json!({
        "streetAddress1": "3373 NW Martin Luther King Jr Blvd",
        "city": "Augusta",
        "state": "GA",
        "postalCode": "30815",
    })
}

/// The duty locations a search for `term` finds.
async fn search(u: &mut User<MilMoveUser>, term: &str) -> Result<Vec<Value>, StepFailure> {
    let path = format!(
        "{SEARCH_DUTY_LOCATIONS}?search={}",
        term.replace(' ', "%20")
    );
    let found = get(u, path, SEARCH_DUTY_LOCATIONS).await?;
    Ok(list(&found, "").to_vec())
}

/// The origin (preferring one that provides services counseling) and the new duty location.
async fn duty_locations(u: &mut User<MilMoveUser>) -> Result<(Value, Value), StepFailure> {
    let origins = search(u, ORIGIN_SEARCH).await?;
    let counseling = |d: &&Value| d["provides_services_counseling"] != Value::Bool(false);
    let Some(origin) = origins.iter().find(counseling).or(origins.first()).cloned() else {
        return Err(missing("the origin duty location search found nothing"));
    };
    let destinations = search(u, DESTINATION_SEARCH).await?;
    // Any other location the searches found, when the new one is also the origin.
    let Some(destination) = destinations
        .iter()
        .chain(&origins)
        .find(|d| text(d, "id") != text(&origin, "id"))
        .cloned()
    else {
        return Err(missing("the new duty location search found nothing"));
    };
    Ok((origin, destination))
}

/// Step 1 (customer): a new customer logs in, fills in the profile (home address included)
/// and a backup contact, creates orders between two duty locations and uploads them, asks for
/// the flow's shipments (an HHG from home to the new duty station's town, an NTS from home)
/// and submits the move.
pub async fn create_move(u: &mut User<MilMoveUser>, case: &mut MoveCase) -> StepResult {
    if !devlocal_login(u, UserType::Milmove).await {
        return Err(missing("the devlocal login as a new customer failed"));
    }
    let user = get(u, LOGGED_IN_USER.to_string(), LOGGED_IN_USER).await?;
    let member_id = text(&user["service_member"], "id").to_string();
    if member_id.is_empty() {
        return Err(missing("the logged-in customer has no service member"));
    }
    case.customer_email = text(&user, "email").to_string();
    let (origin, destination) = duty_locations(u).await?;

    let mut body = profile_body(
        u,
        text(&user, "id"),
        &case.customer_email,
        text(&origin, "id"),
    )?;
    body["residential_address"] = home_address();
    let path = format!("/internal/service_members/{member_id}");
    send(u, Call::patch(path, PATCH_SERVICE_MEMBER).json(body)).await?;
    let body = backup_contact_body(u)?;
    let path = format!("/internal/service_members/{member_id}/backup_contacts");
    send(u, Call::post(path, CREATE_BACKUP_CONTACT).json(body)).await?;

    let body = orders_body(u, &member_id, text(&origin, "id"), text(&destination, "id"))?;
    let orders = send(u, Call::post(CREATE_ORDERS, CREATE_ORDERS).json(body)).await?;
    let mv = &orders["moves"][0];
    case.move_id = text(mv, "id").to_string();
    case.locator = text(mv, "locator").to_string();
    case.orders_id = text(&orders, "id").to_string();
    if case.move_id.is_empty() || case.locator.is_empty() {
        return Err(missing("the new orders have no move"));
    }
    if let Some(seat) = &u.state.seat {
        // From now on the classes' own tasks leave this move to its flow.
        seat.hub.own(case.flow_id, &case.move_id);
    }
    let document = text(&orders["uploaded_orders"], "id");
    let path = format!("{CREATE_UPLOAD}?documentId={document}");
    if upload_pdf(u, &path, CREATE_UPLOAD, &[]).await.is_none() {
        return Err(missing("the orders upload failed (POST /internal/uploads)"));
    }

    let today = chrono::Utc::now().date_naive();
    let day = |n: u64| json!((today + chrono::Days::new(n)).to_string());
    for shipment_type in case.shipment_plan.clone() {
        let nts = shipment_type == NTS;
        let to = (!nts).then(destination_address);
        let home = home_address();
        let mut body = shipment_body(u, &case.move_id, shipment_type, Some(&home), to.as_ref())?;
        body["requestedPickupDate"] = day(15);
        if nts {
            if let Some(object) = body.as_object_mut() {
                object.remove("requestedDeliveryDate");
                object.remove("destinationAddress");
            }
        } else {
            body["requestedDeliveryDate"] = day(22);
        }
        let shipment = send(u, Call::post(CREATE_SHIPMENT, CREATE_SHIPMENT).json(body)).await?;
        case.shipment_ids.push(text(&shipment, "id").to_string());
    }

    let body = submit_body(u, &case.move_id)?;
    let path = format!("/internal/moves/{}/submit", case.move_id);
    send(u, Call::post(path, SUBMIT_MOVE).json(body)).await?;
    u.state.customer.move_id = case.move_id.clone();
    u.state.customer.service_member_id = member_id;
    Ok(())
}

/// What a customer does between flows: looks at the move they submitted last (its status
/// and shipments). Nothing when the user has not submitted one yet.
pub async fn check_my_move(u: &mut User<MilMoveUser>) -> TaskResult {
    let move_id = u.state.customer.move_id.clone();
    if move_id.is_empty() || !u.state.logged_in {
        return Ok(());
    }
    let shown: Option<Value> = Call::get(format!("/internal/moves/{move_id}"), SHOW_MOVE)
        .send(u)
        .await;
    if shown.is_some() {
        let path = format!("/internal/moves/{move_id}/mto_shipments");
        Call::get(path, LIST_MOVE_SHIPMENTS).send(u).await;
    }
    Ok(())
}
