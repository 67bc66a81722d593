//! `milmove-fake` end to end: every flag, and clear errors for a missing file, a bad spec,
//! an unknown path or method.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::serve;
use common::specs::{RULES, SUPPORT_LIKE};
use milmove_parser::ApiParser;
use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_milmove-fake"))
        .args(args)
        .output()
        .expect("milmove-fake runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn spec_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn lines(o: &Output) -> Vec<Value> {
    assert!(o.status.success(), "failed: {}", stderr(o));
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one compact JSON per line"))
        .collect()
}

#[test]
fn prints_valid_reproducible_bodies_one_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec_file(dir.path(), "rules.yaml", RULES);
    let spec = spec.to_str().unwrap();
    let args = [
        "--spec",
        spec,
        "--path",
        "/everything",
        "--method",
        "post",
        "--seed",
        "9",
        "--count",
        "25",
    ];
    let out = run(&args);
    let bodies = lines(&out);
    assert_eq!(bodies.len(), 25);
    assert!(
        stdout(&out).lines().all(|l| !l.contains(": ")),
        "compact JSON"
    );
    let parser = ApiParser::from_file(spec).unwrap();
    let v = parser
        .request_validator("/everything", "post")
        .unwrap()
        .unwrap();
    for b in &bodies {
        v.validate(b).unwrap();
    }
    assert_eq!(stdout(&run(&args)), stdout(&out), "same seed, same output");
    assert_ne!(bodies[0], bodies[1], "bodies differ within a run");
    // Without --seed the seed is printed so the run can be reproduced.
    let random = run(&["--spec", spec, "--path", "/everything", "--method", "POST"]);
    assert!(random.status.success());
    let seed = stderr(&random)
        .lines()
        .find_map(|l| l.strip_prefix("seed: ").map(str::to_string))
        .expect("seed printed");
    let again = run(&[
        "--spec",
        spec,
        "--path",
        "/everything",
        "--method",
        "post",
        "--seed",
        &seed,
    ]);
    assert_eq!(stdout(&again), stdout(&random));
}

#[test]
fn require_all_override_schema_and_list() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec_file(dir.path(), "rules.yaml", RULES);
    let spec = spec.to_str().unwrap();
    let base = [
        "--spec",
        spec,
        "--path",
        "/everything",
        "--method",
        "post",
        "--seed",
        "1",
    ];
    let all = lines(&run(
        &[&base[..], &["--require-all", "--count", "5"]].concat()
    ));
    assert!(all.iter().all(|b| b.get("optionalNote").is_some()));
    let ov = r#"{"kind":"TWO","nested":{"inner":{"value":-1}}}"#;
    let over = lines(&run(
        &[&base[..], &["--override", ov, "--count", "3"]].concat()
    ));
    for b in over {
        assert_eq!(b["kind"], "TWO");
        assert_eq!(b["nested"]["inner"]["value"], -1);
    }
    let schema = run(&[&base[..], &["--schema"]].concat());
    let schema: Value = serde_json::from_str(&stdout(&schema)).unwrap();
    assert_eq!(schema["properties"]["uuid"]["format"], "uuid");
    let list = run(&["--spec", spec, "--list"]);
    let text = stdout(&list);
    assert!(
        text.contains("POST /everything\tjson-body\tcreateEverything"),
        "{text}"
    );
    assert!(
        text.contains("GET /people/{personID}\tno-json-body\tgetPerson"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 4);
}

#[test]
fn milmove_rules_follow_the_base_path() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec_file(dir.path(), "support.yaml", SUPPORT_LIKE);
    let spec = spec.to_str().unwrap();
    let mto = [
        "--spec",
        spec,
        "--path",
        "/move-task-orders",
        "--method",
        "post",
    ];
    let stripped = lines(&run(&[&mto[..], &["--require-all", "--seed", "2"]].concat()));
    let b = &stripped[0];
    for k in ["mtoShipments", "mtoServiceItems", "paymentRequests"] {
        assert!(b.get(k).is_none(), "{k} in {b}");
    }
    assert!(b["order"].get("originDutyLocation").is_none());
    assert!(b["order"]["originDutyLocationID"].is_string());
    let plain = lines(&run(&[
        &mto[..],
        &["--require-all", "--seed", "2", "--rules", "none"],
    ]
    .concat()));
    assert!(
        plain[0].get("mtoShipments").is_some(),
        "--rules none keeps them"
    );
    let crates = lines(&run(&[
        "--spec", spec, "--path", "/crates", "--method", "post", "--seed", "3", "--count", "50",
    ]));
    for c in crates {
        for dim in ["length", "width", "height"] {
            assert!(c["item"][dim].as_i64() < c["crate"][dim].as_i64(), "{c}");
        }
        assert!(c["requestedDeliveryDate"].as_str() > c["requestedPickupDate"].as_str());
    }
}

