//! Prime API tasks on moves: listMoves, getMoveTaskOrder, updateMTOPostCounselingInformation.

use milmove_runner::{TaskResult, User};
use serde_json::Value;

use crate::call::{text, Call};
use crate::context::MilMoveUser;
use crate::refetch::Refetch;
use crate::store::{etag, Kind};

/// `GET /prime/v1/moves`.
pub const LIST_MOVES: &str = "/prime/v1/moves";
/// `GET /prime/v1/move-task-orders/{moveID}`.
pub const GET_MOVE_TASK_ORDER: &str = "/prime/v1/move-task-orders/{moveID}";
/// `PATCH /prime/v1/move-task-orders/{moveTaskOrderID}/post-counseling-info`.
pub const POST_COUNSELING_INFO: &str =
    "/prime/v1/move-task-orders/{moveTaskOrderID}/post-counseling-info";

/// listMoves: the moves available to the Prime; unknown ones are kept for later tasks.
pub async fn list_moves(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let Some(Value::Array(moves)) = Call::get(LIST_MOVES, LIST_MOVES).send(u).await else {
        return Ok(());
    };
    let store = shared.stores.of(Kind::Move);
    for summary in moves {
        let id = text(&summary, "id");
        if !id.is_empty() && store.get(id).is_none() {
            store.put(summary);
        }
    }
    Ok(())
}

/// getMoveTaskOrder: refreshes a stored move and keeps its shipments, service items and
/// payment requests (fresh eTags).
pub async fn get_move_task_order(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let Some(stored) = shared.stores.of(Kind::Move).random(&mut u.rng) else {
        return Ok(());
    };
    let id = text(&stored, "id").to_string();
    let path = format!("/prime/v1/move-task-orders/{id}");
    if let Some(mto) = Call::get(path, GET_MOVE_TASK_ORDER).send(u).await {
        remember_move(&shared.stores, mto);
    }
    Ok(())
}

/// updateMTOPostCounselingInformation: the Prime's counseling completion on a move.
pub async fn update_post_counseling_info(u: &mut User<MilMoveUser>) -> TaskResult {
    let shared = u.state.shared.clone();
    let store = shared.stores.of(Kind::Move);
    let Some(claim) = store.claim_where(&mut u.rng, |m| !etag(m).is_empty()) else {
        return Ok(());
    };
    let path = format!(
        "/prime/v1/move-task-orders/{}/post-counseling-info",
        claim.id()
    );
    let call = Call::patch(path, POST_COUNSELING_INFO).if_match(etag(claim.object()));
    let refetch = Refetch::prime(Kind::Move, claim.object());
    call.send_update(u, claim, Some(refetch)).await;
    Ok(())
}

/// Stores a full move task order and the objects nested in it (shipments, service items,
/// payment requests), replacing older copies.
pub fn remember_move(stores: &crate::store::DataStores, mto: Value) {
    for (field, kind) in [
        ("mtoShipments", Kind::Shipment),
        ("mtoServiceItems", Kind::ServiceItem),
        ("paymentRequests", Kind::PaymentRequest),
    ] {
        if let Some(Value::Array(items)) = mto.get(field) {
            for item in items {
                if !stores.of(kind).update(item.clone()) {
                    stores.of(kind).put(item.clone());
                }
            }
        }
    }
    let moves = stores.of(Kind::Move);
    if !moves.update(mto.clone()) {
        moves.put(mto);
    }
}
