//! Customer onboarding (milmove app, internal API): log in as a new customer, fill in the
//! profile and a backup contact, create orders and upload them, add an HHG shipment and submit
//! the move. A sequential task set: each step uses the previous step's results, a failed step
//! skips the rest of the iteration, and the next iteration starts with a new customer.

use std::time::Instant;

use milmove_runner::{TaskResult, User};
use serde_json::{json, Value};

use crate::apis::Api;
use crate::call::{text, upload_pdf, Call};
use crate::context::{CustomerSession, MilMoveUser};
use crate::error::TasksError;
use crate::fake::fake_body;
use crate::office::common::LOGGED_IN_USER;
use crate::office::login::{devlocal_login, UserType};
use crate::workflows::{record_workflow, timed_step};

/// The name customer onboarding iterations are recorded under (method `WORKFLOW`).
pub const ONBOARDING_WORKFLOW: &str = "customer onboarding";
/// `GET /internal/duty_locations`.
pub const SEARCH_DUTY_LOCATIONS: &str = "/internal/duty_locations";
/// `PATCH /internal/service_members/{serviceMemberId}`.
pub const PATCH_SERVICE_MEMBER: &str = "/internal/service_members/{serviceMemberId}";
/// `POST /internal/service_members/{serviceMemberId}/backup_contacts`.
pub const CREATE_BACKUP_CONTACT: &str =
    "/internal/service_members/{serviceMemberId}/backup_contacts";
/// `POST /internal/orders`.
pub const CREATE_ORDERS: &str = "/internal/orders";
/// `POST /internal/uploads`.
pub const CREATE_UPLOAD: &str = "/internal/uploads";
/// `POST /internal/mto_shipments`.
pub const CREATE_SHIPMENT: &str = "/internal/mto_shipments";
/// `POST /internal/moves/{moveId}/submit`.
pub const SUBMIT_MOVE: &str = "/internal/moves/{moveId}/submit";

/// Per-iteration progress lives in [`CustomerSession`]; `None` from a step ends the iteration.
fn session(u: &User<MilMoveUser>) -> Option<&CustomerSession> {
    let c = &u.state.customer;
    (u.state.workflow.running() && !c.service_member_id.is_empty()).then_some(c)
}

fn fail(u: &mut User<MilMoveUser>, step: &'static str) {
    u.state.workflow.failed_step = Some(step);
}

timed_step! {
/// Step 1: a new customer logs in (devlocal) and loads their user.
    customer_login => customer_login_step
}

async fn customer_login_step(u: &mut User<MilMoveUser>) -> TaskResult {
    u.state.customer = CustomerSession::default();
    u.state.workflow = crate::context::WorkflowState {
        started: Some(Instant::now()),
        ..Default::default()
    };
    if !devlocal_login(u, UserType::Milmove).await {
        fail(u, "customer_login");
        return Ok(());
    }
    let Some(user) = Call::get(LOGGED_IN_USER, LOGGED_IN_USER).send(u).await else {
        fail(u, "customer_login");
        return Ok(());
    };
    let service_member_id = text(&user["service_member"], "id").to_string();
    if service_member_id.is_empty() {
        fail(u, "customer_login");
        return Ok(());
    }
    u.state.customer = CustomerSession {
        user_id: text(&user, "id").to_string(),
        email: text(&user, "email").to_string(),
        service_member_id,
        ..Default::default()
    };
    Ok(())
}

timed_step! {
/// Step 2: the profile (duty location from a search, contact details).
    customer_profile => customer_profile_step
}

async fn customer_profile_step(u: &mut User<MilMoveUser>) -> TaskResult {
    let Some(c) = session(u).cloned() else {
        return Ok(());
    };
    let path = format!("{SEARCH_DUTY_LOCATIONS}?search=fort");
    let locations = Call::get(path, SEARCH_DUTY_LOCATIONS).send(u).await;
    let ids: Vec<String> = locations
        .as_ref()
        .and_then(Value::as_array)
        .map(|l| l.iter().map(|d| text(d, "id").to_string()).collect())
        .unwrap_or_default();
    let Some(current) = ids.first().cloned() else {
        fail(u, "customer_profile");
        return Ok(());
    };
    u.state.customer.duty_location_ids = ids;
    let body = profile_body(u, &c.user_id, &c.email, &current)?;
    let path = format!("/internal/service_members/{}", c.service_member_id);
    match Call::patch(path, PATCH_SERVICE_MEMBER)
        .json(body)
        .send(u)
        .await
    {
        Some(member) => u.state.customer.service_member = Some(member),
        None => fail(u, "customer_profile"),
    }
    Ok(())
}

