//! Property tests: random schemas → generated values validate against them; random,
//! truncated or mutated documents → an error (or a usable parser), never a panic.

mod common;

use common::specs::{OPENAPI3_JSON, RULES};
use milmove_parser::ApiParser;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn string_schema() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0u64..6, 0u64..20).prop_map(|(min, extra)| json!({
            "type": "string", "minLength": min, "maxLength": min + extra})),
        prop::sample::select(vec![
            "uuid",
            "date",
            "date-time",
            "email",
            "uri",
            "telephone"
        ])
        .prop_map(|f| json!({"type": "string", "format": f})),
        prop::sample::select(vec![
            "^[A-Z]{3}$",
            "^\\d{2,4}-[a-z]+$",
            "^(foo|bar)[0-9]?$",
            "\\d{4}Z",
            "^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$",
        ])
        .prop_map(|p| json!({"type": "string", "pattern": p})),
        prop::collection::vec("[A-Z_]{1,8}", 1..4)
            .prop_map(|values| json!({"type": "string", "enum": values})),
    ]
}

fn integer_schema() -> impl Strategy<Value = Value> {
    (
        -1000i64..1000,
        2i64..5000,
        any::<bool>(),
        any::<bool>(),
        prop::option::of(1i64..5),
        prop::sample::select(vec![None, Some("int32"), Some("int64"), Some("cents")]),
    )
        .prop_map(|(min, width, ex_lo, ex_hi, multiple, format)| {
            let mut s = json!({"type": "integer", "minimum": min, "maximum": min + width * 5,
                               "exclusiveMinimum": ex_lo, "exclusiveMaximum": ex_hi});
            if let Some(m) = multiple {
                s["multipleOf"] = json!(m);
            }
            if let Some(f) = format {
                s["format"] = json!(f);
            }
            s
        })
}

fn number_schema() -> impl Strategy<Value = Value> {
    (
        -1.0e4f64..1.0e4,
        0.01f64..1.0e4,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(min, width, ex_lo, ex_hi)| {
            json!({"type": "number", "minimum": min, "maximum": min + width,
                   "exclusiveMinimum": ex_lo, "exclusiveMaximum": ex_hi, "format": "double"})
        })
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        string_schema(),
        integer_schema(),
        number_schema(),
        Just(json!({"type": "boolean"})),
    ]
}

fn with_flags(s: Value, nullable: bool, read_only: bool) -> Value {
    let mut s = s;
    if nullable {
        s["nullable"] = json!(true);
    }
    if read_only {
        s["readOnly"] = json!(true);
    }
    s
}

/// Object schemas over `inner`, with required subsets, readOnly and nullable members.
fn object_of(inner: impl Strategy<Value = Value> + Clone) -> impl Strategy<Value = Value> {
    prop::collection::btree_map(
        "[a-z]{1,8}",
        (
            inner,
            any::<bool>(),
            any::<bool>(),
            prop::bool::weighted(0.15),
        ),
        0..6,
    )
    .prop_map(|props| {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for (name, (schema, req, nullable, read_only)) in props {
            if req {
                required.push(json!(name));
            }
            properties.insert(name, with_flags(schema, nullable, read_only));
        }
        let mut s = json!({"type": "object", "properties": properties});
        if !required.is_empty() {
            s["required"] = Value::Array(required);
        }
        s
    })
}

fn schema() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            (inner.clone(), 0u64..3, 0u64..3).prop_map(|(items, min, extra)| json!({
                "type": "array", "items": items, "minItems": min, "maxItems": min + extra})),
            Just(json!({"type": "array", "uniqueItems": true, "minItems": 2,
                        "items": {"type": "string", "format": "uuid"}})),
            object_of(inner.clone()),
            inner
                .clone()
                .prop_map(|v| json!({"type": "object", "additionalProperties": v})),
            (object_of(inner.clone()), object_of(inner.clone())).prop_map(|(a, b)| {
                // Distinct property names so the parts cannot contradict each other.
                let rename = |s: Value, prefix: &str| {
                    let mut s = s;
                    if let Some(Value::Object(p)) = s.get_mut("properties") {
                        *p = std::mem::take(p)
                            .into_iter()
                            .map(|(k, v)| (format!("{prefix}{k}"), v))
                            .collect();
                    }
                    if let Some(Value::Array(r)) = s.get_mut("required") {
                        for n in r.iter_mut() {
                            *n = json!(format!("{prefix}{}", n.as_str().unwrap()));
                        }
                    }
                    s
                };
                json!({"allOf": [rename(a, "a_"), rename(b, "b_")]})
            }),
            // oneOf branches of different types, so exactly one matches.
            (string_schema(), integer_schema()).prop_map(|(s, i)| json!({"oneOf": [s, i]})),
            (inner.clone(), inner).prop_map(|(a, b)| json!({"anyOf": [a, b]})),
        ]
    })
}

