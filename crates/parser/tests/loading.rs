//! Loading: multi-file relative `$ref`s (nested, sibling keys, recursion), parameter merge,
//! typed "closest" errors, bad input, and loading from a URL (with a cache) or a server.

mod common;

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use common::serve;
use common::specs::RULES;
use milmove_parser::{ApiParser, ParamLocation, ParserError};
use serde_json::json;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const MAIN: &str = r##"
swagger: "2.0"
info: {title: multi, version: "1"}
basePath: /multi/v1
paths:
  /moves:
    $ref: paths/moves.yaml
definitions:
  Move:
    $ref: definitions/Move.yaml
  Node:
    $ref: definitions/Node.yaml
"##;

const MOVES_PATH: &str = r##"
post:
  operationId: createMove
  consumes: [application/json]
  parameters:
    - in: body
      name: body
      required: true
      schema:
        $ref: ../definitions/Move.yaml
  responses:
    "201":
      description: created
      schema:
        $ref: ../definitions/Move.yaml
"##;

const MOVE: &str = r##"
type: object
required: [locator, pickup]
properties:
  id: {type: string, format: uuid, readOnly: true}
  locator: {type: string, pattern: '^[A-Z0-9]{6}$'}
  pickup:
    $ref: common/Address.yaml
  destination:
    $ref: common/Address.yaml
    x-nullable: true
    description: where the goods go
  tree:
    $ref: Node.yaml
"##;

const ADDRESS: &str = r##"
type: object
required: [postalCode]
properties:
  postalCode:
    $ref: ../../../shared/PostalCode.yaml
"##;

const POSTAL: &str = "type: string\nformat: zip\npattern: '^\\d{5}$'\n";

const NODE: &str = r##"
type: object
properties:
  name: {type: string}
  children:
    type: array
    items:
      $ref: Node.yaml
"##;

/// The same API as one file.
const BUNDLED: &str = r##"
swagger: "2.0"
info: {title: multi, version: "1"}
basePath: /multi/v1
paths:
  /moves:
    post:
      operationId: createMove
      consumes: [application/json]
      parameters:
        - {in: body, name: body, required: true, schema: {$ref: "#/definitions/Move"}}
      responses:
        "201": {description: created, schema: {$ref: "#/definitions/Move"}}
definitions:
  Move:
    type: object
    required: [locator, pickup]
    properties:
      id: {type: string, format: uuid, readOnly: true}
      locator: {type: string, pattern: '^[A-Z0-9]{6}$'}
      pickup: {$ref: "#/definitions/Address"}
      destination:
        $ref: "#/definitions/Address"
        x-nullable: true
        description: where the goods go
      tree: {$ref: "#/definitions/Node"}
  Address:
    type: object
    required: [postalCode]
    properties:
      postalCode: {$ref: "#/definitions/PostalCode"}
  PostalCode: {type: string, format: zip, pattern: '^\d{5}$'}
  Node:
    type: object
    properties:
      name: {type: string}
      children: {type: array, items: {$ref: "#/definitions/Node"}}
"##;

fn multi_file_spec(dir: &Path) -> std::path::PathBuf {
    write(dir, "api/main.yaml", MAIN);
    write(dir, "api/paths/moves.yaml", MOVES_PATH);
    write(dir, "api/definitions/Move.yaml", MOVE);
    write(dir, "api/definitions/Node.yaml", NODE);
    write(dir, "api/definitions/common/Address.yaml", ADDRESS);
    write(dir, "shared/PostalCode.yaml", POSTAL);
    write(dir, "api/bundled.yaml", BUNDLED);
    dir.join("api/main.yaml")
}

#[test]
fn multi_file_refs_resolve_like_the_bundled_file() {
    let dir = tempfile::tempdir().unwrap();
    let main = multi_file_spec(dir.path());
    let source = ApiParser::from_file(&main).unwrap();
    let bundled = ApiParser::from_file(dir.path().join("api/bundled.yaml")).unwrap();
    let a = source.request_body("/moves", "post").unwrap().unwrap();
    let b = bundled.request_body("/moves", "post").unwrap().unwrap();
    assert_eq!(a, b);
    assert_eq!(
        source.response_body("/moves", "post", Some("201")).unwrap(),
        bundled
            .response_body("/moves", "post", Some("201"))
            .unwrap()
    );
    // Nested file references, sibling keys and recursion.
    assert_eq!(
        a["properties"]["pickup"]["properties"]["postalCode"]["pattern"],
        "^\\d{5}$"
    );
    assert_eq!(a["properties"]["destination"]["nullable"], true);
    assert_eq!(
        a["properties"]["destination"]["description"],
        "where the goods go"
    );
    assert_eq!(
        a["properties"]["tree"]["properties"]["children"]["items"]["$ref"],
        "#/definitions/Node"
    );
    // And the bodies generated from either are the same for a seed.
    let anchor = chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
    let (source, bundled) = (
        source.with_date_anchor(anchor),
        bundled.with_date_anchor(anchor),
    );
    let v = source.request_validator("/moves", "post").unwrap().unwrap();
    for seed in 0..20 {
        let x = source
            .fake_request("/moves", "post", None, true, seed)
            .unwrap();
        assert_eq!(
            x,
            bundled
                .fake_request("/moves", "post", None, true, seed)
                .unwrap()
        );
        v.validate(&x).unwrap();
    }
}

#[test]
fn a_missing_referenced_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let main = multi_file_spec(dir.path());
    std::fs::remove_file(dir.path().join("shared/PostalCode.yaml")).unwrap();
    let err = ApiParser::from_file(&main).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("PostalCode.yaml"), "{text}");
}

