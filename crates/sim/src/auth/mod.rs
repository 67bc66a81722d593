//! Sessions, CSRF and devlocal login as MilMove has them for the office and milmove apps.

pub mod csrf;
pub mod devlocal;

use std::sync::Arc;

use base64::Engine;
use http::HeaderMap;
use uuid::Uuid;

use crate::http_util::cookie;
use crate::state::model::Role;
use crate::state::table::Table;

/// Which browser app a session belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    /// The office app (`office_session_token`).
    Office,
    /// The customer (milmove) app (`mil_session_token`).
    Mil,
}

impl App {
    /// The session cookie name MilMove uses for this app.
    pub fn session_cookie(self) -> &'static str {
        match self {
            App::Office => "office_session_token",
            App::Mil => "mil_session_token",
        }
    }
}

/// A logged-in session.
#[derive(Debug, Clone)]
pub struct Session {
    /// User id.
    pub user_id: Uuid,
    /// App the session was created for.
    pub app: App,
    /// Roles.
    pub roles: Vec<Role>,
    /// Office user id (office sessions).
    pub office_user_id: Option<Uuid>,
    /// Service member id (customer sessions).
    pub service_member_id: Option<Uuid>,
    /// E-mail.
    pub email: String,
}

impl Session {
    /// Whether the session has any of the roles.
    pub fn has_any(&self, roles: &[Role]) -> bool {
        self.roles.iter().any(|r| roles.contains(r))
    }
}

/// Session store keyed by the session cookie's token.
#[derive(Default)]
pub struct Sessions {
    table: Table<String, Arc<Session>>,
}

impl Sessions {
    /// Stores a session and returns its new random token.
    pub fn create(&self, session: Session) -> String {
        let mut bytes = [0u8; 24];
        rand::fill(&mut bytes);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        self.table.insert(token.clone(), Arc::new(session));
        token
    }

    /// The session named by the app's cookie in `headers`.
    pub fn from_headers(&self, app: App, headers: &HeaderMap) -> Option<Arc<Session>> {
        let token = cookie(headers, app.session_cookie())?;
        self.table.with(&token.to_string(), Arc::clone)
    }

    /// Ends a session.
    pub fn remove(&self, token: &str) {
        self.table.remove(&token.to_string());
    }
}

/// Maps a devlocal `userType` form value to the app and roles it creates.
pub fn roles_for_user_type(user_type: &str) -> Option<(App, Vec<Role>)> {
    let t = user_type.trim().to_ascii_lowercase();
    let office = |r: Vec<Role>| Some((App::Office, r));
    match t.as_str() {
        "milmove" => Some((App::Mil, vec![Role::Customer])),
        "too office" => office(vec![Role::Too]),
        "tio office" => office(vec![Role::Tio]),
        "services counselor office" => office(vec![Role::ServicesCounselor]),
        "qae office" => office(vec![Role::Qae]),
        "customer service representative office" => office(vec![Role::Csr]),
        "hq office" => office(vec![Role::Hq]),
        "prime simulator office" => office(vec![Role::PrimeSimulator]),
        "office" => office(vec![Role::Too, Role::Tio, Role::ServicesCounselor]),
        _ => None,
    }
}

/// Every accepted `userType` value (for error messages).
pub const USER_TYPES: &[&str] = &[
    "milmove",
    "TOO office",
    "TIO office",
    "Services Counselor office",
    "QAE office",
    "Customer Service Representative office",
    "HQ office",
    "Prime Simulator office",
    "office",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_roundtrip_through_cookies() {
        let sessions = Sessions::default();
        let token = sessions.create(Session {
            user_id: Uuid::new_v4(),
            app: App::Office,
            roles: vec![Role::Too],
            office_user_id: None,
            service_member_id: None,
            email: "a@example.com".into(),
        });
        let mut h = HeaderMap::new();
        h.insert(
            http::header::COOKIE,
            format!("office_session_token={token}").parse().unwrap(),
        );
        assert!(sessions.from_headers(App::Office, &h).is_some());
        assert!(sessions.from_headers(App::Mil, &h).is_none());
        sessions.remove(&token);
        assert!(sessions.from_headers(App::Office, &h).is_none());
        assert_eq!(
            roles_for_user_type("TIO office").unwrap().1,
            vec![Role::Tio]
        );
        assert!(roles_for_user_type("wizard").is_none());
        for t in USER_TYPES {
            assert!(roles_for_user_type(t).is_some());
        }
    }
}