timed_step! {
/// Step 3: a backup contact.
    customer_backup_contact => customer_backup_contact_step
}

async fn customer_backup_contact_step(u: &mut User<MilMoveUser>) -> TaskResult {
    let Some(c) = session(u).cloned() else {
        return Ok(());
    };
    let body = backup_contact_body(u)?;
    let path = format!(
        "/internal/service_members/{}/backup_contacts",
        c.service_member_id
    );
    if Call::post(path, CREATE_BACKUP_CONTACT)
        .json(body)
        .send(u)
        .await
        .is_none()
    {
        fail(u, "customer_backup_contact");
    }
    Ok(())
}

timed_step! {
/// Step 4: permanent-change-of-station orders between two duty locations.
    customer_orders => customer_orders_step
}

async fn customer_orders_step(u: &mut User<MilMoveUser>) -> TaskResult {
    let Some(c) = session(u).cloned() else {
        return Ok(());
    };
    let ids = &c.duty_location_ids;
    let (Some(origin), Some(destination)) = (ids.first(), ids.last()) else {
        fail(u, "customer_orders");
        return Ok(());
    };
    let body = orders_body(u, &c.service_member_id, origin, destination)?;
    match Call::post(CREATE_ORDERS, CREATE_ORDERS)
        .json(body)
        .send(u)
        .await
    {
        Some(orders) => {
            u.state.customer.move_id = text(&orders["moves"][0], "id").to_string();
            u.state.customer.orders = Some(orders);
        }
        None => fail(u, "customer_orders"),
    }
    Ok(())
}

timed_step! {
/// Step 5: the orders document (the test PDF).
    customer_upload_orders => customer_upload_orders_step
}

async fn customer_upload_orders_step(u: &mut User<MilMoveUser>) -> TaskResult {
    let Some(c) = session(u).cloned() else {
        return Ok(());
    };
    let document = c
        .orders
        .as_ref()
        .map(|o| text(&o["uploaded_orders"], "id").to_string())
        .unwrap_or_default();
    let path = format!("{CREATE_UPLOAD}?documentId={document}");
    if upload_pdf(u, &path, CREATE_UPLOAD, &[]).await.is_none() {
        fail(u, "customer_upload_orders");
    }
    Ok(())
}

timed_step! {
/// Step 6: an HHG shipment picked up at the customer's residence.
    customer_shipment => customer_shipment_step
}

async fn customer_shipment_step(u: &mut User<MilMoveUser>) -> TaskResult {
    let Some(c) = session(u).cloned() else {
        return Ok(());
    };
    let pickup = c
        .service_member
        .as_ref()
        .and_then(|m| m.get("residential_address"));
    let body = shipment_body(u, &c.move_id, "HHG", pickup, None)?;
    match Call::post(CREATE_SHIPMENT, CREATE_SHIPMENT)
        .json(body)
        .send(u)
        .await
    {
        Some(shipment) => u.state.customer.shipment = Some(shipment),
        None => fail(u, "customer_shipment"),
    }
    Ok(())
}

/// Step 7: the move submitted with a signed certification; records the iteration.
pub async fn customer_submit_move(u: &mut User<MilMoveUser>) -> TaskResult {
    let step_start = Instant::now();
    let started = u.state.workflow.started;
    let mut failed = u.state.workflow.failed_step;
    if let Some(c) = session(u).cloned() {
        let body = submit_body(u, &c.move_id)?;
        let path = format!("/internal/moves/{}/submit", c.move_id);
        if Call::post(path, SUBMIT_MOVE)
            .json(body)
            .send(u)
            .await
            .is_none()
        {
            failed = Some("customer_submit_move");
        }
    }
    if started.is_some() {
        let busy = u.state.workflow.busy + step_start.elapsed();
        record_workflow(u, ONBOARDING_WORKFLOW, busy, failed);
    }
    u.state.workflow = Default::default();
    Ok(())
}

