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
use crate::flows::spec::StepResult;
use crate::office::common::LOGGED_IN_USER;
use crate::office::login::{devlocal_login, UserType};

/// `GET /internal/moves/{moveId}`.
pub const SHOW_MOVE: &str = "/internal/moves/{moveId}";
/// `GET /internal/moves/{moveTaskOrderID}/mto_shipments`.
pub const LIST_MOVE_SHIPMENTS: &str = "/internal/moves/{moveTaskOrderID}/mto_shipments";

/// The shipment type of an NTS (household goods into non-temporary storage).
pub const NTS: &str = "HHG_INTO_NTS";

/// Step 1 (customer): a new customer logs in, fills in the profile and a backup contact,
/// creates orders between two duty locations and uploads them, asks for the flow's shipments
/// (an HHG from home to the new duty location, an NTS from home) and submits the move.
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
    let path = format!("{SEARCH_DUTY_LOCATIONS}?search=fort");
    let locations = get(u, path, SEARCH_DUTY_LOCATIONS).await?;
    let locations = list(&locations, "");
    let (Some(origin), Some(destination)) = (locations.first(), locations.last()) else {
        return Err(missing("the duty location search found nothing"));
    };
    let (origin, destination) = (origin.clone(), destination.clone());

    let body = profile_body(
        u,
        text(&user, "id"),
        &case.customer_email,
        text(&origin, "id"),
    )?;
    let path = format!("/internal/service_members/{member_id}");
    let member = send(u, Call::patch(path, PATCH_SERVICE_MEMBER).json(body)).await?;
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
        seat.hub.own(&case.move_id);
    }
    let document = text(&orders["uploaded_orders"], "id");
    let path = format!("{CREATE_UPLOAD}?documentId={document}");
    if upload_pdf(u, &path, CREATE_UPLOAD, &[]).await.is_none() {
        return Err(missing("the orders upload failed (POST /internal/uploads)"));
    }

    let today = chrono::Utc::now().date_naive();
    let home = member.get("residential_address").cloned();
    for shipment_type in case.shipment_plan.clone() {
        let to = (shipment_type != NTS).then(|| destination["address"].clone());
        let mut body = shipment_body(u, &case.move_id, shipment_type, home.as_ref(), to.as_ref())?;
        body["requestedPickupDate"] = json!((today + chrono::Days::new(15)).to_string());
        if shipment_type == NTS {
            if let Some(object) = body.as_object_mut() {
                object.remove("requestedDeliveryDate");
                object.remove("destinationAddress");
            }
        } else {
            body["requestedDeliveryDate"] = json!((today + chrono::Days::new(22)).to_string());
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
