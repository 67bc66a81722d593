//! MilMove-flavoured values chosen by field name: invented names, 555 phone numbers,
//! military times, TACs, continental-US postal codes, addresses, cities, states, e-mails.
//!
//! Every list here is made up for load testing; no value belongs to a real person.

use rand::RngExt;

use super::FakeRng;

const FIRST_NAMES: [&str; 24] = [
    "Avery", "Blake", "Casey", "Dana", "Emerson", "Finley", "Gray", "Harper", "Indy", "Jules",
    "Kendall", "Logan", "Morgan", "Nico", "Oakley", "Parker", "Quinn", "Reese", "Sawyer", "Tatum",
    "Umber", "Vale", "Wren", "Zion",
];
const LAST_NAMES: [&str; 24] = [
    "Ashgrove",
    "Birchwell",
    "Copperfield",
    "Dunmore",
    "Elmstead",
    "Fairbrook",
    "Glenhaven",
    "Hollowell",
    "Ironwood",
    "Juniperly",
    "Kestrelton",
    "Larkspur",
    "Maplecrest",
    "Northvale",
    "Oakhurst",
    "Pinebrook",
    "Quarrystone",
    "Ravenmoor",
    "Stonebridge",
    "Thornbury",
    "Underhill",
    "Valewood",
    "Westmarch",
    "Yarrowby",
];
const STREETS: [&str; 16] = [
    "Maple Loop",
    "Cedar Ridge Rd",
    "Parade Field Dr",
    "Liberty Ave",
    "Barracks Row",
    "Garrison Way",
    "Harbor View Ln",
    "Quartermaster St",
    "Sentry Hill Rd",
    "Flagpole Ct",
    "Convoy Blvd",
    "Eagle Crest Dr",
    "Bugle Call Ln",
    "Depot St",
    "Muster Ave",
    "Anchor Pt",
];
/// (city, state, 5-digit postal code) triples: plausible continental-US combinations.
const CITIES: [(&str, &str, &str); 12] = [
    ("Beverly Hills", "CA", "90210"),
    ("Fort Liberty", "NC", "28310"),
    ("Fort Cavazos", "TX", "76544"),
    ("Tacoma", "WA", "98433"),
    ("Colorado Springs", "CO", "80913"),
    ("Norfolk", "VA", "23511"),
    ("San Diego", "CA", "92136"),
    ("Jacksonville", "FL", "32212"),
    ("Killeen", "TX", "76541"),
    ("Columbus", "GA", "31905"),
    ("Fayetteville", "NC", "28301"),
    ("El Paso", "TX", "79916"),
];
const WORDS: [&str; 16] = [
    "crate",
    "pallet",
    "convoy",
    "storage",
    "origin",
    "destination",
    "household",
    "goods",
    "shipment",
    "packing",
    "freight",
    "move",
    "sealed",
    "handle",
    "with",
    "care",
];

/// A kind of flavoured value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavour {
    /// An invented first name.
    FirstName,
    /// An invented last name.
    LastName,
    /// A middle initial-like short name.
    MiddleName,
    /// `first.last123@example.com`.
    Email,
    /// `NXX-555-01XX` (the 555 exchange reserved for fiction).
    Phone,
    /// Military time `HHMMZ`.
    MilitaryTime,
    /// A 4-letter transportation accounting code.
    Tac,
    /// A continental-US postal code.
    PostalCode,
    /// A street address (`123 Maple Loop`).
    Street,
    /// A secondary address line (`Apt 4`).
    Street2,
    /// A US city.
    City,
    /// A US state code.
    State,
    /// A county name.
    County,
    /// A 10-digit EDIPI.
    Edipi,
    /// A short sentence for remarks/descriptions.
    Remark,
}

