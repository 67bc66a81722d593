//! CSRF protection in the style of gorilla/csrf as MilMove configures it: a secret token in the
//! `_gorilla_csrf` cookie, a masked copy in the `masked_gorilla_csrf` cookie on every response,
//! and unsafe methods must send a masked token in `X-CSRF-Token` (or the form field
//! `gorilla.csrf.Token`) that unmasks to the secret.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// Cookie holding the secret token.
pub const SECRET_COOKIE: &str = "_gorilla_csrf";
/// Cookie holding a masked token for the client to echo.
pub const MASKED_COOKIE: &str = "masked_gorilla_csrf";
/// Header carrying the masked token on unsafe requests.
pub const HEADER: &str = "X-CSRF-Token";
/// Form field alternative to the header.
pub const FORM_FIELD: &str = "gorilla.csrf.Token";

const TOKEN_LEN: usize = 32;

/// A 32-byte CSRF secret.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CsrfSecret([u8; TOKEN_LEN]);

impl std::fmt::Debug for CsrfSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfSecret(<redacted>)")
    }
}

impl CsrfSecret {
    /// A new random secret.
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_LEN];
        rand::fill(&mut bytes);
        Self(bytes)
    }

    /// Decodes the `_gorilla_csrf` cookie value.
    pub fn from_cookie(value: &str) -> Option<Self> {
        let bytes = STANDARD.decode(value).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    /// The `_gorilla_csrf` cookie value.
    pub fn cookie_value(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// A freshly masked token: base64(otp || otp XOR secret).
    pub fn masked(&self) -> String {
        let mut out = [0u8; TOKEN_LEN * 2];
        let (otp, masked) = out.split_at_mut(TOKEN_LEN);
        rand::fill(otp);
        for i in 0..TOKEN_LEN {
            masked[i] = otp[i] ^ self.0[i];
        }
        STANDARD.encode(out)
    }

    /// Whether a masked token unmasks to this secret.
    pub fn verify(&self, masked_token: &str) -> bool {
        let Ok(bytes) = STANDARD.decode(masked_token.trim()) else {
            return false;
        };
        if bytes.len() != TOKEN_LEN * 2 {
            return false;
        }
        let (otp, masked) = bytes.split_at(TOKEN_LEN);
        // Constant-time comparison.
        let mut diff = 0u8;
        for i in 0..TOKEN_LEN {
            diff |= (otp[i] ^ masked[i]) ^ self.0[i];
        }
        diff == 0
    }
}

/// Whether a method needs a CSRF token.
pub fn is_unsafe(method: &http::Method) -> bool {
    !matches!(
        *method,
        http::Method::GET | http::Method::HEAD | http::Method::OPTIONS | http::Method::TRACE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_tokens_verify_only_against_their_secret() {
        let a = CsrfSecret::generate();
        let b = CsrfSecret::generate();
        let t1 = a.masked();
        let t2 = a.masked();
        assert_ne!(t1, t2, "masks are fresh");
        assert!(a.verify(&t1) && a.verify(&t2));
        assert!(!b.verify(&t1));
        assert!(!a.verify("garbage"));
        assert_eq!(CsrfSecret::from_cookie(&a.cookie_value()), Some(a));
        assert!(CsrfSecret::from_cookie("AAAA").is_none());
    }
}
