//! A Swagger 2.0 spec is validated as a go-swagger server reads requests and writes
//! responses: request `date-time`s in go-openapi strfmt's layouts (body and query), and
//! response `null` only where go-swagger can write one (nullable and required or
//! `x-omitempty: false`). The real MilMove specs are checked too when they are available.

mod common;

use milmove_parser::{ApiParser, ParamLocation};
use serde_json::json;

const SPEC: &str = r##"
swagger: "2.0"
info: {title: demo, version: "1"}
basePath: /demo
paths:
  /moves:
    get:
      parameters:
        - {name: since, in: query, type: string, format: date-time}
        - {name: day, in: query, type: string, format: date}
      responses: {"200": {description: ok, schema: {$ref: "#/definitions/Move"}}}
    post:
      consumes: [application/json]
      parameters: [{name: body, in: body, required: true, schema: {$ref: "#/definitions/Move"}}]
      responses: {"201": {description: ok, schema: {$ref: "#/definitions/Move"}}}
definitions:
  Address:
    type: object
    properties: {city: {type: string}}
  Move:
    type: object
    required: [approvedAt, mustBeThere]
    properties:
      approvedAt: {type: string, format: date-time}
      day: {type: string, format: date}
      storageFacility:
        allOf: [{x-nullable: true}, {$ref: "#/definitions/Address"}]
      note: {type: string, x-nullable: true}
      explicitNull: {type: string, x-nullable: true, x-omitempty: false}
      mustBeThere: {$ref: "#/definitions/Address", x-nullable: true}
"##;

#[test]
fn request_date_times_follow_strfmt_layouts() {
    let parser = ApiParser::from_yaml_str(SPEC).unwrap();
    let body = parser.request_validator("/moves", "post").unwrap().unwrap();
    for accepted in [
        "2024-01-11T02:01:01",
        "2024-01-11T02:01:01.123456",
        "2024-01-11 02:01:01",
        "2024-01-11T02:01",
        "2024-01-11",
        "2024-01-11T02:01:01.123+0100",
        "2024-01-11T02:01:01Z",
    ] {
        let move_ = json!({"approvedAt": accepted, "mustBeThere": null});
        assert!(body.is_valid(&move_), "{accepted} is a strfmt date-time");
    }
    for refused in ["2024-01-11T25:00:00Z", "yesterday", "2024-13-01T00:00:00Z"] {
        let move_ = json!({"approvedAt": refused, "mustBeThere": null});
        assert!(!body.is_valid(&move_), "{refused} is not a date-time");
    }
    assert!(
        !body.is_valid(&json!({"approvedAt": "2024-01-11", "day": "2024-02-30",
        "mustBeThere": null}))
    );
    // Query parameters: the same layouts.
    let op = parser.operation("/moves", "get").unwrap();
    let validators = parser.parameter_validators("/moves", "get").unwrap();
    let since = op
        .parameters
        .iter()
        .position(|p| p.name == "since" && p.location == ParamLocation::Query)
        .unwrap();
    let value = milmove_parser::coerce_parameter(&op.parameters[since], "2024-01-11T02:01:01");
    assert!(validators[since].is_valid(&value));
}

#[test]
fn responses_never_carry_a_null_go_swagger_would_omit() {
    let parser = ApiParser::from_yaml_str(SPEC).unwrap();
    assert!(parser.is_swagger2());
    let response = parser
        .response_validator("/moves", "get", None)
        .unwrap()
        .unwrap();
    let base = json!({"approvedAt": "2024-01-11T02:01:01.000Z", "mustBeThere": null});
    assert!(
        response.is_valid(&base),
        "required + nullable: null is written"
    );
    for (field, expected) in [
        ("storageFacility", false),
        ("note", false),
        ("explicitNull", true),
    ] {
        let mut body = base.clone();
        body[field] = serde_json::Value::Null;
        assert_eq!(
            response.is_valid(&body),
            expected,
            "{field}: null {}",
            if expected {
                "is what go-swagger writes"
            } else {
                "is never written (omitempty)"
            }
        );
    }
    // Responses are written in RFC 3339 (with a zone): a zone-less time is not MilMove's.
    let mut local = base.clone();
    local["approvedAt"] = json!("2024-01-11T02:01:01");
    assert!(!response.is_valid(&local));
    // Requests keep `nullable`: a client may send null for a nullable field.
    let request = parser.request_validator("/moves", "post").unwrap().unwrap();
    let mut sent = base.clone();
    sent["storageFacility"] = serde_json::Value::Null;
    assert!(request.is_valid(&sent));
    // Fake responses follow the same rule.
    for seed in 0..50 {
        let fake = parser.fake_response("/moves", "get", None, seed).unwrap();
        assert!(response.is_valid(&fake), "seed {seed}: {fake}");
        for field in ["storageFacility", "note"] {
            assert!(!fake.get(field).is_some_and(|v| v.is_null()), "{fake}");
        }
    }
}

#[test]
fn real_specs_tac_type_and_storage_facility_are_omitted_when_unset() {
    let Some(dir) =
        common::swagger_dir("real_specs_tac_type_and_storage_facility_are_omitted_when_unset")
    else {
        return;
    };
    let ghc = ApiParser::from_file(dir.join("ghc.yaml")).unwrap();
    let shipment = ghc
        .response_body("/shipments/{shipmentID}", "get", None)
        .unwrap()
        .unwrap();
    let tac = &shipment["properties"]["tacType"];
    assert_eq!(tac["type"], json!("string"), "{tac}");
    assert!(tac.get("nullable").is_none(), "tacType: {tac}");
    let prime = ApiParser::from_file(dir.join("prime.yaml")).unwrap();
    let mto = prime
        .response_body("/move-task-orders/{moveID}", "get", None)
        .unwrap()
        .unwrap();
    let facility = mto
        .pointer("/properties/mtoShipments/items/properties/storageFacility")
        .expect("storageFacility in MTOShipmentWithoutServiceItems");
    assert!(facility.get("nullable").is_none(), "{facility}");
}
