//! Health checks and metrics ports of the deployment files: the ECS container health checks
//! (run for real against the app's web UI on this machine), the Kubernetes probes and scrape
//! annotations, the metrics ports the Dockerfile exposes, and the login a non-loopback
//! `/metrics` needs.

use std::collections::BTreeSet;
use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use milmove_deploy_check::dockerfile::{Dockerfile, Instruction};
use milmove_deploy_check::workspace::{debug_binary, repo_root};
use serde_json::Value;

const ROLES: [&str; 3] = ["ui", "master", "worker"];

fn task(role: &str) -> Value {
    let path = repo_root().join(format!("ecs/{role}.json.tmpl"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The port the app serves `/healthz` on: the web port when the UI runs, else the metrics port.
fn health_port(args: &[String]) -> u16 {
    flag(args, "--web-port")
        .or_else(|| flag(args, "--metrics-port"))
        .expect("a web or metrics port")
        .parse()
        .unwrap()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The health check's shell text with its port replaced by `port`.
fn check_script(role: &str, port: u16) -> String {
    let c = &task(role)["containerDefinitions"][0];
    let command = strings(&c["healthCheck"]["command"]);
    assert_eq!(&command[..3], ["CMD", "bash", "-c"], "{role}: {command:?}");
    let own = health_port(&strings(&c["command"]));
    let script = &command[3];
    assert!(
        script.contains(&format!("/dev/tcp/127.0.0.1/{own} ")),
        "{role}: the check connects to the app's own port {own}: {script}"
    );
    script.replace(
        &format!("/127.0.0.1/{own} "),
        &format!("/127.0.0.1/{port} "),
    )
}

fn run_check(script: &str) -> bool {
    Command::new("bash")
        .args(["-c", script])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run bash")
        .success()
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn ecs_health_checks_probe_healthz_on_a_mapped_port() {
    for role in ROLES {
        let t = task(role);
        let c = &t["containerDefinitions"][0];
        let check = &c["healthCheck"];
        let script = check["command"][3].as_str().unwrap();
        assert!(script.contains("GET /healthz "), "{role}: {script}");
        let port = health_port(&strings(&c["command"]));
        let mapped: Vec<u64> = c["portMappings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["containerPort"].as_u64().unwrap())
            .collect();
        assert!(
            mapped.contains(&u64::from(port)),
            "{role}: {port} not in {mapped:?}"
        );
        // Long enough for the stand-in-free start; several misses before ECS replaces the task.
        assert!(check["startPeriod"].as_u64().unwrap() >= 10, "{role}");
        assert!(check["retries"].as_u64().unwrap() >= 2, "{role}");
        assert!(
            check["timeout"].as_u64() < check["interval"].as_u64(),
            "{role}"
        );
    }
}

#[test]
fn ecs_health_check_passes_on_a_serving_app_and_fails_otherwise() {
    // The app's web UI, idle (no test, no traffic), on a free loopback port.
    let port = free_port();
    let app = Command::new(debug_binary("prime-load", "prime-load"))
        .args([
            "--host",
            "http://127.0.0.1:9",
            "--web-port",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prime-load");
    let _app = Killed(app);
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the web UI never listened");
        std::thread::sleep(Duration::from_millis(50));
    }
    for role in ROLES {
        assert!(
            run_check(&check_script(role, port)),
            "{role}: fails on a serving app"
        );
    }
    // Nothing listening: the check fails.
    let closed = free_port();
    for role in ROLES {
        assert!(
            !run_check(&check_script(role, closed)),
            "{role}: passes on a closed port"
        );
    }
    // Something answering 503: the check fails too.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let unhealthy = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buf = [0u8; 512];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 503 Service Unavailable\r\n\r\n");
        }
    });
    for role in ROLES {
        assert!(
            !run_check(&check_script(role, unhealthy)),
            "{role}: passes on a 503"
        );
    }
}

#[test]
fn a_non_loopback_metrics_port_gets_a_login() {
    for role in ROLES {
        let c = &task(role)["containerDefinitions"][0];
        let args = strings(&c["command"]);
        let secrets: BTreeSet<String> = c["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect();
        if flag(&args, "--metrics-host").is_some_and(|h| h != "127.0.0.1") {
            assert!(
                secrets.contains("MILMOVE_LOAD_METRICS_LOGIN")
                    || secrets.contains("MILMOVE_LOAD_WEB_LOGIN"),
                "{role}: /metrics on a non-loopback address refuses to start without a login"
            );
        }
    }
    let text = std::fs::read_to_string(repo_root().join("deploy/kubernetes/worker.yaml")).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let container = &doc["spec"]["template"]["spec"]["containers"][0];
    let args: Vec<String> = container["args"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert_eq!(flag(&args, "--metrics-host").as_deref(), Some("0.0.0.0"));
    let env: Vec<&str> = container["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(env.contains(&"MILMOVE_LOAD_METRICS_LOGIN"), "{env:?}");
}

#[test]
fn kubernetes_scrape_annotations_and_service_name_a_served_port() {
    for file in ["master.yaml", "worker.yaml"] {
        let text =
            std::fs::read_to_string(repo_root().join("deploy/kubernetes").join(file)).unwrap();
        let docs: Vec<serde_yaml::Value> = text
            .split("\n---")
            .map(|d| serde_yaml::from_str(d).unwrap())
            .collect();
        let pod = &docs[0]["spec"]["template"];
        let container = &pod["spec"]["containers"][0];
        let args: Vec<String> = container["args"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        let annotations = &pod["metadata"]["annotations"];
        assert_eq!(annotations["prometheus.io/path"], "/metrics", "{file}");
        let scraped: u16 = annotations["prometheus.io/port"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            scraped,
            health_port(&args),
            "{file}: scrapes the port /metrics is on"
        );
        let declared: Vec<u64> = container["ports"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|p| p["containerPort"].as_u64().unwrap())
            .collect();
        assert!(declared.contains(&u64::from(scraped)), "{file}");
        if let Some(service) = docs.get(1) {
            let names: Vec<&str> = service["spec"]["ports"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert!(
                names.contains(&"metrics"),
                "{file}: the Service names a metrics port"
            );
        }
    }
}

#[test]
fn dockerfile_exposes_every_health_and_metrics_port() {
    let text = std::fs::read_to_string(repo_root().join("Dockerfile")).unwrap();
    let dockerfile = Dockerfile::parse(&text).unwrap();
    let exposed: BTreeSet<u16> = dockerfile
        .stages()
        .last()
        .unwrap()
        .instructions
        .iter()
        .filter_map(|l| match &l.instruction {
            Instruction::Expose(ports) => Some(ports.clone()),
            _ => None,
        })
        .flatten()
        .map(|p| p.split('/').next().unwrap().parse().unwrap())
        .collect();
    for role in ROLES {
        let args = strings(&task(role)["containerDefinitions"][0]["command"]);
        for f in ["--web-port", "--metrics-port"] {
            if let Some(p) = flag(&args, f) {
                assert!(
                    exposed.contains(&p.parse().unwrap()),
                    "{role}: {f} {p} not exposed"
                );
            }
        }
    }
    // The defaults: web UI 8089, the metrics port of the manifests 9646.
    assert!(
        exposed.is_superset(&BTreeSet::from([8089, 9646])),
        "{exposed:?}"
    );
}
