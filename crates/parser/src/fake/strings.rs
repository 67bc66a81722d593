//! String generators: formats (uuid, date, date-time, uri, mime-type, binary, MilMove's
//! telephone/zip/x-email/edipi), patterns (via `rand_regex`), lengths and flavours.

use std::fmt::Write;

use rand::{Rng, RngExt};
use serde_json::Value;

use super::flavour::{flavour_for, write_flavour, write_words, Flavour};
use super::FakeRng;

/// How a string is made.
pub(crate) enum StrKind {
    Uuid,
    /// A date, placed around the anchor by [`When`].
    Date(When),
    /// A date-time, placed around the anchor by [`When`].
    DateTime(When),
    Flavour(Flavour),
    Regex(Box<rand_regex::Regex>),
    Words,
    Uri,
    MimeType,
    Base64,
}

/// A compiled string generator.
pub(crate) struct StrGen {
    kind: StrKind,
    min: usize,
    max: usize,
    /// Days from the common era of the date anchor ("today" for the generator).
    anchor: i32,
}

const MAX_DEFAULT_LEN: usize = 64;

impl StrGen {
    /// Compiles the string schema of field `name`.
    pub(crate) fn compile(schema: &Value, name: &str, anchor: i32) -> StrGen {
        let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .map_or(usize::MAX, |m| m as usize)
            .max(min);
        let format = schema.get("format").and_then(Value::as_str);
        let pattern = schema.get("pattern").and_then(Value::as_str);
        let checker = pattern.and_then(|p| regex::Regex::new(p).ok());
        let when = When::for_field(name);
        let mk = |kind| StrGen {
            kind,
            min,
            max,
            anchor,
        };
        let fits = |g: &StrGen| sample_fits(g, checker.as_ref());
        let by_format = match format {
            Some("uuid") => Some(StrKind::Uuid),
            Some("date") => Some(StrKind::Date(when)),
            Some("date-time" | "timestamp") => Some(StrKind::DateTime(when)),
            Some("uri" | "url") => Some(StrKind::Uri),
            Some("mime-type") => Some(StrKind::MimeType),
            Some("byte") => Some(StrKind::Base64),
            _ => None,
        };
        if let Some(kind) = by_format {
            let g = mk(kind);
            if pattern.is_none() || fits(&g) {
                return g;
            }
        }
        if let Some(f) = flavour_for(name, format, pattern) {
            let g = mk(StrKind::Flavour(f));
            if fits(&g) {
                return g;
            }
        }
        if let Some(p) = pattern {
            if let Ok(re) = rand_regex::Regex::compile(&ascii_classes(p), 8) {
                return mk(StrKind::Regex(Box::new(re)));
            }
        }
        mk(StrKind::Words)
    }

    /// Appends a value to `out`.
    pub(crate) fn write(&self, rng: &mut FakeRng, out: &mut String) {
        match &self.kind {
            StrKind::Uuid => write_uuid(rng, out),
            StrKind::Date(when) => write_date(self.day(rng, *when), out),
            StrKind::DateTime(when) => {
                write_date(self.day(rng, *when), out);
                let secs: u32 = rng.random_range(0..86_400);
                let _ = write!(
                    out,
                    "T{:02}:{:02}:{:02}.000Z",
                    secs / 3600,
                    secs / 60 % 60,
                    secs % 60
                );
            }
            StrKind::Flavour(f) => write_flavour(*f, rng, out),
            StrKind::Regex(re) => {
                let start = out.len();
                for _ in 0..16 {
                    out.truncate(start);
                    let s: String = rng.sample(&**re);
                    out.push_str(&s);
                    let len = out[start..].chars().count();
                    if len >= self.min && len <= self.max {
                        return;
                    }
                }
                fit_length(out, start, self.min, self.max);
            }
            StrKind::Words => {
                let start = out.len();
                let words = rng.random_range(1..4);
                write_words(rng, words, out);
                fit_length(
                    out,
                    start,
                    self.min,
                    self.max.min(self.min.max(MAX_DEFAULT_LEN)),
                );
            }
            StrKind::Uri => {
                let n: u32 = rng.random_range(1..100_000);
                let _ = write!(out, "https://example.com/documents/{n}");
            }
            StrKind::MimeType => {
                let types = ["application/pdf", "image/png", "image/jpeg"];
                out.push_str(types[rng.random_range(0..types.len())]);
            }
            StrKind::Base64 => {
                const ALPHABET: &[u8] =
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                for _ in 0..4 * rng.random_range(1..6) {
                    out.push(char::from(ALPHABET[rng.random_range(0..64)]));
                }
            }
        }
    }

    fn day(&self, rng: &mut FakeRng, when: When) -> i32 {
        match when {
            When::Future => self.anchor + rng.random_range(1..90),
            When::Recent => self.anchor - rng.random_range(1..90),
            When::Birth => self.anchor - rng.random_range(365 * 20..365 * 45),
        }
    }
}

/// Where a date falls relative to the anchor ("today"), chosen by field name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    /// 1–89 days ahead: requested/scheduled dates, report-by dates, most others.
    Future,
    /// 1–89 days back: `actual*`, `issue*`, `*At` audit stamps.
    Recent,
    /// 20–45 years back: birth dates.
    Birth,
}

