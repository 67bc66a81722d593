//! Every operation with a JSON body in the real MilMove specs: 50 seeds × require_all on and
//! off, every generated body must validate with `jsonschema` against the operation's schema
//! and carry no readOnly field. The real specs' broken discriminator enums only warn.

mod common;

use std::sync::Arc;

use milmove_parser::{
    ApiParser, GhcApiParser, InternalApiParser, Operation, PrimeApiParser, SupportApiParser,
};
use serde_json::Value;

const SEEDS: u64 = 50;

/// The path of the first readOnly field present in `body` (requests must never carry one).
fn read_only_sent(root: &Value, schema: &Value, body: &Value, at: &str) -> Option<String> {
    if let Some(name) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/definitions/"))
    {
        let target = root.get("definitions")?.get(name)?;
        return read_only_sent(root, target, body, at);
    }
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(found) = read_only_sent(root, part, body, at) {
            return Some(found);
        }
    }
    match body {
        Value::Object(fields) => {
            let discriminator = schema
                .pointer("/discriminator/propertyName")
                .and_then(Value::as_str);
            if let Some(sub) = discriminator
                .and_then(|d| fields.get(d)?.as_str())
                .and_then(|kind| schema.get("x-subtypes")?.get(kind))
            {
                return read_only_sent(root, sub, body, at);
            }
            let props = schema.get("properties")?;
            for (k, v) in fields {
                let Some(prop) = props.get(k) else { continue };
                let here = format!("{at}/{k}");
                if prop.get("readOnly") == Some(&Value::Bool(true)) {
                    return Some(here);
                }
                if let Some(found) = read_only_sent(root, prop, v, &here) {
                    return Some(found);
                }
            }
            None
        }
        Value::Array(items) => {
            let item = schema.get("items")?;
            items
                .iter()
                .enumerate()
                .find_map(|(i, v)| read_only_sent(root, item, v, &format!("{at}/{i}")))
        }
        _ => None,
    }
}

type Generate<'a> = dyn Fn(&Operation, bool, u64) -> Value + 'a;

/// Generates 50 seeds × require_all on/off for every JSON-body operation; returns
/// (operations, bodies, valid) and pushes failures.
fn check(
    spec: &str,
    parser: &ApiParser,
    generate: &Generate<'_>,
    failures: &mut Vec<String>,
) -> (usize, usize, usize) {
    let (mut ops, mut bodies, mut valid) = (0, 0, 0);
    for op in parser.operations().iter().filter(|o| o.has_json_body) {
        ops += 1;
        let validator = parser
            .request_validator(&op.path, &op.method)
            .unwrap_or_else(|e| panic!("{spec} {}: {e}", op.label()))
            .unwrap_or_else(|| panic!("{spec} {}: JSON body without schema", op.label()));
        let schema = parser.request_body(&op.path, &op.method).unwrap().unwrap();
        for require_all in [false, true] {
            for seed in 0..SEEDS {
                let body = generate(op, require_all, seed);
                bodies += 1;
                let read_only = read_only_sent(&schema, &schema, &body, "");
                match validator.validate(&body) {
                    Ok(()) if read_only.is_none() => valid += 1,
                    Ok(()) if failures.len() < 20 => failures.push(format!(
                        "{spec} {} seed {seed} require_all {require_all}: readOnly field {} sent",
                        op.label(),
                        read_only.unwrap_or_default()
                    )),
                    Ok(()) => {}
                    Err(errors) if failures.len() < 20 => failures.push(format!(
                        "{spec} {} seed {seed} require_all {require_all}: {}\n  body: {body}",
                        op.label(),
                        errors.join("; ")
                    )),
                    Err(_) => {}
                }
            }
        }
    }
    (ops, bodies, valid)
}