#[test]
fn parameters_merge_by_name_and_location() {
    let p = ApiParser::from_yaml_str(RULES).unwrap();
    let op = p.operation("/people/{personID}", "PATCH").unwrap();
    let names: Vec<(&str, ParamLocation)> = op
        .parameters
        .iter()
        .map(|x| (x.name.as_str(), x.location))
        .collect();
    assert_eq!(
        names,
        [
            ("personID", ParamLocation::Path),
            ("If-Match", ParamLocation::Header),
            ("verbose", ParamLocation::Query)
        ]
    );
    let if_match = &op.parameters[1];
    assert!(!if_match.required, "the operation's declaration wins");
    assert_eq!(if_match.description.as_deref(), Some("operation level"));
    let get = p.operation("/people/{personID}", "get").unwrap();
    assert_eq!(get.parameters.len(), 2);
    assert!(get.parameters[1].required);
    assert!(p.openapi().paths.paths.contains_key("/people/{personID}"));
}

#[test]
fn queries_and_typed_closest_errors() {
    let p = ApiParser::from_yaml_str(RULES).unwrap();
    assert!(p
        .request_body("/people/{personID}", "get")
        .unwrap()
        .is_none());
    assert!(p
        .response_body("/people/{personID}", "get", None)
        .unwrap()
        .is_some());
    assert_eq!(
        p.definition("Address").unwrap()["required"][0],
        "streetAddress1"
    );
    match p.fake_request("/peple/{personID}", "patch", None, false, 1) {
        Err(ParserError::UnknownPath { closest, .. }) => {
            assert_eq!(closest[0], "/people/{personID}")
        }
        other => panic!("{other:?}"),
    }
    match p.request_body("/everything", "put") {
        Err(ParserError::UnknownMethod { allowed, .. }) => assert_eq!(allowed, ["POST"]),
        other => panic!("{other:?}"),
    }
    match p.definition("Adress") {
        Err(ParserError::UnknownDefinition { closest, .. }) => assert_eq!(closest[0], "Address"),
        other => panic!("{other:?}"),
    }
    match p.response_body("/everything", "post", Some("204")) {
        Err(ParserError::UnknownStatus { declared, .. }) => assert_eq!(declared, ["201"]),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        p.fake_request("/people/{personID}", "get", None, false, 1),
        Err(ParserError::Generate { .. })
    ));
}

#[test]
fn bad_input_gives_typed_errors_with_locations() {
    let missing = ApiParser::from_file("/nonexistent/spec.yaml").unwrap_err();
    assert!(matches!(missing, ParserError::Io { .. }), "{missing}");
    let syntax = ApiParser::from_yaml_str("swagger: '2.0'\npaths: [\n  x: }").unwrap_err();
    match syntax {
        ParserError::Syntax { line, .. } => assert!(line >= 2),
        other => panic!("{other}"),
    }
    let invalid = ApiParser::from_yaml_str(
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get: 5\n",
    )
    .unwrap_err();
    match &invalid {
        ParserError::InvalidSpec { location, .. } => assert_eq!(location, "/paths/~1x/get"),
        other => panic!("{other}"),
    }
    let bad_ref = ApiParser::from_yaml_str(
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\ndefinitions:\n  A: {$ref: '#/definitions/B'}\n",
    )
    .unwrap_err();
    assert!(matches!(bad_ref, ParserError::BadRef { .. }), "{bad_ref}");
    let neither = ApiParser::from_yaml_str("openapi: 3.1.0\n").unwrap_err();
    assert!(neither.to_string().contains("3.0"), "{neither}");
}

#[test]
fn the_parser_is_send_sync_and_shared_generation_is_consistent() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ApiParser>();
    assert_send_sync::<milmove_parser::SupportApiParser>();
    assert_send_sync::<milmove_parser::BodyGen>();
    let p = Arc::new(ApiParser::from_yaml_str(RULES).unwrap());
    let expected: Vec<_> = (0..50)
        .map(|s| {
            p.fake_request("/everything", "post", None, false, s)
                .unwrap()
        })
        .collect();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let p = p.clone();
            std::thread::spawn(move || {
                (0..50)
                    .map(|s| {
                        p.fake_request("/everything", "post", None, false, s)
                            .unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), expected);
    }
    // Compiled once: the same generator comes back.
    let a = p.request_generator("/everything", "post").unwrap();
    let b = p.request_generator("/everything", "post").unwrap();
    assert!(Arc::ptr_eq(&a, &b));
}

#[test]
fn loads_from_a_url_with_a_cache_and_from_a_running_server() {
    let (base, hits) = serve(RULES, "/rules/v1/swagger.yaml");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let url = format!("{base}/rules/v1/swagger.yaml");
    let p = rt
        .block_on(ApiParser::from_url(&url, Some(cache.path())))
        .unwrap();
    assert_eq!(p.base_path(), "/rules/v1");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    let again = rt
        .block_on(ApiParser::from_url(&url, Some(cache.path())))
        .unwrap();
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "second load comes from the cache"
    );
    assert_eq!(again.operations().len(), p.operations().len());
    let client = reqwest::Client::new();
    let served = rt
        .block_on(ApiParser::from_server(
            &client,
            &format!("{base}/rules/v1/"),
        ))
        .unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert_eq!(served.source_text(), RULES);
    let missing = rt
        .block_on(ApiParser::from_url(&format!("{base}/nope.yaml"), None))
        .unwrap_err();
    assert!(matches!(missing, ParserError::Fetch { .. }), "{missing}");
    assert_eq!(
        p.fake_request(
            "/everything",
            "post",
            Some(&json!({"kind": "ONE"})),
            false,
            3
        )
        .unwrap()["kind"],
        "ONE"
    );
}
