//! The services counselor's step (facts from the 2024 suite's `do_hhg_sc_review`: find the
//! move in the counseling queue by its locator, open it, complete counseling with its eTag).

use milmove_runner::User;

use super::{find, get, list, missing, update};
use crate::call::{text, Call};
use crate::context::MilMoveUser;
use crate::flows::case::MoveCase;
use crate::flows::spec::StepResult;
use crate::office::common::{GET_MOVE, LIST_SHIPMENTS};
use crate::office::counselor::COUNSELING_QUEUE;
use crate::refetch::Refetch;
use crate::store::{etag, Kind};

/// `PATCH /ghc/v1/move-task-orders/{moveTaskOrderID}/status/service-counseling-completed`.
pub const COUNSELING_COMPLETED: &str =
    "/ghc/v1/move-task-orders/{moveTaskOrderID}/status/service-counseling-completed";

/// Step 2 (services counselor): finds the move in the counseling queue by its locator,
/// opens it and its shipments, and completes counseling, which sends it to the TOO.
pub async fn review(u: &mut User<MilMoveUser>, case: &mut MoveCase) -> StepResult {
    let path = format!(
        "{COUNSELING_QUEUE}?page=1&perPage=20&sort=submittedAt&order=asc&locator={}",
        case.locator
    );
    let page = get(u, path, COUNSELING_QUEUE).await?;
    if find(list(&page, "queueMoves"), &case.move_id).is_none() {
        return Err(missing("the move is not in the counseling queue"));
    }
    let mv = get(u, format!("/ghc/v1/move/{}", case.locator), GET_MOVE).await?;
    let path = format!("/ghc/v1/move_task_orders/{}/mto_shipments", case.move_id);
    get(u, path, LIST_SHIPMENTS).await?;
    let path = format!(
        "/ghc/v1/move-task-orders/{}/status/service-counseling-completed",
        case.move_id
    );
    let call = Call::patch(path, COUNSELING_COMPLETED).if_match(etag(&mv));
    let refetch = Refetch::ghc(Kind::Move, &mv)
        .needs_update(|m| text(m, "status") == "NEEDS SERVICE COUNSELING");
    let counseled = update(u, call, refetch).await?;
    match text(&counseled, "status") {
        "SERVICE COUNSELING COMPLETED" | "APPROVED" => Ok(()),
        other => Err(missing(&format!(
            "after counseling the move is {other}, not SERVICE COUNSELING COMPLETED"
        ))),
    }
}
