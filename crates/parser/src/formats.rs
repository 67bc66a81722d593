//! `date` and `date-time` strings as a go-swagger server reads them (go-openapi `strfmt`).
//!
//! A go-swagger server parses a `date-time` with `strfmt.ParseDateTime`, which tries these Go
//! layouts in turn and takes the first that fits ([`DATE_TIME_LAYOUTS`]):
//!
//! | Go layout | example |
//! |---|---|
//! | `2006-01-02T15:04:05.000000Z07:00`, `…Z0700` (micro) | `2024-01-11T02:01:01.123456+00:00` |
//! | `2006-01-02T15:04:05.000Z07:00`, `…Z0700` (milli) | `2024-01-11T02:01:01.123+0100` |
//! | `time.RFC3339`, `time.RFC3339Nano` | `2024-01-11T02:01:01Z`, `2024-01-11T02:01:01.5-05:00` |
//! | `2006-01-02T15:04:05` (no zone: UTC) | `2024-01-11T02:01:01`, `2024-01-11T02:01:01.25` |
//! | `2006-01-02T15:04Z` (no seconds) | `2024-01-11T02:01Z` |
//! | `2006-01-02T15:04` (no seconds, no zone) | `2024-01-11T02:01` |
//! | `2006-01-02 15:04:05` | `2024-01-11 02:01:01` |
//! | `2006-01-02` | `2024-01-11` (midnight UTC) |
//!
//! Go's parser rules apply: the hour may have one digit, minutes and seconds have two, a
//! fraction (`.` or `,` then digits) may follow the seconds of a layout that has none, a layout
//! with `.000` wants exactly that many digits, `Z07:00` takes `Z` or `±hh:mm`, `Z0700` takes
//! `Z` or `±hhmm`, and the day must exist in its month. In a JSON body an empty string is the
//! zero time (`ParseDateTime("")` is not an error); an empty query value never gets here (an
//! empty optional parameter counts as absent).
//!
//! A `date` is `strfmt.Date`: exactly the layout `2006-01-02`.
//!
//! ```
//! use milmove_parser::formats::{is_date, is_request_date_time, parse_date_time};
//!
//! assert!(is_request_date_time("2024-01-11T02:01:01"));        // no zone: UTC
//! assert!(is_request_date_time("2024-01-11T02:01:01.123+0100"));
//! assert!(!is_request_date_time("2024-01-11T25:01:01Z"));
//! let t = parse_date_time("2024-01-11 02:01:01").unwrap();
//! assert_eq!(t.to_rfc3339(), "2024-01-11T02:01:01+00:00");
//! assert!(is_date("2024-02-29") && !is_date("2023-02-29"));
//! ```

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

/// The Go layouts `strfmt.ParseDateTime` tries, in its order (go-openapi/strfmt
/// `DateTimeFormats`).
pub const DATE_TIME_LAYOUTS: [&str; 11] = [
    "2006-01-02T15:04:05.000000Z07:00",
    "2006-01-02T15:04:05.000000Z0700",
    "2006-01-02T15:04:05.000Z07:00",
    "2006-01-02T15:04:05.000Z0700",
    "2006-01-02T15:04:05Z07:00",
    "2006-01-02T15:04:05.999999999Z07:00",
    "2006-01-02T15:04:05",
    "2006-01-02T15:04Z",
    "2006-01-02T15:04",
    "2006-01-02 15:04:05",
    "2006-01-02",
];

/// The layout of `strfmt.Date`.
pub const DATE_LAYOUT: &str = "2006-01-02";

/// How a layout ends after the minutes.
#[derive(Clone, Copy)]
enum Seconds {
    /// `:05`, then a fraction of exactly `n` digits (`Some(n)`) or an optional one of any
    /// length (`None`).
    Two(Option<usize>),
    /// No seconds field.
    Absent,
}

/// The zone part of a layout.
#[derive(Clone, Copy)]
enum Zone {
    /// `Z07:00`: `Z` or `±hh:mm`.
    Colon,
    /// `Z0700`: `Z` or `±hhmm`.
    NoColon,
    /// A literal `Z`.
    LiteralZ,
    /// Nothing: the time is UTC.
    None,
}

/// One of the layouts, decomposed: separator between date and time, seconds, zone.
#[derive(Clone, Copy)]
struct Layout {
    separator: u8,
    seconds: Seconds,
    zone: Zone,
}

