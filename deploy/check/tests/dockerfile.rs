//! The Dockerfile, checked without a Docker engine: every binary it copies or runs is a binary
//! target of the packages it builds, the runtime is non-root with CA certificates and the
//! specs, and no secret variable can reach a layer (the build context: `build_context.rs`).

use std::collections::BTreeSet;

use milmove_deploy_check::dockerfile::{Dockerfile, Instruction};
use milmove_deploy_check::workspace::{self, repo_root};

mod dockerfile_common;
use dockerfile_common::{builder, copies, dockerfile, runtime, shell_runs, SHIPPED};

/// The words of the `cargo build` step and the binaries its `cp` copies out.
fn build_step(file: &Dockerfile) -> (Vec<String>, BTreeSet<String>) {
    let runs = shell_runs(&builder(file));
    let build = runs
        .iter()
        .find(|r| r.contains("cargo build"))
        .expect("the builder runs cargo build");
    let words: Vec<String> = build.split_whitespace().map(str::to_string).collect();
    let copied: BTreeSet<String> = words
        .iter()
        .filter_map(|w| w.strip_prefix("target/release/"))
        .map(str::to_string)
        .collect();
    (words, copied)
}

#[test]
fn the_builder_builds_every_binary_it_copies_out() {
    check_builder(&dockerfile());
}

fn check_builder(file: &Dockerfile) {
    let (words, copied) = build_step(file);
    let cargo_at = words.iter().position(|w| w == "cargo").unwrap();
    assert_eq!(words[cargo_at + 1], "build");
    for required in ["--release", "--locked"] {
        assert!(
            words.contains(&required.to_string()),
            "cargo build {required}"
        );
    }
    // The cargo command runs up to the first `&&`.
    let end = words[cargo_at..]
        .iter()
        .position(|w| w == "&&")
        .map_or(words.len(), |p| cargo_at + p);
    let packages: Vec<&String> = words[cargo_at..end]
        .windows(2)
        .filter(|w| w[0] == "-p")
        .map(|w| &w[1])
        .collect();
    let binaries = workspace::binaries();
    let mut built = BTreeSet::new();
    for package in &packages {
        let bins = binaries
            .get(package.as_str())
            .unwrap_or_else(|| panic!("-p {package}: not a workspace package"));
        built.extend(bins.iter().cloned());
    }
    for bin in &copied {
        assert!(
            built.contains(bin),
            "target/release/{bin}: no -p package builds it ({built:?})"
        );
    }
    assert_eq!(
        copied,
        SHIPPED.iter().map(|s| s.to_string()).collect(),
        "the image ships the three apps and the stand-in"
    );
}

#[test]
fn the_runtime_copies_and_runs_only_built_binaries() {
    check_runtime_binaries(&dockerfile());
}

fn check_runtime_binaries(file: &Dockerfile) {
    let (_, built) = build_step(file);
    let runtime = runtime(file);
    let mut shipped = BTreeSet::new();
    for copy in copies(&runtime) {
        assert_eq!(
            copy.from.as_deref(),
            Some("builder"),
            "the runtime copies only from the builder"
        );
        for source in &copy.sources {
            if let Some(bin) = source.strip_prefix("/out/bin/") {
                assert!(
                    built.contains(bin),
                    "COPY {source}: the builder does not produce it"
                );
                assert_eq!(copy.dest, "/usr/local/bin/", "binaries go on PATH");
                shipped.insert(bin.to_string());
            } else {
                assert_eq!(
                    source,
                    &specs_dir(file),
                    "COPY {source}: not produced by the builder"
                );
            }
        }
    }
    assert_eq!(shipped, built, "every built binary is shipped");

    // Whatever the image or the builder runs is one of them.
    for line in &runtime.instructions {
        if let Instruction::Cmd(command) | Instruction::Entrypoint(command) = &line.instruction {
            let program = command.program().expect("a program");
            assert!(
                shipped.contains(program),
                "line {}: runs {program}, not shipped",
                line.number
            );
        }
    }
    for run in shell_runs(&builder(file)) {
        for word in run.split_whitespace() {
            if let Some(bin) = word.strip_prefix("/out/bin/").filter(|b| !b.is_empty()) {
                assert!(
                    built.contains(bin),
                    "the builder runs {word} before building it"
                );
            }
        }
    }
}

