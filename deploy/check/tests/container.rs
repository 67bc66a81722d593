//! The Dockerfile's runtime stage, built and started for real with podman, without a registry:
//! the base image is a Debian of the same release made with debootstrap, the builder stage is
//! replaced (`--build-context builder=DIR`) by a folder holding this build's binaries and the
//! MilMove specs in the places the builder would leave them. The image then runs a short load
//! test against the in-process stand-in, as its non-root user.
//!
//! Podman keeps its images under the target folder (its own storage, nothing shared with other
//! podman users on the machine); the debootstrap base is made once and reused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use milmove_deploy_check::fakes::describe;
use milmove_deploy_check::workspace::{debug_binary, repo_root, target_dir};
use milmove_deploy_check::{dockerfile::Dockerfile, tool};

const CHECK: &str = "container image";
const BASE: &str = "docker.io/library/debian:bookworm-slim";
const IMAGE: &str = "localhost/milmove-load-check:latest";

struct Podman {
    program: PathBuf,
    root: PathBuf,
}

impl Podman {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command
            .arg("--root")
            .arg(self.root.join("storage"))
            .arg("--runroot")
            .arg(self.root.join("run"))
            .args([
                "--storage-driver",
                "overlay",
                "--cgroup-manager",
                "cgroupfs",
            ]);
        // crun refuses hybrid cgroup hierarchies (cgroup v1 with a v2 mount), runc takes them.
        if tool::find("runc").is_some() {
            command.args(["--runtime", "runc"]);
        }
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run podman")
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "podman {args:?}: {}",
            describe(&output)
        );
        String::from_utf8_lossy(&output.stdout).to_string()
    }
}

/// Resource limits podman may set without CAP_SYS_RESOURCE: at most the current hard limits.
fn ulimit_args() -> Vec<String> {
    let hard = |flag: &str| -> u64 {
        let out = Command::new("/bin/sh")
            .args(["-c", &format!("ulimit -H{flag}")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or(4096)
    };
    let nofile = hard("n").min(65536);
    let nproc = hard("u").min(4096);
    vec![
        "--ulimit".into(),
        format!("nofile={nofile}:{nofile}"),
        "--ulimit".into(),
        format!("nproc={nproc}:{nproc}"),
    ]
}

/// The Debian release both stages use (the Dockerfile's DEBIAN_RELEASE).
fn debian_release() -> String {
    let text = std::fs::read_to_string(repo_root().join("Dockerfile")).unwrap();
    let file = Dockerfile::parse(&text).unwrap();
    file.global_args["DEBIAN_RELEASE"]
        .clone()
        .expect("a default")
}

/// A debootstrap `minbase` of the release, imported as the runtime's base image.
fn ensure_base(podman: &Podman, debootstrap: &Path) {
    if podman.run(&["image", "exists", BASE]).status.success() {
        return;
    }
    let release = debian_release();
    assert!(
        BASE.contains(&release),
        "the base name follows DEBIAN_RELEASE"
    );
    let rootfs = podman.root.join(format!("rootfs-{release}"));
    let _ = std::fs::remove_dir_all(&rootfs);
    let output = Command::new(debootstrap)
        .args(["--variant=minbase", &release])
        .arg(&rootfs)
        .arg("http://deb.debian.org/debian")
        .output()
        .expect("run debootstrap");
    assert!(
        output.status.success(),
        "debootstrap: {}",
        describe(&output)
    );
    let mut tar = Command::new("tar")
        .arg("-C")
        .arg(&rootfs)
        .args(["-cf", "-", "."])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let import = podman
        .command()
        .args(["import", "-", BASE])
        .stdin(tar.stdout.take().unwrap())
        .output()
        .unwrap();
    assert!(
        tar.wait().unwrap().success(),
        "tar of the debootstrap folder"
    );
    assert!(
        import.status.success(),
        "podman import: {}",
        describe(&import)
    );
    std::fs::remove_dir_all(&rootfs).unwrap();
}

/// What the builder stage leaves behind: /out/bin/<binaries> and /out/specs/<specs>.
fn builder_context(dir: &Path, specs: &Path) {
    let bin = dir.join("out/bin");
    std::fs::create_dir_all(&bin).unwrap();
    for (package, name) in [
        ("prime-load", "prime-load"),
        ("office-load", "office-load"),
        ("milmove-load", "milmove-load"),
        ("milmove-sim", "milmove-sim"),
    ] {
        std::fs::copy(debug_binary(package, name), bin.join(name)).unwrap();
    }
    let out_specs = dir.join("out/specs");
    std::fs::create_dir_all(&out_specs).unwrap();
    for entry in std::fs::read_dir(specs).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            std::fs::copy(&path, out_specs.join(path.file_name().unwrap())).unwrap();
        }
    }
}

