//! Which office roles may call which GHC operations (others: any logged-in office user).
//! A session of the wrong app or role gets 403, as MilMove answers.

use http::StatusCode;

use crate::api::{Api, ApiError};
use crate::auth::{App, Session};
use crate::state::model::Role;

fn required(op_id: &str) -> Option<&'static [Role]> {
    use Role::*;
    Some(match op_id {
        "getServicesCounselingQueue"
        | "counselingUpdateOrder"
        | "counselingUpdateAllowance"
        | "updateMTOStatusServiceCounselingCompleted" => &[ServicesCounselor],
        "getMovesQueue" => &[Too, Hq],
        "getPaymentRequestsQueue" => &[Tio, Hq],
        "updateMoveTaskOrderStatus" | "approveShipment" | "updateMTOServiceItemStatus" => &[Too],
        "updateOrder" | "updateAllowance" => &[Too, Tio],
        "updatePaymentServiceItemStatus" | "updatePaymentRequestStatus" => &[Tio],
        _ => return None,
    })
}

/// Checks that `session` may call `op_id` of `api`.
pub fn check(api: Api, op_id: &str, session: &Session) -> Result<(), ApiError> {
    let forbidden = |why: &str| Err(ApiError::new(StatusCode::FORBIDDEN, why.to_string()));
    match api {
        Api::Ghc if session.app != App::Office => forbidden("the GHC API is for office users"),
        Api::Ghc => match required(op_id) {
            Some(roles) if !session.has_any(roles) => {
                forbidden(&format!("{op_id} needs one of the roles {roles:?}"))
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(app: App, roles: Vec<Role>) -> Session {
        Session {
            user_id: uuid::Uuid::nil(),
            app,
            roles,
            office_user_id: None,
            service_member_id: None,
            email: String::new(),
        }
    }

    #[test]
    fn roles_gate_operations() {
        let tio = session(App::Office, vec![Role::Tio]);
        assert!(check(Api::Ghc, "getPaymentRequestsQueue", &tio).is_ok());
        let e = check(Api::Ghc, "getServicesCounselingQueue", &tio).unwrap_err();
        assert_eq!(e.status, StatusCode::FORBIDDEN);
        assert!(check(Api::Ghc, "getMove", &tio).is_ok());
        let customer = session(App::Mil, vec![Role::Customer]);
        assert!(check(Api::Ghc, "getMove", &customer).is_err());
        assert!(check(Api::Internal, "showLoggedInUser", &customer).is_ok());
    }
}