#[test]
fn clear_errors_for_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec_file(dir.path(), "rules.yaml", RULES);
    let spec = spec.to_str().unwrap();

    let missing = run(&["--spec", "/no/such/spec.yaml", "--list"]);
    assert!(!missing.status.success());
    let e = stderr(&missing);
    assert!(e.contains("cannot read /no/such/spec.yaml"), "{e}");

    let bad = spec_file(
        dir.path(),
        "bad.yaml",
        "swagger: '2.0'\npaths:\n  /x: [\n    y: }\n",
    );
    let out = run(&["--spec", bad.to_str().unwrap(), "--list"]);
    assert!(!out.status.success());
    let e = stderr(&out);
    assert!(
        e.contains("bad.yaml:") && e.contains("not valid YAML"),
        "{e}"
    );

    let invalid = spec_file(
        dir.path(),
        "invalid.yaml",
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get: 5\n",
    );
    let out = run(&["--spec", invalid.to_str().unwrap(), "--list"]);
    let e = stderr(&out);
    assert!(
        e.contains("invalid.yaml") && e.contains("/paths/~1x/get"),
        "{e}"
    );

    let out = run(&["--spec", spec, "--path", "/everythin", "--method", "post"]);
    assert!(!out.status.success());
    let e = stderr(&out);
    assert!(
        e.contains("unknown path") && e.contains("/everything"),
        "{e}"
    );

    let out = run(&["--spec", spec, "--path", "/everything", "--method", "get"]);
    let e = stderr(&out);
    assert!(
        e.contains("method GET not allowed") && e.contains("POST"),
        "{e}"
    );

    let out = run(&[
        "--spec",
        spec,
        "--path",
        "/people/{personID}",
        "--method",
        "get",
    ]);
    assert!(
        stderr(&out).contains("takes no request body"),
        "{}",
        stderr(&out)
    );

    let out = run(&[
        "--spec",
        spec,
        "--path",
        "/everything",
        "--method",
        "post",
        "--override",
        "{nope",
    ]);
    assert!(stderr(&out).contains("--override is not valid JSON"));

    let out = run(&["--spec", spec]);
    assert!(
        !out.status.success(),
        "--path/--method required without --list"
    );
}

#[test]
fn discriminator_warnings_go_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec_file(dir.path(), "rules.yaml", RULES);
    let out = run(&[
        "--spec",
        spec.to_str().unwrap(),
        "--path",
        "/service-items",
        "--method",
        "post",
        "--seed",
        "4",
    ]);
    assert_eq!(lines(&out).len(), 1);
    assert!(stderr(&out).contains("warning") && stderr(&out).contains("ItemMisspelt"));
}

#[test]
fn loads_a_spec_from_a_url_with_a_cache_folder() {
    let (base, hits) = serve(RULES, "/rules/v1/swagger.yaml");
    let cache = tempfile::tempdir().unwrap();
    let url = format!("{base}/rules/v1/swagger.yaml");
    let cache_dir = cache.path().to_str().unwrap();
    let args = [
        "--spec",
        &url,
        "--cache-dir",
        cache_dir,
        "--path",
        "/everything",
        "--method",
        "post",
        "--seed",
        "5",
    ];
    let first = lines(&run(&args));
    let second = lines(&run(&args));
    assert_eq!(first, second);
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "second run used the cache"
    );
    let out = run(&["--spec", &format!("{base}/missing.yaml"), "--list"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot fetch"), "{}", stderr(&out));
}