#[test]
fn every_generated_request_body_validates_against_its_schema() {
    let Some(dir) =
        common::swagger_dir("every_generated_request_body_validates_against_its_schema")
    else {
        return;
    };
    let mut failures = Vec::new();
    println!(
        "{:<22} {:>10} {:>8} {:>8} {:>8}",
        "spec (parser)", "operations", "bodies", "valid", "invalid"
    );
    for spec in common::SPECS {
        let parser = Arc::new(
            ApiParser::from_file(dir.join(format!("{spec}.yaml")))
                .unwrap_or_else(|e| panic!("{spec}: {e}")),
        );
        let plain = |op: &Operation, all: bool, seed: u64| {
            parser
                .fake_request(&op.path, &op.method, None, all, seed)
                .unwrap_or_else(|e| panic!("{spec}: {e}"))
        };
        let (o, b, v) = check(spec, &parser, &plain, &mut failures);
        println!(
            "{:<22} {o:>10} {b:>8} {v:>8} {:>8}",
            format!("{spec} (ApiParser)"),
            b - v
        );
        let (name, hooked): (&str, Box<Generate<'_>>) = match spec {
            "support" => {
                let p = SupportApiParser::new(parser.clone());
                (
                    "SupportApiParser",
                    Box::new(move |op: &Operation, all, seed| {
                        p.fake_request(&op.path, &op.method, None, all, seed)
                            .unwrap()
                    }),
                )
            }
            "ghc" => {
                let p = GhcApiParser::new(parser.clone());
                (
                    "GhcApiParser",
                    Box::new(move |op: &Operation, all, seed| {
                        p.fake_request(&op.path, &op.method, None, all, seed)
                            .unwrap()
                    }),
                )
            }
            "internal" => {
                let p = InternalApiParser::new(parser.clone());
                (
                    "InternalApiParser",
                    Box::new(move |op: &Operation, all, seed| {
                        p.fake_request(&op.path, &op.method, None, all, seed)
                            .unwrap()
                    }),
                )
            }
            _ => {
                let p = PrimeApiParser::new(parser.clone());
                (
                    "PrimeApiParser",
                    Box::new(move |op: &Operation, all, seed| {
                        p.fake_request(&op.path, &op.method, None, all, seed)
                            .unwrap()
                    }),
                )
            }
        };
        let (o, b, v) = check(spec, &parser, &*hooked, &mut failures);
        println!(
            "{:<22} {o:>10} {b:>8} {v:>8} {:>8}",
            format!("{spec} ({name})"),
            b - v
        );
    }
    assert!(
        failures.is_empty(),
        "invalid bodies:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_generated_response_body_validates_against_its_schema() {
    let Some(dir) =
        common::swagger_dir("every_generated_response_body_validates_against_its_schema")
    else {
        return;
    };
    let mut failures = Vec::new();
    println!(
        "{:<10} {:>10} {:>8} {:>8}",
        "spec", "responses", "bodies", "valid"
    );
    for spec in common::SPECS {
        let parser = ApiParser::from_file(dir.join(format!("{spec}.yaml")))
            .unwrap_or_else(|e| panic!("{spec}: {e}"));
        let (mut responses, mut bodies, mut valid) = (0, 0, 0);
        for op in parser.operations() {
            for status in &op.responses {
                let Some(validator) = parser
                    .response_validator(&op.path, &op.method, Some(status))
                    .unwrap_or_else(|e| panic!("{spec} {} {status}: {e}", op.label()))
                else {
                    continue;
                };
                responses += 1;
                for seed in 0..10 {
                    let body = parser
                        .fake_response(&op.path, &op.method, Some(status), seed)
                        .unwrap_or_else(|e| panic!("{spec} {} {status}: {e}", op.label()));
                    bodies += 1;
                    match validator.validate(&body) {
                        Ok(()) => valid += 1,
                        Err(errors) if failures.len() < 20 => failures.push(format!(
                            "{spec} {} {status} seed {seed}: {}",
                            op.label(),
                            errors.join("; ")
                        )),
                        Err(_) => {}
                    }
                }
            }
        }
        println!("{spec:<10} {responses:>10} {bodies:>8} {valid:>8}");
    }
    assert!(
        failures.is_empty(),
        "invalid responses:\n{}",
        failures.join("\n")
    );
}

#[test]
fn broken_discriminator_values_in_the_real_specs_are_skipped_with_a_warning() {
    let Some(dir) = common::swagger_dir(
        "broken_discriminator_values_in_the_real_specs_are_skipped_with_a_warning",
    ) else {
        return;
    };
    // prime's modelType enum lists a misspelt subtype; support's lists one it never defines.
    for (spec, path, misspelt) in [
        (
            "prime",
            "/mto-service-items",
            "MTOSerivceItemInternationalFuelSurcharge",
        ),
        (
            "support",
            "/move-task-orders",
            "MTOServiceItemInternationalCrating",
        ),
    ] {
        let parser = ApiParser::from_file(dir.join(format!("{spec}.yaml"))).unwrap();
        let gen = parser.request_generator(path, "post").unwrap();
        let warnings = gen.warnings().join("\n");
        assert!(
            warnings.contains(misspelt) && warnings.contains("skipped"),
            "{spec}: {warnings}"
        );
        for seed in 0..20 {
            parser.fake_request(path, "post", None, true, seed).unwrap();
        }
    }
}