/// The profile a new customer fills in (`patchServiceMember`): a fake profile with the user's
/// own e-mail, preferred, and the duty location found by the search.
pub fn profile_body(
    u: &mut User<MilMoveUser>,
    user_id: &str,
    email: &str,
    current_location_id: &str,
) -> Result<Value, TasksError> {
    let overrides = json!({
        "user_id": user_id,
        "personal_email": email,
        "email_is_preferred": true,
        "current_location_id": current_location_id,
    });
    let mut body = fake_body(
        u,
        Api::Internal,
        "/service_members/{serviceMemberId}",
        "patch",
        overrides,
        true,
    )?;
    if let Some(object) = body.as_object_mut() {
        object.remove("backup_mailing_address");
        object.remove("emplid");
    }
    Ok(body)
}

/// A backup contact without permissions (`createServiceMemberBackupContact`).
pub fn backup_contact_body(u: &mut User<MilMoveUser>) -> Result<Value, TasksError> {
    fake_body(
        u,
        Api::Internal,
        "/service_members/{serviceMemberId}/backup_contacts",
        "post",
        json!({ "permission": "NONE" }),
        false,
    )
}

/// Permanent-change-of-station orders issued today, reporting in 60 days (`createOrders`).
pub fn orders_body(
    u: &mut User<MilMoveUser>,
    service_member_id: &str,
    origin: &str,
    destination: &str,
) -> Result<Value, TasksError> {
    let today = chrono::Utc::now().date_naive();
    let overrides = json!({
        "service_member_id": service_member_id,
        "issue_date": today.to_string(),
        "report_by_date": (today + chrono::Days::new(60)).to_string(),
        "orders_type": "PERMANENT_CHANGE_OF_STATION",
        "has_dependents": false,
        "spouse_has_pro_gear": false,
        "origin_duty_location_id": origin,
        "new_duty_location_id": destination,
    });
    let mut body = fake_body(u, Api::Internal, "/orders", "post", overrides, true)?;
    if let Some(object) = body.as_object_mut() {
        for field in ["move_id", "counseling_office_id", "orders_type_detail"] {
            object.remove(field);
        }
    }
    Ok(body)
}

/// A copy of an address without its `id` (to send it as a new address).
pub fn address_without_id(address: &Value) -> Option<Value> {
    let mut address = address.as_object()?.clone();
    address.remove("id");
    address.remove("eTag");
    Some(Value::Object(address))
}

/// A customer's shipment of `shipment_type` (`createMTOShipment`, internal API): no agents,
/// no PPM/boat/mobile-home parts; the `pickup` and `destination` addresses (their ids
/// dropped) when given.
pub fn shipment_body(
    u: &mut User<MilMoveUser>,
    move_id: &str,
    shipment_type: &str,
    pickup: Option<&Value>,
    destination: Option<&Value>,
) -> Result<Value, TasksError> {
    let mut overrides = json!({
        "moveTaskOrderID": move_id,
        "shipmentType": shipment_type,
        "agents": [],
    });
    for (field, address) in [
        ("pickupAddress", pickup),
        ("destinationAddress", destination),
    ] {
        if let Some(address) = address.and_then(address_without_id) {
            overrides[field] = address;
        }
    }
    let mut body = fake_body(u, Api::Internal, "/mto_shipments", "post", overrides, false)?;
    if let Some(object) = body.as_object_mut() {
        for field in ["ppmShipment", "boatShipment", "mobileHomeShipment"] {
            object.remove(field);
        }
    }
    Ok(body)
}

/// The move submitted with a signed certification (`submitMoveForApproval`).
pub fn submit_body(u: &mut User<MilMoveUser>, move_id: &str) -> Result<Value, TasksError> {
    let overrides = json!({
        "certificate": {
            "certification_type": "SHIPMENT",
            "signature": "Load Test Customer",
            "date": chrono::Utc::now().to_rfc3339(),
            "move_id": move_id,
        }
    });
    fake_body(
        u,
        Api::Internal,
        "/moves/{moveId}/submit",
        "post",
        overrides,
        false,
    )
}
