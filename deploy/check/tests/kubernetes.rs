//! The Kubernetes manifests: validated offline against the schemas `kubernetes-validate` bundles
//! (strict: unknown fields fail), with negative cases proving it bites, and checked against each
//! other and the apps (Service and selectors, named ports of the probes, Secret keys, the
//! ConfigMap's TOML read by the runner's own config parser, sizes from the measurements).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use milmove_deploy_check::fakes::describe;
use milmove_deploy_check::workspace::repo_root;
use milmove_deploy_check::{sizing, tool};
use serde_yaml::Value;

const CHECK: &str = "Kubernetes manifests";
/// The oldest Kubernetes release still supported upstream when this was written, and the newest
/// the pinned kubernetes-validate knows.
const VERSIONS: [&str; 2] = ["1.34.0", "1.37.0"];

fn dir() -> PathBuf {
    repo_root().join("deploy/kubernetes")
}

/// Every manifest of an API object (the kustomization is not one).
fn manifests() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter(|p| !p.ends_with("kustomization.yaml"))
        .collect();
    files.sort();
    files
}

fn documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml::Deserializer::from_str(&text)
        .map(|d| Value::deserialize(d).expect("YAML"))
        .filter(|v| !v.is_null())
        .collect()
}

use serde::Deserialize;

fn all_objects() -> Vec<Value> {
    manifests().iter().flat_map(|p| documents(p)).collect()
}

fn object<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn validator() -> Option<PathBuf> {
    tool::require(
        CHECK,
        "kubernetes-validate",
        "pip install kubernetes-validate==1.37.0",
    )
}

fn validate(validator: &Path, version: &str, files: &[PathBuf]) -> std::process::Output {
    Command::new(validator)
        .args(["--strict", "--kubernetes-version", version])
        .args(files)
        .output()
        .expect("run kubernetes-validate")
}

#[test]
fn manifests_are_valid_for_current_kubernetes() {
    let Some(validator) = validator() else { return };
    let files = manifests();
    assert!(files.len() >= 6, "{files:?}");
    for version in VERSIONS {
        let output = validate(&validator, version, &files);
        assert!(
            output.status.success(),
            "Kubernetes {version}: {}",
            describe(&output)
        );
        let text = String::from_utf8_lossy(&output.stdout).to_string()
            + &String::from_utf8_lossy(&output.stderr);
        let objects = all_objects().len();
        assert_eq!(
            text.matches(" passed for resource ").count(),
            objects,
            "{text}"
        );
    }
    // The kustomization names every manifest but the Secret (applied once, by hand).
    let kustomization = &documents(&dir().join("kustomization.yaml"))[0];
    let listed: Vec<&str> = kustomization["resources"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for file in &files {
        let name = file.file_name().unwrap().to_str().unwrap();
        assert_eq!(
            listed.contains(&name),
            name != "secret.yaml",
            "{name} in kustomization.yaml"
        );
    }
}

#[test]
fn the_validation_rejects_unknown_fields_wrong_types_and_missing_fields() {
    let Some(validator) = validator() else { return };
    let master = documents(&dir().join("master.yaml"));
    let deployment = master[0].clone();
    type Edit = fn(&mut Value);
    let cases: &[(&str, Edit, &str)] = &[
        (
            "unknown field",
            |d| d["spec"]["replica"] = Value::from(1),
            "replica",
        ),
        (
            "replicas as a string",
            |d| d["spec"]["replicas"] = Value::from("one"),
            "replicas",
        ),
        (
            "port as a string",
            |d| {
                d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] =
                    Value::from("web")
            },
            "containerPort",
        ),
        (
            "container without a name",
            |d| {
                d["spec"]["template"]["spec"]["containers"][0]
                    .as_mapping_mut()
                    .unwrap()
                    .remove("name");
            },
            "name",
        ),
        (
            "deployment without a selector",
            |d| {
                d["spec"].as_mapping_mut().unwrap().remove("selector");
            },
            "selector",
        ),
    ];
    let scratch = tempfile::tempdir().unwrap();
    for (case, edit, expected) in cases {
        let mut broken = deployment.clone();
        edit(&mut broken);
        let file = scratch.path().join("broken.yaml");
        std::fs::write(&file, serde_yaml::to_string(&broken).unwrap()).unwrap();
        let output = validate(&validator, VERSIONS[1], &[file]);
        let text = String::from_utf8_lossy(&output.stdout).to_string()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{case}: accepted\n{text}");
        assert!(
            text.contains(expected),
            "{case}: `{expected}` not in\n{text}"
        );
    }
}

