//! Per-user cookie jars behind one shared `reqwest::Client`.
//!
//! The class's client is built with [`UserCookies`] as its cookie provider. That provider holds
//! no cookies itself: while a user's request runs, the user's jar is lent to the request's future
//! through a tokio task-local, and reqwest (which calls the provider from inside that future,
//! including on every redirect hop) reads and fills it. A user without cookies has no jar at all
//! (`None`: no allocation); the jar is created when the first `Set-Cookie` arrives.

use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::HeaderValue;
use std::cell::RefCell;
use url::Url;

/// A user's jar, lent to the request in flight.
pub(crate) type JarSlot = RefCell<Option<Box<Jar>>>;

tokio::task_local! {
    pub(crate) static CURRENT_JAR: JarSlot;
}

/// The cookie provider installed on every class client: it forwards to the current user's jar.
#[derive(Debug, Default)]
pub(crate) struct UserCookies;

impl CookieStore for UserCookies {
    fn set_cookies(&self, cookie_headers: &mut dyn Iterator<Item = &HeaderValue>, url: &Url) {
        let mut headers = cookie_headers.peekable();
        if headers.peek().is_none() {
            return;
        }
        let _ = CURRENT_JAR.try_with(|slot| {
            let mut slot = slot.borrow_mut();
            slot.get_or_insert_with(Default::default)
                .set_cookies(&mut headers, url);
        });
    }

    fn cookies(&self, url: &Url) -> Option<HeaderValue> {
        CURRENT_JAR
            .try_with(|slot| slot.borrow().as_ref().and_then(|jar| jar.cookies(url)))
            .ok()
            .flatten()
    }
}