/// Where the builder fetches the specs (`--fetch-specs --swagger-dir DIR`).
fn specs_dir(file: &Dockerfile) -> String {
    let fetch = shell_runs(&builder(file))
        .into_iter()
        .find(|r| r.contains("--fetch-specs"))
        .expect("the builder fetches the pinned specs");
    let words: Vec<&str> = fetch.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| *w == "--swagger-dir")
        .expect("--swagger-dir");
    assert!(
        words.contains(&"/out/bin/milmove-sim"),
        "fetched by the built milmove-sim"
    );
    words[at + 1].to_string()
}

#[test]
fn the_image_finds_the_fetched_specs() {
    check_specs(&dockerfile());
}

fn check_specs(file: &Dockerfile) {
    let specs = specs_dir(file);
    let runtime = runtime(file);
    let dest = copies(&runtime)
        .into_iter()
        .find(|c| c.sources == [specs.clone()])
        .expect("the runtime copies the specs")
        .dest;
    let env: Vec<(String, String)> = runtime
        .instructions
        .iter()
        .filter_map(|l| match &l.instruction {
            Instruction::Env(pairs) => Some(pairs.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert!(
        env.contains(&("MILMOVE_SWAGGER_DIR".to_string(), dest.clone())),
        "MILMOVE_SWAGGER_DIR points at {dest}: {env:?}"
    );
}

#[test]
fn the_runtime_is_slim_non_root_with_ca_certificates_and_the_ports() {
    check_runtime(&dockerfile());
}

fn check_runtime(file: &Dockerfile) {
    let runtime = runtime(file);
    let builder = builder(file);
    assert!(
        builder.base.contains("rust:"),
        "a Rust builder: {}",
        builder.base
    );
    assert!(
        runtime.base.contains("-slim"),
        "a slim runtime: {}",
        runtime.base
    );
    // Same Debian release in both stages, so the binaries find their C library.
    assert!(
        builder.base.contains("${DEBIAN_RELEASE}") && runtime.base.contains("${DEBIAN_RELEASE}")
    );
    assert!(file.global_args.contains_key("DEBIAN_RELEASE"));

    let runs = shell_runs(&runtime).join("\n");
    assert!(
        runs.contains("ca-certificates"),
        "CA certificates installed"
    );
    assert!(
        runs.contains("rm -rf /var/lib/apt/lists"),
        "apt lists removed"
    );

    let user = runtime
        .instructions
        .iter()
        .filter_map(|l| match &l.instruction {
            Instruction::User(u) => Some(u.clone()),
            _ => None,
        })
        .next_back()
        .expect("a USER");
    let uid: u32 = user
        .split(':')
        .next()
        .unwrap()
        .parse()
        .expect("a numeric USER");
    assert_ne!(uid, 0, "not root");
    assert!(
        runs.contains(&format!("--uid {uid}")),
        "the user is created"
    );

    let exposed: BTreeSet<String> = runtime
        .instructions
        .iter()
        .filter_map(|l| match &l.instruction {
            Instruction::Expose(p) => Some(p.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    for port in ["8089", "4000", "5557", "9646"] {
        assert!(exposed.contains(port), "EXPOSE {port}: {exposed:?}");
    }
}

#[test]
fn no_secret_can_reach_a_layer() {
    check_no_secret_variables(&dockerfile());
}

fn check_no_secret_variables(file: &Dockerfile) {
    let secretish = [
        "CERT",
        "KEY",
        "TOKEN",
        "PASSWORD",
        "SECRET",
        "LOGIN",
        "CREDENTIAL",
    ];
    for stage in file.stages() {
        for line in &stage.instructions {
            let names: Vec<String> = match &line.instruction {
                Instruction::Env(pairs) => pairs.iter().map(|(k, _)| k.clone()).collect(),
                Instruction::Arg { name, .. } => vec![name.clone()],
                _ => continue,
            };
            for name in names {
                let upper = name.to_ascii_uppercase();
                assert!(
                    !secretish.iter().any(|s| upper.contains(s)),
                    "line {}: {name} looks like a secret; secrets arrive at run time",
                    line.number
                );
            }
        }
    }
}

/// The checks above catch what they are there for: each broken copy of the real Dockerfile
/// fails the named check with the expected message.
#[test]
fn the_checks_catch_broken_dockerfiles() {
    let text = std::fs::read_to_string(repo_root().join("Dockerfile")).unwrap();
    type Check = fn(&Dockerfile);
    let cases: &[(&str, &str, &str, Check, &str)] = &[
        (
            "no --locked",
            "cargo build --release --locked",
            "cargo build --release",
            check_builder,
            "cargo build --locked",
        ),
        (
            "a package not built",
            "-p milmove-load -p milmove-sim",
            "-p milmove-load",
            check_builder,
            "target/release/milmove-sim: no -p package builds it",
        ),
        (
            "an unknown package",
            "-p office-load",
            "-p office-loader",
            check_builder,
            "-p office-loader: not a workspace package",
        ),
        (
            "a binary not shipped",
            "target/release/milmove-sim /out/bin/",
            "/out/bin/",
            check_builder,
            "the image ships the three apps and the stand-in",
        ),
        (
            "a copy of nothing built",
            "COPY --from=builder /out/bin/prime-load",
            "COPY --from=builder /out/bin/prime-loader",
            check_runtime_binaries,
            "/out/bin/prime-loader: the builder does not produce it",
        ),
        (
            "a command not shipped",
            "CMD [\"milmove-load\", \"--help\"]",
            "CMD [\"locust\", \"--help\"]",
            check_runtime_binaries,
            "runs locust, not shipped",
        ),
        (
            "specs not found",
            "ENV MILMOVE_SWAGGER_DIR=/usr/share/milmove-load/specs",
            "ENV MILMOVE_SWAGGER_DIR=/opt/specs",
            check_specs,
            "MILMOVE_SWAGGER_DIR points at /usr/share/milmove-load/specs",
        ),
        (
            "specs not fetched",
            "--fetch-specs",
            "--list",
            check_specs,
            "the builder fetches the pinned specs",
        ),
        (
            "root",
            "USER 10001:10001",
            "USER root",
            check_runtime,
            "a numeric USER",
        ),
        (
            "no CA certificates",
            "--no-install-recommends ca-certificates",
            "--no-install-recommends curl",
            check_runtime,
            "CA certificates installed",
        ),
        (
            "cluster port not exposed",
            "EXPOSE 8089 4000 5557 9646",
            "EXPOSE 8089 4000 9646",
            check_runtime,
            "EXPOSE 5557",
        ),
        (
            "a secret in a layer",
            "ENV MILMOVE_SWAGGER_DIR=",
            "ENV MOVE_MIL_DP3_TLS_KEY=baked-in\nENV MILMOVE_SWAGGER_DIR=",
            check_no_secret_variables,
            "MOVE_MIL_DP3_TLS_KEY looks like a secret",
        ),
    ];
    for (case, from, to, check, expected) in cases {
        assert!(
            text.contains(from),
            "{case}: the Dockerfile no longer has `{from}`"
        );
        let broken = Dockerfile::parse(&text.replacen(from, to, 1)).expect("still parses");
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&broken)));
        let message = match outcome {
            Ok(()) => panic!("{case}: the check passed"),
            Err(payload) => payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default(),
        };
        assert!(
            message.contains(expected),
            "{case}: `{expected}` not in `{message}`"
        );
    }
}