/// [`DATE_TIME_LAYOUTS`] without the date-only one, in the same order.
const LAYOUTS: [Layout; 10] = [
    Layout {
        separator: b'T',
        seconds: Seconds::Two(Some(6)),
        zone: Zone::Colon,
    },
    Layout {
        separator: b'T',
        seconds: Seconds::Two(Some(6)),
        zone: Zone::NoColon,
    },
    Layout {
        separator: b'T',
        seconds: Seconds::Two(Some(3)),
        zone: Zone::Colon,
    },
    Layout {
        separator: b'T',
        seconds: Seconds::Two(Some(3)),
        zone: Zone::NoColon,
    },
    Layout {
        separator: b'T',
        seconds: Seconds::Two(None),
        zone: Zone::Colon,
    },
    Layout {
        separator: b'T',
        seconds: Seconds::Two(None),
        zone: Zone::Colon,
    },
    Layout {
        separator: b'T',
        seconds: Seconds::Two(None),
        zone: Zone::None,
    },
    Layout {
        separator: b'T',
        seconds: Seconds::Absent,
        zone: Zone::LiteralZ,
    },
    Layout {
        separator: b'T',
        seconds: Seconds::Absent,
        zone: Zone::None,
    },
    Layout {
        separator: b' ',
        seconds: Seconds::Two(None),
        zone: Zone::None,
    },
];

/// A cursor over ASCII text.
struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Exactly `n` digits.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let slice = self.text.get(self.at..self.at + n)?;
        if !slice.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.at += n;
        Some(
            slice
                .iter()
                .fold(0, |acc, d| acc * 10 + u32::from(d - b'0')),
        )
    }

    /// One or two digits (Go's non-fixed `getnum`, used for the `15` hour).
    fn one_or_two_digits(&mut self) -> Option<u32> {
        let first = self.digits(1)?;
        match self.peek() {
            Some(d) if d.is_ascii_digit() => {
                self.at += 1;
                Some(first * 10 + u32::from(d - b'0'))
            }
            _ => Some(first),
        }
    }

    /// A fraction after the seconds: `.` or `,` then digits; returns nanoseconds. `exact`:
    /// exactly that many digits are required; otherwise any number (at least one), and the
    /// fraction may be absent.
    fn fraction(&mut self, exact: Option<usize>) -> Option<u32> {
        let starts = matches!(self.peek(), Some(b'.' | b','))
            && self
                .text
                .get(self.at + 1)
                .is_some_and(|d| d.is_ascii_digit());
        if !starts {
            return match exact {
                Some(_) => None,
                None => Some(0),
            };
        }
        self.at += 1;
        let start = self.at;
        match exact {
            Some(n) => {
                self.digits(n)?;
            }
            None => {
                while self.peek().is_some_and(|d| d.is_ascii_digit()) {
                    self.at += 1;
                }
            }
        }
        let digits = &self.text[start..self.at];
        let nanos = digits
            .iter()
            .chain(std::iter::repeat(&b'0'))
            .take(9)
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
        Some(nanos)
    }

    /// A zone; returns the offset in seconds east of UTC.
    fn zone(&mut self, zone: Zone) -> Option<i32> {
        match zone {
            Zone::None => Some(0),
            Zone::LiteralZ => self.eat(b'Z').map(|()| 0),
            Zone::Colon | Zone::NoColon => {
                if self.eat(b'Z').is_some() {
                    return Some(0);
                }
                let sign = match self.peek()? {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                self.at += 1;
                let hours = self.digits(2)?;
                if matches!(zone, Zone::Colon) {
                    self.eat(b':')?;
                }
                let minutes = self.digits(2)?;
                // Go's own bounds for offsets.
                if hours > 24 || minutes > 60 {
                    return None;
                }
                Some(sign * (hours as i32 * 3600 + minutes as i32 * 60))
            }
        }
    }

    fn done(&self) -> bool {
        self.at == self.text.len()
    }
}