fn pod_spec(deployment: &Value) -> &Value {
    &deployment["spec"]["template"]["spec"]
}

fn container(deployment: &Value) -> &Value {
    &pod_spec(deployment)["containers"][0]
}

fn args(deployment: &Value) -> Vec<String> {
    container(deployment)["args"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().expect("args are strings").to_string())
        .collect()
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn env_names(deployment: &Value) -> Vec<String> {
    container(deployment)["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

fn container_port(deployment: &Value, name: &str) -> Option<u64> {
    container(deployment)["ports"]
        .as_sequence()?
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["containerPort"].as_u64())
}

#[test]
fn the_topology_holds_together() {
    let objects = all_objects();
    let master = object(&objects, "Deployment", "milmove-load-master");
    let worker = object(&objects, "Deployment", "milmove-load-worker");
    let service = object(&objects, "Service", "milmove-load-master");
    let secret = object(&objects, "Secret", "milmove-load-credentials");
    let config = object(&objects, "ConfigMap", "milmove-load-config");

    // The Service selects the master's pods and forwards to its named ports.
    let labels = &master["spec"]["template"]["metadata"]["labels"];
    for (key, value) in service["spec"]["selector"].as_mapping().unwrap() {
        assert_eq!(
            &labels[key.as_str().unwrap()],
            value,
            "Service selector {key:?}"
        );
    }
    for deployment in [master, worker] {
        let selector = &deployment["spec"]["selector"]["matchLabels"];
        let labels = &deployment["spec"]["template"]["metadata"]["labels"];
        for (key, value) in selector.as_mapping().unwrap() {
            assert_eq!(&labels[key.as_str().unwrap()], value);
        }
    }
    let service_port = |name: &str| {
        service["spec"]["ports"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("Service port {name}"))
            .clone()
    };
    for name in ["web", "cluster", "metrics"] {
        let target = service_port(name)["targetPort"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            container_port(master, &target).is_some(),
            "Service {name} → {target}"
        );
    }

    // Workers: --worker --master-host <the Service> on its cluster port.
    let master_args = args(master);
    let worker_args = args(worker);
    assert!(master_args.contains(&"--master".to_string()));
    assert!(worker_args.contains(&"--worker".to_string()));
    assert_eq!(
        flag(&worker_args, "--master-host").as_deref(),
        service["metadata"]["name"].as_str()
    );
    assert_eq!(
        flag(&worker_args, "--master-port")
            .unwrap()
            .parse::<u64>()
            .unwrap(),
        service_port("cluster")["port"].as_u64().unwrap()
    );
    assert_eq!(
        flag(&master_args, "--master-bind-port")
            .unwrap()
            .parse::<u64>()
            .unwrap(),
        container_port(master, "cluster").unwrap()
    );
    assert_eq!(
        flag(&master_args, "--master-bind-host").as_deref(),
        Some("0.0.0.0")
    );
    assert_eq!(
        flag(&master_args, "--web-port")
            .unwrap()
            .parse::<u64>()
            .unwrap(),
        container_port(master, "web").unwrap()
    );
    assert_eq!(
        flag(&worker_args, "--metrics-port")
            .unwrap()
            .parse::<u64>()
            .unwrap(),
        container_port(worker, "metrics").unwrap()
    );
    assert!(worker["spec"]["replicas"].as_u64().unwrap() >= 1);
    assert_eq!(master["spec"]["replicas"].as_u64(), Some(1));
    assert_eq!(
        master["spec"]["strategy"]["type"], "Recreate",
        "never two masters"
    );

    // Probes on the health endpoints, on ports the container declares.
    for deployment in [master, worker] {
        for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
            let get = &container(deployment)[probe]["httpGet"];
            assert_eq!(get["path"], path);
            let port = get["port"].as_str().expect("a named port");
            assert!(
                container_port(deployment, port).is_some(),
                "{probe} on {port}"
            );
        }
    }

    // Secrets: the certificate variables the app reads for the master's --host, the web login
    // (a non-loopback UI refuses to start without one) and the cluster token.
    let host = flag(&master_args, "--host").expect("the master's --host");
    let env = milmove_hosts::Environment::from_str(&host).unwrap();
    let (cert, key) = milmove_hosts::env_var_names(env.env_var_infix().unwrap());
    let secret_keys: Vec<String> = secret["stringData"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    for (deployment, needed) in [
        (
            master,
            vec![
                cert.clone(),
                key.clone(),
                "MILMOVE_LOAD_WEB_LOGIN".into(),
                "MILMOVE_LOAD_CLUSTER_TOKEN".into(),
            ],
        ),
        (
            worker,
            vec![
                cert.clone(),
                key.clone(),
                "MILMOVE_LOAD_CLUSTER_TOKEN".into(),
            ],
        ),
    ] {
        let names = env_names(deployment);
        for name in needed {
            assert!(names.contains(&name), "{name} in {names:?}");
        }
        for entry in container(deployment)["env"].as_sequence().unwrap() {
            let reference = &entry["valueFrom"]["secretKeyRef"];
            assert_eq!(reference["name"], secret["metadata"]["name"]);
            assert!(secret_keys.contains(&reference["key"].as_str().unwrap().to_string()));
        }
    }
    for (value, _) in secret["stringData"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| (v, k))
    {
        assert_eq!(value.as_str(), Some(""), "no secret value is committed");
    }

    // The ConfigMap's TOML is read by the runner's own parser (unknown keys are errors there),
    // at the path --config names.
    for deployment in [master, worker] {
        let path = PathBuf::from(flag(&args(deployment), "--config").expect("--config"));
        let mount = container(deployment)["volumeMounts"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|m| m["mountPath"].as_str() == path.parent().unwrap().to_str())
            .expect("the config folder is mounted");
        let volume = pod_spec(deployment)["volumes"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|v| v["name"] == mount["name"])
            .unwrap();
        assert_eq!(volume["configMap"]["name"], config["metadata"]["name"]);
        let file = path.file_name().unwrap().to_str().unwrap();
        let toml = config["data"][file]
            .as_str()
            .expect("the TOML file in the ConfigMap");
        milmove_runner::config::ConfigFile::parse(toml)
            .unwrap_or_else(|e| panic!("the ConfigMap's {file}: {e}"));
    }

    // Hardened pods that the namespace's "restricted" Pod Security level admits.
    for deployment in [master, worker] {
        let pod = &pod_spec(deployment)["securityContext"];
        assert_eq!(pod["runAsNonRoot"], true);
        assert_eq!(pod["runAsUser"].as_u64(), Some(10001), "the image's user");
        assert_eq!(pod["seccompProfile"]["type"], "RuntimeDefault");
        let c = &container(deployment)["securityContext"];
        assert_eq!(c["allowPrivilegeEscalation"], false);
        assert_eq!(c["readOnlyRootFilesystem"], true);
        assert_eq!(c["capabilities"]["drop"][0], "ALL");
    }
}

/// `512Mi`, `2Gi` → MiB.
fn mib(quantity: &str) -> f64 {
    if let Some(n) = quantity.strip_suffix("Gi") {
        n.parse::<f64>().unwrap() * 1024.0
    } else if let Some(n) = quantity.strip_suffix("Mi") {
        n.parse().unwrap()
    } else {
        panic!("use Mi or Gi: {quantity}")
    }
}

#[test]
fn resources_come_from_the_measured_memory_per_user() {
    let objects = all_objects();
    for (name, role) in [
        ("milmove-load-master", "master"),
        ("milmove-load-worker", "worker"),
    ] {
        let deployment = object(&objects, "Deployment", name);
        let resources = &container(deployment)["resources"];
        let users = sizing::users_per_pod(role);
        let request = mib(resources["requests"]["memory"].as_str().unwrap());
        let limit = mib(resources["limits"]["memory"].as_str().unwrap());
        assert!(
            request >= sizing::expected_mib(users),
            "{name}: request {request} MiB below the expected {:.0} MiB for {users} users",
            sizing::expected_mib(users)
        );
        assert!(
            limit >= sizing::memory_mib(users),
            "{name}: limit {limit} MiB below the budget {:.0} MiB for {users} users",
            sizing::memory_mib(users)
        );
        let cpu = resources["requests"]["cpu"]
            .as_str()
            .expect("a CPU request");
        let cpu: f64 = match cpu.strip_suffix('m') {
            Some(milli) => milli.parse::<f64>().unwrap() / 1000.0,
            None => cpu.parse().unwrap(),
        };
        assert!(
            cpu >= sizing::expected_vcpu(users),
            "{name}: {cpu} vCPU requested, {users} users use {:.2}",
            sizing::expected_vcpu(users)
        );
        assert!(
            resources["limits"]["cpu"].is_null(),
            "{name}: no CPU limit (throttling would show as latency)"
        );
    }
}
