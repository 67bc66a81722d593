//! MilMove data rules shared by the four MilMove parsers (applied after data generation,
//! never to a field the caller overrode).
//!
//! - crating: item dimensions are smaller than crate dimensions;
//! - dates: an end date (delivery, departure) is after its start date (pickup, entry);
//! - addresses: city, state and postal code belong together.

use rand::RngExt;
use serde_json::{Map, Value};

use crate::fake::FakeRng;

const DATE_PAIRS: [(&str, &str); 5] = [
    ("requestedPickupDate", "requestedDeliveryDate"),
    ("scheduledPickupDate", "scheduledDeliveryDate"),
    ("actualPickupDate", "actualDeliveryDate"),
    ("sitEntryDate", "sitDepartureDate"),
    ("expectedDepartureDate", "expectedArrivalDate"),
];

const PLACES: [(&str, &str, &str); 6] = [
    ("Fort Liberty", "NC", "28310"),
    ("Fort Cavazos", "TX", "76544"),
    ("Tacoma", "WA", "98433"),
    ("Colorado Springs", "CO", "80913"),
    ("Norfolk", "VA", "23511"),
    ("San Diego", "CA", "92136"),
];

/// Applies every shared rule to `body`, recursively.
pub fn apply_all(body: &mut Value, overrides: Option<&Value>, rng: &mut FakeRng) {
    match body {
        Value::Object(map) => {
            let ov = overrides.and_then(Value::as_object);
            // One scan of the keys (no hashing) decides which rules can apply here.
            let (mut crating, mut dates, mut place) = (false, false, false);
            for k in map.keys() {
                match k.as_str() {
                    "crate" => crating = true,
                    "postalCode" => place = true,
                    k if DATE_PAIRS.iter().any(|(start, _)| *start == k) => dates = true,
                    _ => {}
                }
            }
            if crating {
                crate_dimensions(map, ov, rng);
            }
            if dates {
                date_order(map, ov, rng);
            }
            if place {
                address(map, ov, rng);
            }
            for (k, v) in map.iter_mut() {
                if v.is_object() || v.is_array() {
                    apply_all(v, ov.and_then(|o| o.get(k)), rng);
                }
            }
        }
        Value::Array(items) => {
            let ov = overrides.and_then(Value::as_array);
            for (i, v) in items.iter_mut().enumerate() {
                apply_all(v, ov.and_then(|o| o.get(i)), rng);
            }
        }
        _ => {}
    }
}

fn is_set(ov: Option<&Map<String, Value>>, key: &str) -> bool {
    ov.is_some_and(|o| o.contains_key(key))
}

/// Makes each of the item's length/width/height smaller than the crate's.
pub fn crate_dimensions(
    map: &mut Map<String, Value>,
    ov: Option<&Map<String, Value>>,
    rng: &mut FakeRng,
) {
    let item_ov = ov.and_then(|o| o.get("item")).and_then(Value::as_object);
    let crate_ov = ov.and_then(|o| o.get("crate")).and_then(Value::as_object);
    let Some(crate_dims) = map.get("crate").and_then(Value::as_object).cloned() else {
        return;
    };
    let Some(Value::Object(item)) = map.get_mut("item") else {
        return;
    };
    for dim in ["length", "width", "height"] {
        let (Some(c), Some(i)) = (
            crate_dims.get(dim).and_then(Value::as_i64),
            item.get(dim).and_then(Value::as_i64),
        ) else {
            continue;
        };
        if i < c || is_set(item_ov, dim) {
            continue;
        }
        if c >= 2 {
            item.insert(dim.into(), Value::from(rng.random_range(c / 2..c).max(1)));
        } else if !is_set(crate_ov, dim) {
            if let Some(Value::Object(cr)) = map.get_mut("crate") {
                cr.insert(dim.into(), Value::from(i + rng.random_range(1000..12_000)));
            }
            return crate_dimensions(map, ov, rng);
        }
    }
}

/// Moves each end date to 1–30 days after its start date.
pub fn date_order(
    map: &mut Map<String, Value>,
    ov: Option<&Map<String, Value>>,
    rng: &mut FakeRng,
) {
    for (start, end) in DATE_PAIRS {
        if is_set(ov, end) {
            continue;
        }
        let (Some(Value::String(s)), Some(Value::String(e))) = (map.get(start), map.get(end))
        else {
            continue;
        };
        let (Some(sd), Some(ed)) = (parse_day(s), parse_day(e)) else {
            continue;
        };
        if ed > sd {
            continue;
        }
        let Some(new_day) = sd.checked_add_days(chrono::Days::new(rng.random_range(1..=30))) else {
            continue;
        };
        let text = format!("{}{}", new_day.format("%Y-%m-%d"), &e[10..]);
        map.insert(end.into(), Value::String(text));
    }
}

fn parse_day(s: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// Gives an address a matching city, state and postal code (only when all three were
/// generated as plain values and none was overridden).
pub fn address(map: &mut Map<String, Value>, ov: Option<&Map<String, Value>>, rng: &mut FakeRng) {
    let keys = ["city", "state", "postalCode"];
    if keys
        .iter()
        .any(|k| is_set(ov, k) || !map.get(*k).is_some_and(Value::is_string))
    {
        return;
    }
    let five_digits = map
        .get("postalCode")
        .and_then(Value::as_str)
        .is_some_and(|p| p.len() == 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let two_letters = map
        .get("state")
        .and_then(Value::as_str)
        .is_some_and(|s| s.len() == 2);
    if !five_digits || !two_letters {
        return;
    }
    let (city, state, zip) = PLACES[rng.random_range(0..PLACES.len())];
    map.insert("city".into(), Value::from(city));
    map.insert("state".into(), Value::from(state));
    map.insert("postalCode".into(), Value::from(zip));
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use serde_json::json;

    #[test]
    fn items_shrink_below_crates_unless_overridden() {
        let mut rng = FakeRng::seed_from_u64(1);
        let mut body = json!({"item": {"length": 9000, "width": 10, "height": 5000},
                              "crate": {"length": 8000, "width": 1, "height": 6000}});
        apply_all(&mut body, None, &mut rng);
        for dim in ["length", "width", "height"] {
            assert!(
                body["item"][dim].as_i64() < body["crate"][dim].as_i64(),
                "{dim}: {body}"
            );
        }
        let mut body = json!({"item": {"length": 9000}, "crate": {"length": 8000}});
        let ov = json!({"item": {"length": 9000}});
        apply_all(&mut body, Some(&ov), &mut rng);
        assert_eq!(body["item"]["length"], 9000);
    }

    #[test]
    fn end_dates_follow_start_dates() {
        let mut rng = FakeRng::seed_from_u64(2);
        let mut body = json!({"sitEntryDate": "2026-03-10", "sitDepartureDate": "2026-03-01",
                              "requestedPickupDate": "2026-01-05T10:00:00.000Z",
                              "requestedDeliveryDate": "2026-01-01T09:00:00.000Z"});
        apply_all(&mut body, None, &mut rng);
        assert!(body["sitDepartureDate"].as_str().unwrap() > "2026-03-10");
        let d = body["requestedDeliveryDate"].as_str().unwrap();
        assert!(d > "2026-01-05" && d.ends_with("T09:00:00.000Z"), "{d}");
    }
}