/// `2006-01-02` at the cursor.
fn date_at(c: &mut Cursor<'_>) -> Option<NaiveDate> {
    let year = c.digits(4)?;
    c.eat(b'-')?;
    let month = c.digits(2)?;
    c.eat(b'-')?;
    let day = c.digits(2)?;
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

fn with_layout(text: &str, layout: Layout) -> Option<DateTime<FixedOffset>> {
    let mut c = Cursor {
        text: text.as_bytes(),
        at: 0,
    };
    let date = date_at(&mut c)?;
    c.eat(layout.separator)?;
    let hour = c.one_or_two_digits()?;
    c.eat(b':')?;
    let minute = c.digits(2)?;
    let (second, nanos) = match layout.seconds {
        Seconds::Two(exact) => {
            c.eat(b':')?;
            let second = c.digits(2)?;
            (second, c.fraction(exact)?)
        }
        Seconds::Absent => (0, 0),
    };
    let offset = c.zone(layout.zone)?;
    if !c.done() || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    let zone = FixedOffset::east_opt(offset)?;
    zone.from_local_datetime(&NaiveDateTime::new(date, time))
        .single()
}

/// Parses a `date-time` as `strfmt.ParseDateTime` does (see the module documentation);
/// `None` when no layout fits. The empty string is not handled here (see
/// [`is_request_date_time`]).
pub fn parse_date_time(text: &str) -> Option<DateTime<FixedOffset>> {
    LAYOUTS
        .iter()
        .find_map(|layout| with_layout(text, *layout))
        .or_else(|| {
            let date = parse_date(text)?;
            let utc = FixedOffset::east_opt(0)?;
            utc.from_local_datetime(&date.and_time(NaiveTime::MIN))
                .single()
        })
}

/// Whether a go-swagger server accepts `text` as a `date-time` in a request body: one of the
/// layouts, or the empty string (the zero time).
pub fn is_request_date_time(text: &str) -> bool {
    text.is_empty() || parse_date_time(text).is_some()
}

/// Parses a `date` as `strfmt.Date` does: exactly `2006-01-02`, a day of its month.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let mut c = Cursor {
        text: text.as_bytes(),
        at: 0,
    };
    let date = date_at(&mut c)?;
    c.done().then_some(date)
}

/// Whether `text` is a `date` a go-swagger server accepts.
pub fn is_date(text: &str) -> bool {
    parse_date(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_strfmt_layout_is_accepted() {
        for text in [
            "2024-01-11T02:01:01.123456+00:00",
            "2024-01-11T02:01:01.123456-0500",
            "2024-01-11T02:01:01.123Z",
            "2024-01-11T02:01:01.123+0100",
            "2024-01-11T02:01:01Z",
            "2024-01-11T02:01:01-05:00",
            "2024-01-11T02:01:01.123456789Z",
            "2024-01-11T02:01:01,5Z",
            "2024-01-11T02:01:01",
            "2024-01-11T02:01:01.25",
            "2024-01-11T02:01Z",
            "2024-01-11T02:01",
            "2024-01-11 02:01:01",
            "2024-01-11 02:01:01.999",
            "2024-01-11",
            "2024-01-11T2:01:01Z",
        ] {
            assert!(parse_date_time(text).is_some(), "{text} should parse");
        }
    }

    #[test]
    fn what_no_layout_fits_is_refused() {
        for text in [
            "2024-01-11T02:01:01+0000", // no fraction, so neither NoColon layout fits
            "2024-01-11T24:00:00Z",     // hour out of range
            "2024-01-11T02:60:00Z",     // minute out of range
            "2024-01-11T02:01:60Z",     // Go refuses leap seconds
            "2024-02-30T02:01:01Z",     // no such day
            "2024-01-11t02:01:01z",     // layouts are case-sensitive
            "2024-01-11T02:01:01.12+01:00", // .000 wants three digits; RFC3339 takes any
            "2024-1-11T02:01:01Z",
            "2024-01-11T02:01:01Z junk",
            "11/01/2024",
            "",
        ] {
            // The fraction case is the exception: RFC3339 accepts any fraction length.
            let expected = text == "2024-01-11T02:01:01.12+01:00";
            assert_eq!(parse_date_time(text).is_some(), expected, "{text}");
        }
        assert!(
            is_request_date_time(""),
            "an empty JSON string is the zero time"
        );
    }

    #[test]
    fn zones_and_fractions_give_the_right_instant() {
        let t = parse_date_time("2024-01-11T02:01:01.5-05:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2024-01-11T02:01:01.500-05:00");
        let local = parse_date_time("2024-01-11T02:01:01").unwrap();
        assert_eq!(local.offset().local_minus_utc(), 0);
        let reduced = parse_date_time("2024-01-11T02:01").unwrap();
        assert_eq!(reduced.to_rfc3339(), "2024-01-11T02:01:00+00:00");
        let micro = parse_date_time("2024-01-11T02:01:01.000001+0100").unwrap();
        assert_eq!(micro.timestamp_subsec_nanos(), 1_000);
    }

    #[test]
    fn dates_are_exactly_one_layout() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2024-01-11T00:00:00Z"));
        assert!(!is_date("2024-1-01"));
        assert!(!is_date(""));
    }
}