fn specs_dir() -> Option<PathBuf> {
    let from_env = std::env::var_os("MILMOVE_SWAGGER_DIR").map(PathBuf::from);
    let beside = repo_root().join("../shared/milmove-swagger/bundled");
    from_env
        .into_iter()
        .chain([beside])
        .find(|d| d.join("prime.yaml").exists())
}

#[test]
fn the_runtime_stage_builds_and_runs_a_load_test() {
    let Some(program) = tool::require(CHECK, "podman", "apt-get install podman buildah runc")
    else {
        return;
    };
    let Some(debootstrap) = tool::require(CHECK, "debootstrap", "apt-get install debootstrap")
    else {
        return;
    };
    let Some(specs) = specs_dir() else {
        tool::missing(
            CHECK,
            "the MilMove specs (MILMOVE_SWAGGER_DIR)",
            "see README",
        );
        return;
    };
    let podman = Podman {
        program,
        root: target_dir().join("deploy-check/podman"),
    };
    std::fs::create_dir_all(&podman.root).unwrap();
    ensure_base(&podman, &debootstrap);

    let scratch = tempfile::tempdir().unwrap();
    let builder = scratch.path().join("builder");
    builder_context(&builder, &specs);
    // The build context proper is empty: the runtime stage copies only from the builder.
    let context = scratch.path().join("context");
    std::fs::create_dir_all(&context).unwrap();

    let mut build: Vec<String> = vec![
        "build".into(),
        "--pull=never".into(),
        "--network".into(),
        "host".into(),
        "--target".into(),
        "runtime".into(),
        "--build-context".into(),
        format!("builder={}", builder.display()),
        "--build-arg".into(),
        "GIT_COMMIT=check".into(),
        "--file".into(),
        repo_root().join("Dockerfile").display().to_string(),
        "--tag".into(),
        IMAGE.into(),
    ];
    build.extend(ulimit_args());
    build.push(context.display().to_string());
    let build: Vec<&str> = build.iter().map(String::as_str).collect();
    podman.ok(&build);

    // Reports land in a folder of the test, writable by the image's user.
    let out = scratch.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o777)).unwrap();
    let volume = format!("{}:/home/milmove/out", out.display());

    let run = |args: &[&str]| -> Output {
        let mut all: Vec<String> = vec![
            "run".into(),
            "--rm".into(),
            "--network".into(),
            "none".into(),
            "--volume".into(),
            volume.clone(),
        ];
        all.extend(ulimit_args());
        all.push(IMAGE.into());
        all.extend(args.iter().map(|a| a.to_string()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        podman.run(&all)
    };

    let id = run(&["id", "-u"]);
    assert!(id.status.success(), "{}", describe(&id));
    assert_eq!(
        String::from_utf8_lossy(&id.stdout).trim(),
        "10001",
        "runs as the non-root user"
    );

    let certs = run(&["test", "-s", "/etc/ssl/certs/ca-certificates.crt"]);
    assert!(
        certs.status.success(),
        "CA certificates installed: {}",
        describe(&certs)
    );

    let help = run(&[]);
    assert!(
        help.status.success(),
        "the default command: {}",
        describe(&help)
    );
    assert!(String::from_utf8_lossy(&help.stdout).contains("--host"));

    let sim = run(&["milmove-sim", "--help"]);
    assert!(sim.status.success(), "{}", describe(&sim));

    // A real test inside the container: Prime users over mutual TLS against the stand-in,
    // started in-process from the specs the image carries (MILMOVE_SWAGGER_DIR).
    let test = run(&[
        "prime-load",
        "--host",
        "sim",
        "--headless",
        "-u",
        "3",
        "-r",
        "3",
        "-t",
        "4s",
        "--only-summary",
        "--json",
        "out/summary.json",
    ]);
    assert_eq!(
        test.status.code(),
        Some(0),
        "the load test passed: {}",
        describe(&test)
    );
    let stdout = String::from_utf8_lossy(&test.stdout);
    assert!(
        stdout.contains("Aggregated"),
        "a summary table: {}",
        describe(&test)
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let requests = summary["total"]["requests"].as_u64().unwrap();
    eprintln!(
        "in the container: {requests} requests, {} failures, {} users",
        summary["total"]["failures"], summary["run"]["users"]
    );
    assert!(requests > 0, "requests were sent: {summary}");
    assert_eq!(summary["total"]["failures"], 0);

    podman.ok(&["rmi", "--force", IMAGE]);
}
