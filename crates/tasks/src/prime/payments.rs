//! Prime API tasks on payment requests: createPaymentRequest and createUpload (the PDF).

use milmove_runner::{TaskResult, User};
use serde_json::{json, Value};

use crate::apis::Api;
use crate::call::{text, upload_pdf, Call};
use crate::context::MilMoveUser;
use crate::fake::fake_body;
use crate::store::Kind;

/// `POST /prime/v1/payment-requests`.
pub const CREATE_PAYMENT_REQUEST: &str = "/prime/v1/payment-requests";
/// `POST /prime/v1/payment-requests/{paymentRequestID}/uploads`.
pub const CREATE_UPLOAD: &str = "/prime/v1/payment-requests/{paymentRequestID}/uploads";

/// The createPaymentRequest body for one approved service item (not final).
pub fn payment_request_body(
    u: &mut User<MilMoveUser>,
    service_item: &Value,
) -> Result<Value, crate::error::TasksError> {
    let overrides = json!({
        "moveTaskOrderID": text(service_item, "moveTaskOrderID"),
        "serviceItems": [{ "id": text(service_item, "id") }],
        "isFinal": false,
    });
    let mut body = fake_body(u, Api::Prime, "/payment-requests", "post", overrides, false)?;
    if let Some(items) = body.get_mut("serviceItems").and_then(Value::as_array_mut) {
        // Only the item: no fake service-item parameters the pricer would have to accept.
        for item in items {
            if let Some(item) = item.as_object_mut() {
                item.retain(|k, _| k == "id");
            }
        }
    }
    Ok(body)
}

/// Whether a service item can be billed: approved, on a shipment whose actual weight is known
/// (MilMove refuses payment requests for shipments without one).
pub fn billable(stores: &crate::store::DataStores, item: &Value) -> bool {
    if text(item, "status") != "APPROVED" {
        return false;
    }
    stores
        .of(Kind::Shipment)
        .get(text(item, "mtoShipmentID"))
        .is_some_and(|s| s.get("primeActualWeight").is_some_and(|w| !w.is_null()))
}

/// createPaymentRequest: bills an approved service item of a weighed shipment.
pub async fn create_payment_request(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let Some(item) = shared
        .stores
        .of(Kind::ServiceItem)
        .random_where(&mut u.rng, |i| billable(&shared.stores, i))
    else {
        return Ok(());
    };
    let body = payment_request_body(u, &item)?;
    if let Some(request) = Call::post(CREATE_PAYMENT_REQUEST, CREATE_PAYMENT_REQUEST)
        .json(body)
        .send(u)
        .await
    {
        shared.stores.of(Kind::PaymentRequest).put(request);
    }
    Ok(())
}

/// createUpload: the test PDF as proof of service for a stored payment request.
pub async fn create_upload(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let Some(request) = shared.stores.of(Kind::PaymentRequest).random(&mut u.rng) else {
        return Ok(());
    };
    let path = format!(
        "/prime/v1/payment-requests/{}/uploads",
        text(&request, "id")
    );
    upload_pdf(u, &path, CREATE_UPLOAD, &[]).await;
    Ok(())
}