fn spec_with_body(schema: &Value) -> String {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "prop", "version": "1"},
        "paths": {"/x": {"post": {
            "requestBody": {"required": true,
                            "content": {"application/json": {"schema": schema}}},
            "responses": {"200": {"description": "ok"}}}}}
    })
    .to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_values_validate_against_random_schemas(
        body in schema(),
        seed in any::<u64>(),
        require_all in any::<bool>(),
    ) {
        let parser = ApiParser::from_yaml_str(&spec_with_body(&body)).unwrap();
        let validator = parser.request_validator("/x", "post").unwrap().unwrap();
        for s in seed..seed.saturating_add(4) {
            let value = parser.fake_request("/x", "post", None, require_all, s).unwrap();
            if let Err(errors) = validator.validate(&value) {
                prop_assert!(false, "schema {body}\nvalue {value}\nerrors {errors:?}");
            }
        }
    }

    #[test]
    fn random_text_is_an_error_never_a_panic(text in ".{0,300}") {
        let result = ApiParser::from_yaml_str(&text);
        if !text.contains("swagger") && !text.contains("openapi") {
            prop_assert!(result.is_err());
        }
    }

    #[test]
    fn yaml_like_noise_is_an_error_never_a_panic(text in "[a-z0-9:{}\\[\\]\\-\"'&*!|>#$/ \n]{0,300}") {
        let result = ApiParser::from_yaml_str(&text);
        prop_assert!(result.is_err());
    }

    #[test]
    fn truncated_documents_never_panic(cut in 0.0f64..1.0, which in any::<bool>()) {
        let text = if which { RULES } else { OPENAPI3_JSON };
        let mut at = (text.len() as f64 * cut) as usize;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let truncated = &text[..at];
        match ApiParser::from_yaml_str(truncated) {
            Ok(parser) => exercise(&parser),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        if !which {
            // A strict prefix of a JSON object is never a complete document.
            prop_assert!(ApiParser::from_yaml_str(truncated).is_err());
        }
    }
}

proptest! {
    // Each case loads and exercises a whole spec: fewer cases keep debug CI quick.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn mutated_documents_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..8, junk()), 1..4),
        seed in any::<u64>(),
    ) {
        let mut doc: Value = serde_yaml::from_str(RULES).unwrap();
        for (index, depth, value) in edits {
            mutate(&mut doc, &index, depth, value);
        }
        if let Ok(parser) = ApiParser::from_yaml_str(&doc.to_string()) {
            exercise_seeded(&parser, seed);
        }
    }
}

/// Values swapped into a document by [`mutate`].
fn junk() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1.0e9f64..1.0e9).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        Just(json!({"$ref": "#/definitions/Nowhere"})),
        Just(json!({"$ref": "#/definitions/Everything"})),
        Just(json!({"type": "array"})),
        Just(json!({"type": "string", "pattern": "(unclosed"})),
        Just(json!({"type": "integer", "minimum": 10, "maximum": 1})),
        Just(json!({"type": "string", "minLength": 9, "maxLength": 2})),
        Just(json!({"allOf": [{"$ref": "#/definitions/Person"}, 5]})),
        Just(json!({"discriminator": "kind", "properties": {"kind": {"enum": []}}})),
        Just(json!([])),
        Just(json!({})),
    ]
}

/// Replaces a node found by walking `depth` steps down children chosen by `index`.
fn mutate(doc: &mut Value, index: &prop::sample::Index, depth: usize, value: Value) {
    let mut node = doc;
    for _ in 0..depth {
        let len = match &*node {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        };
        if len == 0 {
            break;
        }
        let i = index.index(len);
        node = match node {
            Value::Object(m) => m.values_mut().nth(i).unwrap(),
            Value::Array(a) => &mut a[i],
            _ => unreachable!(),
        };
    }
    *node = value;
}

fn exercise(parser: &ApiParser) {
    exercise_seeded(parser, 1);
}

/// Every query a user might run, on every operation: must return, never panic.
fn exercise_seeded(parser: &ApiParser, seed: u64) {
    for op in parser.operations().to_vec() {
        let _ = parser.request_body(&op.path, &op.method);
        let _ = parser.request_validator(&op.path, &op.method);
        let _ = parser.fake_request(&op.path, &op.method, None, false, seed);
        let _ = parser.fake_request(&op.path, &op.method, None, true, seed);
        let _ = parser.fake_response(&op.path, &op.method, None, seed);
        let _ = parser.match_route(&op.method, &op.path);
    }
    let _ = parser.compile_all();
    for name in parser.definition_names() {
        let _ = parser.definition(name);
    }
}
