//! The steps of the lifecycle flows, one module per role. Each step is an
//! `async fn(&mut User<MilMoveUser>, &mut MoveCase) -> StepResult`: it reads what the earlier
//! steps put in the case, sends the role's requests (recorded as usual, under their path
//! templates) and adds what the later steps need. A step fails with a reason that names the
//! request and the status, or what it did not find.

pub mod counselor;
pub mod customer;
pub mod prime;
pub mod tio;
pub mod too;

use milmove_runner::User;
use serde_json::Value;

use super::spec::StepFailure;
use crate::call::{text, Call, Updated};
use crate::context::MilMoveUser;
use crate::refetch::Refetch;

/// `HTTP 409 from PATCH /ghc/…` (or `no response from …`) for a request that failed.
fn http_failure(method: &str, name: &str, status: u16) -> StepFailure {
    if status == 0 {
        StepFailure(format!("no response from {method} {name}"))
    } else {
        StepFailure(format!("HTTP {status} from {method} {name}"))
    }
}

/// Sends `call`; its JSON answer, or why it failed.
pub(crate) async fn send(u: &mut User<MilMoveUser>, call: Call) -> Result<Value, StepFailure> {
    let (method, name) = (call.method().to_string(), call.name().to_string());
    call.send_or_status(u)
        .await
        .map_err(|status| http_failure(&method, &name, status))
}

/// `GET path`, recorded as `name`.
pub(crate) async fn get(
    u: &mut User<MilMoveUser>,
    path: String,
    name: &'static str,
) -> Result<Value, StepFailure> {
    send(u, Call::get(path, name)).await
}

/// Sends an `If-Match` update, refetching and retrying on a stale copy as any task does; the
/// server's new copy (or the current one, when the update was already made).
pub(crate) async fn update(
    u: &mut User<MilMoveUser>,
    call: Call,
    refetch: Refetch,
) -> Result<Value, StepFailure> {
    let (method, name) = (call.method().to_string(), call.name().to_string());
    match call.send_refetching(u, Some(refetch)).await {
        Updated::Done(value) | Updated::NotNeeded(value) => Ok(value),
        Updated::Failed { status, .. } => Err(http_failure(&method, &name, status)),
    }
}

/// A failure for something a step expected and did not find.
pub(crate) fn missing(what: &str) -> StepFailure {
    StepFailure(what.to_string())
}

/// The elements of the array `field` of `value` (or of `value` itself when `field` is empty).
pub(crate) fn list<'v>(value: &'v Value, field: &str) -> &'v [Value] {
    let list = if field.is_empty() {
        value
    } else {
        &value[field]
    };
    list.as_array().map(Vec::as_slice).unwrap_or_default()
}

/// The element of `items` whose `"id"` is `id`.
pub(crate) fn find<'v>(items: &'v [Value], id: &str) -> Option<&'v Value> {
    items.iter().find(|i| text(i, "id") == id)
}
