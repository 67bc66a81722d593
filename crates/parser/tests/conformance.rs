//! Every operation with a JSON body in the real MilMove specs: 50 seeds × require_all on and
//! off, every generated body must validate with `jsonschema` against the operation's schema.

mod common;

use std::sync::Arc;

use milmove_parser::{
    ApiParser, GhcApiParser, InternalApiParser, Operation, PrimeApiParser, SupportApiParser,
};
use serde_json::Value;

const SEEDS: u64 = 50;

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
        for require_all in [false, true] {
            for seed in 0..SEEDS {
                let body = generate(op, require_all, seed);
                bodies += 1;
                match validator.validate(&body) {
                    Ok(()) => valid += 1,
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
