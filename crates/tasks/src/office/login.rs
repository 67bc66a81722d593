//! Devlocal login with CSRF, as MilMove expects from browsers (and the old suite did):
//! `GET /devlocal-auth/login` sets the `masked_gorilla_csrf` cookie; its value goes back in the
//! `X-CSRF-Token` header (and the `gorilla.csrf.Token` form field) of
//! `POST /devlocal-auth/create`, which creates a user of the given type and logs it in
//! (session cookie `office_session_token` / `mil_session_token`). Every later unsafe request
//! carries the token.

use milmove_runner::{TaskResult, User};

use crate::call::CSRF_HEADER;
use crate::context::MilMoveUser;

/// The cookie holding the masked CSRF token.
pub const MASKED_CSRF_COOKIE: &str = "masked_gorilla_csrf";
/// `GET /devlocal-auth/login`.
pub const LOGIN_PAGE: &str = "/devlocal-auth/login";
/// `POST /devlocal-auth/create`.
pub const CREATE_USER: &str = "/devlocal-auth/create";

/// The devlocal user types the load test logs in as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserType {
    /// A customer (service member), on the milmove app.
    Milmove,
    /// A Services Counselor, on the office app.
    ServicesCounselor,
    /// A Transportation Ordering Officer, on the office app.
    Too,
    /// A Transportation Invoicing Officer, on the office app.
    Tio,
}

impl UserType {
    /// The `userType` form value MilMove expects.
    pub fn form_value(self) -> &'static str {
        match self {
            UserType::Milmove => "milmove",
            UserType::ServicesCounselor => "Services Counselor office",
            UserType::Too => "TOO office",
            UserType::Tio => "TIO office",
        }
    }
}

/// Logs the user in as a new devlocal user of `user_type`; on success the user's state holds
/// the CSRF token and its cookie jar the session. Returns whether it worked.
pub async fn devlocal_login(u: &mut User<MilMoveUser>, user_type: UserType) -> bool {
    u.state.logged_in = false;
    u.state.csrf_token = None;
    u.http.clear_cookies();
    let mut page = u
        .http
        .get(LOGIN_PAGE)
        .name(LOGIN_PAGE)
        .catch_response()
        .send()
        .await;
    if !page.ok() {
        return false;
    }
    let base = format!("{}/", u.http.host());
    let Some(token) = u.http.cookie(&base, MASKED_CSRF_COOKIE) else {
        page.failure(format!("no {MASKED_CSRF_COOKIE} cookie on the login page"));
        return false;
    };
    drop(page);
    let form = [
        ("userType", user_type.form_value()),
        ("gorilla.csrf.Token", token.as_str()),
    ];
    let created = u
        .http
        .post(CREATE_USER)
        .name(CREATE_USER)
        .header(CSRF_HEADER, token.as_str())
        .form(&form)
        .send()
        .await;
    if !created.ok() {
        return false;
    }
    drop(created);
    let token = u.http.cookie(&base, MASKED_CSRF_COOKIE).unwrap_or(token);
    u.state.csrf_token = Some(token);
    u.state.logged_in = true;
    true
}

/// `on_start` of Services Counselor users.
pub async fn login_services_counselor(u: &mut User<MilMoveUser>) -> TaskResult {
    login_or_stop(u, UserType::ServicesCounselor).await
}

/// `on_start` of TOO users.
pub async fn login_too(u: &mut User<MilMoveUser>) -> TaskResult {
    login_or_stop(u, UserType::Too).await
}

/// `on_start` of TIO users.
pub async fn login_tio(u: &mut User<MilMoveUser>) -> TaskResult {
    login_or_stop(u, UserType::Tio).await
}

/// Logs in; a user that cannot log in stops (there is no point in running its tasks), as the
/// old suite's `self.interrupt()` after a failed login.
async fn login_or_stop(u: &mut User<MilMoveUser>, user_type: UserType) -> TaskResult {
    if devlocal_login(u, user_type).await {
        Ok(())
    } else {
        Err(milmove_runner::TaskError::stop_user())
    }
}
