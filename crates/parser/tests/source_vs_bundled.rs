//! `source/X.yaml` (multi-file, relative `$ref`s) and `bundled/X.yaml` must resolve alike.

mod common;

use std::io::Write;

use milmove_parser::ApiParser;

#[test]
fn source_and_bundled_specs_resolve_to_the_same_schemas() {
    let Some(bundled_dir) =
        common::swagger_dir("source_and_bundled_specs_resolve_to_the_same_schemas")
    else {
        return;
    };
    let source_dir = bundled_dir.join("..").join("source");
    if !source_dir.is_dir() {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: no source/ folder beside {}",
            bundled_dir.display()
        );
        return;
    }
    for spec in common::SPECS {
        let bundled = ApiParser::from_file(bundled_dir.join(format!("{spec}.yaml")))
            .unwrap_or_else(|e| panic!("bundled {spec}: {e}"));
        let source = ApiParser::from_file(source_dir.join(format!("{spec}.yaml")))
            .unwrap_or_else(|e| panic!("source {spec}: {e}"));
        assert_eq!(bundled.base_path(), source.base_path(), "{spec} base path");
        let labels = |p: &ApiParser| p.operations().iter().map(|o| o.label()).collect::<Vec<_>>();
        assert_eq!(labels(&bundled), labels(&source), "{spec} operations");
        let mut compared = 0;
        for op in bundled.operations() {
            let a = bundled.request_body(&op.path, &op.method).unwrap();
            let b = source.request_body(&op.path, &op.method).unwrap();
            assert_eq!(a, b, "{spec} {} request schema", op.label());
            for status in &op.responses {
                let a = bundled
                    .response_body(&op.path, &op.method, Some(status))
                    .unwrap();
                let b = source
                    .response_body(&op.path, &op.method, Some(status))
                    .unwrap();
                assert_eq!(a, b, "{spec} {} response {status} schema", op.label());
                compared += 1;
            }
            let pa: Vec<_> = op.parameters.iter().map(|p| (&p.name, &p.schema)).collect();
            let sop = source.operation(&op.path, &op.method).unwrap();
            let pb: Vec<_> = sop
                .parameters
                .iter()
                .map(|p| (&p.name, &p.schema))
                .collect();
            assert_eq!(pa, pb, "{spec} {} parameters", op.label());
            compared += 1;
        }
        println!(
            "{spec}: {} operations, {compared} schemas identical",
            bundled.operations().len()
        );
    }
}