impl When {
    fn for_field(name: &str) -> When {
        let lower = name.to_ascii_lowercase();
        if lower.contains("birth") {
            When::Birth
        } else if lower.starts_with("actual") || lower.contains("issue") {
            When::Recent
        } else {
            When::Future
        }
    }
}

/// Whether a few samples satisfy the pattern and length bounds.
fn sample_fits(g: &StrGen, checker: Option<&regex::Regex>) -> bool {
    use rand::SeedableRng;
    let mut rng = FakeRng::seed_from_u64(7);
    (0..24).all(|_| {
        let mut s = String::new();
        g.write(&mut rng, &mut s);
        let len = s.chars().count();
        len >= g.min && len <= g.max && checker.is_none_or(|re| re.is_match(&s))
    })
}

/// Pads with `x` or truncates the text written since `start` to fit `[min, max]`.
fn fit_length(out: &mut String, start: usize, min: usize, max: usize) {
    let len = out[start..].chars().count();
    if len > max {
        let cut = out[start..]
            .char_indices()
            .nth(max)
            .map_or(out.len(), |(i, _)| start + i);
        out.truncate(cut);
    }
    for _ in len..min {
        out.push('x');
    }
}

/// Replaces `\d`, `\w`, `\s` (and negations) with ASCII classes so generated text matches
/// ECMA-style validators, and drops `^`/`$` anchors (which `rand_regex` rejects).
fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        if c != '\\' {
            match c {
                '[' => in_class = true,
                ']' => in_class = false,
                // Anchors: generation produces whole strings anyway.
                '^' | '$' if !in_class => continue,
                _ => {}
            }
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str("[0-9]"),
            Some('D') => out.push_str("[^0-9]"),
            Some('w') => out.push_str("[A-Za-z0-9_]"),
            Some('W') => out.push_str("[^A-Za-z0-9_]"),
            Some('s') => out.push_str("[ ]"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Appends a random version-4 UUID.
pub(crate) fn write_uuid(rng: &mut FakeRng, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let hi = (rng.next_u64() & !0xF000) | 0x4000;
    let lo = (rng.next_u64() & !(0xC << 60)) | (0x8 << 60);
    let bytes = ((hi as u128) << 64) | lo as u128;
    for i in 0..32 {
        if matches!(i, 8 | 12 | 16 | 20) {
            out.push('-');
        }
        let nibble = (bytes >> (124 - 4 * i)) & 0xF;
        out.push(char::from(HEX[nibble as usize]));
    }
}

fn write_date(days_from_ce: i32, out: &mut String) {
    use chrono::Datelike;
    let d = chrono::NaiveDate::from_num_days_from_ce_opt(days_from_ce)
        .unwrap_or(chrono::NaiveDate::MIN);
    let _ = write!(out, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use serde_json::json;

    fn sample(schema: Value, name: &str) -> String {
        let g = StrGen::compile(&schema, name, 739_000);
        let mut rng = FakeRng::seed_from_u64(1);
        let mut s = String::new();
        g.write(&mut rng, &mut s);
        s
    }

    #[test]
    fn formats_and_patterns_produce_matching_text() {
        assert!(uuid::Uuid::parse_str(&sample(json!({"format": "uuid"}), "id")).is_ok());
        let phone = sample(
            json!({"format": "telephone", "pattern": "^[2-9]\\d{2}-\\d{3}-\\d{4}$"}),
            "x",
        );
        assert!(
            regex::Regex::new("^[2-9][0-9]{2}-555-[0-9]{4}$")
                .unwrap()
                .is_match(&phone),
            "{phone}"
        );
        let tac = sample(json!({"pattern": "^[A-Z]{4}$"}), "tac");
        assert_eq!(tac.len(), 4);
        let mil = sample(json!({"pattern": "\\d{4}Z"}), "requestedPickupTime");
        assert!(mil.ends_with('Z') && mil.len() == 5, "{mil}");
        let any = sample(json!({"pattern": "^[a-c]{3}x$"}), "code");
        assert!(
            regex::Regex::new("^[a-c]{3}x$").unwrap().is_match(&any),
            "{any}"
        );
        let date = sample(json!({"format": "date"}), "requestedPickupDate");
        assert!(
            chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").is_ok(),
            "{date}"
        );
        let issued = sample(json!({"format": "date"}), "issueDate");
        let born = sample(json!({"format": "date"}), "birthDate");
        // Anchor 739_000 days from the CE is 2024-04-24.
        assert!(
            issued.as_str() < "2024-04-24" && issued.as_str() > "2024-01-01",
            "{issued}"
        );
        assert!(born.as_str() < "2005-01-01", "{born}");
        let dt = sample(json!({"format": "date-time"}), "at");
        assert!(chrono::DateTime::parse_from_rfc3339(&dt).is_ok(), "{dt}");
    }

    #[test]
    fn lengths_are_respected() {
        let s = sample(json!({"minLength": 70, "maxLength": 80}), "remarks");
        assert!((70..=80).contains(&s.len()), "{}", s.len());
        let s = sample(json!({"maxLength": 2}), "note");
        assert!(s.len() <= 2);
    }
}
