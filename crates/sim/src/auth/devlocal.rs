//! Devlocal login as MilMove has it: `GET /devlocal-auth/login` (page with a CSRF token),
//! `POST /devlocal-auth/create` (create + log in, 303 to `/`), `POST /devlocal-auth/new`
//! (create + log in, the user as JSON), `POST /devlocal-auth/login` (log in an existing user by
//! `id` or `email`) and `POST /auth/logout`.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, Method, StatusCode};
use serde_json::{json, Map};
use uuid::Uuid;

use super::{roles_for_user_type, App, Session, USER_TYPES};
use crate::api::json_response;
use crate::http_util::{cookie, pair_value, parse_pairs};
use crate::state::model::{unique_now, Role, User};
use crate::SimState;

/// Sessions kept at the least, whatever the move limit.
const MIN_SESSIONS: usize = 1_000;

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (status, body.into()).into_response()
}

fn login_page(csrf_token: &str) -> String {
    let types: String = USER_TYPES
        .iter()
        .map(|t| format!("<option value=\"{t}\">{t}</option>"))
        .collect();
    format!(
        "<html><body><h2>milmove-sim devlocal login</h2>\
         <form method=\"post\" action=\"/devlocal-auth/create\">\
         <input type=\"hidden\" name=\"gorilla.csrf.Token\" value=\"{csrf_token}\">\
         <select name=\"userType\">{types}</select>\
         <button type=\"submit\">Create a new user</button></form></body></html>"
    )
}

/// Handles a devlocal/auth path; `None` when the path is not one of them.
pub fn handle(
    sim: &SimState,
    app: App,
    method: &Method,
    path: &str,
    headers: &http::HeaderMap,
    body: &[u8],
    csrf_token: &str,
) -> Option<Response> {
    let form = parse_pairs(std::str::from_utf8(body).unwrap_or(""));
    let response = match (method, path) {
        (&Method::GET, "/devlocal-auth/login") => {
            let mut r = text(StatusCode::OK, login_page(csrf_token));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            r
        }
        (&Method::POST, "/devlocal-auth/create") => create(sim, app, &form, false),
        (&Method::POST, "/devlocal-auth/new") => create(sim, app, &form, true),
        (&Method::POST, "/devlocal-auth/login") => login_existing(sim, app, &form),
        (&Method::POST, "/auth/logout") => {
            if let Some(token) = cookie(headers, app.session_cookie()) {
                sim.sessions.remove(token);
            }
            let mut r = text(StatusCode::OK, "");
            set_cookie(
                &mut r,
                &format!("{}=; Path=/; Max-Age=0", app.session_cookie()),
            );
            r
        }
        (_, "/devlocal-auth/login" | "/devlocal-auth/create" | "/devlocal-auth/new") => {
            text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
        }
        _ => return None,
    };
    Some(response)
}

fn set_cookie(response: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn create(sim: &SimState, app: App, form: &[(String, String)], as_json: bool) -> Response {
    let user_type = pair_value(form, "userType").unwrap_or("");
    let Some((user_app, roles)) = roles_for_user_type(user_type) else {
        return text(
            StatusCode::BAD_REQUEST,
            format!("unknown userType {user_type:?}; use one of {USER_TYPES:?}"),
        );
    };
    if user_app != app {
        return text(
            StatusCode::BAD_REQUEST,
            format!("userType {user_type:?} cannot log in to this app"),
        );
    }
    let id = Uuid::new_v4();
    let email = pair_value(form, "email")
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}@example.com", id.simple()));
    let first_name = pair_value(form, "firstName").unwrap_or("Alice").to_string();
    let last_name = pair_value(form, "lastName").unwrap_or("Bob").to_string();
    let mut user = User {
        id,
        email,
        roles,
        office_user_id: None,
        service_member_id: None,
        first_name,
        last_name,
        created_at: unique_now(),
    };
    if app == App::Office {
        user.office_user_id = Some(Uuid::new_v4());
    } else {
        let mut profile = Map::new();
        profile.insert("personal_email".into(), user.email.clone().into());
        user.service_member_id = Some(sim.store.create_customer(id, profile).id);
    }
    sim.store.users.insert(id, user.clone());
    let mut response = if as_json {
        json_response(
            StatusCode::OK,
            &json!({"id": user.id, "login_gov_email": user.email, "active": true,
                    "created_at": crate::state::model::rfc3339(&user.created_at)}),
        )
    } else {
        redirect_home()
    };
    start_session(sim, app, &user, &mut response);
    response
}

fn login_existing(sim: &SimState, app: App, form: &[(String, String)]) -> Response {
    let by_id = pair_value(form, "id").and_then(|s| Uuid::parse_str(s).ok());
    let email = pair_value(form, "email").unwrap_or("");
    let user = match by_id {
        Some(id) => sim.store.users.get(&id),
        None => sim
            .store
            .users
            .collect(|u| (u.email == email).then(|| u.clone()))
            .pop(),
    };
    let Some(user) = user else {
        return text(StatusCode::NOT_FOUND, "no such user");
    };
    let is_customer = user.roles.contains(&Role::Customer);
    if is_customer != (app == App::Mil) {
        return text(StatusCode::FORBIDDEN, "this user cannot log in to this app");
    }
    let mut response = redirect_home();
    start_session(sim, app, &user, &mut response);
    response
}

fn redirect_home() -> Response {
    let mut r = text(StatusCode::SEE_OTHER, "");
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static("/"));
    r
}

fn start_session(sim: &SimState, app: App, user: &User, response: &mut Response) {
    // Sessions are bounded with the moves (at least MIN_SESSIONS): users left without one
    // go, with their customer once it has no orders.
    let limits = sim.store.limits;
    let max = limits.max_moves.saturating_mul(2).max(MIN_SESSIONS);
    for gone in sim.sessions.evict_idle(max, limits.in_use_grace) {
        sim.store.forget_user(&gone);
    }
    let token = sim.sessions.create(Session {
        user_id: user.id,
        app,
        roles: user.roles.clone(),
        office_user_id: user.office_user_id,
        service_member_id: user.service_member_id,
        email: user.email.clone(),
    });
    set_cookie(
        response,
        &format!(
            "{}={token}; Path=/; HttpOnly; SameSite=Lax",
            app.session_cookie()
        ),
    );
}
