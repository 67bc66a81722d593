//! Sessions, CSRF and devlocal login as MilMove has them for the office and milmove apps.

pub mod csrf;
pub mod devlocal;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

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

/// A stored session and when it was last used.
struct Entry {
    session: Arc<Session>,
    last_used: AtomicI64,
}

/// Session store keyed by the session cookie's token. It is bounded like the moves: past
/// [`Sessions::evict_idle`]'s limit the least recently used idle sessions go.
#[derive(Default)]
pub struct Sessions {
    table: Table<String, Entry>,
}

fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Sessions {
    /// Stores a session and returns its new random token.
    pub fn create(&self, session: Session) -> String {
        let mut bytes = [0u8; 24];
        rand::fill(&mut bytes);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let entry = Entry {
            session: Arc::new(session),
            last_used: AtomicI64::new(now_millis()),
        };
        self.table.insert(token.clone(), entry);
        token
    }

    /// The session named by the app's cookie in `headers` (marked as used now).
    pub fn from_headers(&self, app: App, headers: &HeaderMap) -> Option<Arc<Session>> {
        let token = cookie(headers, app.session_cookie())?;
        self.table.with(&token.to_string(), |e| {
            e.last_used.store(now_millis(), Ordering::Relaxed);
            e.session.clone()
        })
    }

    /// Ends a session.
    pub fn remove(&self, token: &str) {
        self.table.remove(&token.to_string());
    }

    /// Sessions kept.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// When more than `max` sessions are kept, ends the least recently used ones not used
    /// within `grace` (down to 90 % of `max`); returns the users left without a session.
    pub fn evict_idle(&self, max: usize, grace: Duration) -> Vec<Uuid> {
        let count = self.table.len();
        if count <= max {
            return Vec::new();
        }
        let idle_before = now_millis() - grace.as_millis() as i64;
        let mut idle: Vec<(i64, String, Uuid)> = Vec::new();
        self.table.for_each(|token, e| {
            let used = e.last_used.load(Ordering::Relaxed);
            if used <= idle_before {
                idle.push((used, token.clone(), e.session.user_id));
            }
        });
        idle.sort_unstable_by_key(|(used, _, _)| *used);
        let target = max - max / 10;
        let mut users = Vec::new();
        for (_, token, user) in idle.into_iter().take(count - target) {
            self.table.remove(&token);
            users.push(user);
        }
        let live: std::collections::HashSet<Uuid> = self
            .table
            .collect(|e| Some(e.session.user_id))
            .into_iter()
            .collect();
        users.retain(|u| !live.contains(u));
        users.sort_unstable();
        users.dedup();
        users
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
    }

    #[test]
    fn idle_sessions_past_the_limit_are_evicted() {
        let sessions = Sessions::default();
        let user = |n: u128| Session {
            user_id: Uuid::from_u128(n),
            app: App::Mil,
            roles: vec![Role::Customer],
            office_user_id: None,
            service_member_id: None,
            email: String::new(),
        };
        for n in 0..20 {
            sessions.create(user(n));
        }
        // Two sessions of user 0: it is reported only if both go.
        sessions.create(user(0));
        assert!(
            sessions.evict_idle(30, Duration::ZERO).is_empty(),
            "under the limit"
        );
        let gone = sessions.evict_idle(10, Duration::ZERO);
        assert_eq!(sessions.len(), 9);
        let live: Vec<Uuid> = sessions.table.collect(|e| Some(e.session.user_id));
        assert!(gone.iter().all(|u| !live.contains(u)), "{gone:?} {live:?}");
        let mut distinct = gone.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), gone.len(), "each user once: {gone:?}");
        assert!(gone.len() >= 11, "{gone:?}");
        // Sessions used within the grace period stay, whatever the limit.
        let fresh = Sessions::default();
        for n in 0..5 {
            fresh.create(user(n));
        }
        assert!(fresh.evict_idle(1, Duration::from_secs(3600)).is_empty());
        assert_eq!(fresh.len(), 5);
        for t in USER_TYPES {
            assert!(roles_for_user_type(t).is_some());
        }
    }
}
