//! Every fake-data rule of the issue, checked on a small hand-written spec: formats,
//! patterns, bounds, lengths, items, nullable, additionalProperties, allOf/oneOf/anyOf,
//! readOnly, optional fields, require_all, discriminators, overrides, flavours, seeds.

mod common;

use common::specs::{OPENAPI3_JSON, RULES};
use milmove_parser::{ApiParser, SchemaValidator};
use regex::Regex;
use serde_json::{json, Value};

const SEEDS: u64 = 120;

fn rules() -> ApiParser {
    ApiParser::from_yaml_str(RULES).expect("rules spec loads")
}

fn validator(p: &ApiParser, path: &str) -> std::sync::Arc<SchemaValidator> {
    p.request_validator(path, "post").unwrap().unwrap()
}

fn bodies(p: &ApiParser, path: &str, require_all: bool) -> Vec<Value> {
    (0..SEEDS)
        .map(|seed| {
            p.fake_request(path, "post", None, require_all, seed)
                .unwrap()
        })
        .collect()
}

fn re(p: &str) -> Regex {
    Regex::new(p).unwrap()
}

#[test]
fn every_body_validates_and_formats_hold() {
    let p = rules();
    let v = validator(&p, "/everything");
    for require_all in [false, true] {
        for b in bodies(&p, "/everything", require_all) {
            if let Err(e) = v.validate(&b) {
                panic!("invalid body {b}: {e:?}");
            }
            let s = |k: &str| b[k].as_str().unwrap_or_else(|| panic!("{k} in {b}"));
            assert!(uuid::Uuid::parse_str(s("uuid")).is_ok());
            assert!(chrono::NaiveDate::parse_from_str(s("date"), "%Y-%m-%d").is_ok());
            assert!(chrono::DateTime::parse_from_rfc3339(s("dateTime")).is_ok());
            assert!(re(r"^[a-z]+\.[a-z]+\d+@example\.com$").is_match(s("email")));
            assert!(re(r"^[2-9]\d{2}-555-\d{4}$").is_match(s("telephone")));
            assert!(re(r"^\d{5}(-\d{4})?$").is_match(s("zip")));
            assert!(b["cents"].as_i64().unwrap() > 0);
            assert!(b["millicents"].as_i64().unwrap() > 0);
            assert!(re(r"^\d{10}$").is_match(s("edipi")));
            let i32v = b["i32"].as_i64().unwrap();
            assert!(i32::try_from(i32v).is_ok());
            assert!(b["i64"].is_i64());
            assert!(b["f"].is_f64() || b["f"].is_i64());
            assert!(s("uri").starts_with("https://"));
            assert!(s("mime").contains('/'));
            assert!(b["bin"].is_string());
            assert!(re(r"^[A-Z]{2}-\d{3}[a-f]?$").is_match(s("code")));
            assert!((5..=10).contains(&b["bounded"].as_i64().unwrap()));
            let x = b["exclusive"].as_f64().unwrap();
            assert!(x > 0.0 && x < 1.0, "{x}");
            assert!((3..=5).contains(&s("short").chars().count()));
            let list = b["list"].as_array().unwrap();
            assert!((2..=4).contains(&list.len()));
            let mut uniq: Vec<&str> = b["uniq"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            uniq.sort();
            assert_eq!(uniq, ["BLUE", "GREEN", "RED"], "uniqueItems");
            let bag = b["bag"].as_object().unwrap();
            assert!(!bag.is_empty());
            assert!(bag.values().all(|v| (1..=3).contains(&v.as_i64().unwrap())));
            assert_eq!(b["merged"], json!({"a": "yes", "b": 7}), "allOf merged");
            assert!(b["nested"]["inner"]["value"].is_i64());
            assert!(re(r"^([01]\d|2[0-3])[0-5]\dZ$").is_match(s("pickupTime")));
            // readOnly fields are never sent, even with require_all.
            for k in ["id", "createdAt"] {
                assert!(b.get(k).is_none(), "readOnly {k} sent: {b}");
            }
            assert!(b["nested"]["inner"].get("secret").is_none());
            if let Some(home) = b.get("homeAddress").filter(|h| !h.is_null()) {
                assert!(home.get("id").is_none(), "readOnly inside $ref sent");
            }
        }
    }
}

#[test]
fn optional_fields_appear_one_time_in_four_and_require_all_includes_them() {
    let p = rules();
    let with = |bodies: &[Value], k: &str| bodies.iter().filter(|b| b.get(k).is_some()).count();
    let some = bodies(&p, "/everything", false);
    for k in ["optionalNote", "optionalCount", "homeAddress"] {
        let n = with(&some, k);
        // 1 in 4 of 120: expect 30 (sd 4.7); the bounds are about 4 sd away.
        assert!((12..=50).contains(&n), "{k} present {n} of {SEEDS}");
    }
    let all = bodies(&p, "/everything", true);
    for k in ["optionalNote", "optionalCount", "homeAddress"] {
        assert_eq!(with(&all, k), all.len(), "{k} with require_all");
    }
    // Nested optional fields too.
    assert!(all
        .iter()
        .all(|b| b["nested"]["inner"].get("label").is_some()));
    assert!(all.iter().all(|b| b["nested"].get("items").is_some()));
}

#[test]
fn nullable_fields_are_sometimes_null_and_sibling_keys_apply() {
    let p = rules();
    let some = bodies(&p, "/everything", false);
    let nulls = some.iter().filter(|b| b["maybe"].is_null()).count();
    assert!(nulls > 0 && nulls < some.len(), "maybe null {nulls} times");
    let schema = p.request_body("/everything", "post").unwrap().unwrap();
    let home = &schema["properties"]["homeAddress"];
    assert_eq!(home["nullable"], json!(true), "x-nullable beside $ref");
    assert_eq!(home["description"], json!("sibling keys beside $ref"));
    assert_eq!(home["properties"]["postalCode"]["format"], json!("zip"));
}

#[test]
fn same_seed_same_body_different_seed_different_body() {
    let anchor = chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
    let a = rules().with_date_anchor(anchor);
    let b = rules().with_date_anchor(anchor);
    for seed in 0..20 {
        assert_eq!(
            a.fake_request("/everything", "post", None, false, seed)
                .unwrap(),
            b.fake_request("/everything", "post", None, false, seed)
                .unwrap()
        );
    }
    assert_ne!(
        a.fake_request("/everything", "post", None, true, 1)
            .unwrap(),
        a.fake_request("/everything", "post", None, true, 2)
            .unwrap()
    );
}

#[test]
fn milmove_flavoured_values_by_field_name() {
    let p = rules();
    for b in bodies(&p, "/everything", true) {
        let s = |k: &str| b[k].as_str().unwrap().to_string();
        assert!(re(r"^[A-Z][a-z]+$").is_match(&s("firstName")), "{b}");
        assert!(re(r"^[A-Z][a-z]+$").is_match(&s("lastName")), "{b}");
        assert!(re(r"^[A-Z]{4}$").is_match(&s("tac")), "{b}");
        assert!(re(r"^[A-Z]{2}$").is_match(&s("state")), "{b}");
        assert!(re(r"^\d{5}$").is_match(&s("postalCode")), "{b}");
    }
    let people: Vec<Value> = (0..50)
        .map(|seed| {
            p.fake_request("/people/{personID}", "patch", None, true, seed)
                .unwrap()
        })
        .collect();
    for b in people {
        assert!(re(r"^[2-9]\d{2}-555-\d{4}$").is_match(b["phone"].as_str().unwrap()));
        assert!(b["email"].as_str().unwrap().ends_with("@example.com"));
        let a = &b["address"];
        assert!(re(r"^\d+ [A-Z]").is_match(a["streetAddress1"].as_str().unwrap()));
        assert!(!a["city"].as_str().unwrap().is_empty());
    }
}

#[test]
fn discriminator_picks_existing_subtypes_and_skips_broken_enum_values() {
    let p = rules();
    let gen = p.request_generator("/service-items", "post").unwrap();
    let warnings = gen.warnings().join("\n");
    assert!(warnings.contains("ItemMisspelt"), "{warnings}");
    assert!(warnings.contains("ItemNotListed"), "{warnings}");
    let v = validator(&p, "/service-items");
    let mut seen = std::collections::BTreeSet::new();
    for require_all in [false, true] {
        for b in bodies(&p, "/service-items", require_all) {
            v.validate(&b).unwrap_or_else(|e| panic!("{b}: {e:?}"));
            let kind = b["modelType"].as_str().unwrap().to_string();
            match kind.as_str() {
                "ItemBasic" => assert!(b["reason"].is_string()),
                "ItemCrating" => assert!(b["item"]["length"].is_i64() && b["crate"].is_object()),
                other => panic!("unexpected subtype {other}"),
            }
            seen.insert(kind);
        }
    }
    assert_eq!(seen.len(), 2, "both subtypes chosen: {seen:?}");
    // An override of the discriminator selects the subtype.
    for seed in 0..20 {
        let ov = json!({"modelType": "ItemCrating"});
        let b = p
            .fake_request("/service-items", "post", Some(&ov), false, seed)
            .unwrap();
        assert_eq!(b["modelType"], "ItemCrating");
        assert!(b["crate"]["width"].is_i64(), "{b}");
        v.validate(&b).unwrap();
    }
}

#[test]
fn overrides_merge_at_any_depth_and_add_skipped_fields() {
    let p = rules();
    let ov = json!({
        "nested": {"inner": {"value": 42, "extra": "added"},
                   "items": [{"length": 1}, {"width": 2}, {}]},
        "optionalNote": "forced",
        "id": "11111111-1111-4111-8111-111111111111",
        "unknownField": [1, 2],
        "maybe": null,
    });
    for seed in 0..30 {
        let b = p
            .fake_request("/everything", "post", Some(&ov), false, seed)
            .unwrap();
        assert_eq!(b["nested"]["inner"]["value"], 42);
        assert_eq!(b["nested"]["inner"]["extra"], "added");
        let items = b["nested"]["items"].as_array().unwrap();
        assert_eq!(items.len(), 3, "one item per override element");
        assert_eq!(items[0]["length"], 1);
        assert!(
            items[0]["width"].is_i64(),
            "rest of the item still generated"
        );
        assert_eq!(items[1]["width"], 2);
        assert!(items[2]["height"].is_i64());
        assert_eq!(b["optionalNote"], "forced");
        assert_eq!(b["id"], ov["id"], "an override may send a readOnly field");
        assert_eq!(b["unknownField"], json!([1, 2]));
        assert!(b["maybe"].is_null());
        assert!(b["uuid"].is_string(), "the rest is generated");
    }
}

#[test]
fn openapi3_one_of_any_of_nullable_and_recursion() {
    let p = ApiParser::from_yaml_str(OPENAPI3_JSON).unwrap();
    assert_eq!(p.base_path(), "/three/v1");
    let v = p.request_validator("/shapes", "post").unwrap().unwrap();
    let schema = p.request_body("/shapes", "post").unwrap().unwrap();
    assert_eq!(
        schema["properties"]["tree"]["properties"]["children"]["items"]["$ref"],
        "#/definitions/Tree",
        "recursion is cut into definitions"
    );
    let (mut objects, mut strings, mut deep) = (0, 0, 0);
    for require_all in [false, true] {
        for seed in 0..SEEDS {
            let b = p
                .fake_request("/shapes", "post", None, require_all, seed)
                .unwrap();
            v.validate(&b).unwrap_or_else(|e| panic!("{b}: {e:?}"));
            match &b["geometry"] {
                Value::Object(_) => objects += 1,
                Value::String(_) => strings += 1,
                other => panic!("geometry {other}"),
            }
            if b["tree"]["children"][0]["children"].is_array() {
                deep += 1;
            }
        }
    }
    assert!(objects > 0 && strings > 0, "oneOf picks each branch");
    assert!(deep > 0, "recursive schema generates nested levels");
}

#[test]
fn all_of_over_a_recursive_reference_keeps_its_own_fields() {
    let spec = r##"
openapi: 3.0.3
info: {title: rec, version: "1"}
paths:
  /base:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Base"}
      responses: {"200": {description: ok}}
components:
  schemas:
    Base:
      type: object
      required: [name]
      properties:
        name: {type: string}
        child: {$ref: "#/components/schemas/Derived"}
    Derived:
      allOf:
        - $ref: "#/components/schemas/Base"
        - type: object
          required: [x]
          properties:
            x: {type: integer, minimum: 1, maximum: 1}
"##;
    let p = ApiParser::from_yaml_str(spec).unwrap();
    let v = p.request_validator("/base", "post").unwrap().unwrap();
    for require_all in [false, true] {
        for seed in 0..50 {
            let b = p
                .fake_request("/base", "post", None, require_all, seed)
                .unwrap();
            v.validate(&b).unwrap_or_else(|e| panic!("{b}: {e:?}"));
            if require_all {
                assert_eq!(b["child"]["x"], 1, "{b}");
                assert!(b["child"]["name"].is_string(), "{b}");
            }
        }
    }
}