/// The flavour a string field gets from its name and format, if any.
pub fn flavour_for(name: &str, format: Option<&str>, pattern: Option<&str>) -> Option<Flavour> {
    match format {
        Some("telephone") => return Some(Flavour::Phone),
        Some("zip") => return Some(Flavour::PostalCode),
        Some("x-email" | "email") => return Some(Flavour::Email),
        Some("edipi") => return Some(Flavour::Edipi),
        _ => {}
    }
    if pattern == Some("\\d{4}Z") {
        return Some(Flavour::MilitaryTime);
    }
    let n = name.to_ascii_lowercase();
    Some(match n.as_str() {
        "firstname" | "first_name" | "givenname" => Flavour::FirstName,
        "lastname" | "last_name" | "surname" | "familyname" => Flavour::LastName,
        "middlename" | "middle_name" => Flavour::MiddleName,
        "streetaddress1" | "street" | "streetaddress" => Flavour::Street,
        "streetaddress2" | "streetaddress3" => Flavour::Street2,
        "city" => Flavour::City,
        "state" => Flavour::State,
        "county" => Flavour::County,
        "postalcode" | "zip" | "zipcode" => Flavour::PostalCode,
        "tac" | "ntstac" | "hhgtac" => Flavour::Tac,
        "edipi" | "dodid" => Flavour::Edipi,
        _ if n.contains("email") => Flavour::Email,
        _ if n.contains("phone") || n.contains("telephone") => Flavour::Phone,
        _ if n.ends_with("remarks") || n == "reason" || n == "description" => Flavour::Remark,
        _ => return None,
    })
}

/// Appends one flavoured value to `out`.
pub fn write_flavour(f: Flavour, rng: &mut FakeRng, out: &mut String) {
    use std::fmt::Write;
    match f {
        Flavour::FirstName => out.push_str(pick(rng, &FIRST_NAMES)),
        Flavour::LastName => out.push_str(pick(rng, &LAST_NAMES)),
        Flavour::MiddleName => out.push_str(&pick(rng, &FIRST_NAMES)[..1]),
        Flavour::Email => {
            let first = pick(rng, &FIRST_NAMES).to_ascii_lowercase();
            let last = pick(rng, &LAST_NAMES).to_ascii_lowercase();
            let n: u16 = rng.random_range(1..1000);
            let _ = write!(out, "{first}.{last}{n}@example.com");
        }
        Flavour::Phone => {
            let area: u16 = rng.random_range(201..990);
            let line: u16 = rng.random_range(100..200);
            let _ = write!(out, "{area}-555-0{line}");
        }
        Flavour::MilitaryTime => {
            let h: u8 = rng.random_range(0..24);
            let m: u8 = rng.random_range(0..60);
            let _ = write!(out, "{h:02}{m:02}Z");
        }
        Flavour::Tac => {
            for _ in 0..4 {
                out.push(char::from(b'A' + rng.random_range(0..26u8)));
            }
        }
        Flavour::PostalCode => out.push_str(pick(rng, &CITIES).2),
        Flavour::Street => {
            let n: u16 = rng.random_range(1..9999);
            let _ = write!(out, "{n} {}", pick(rng, &STREETS));
        }
        Flavour::Street2 => {
            let n: u8 = rng.random_range(1..99);
            let _ = write!(out, "Apt {n}");
        }
        Flavour::City => out.push_str(pick(rng, &CITIES).0),
        Flavour::State => out.push_str(pick(rng, &CITIES).1),
        Flavour::County => {
            let _ = write!(out, "{} County", pick(rng, &LAST_NAMES));
        }
        Flavour::Edipi => {
            for _ in 0..10 {
                out.push(char::from(b'0' + rng.random_range(0..10u8)));
            }
        }
        Flavour::Remark => {
            let words = rng.random_range(2..6);
            for i in 0..words {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(pick(rng, &WORDS));
            }
        }
    }
}

/// Appends `words` plain lowercase words separated by spaces.
pub fn write_words(rng: &mut FakeRng, words: usize, out: &mut String) {
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(pick(rng, &WORDS));
    }
}

fn pick<T: Copy>(rng: &mut FakeRng, list: &[T]) -> T {
    list[rng.random_range(0..list.len())]
}
