//! A worker cut off by the network (network namespaces and veth pairs): the master marks it
//! lost and moves its users, the worker stops its load by itself (checked at the server,
//! which it can still reach), and when the link comes back it rejoins and receives users
//! again. Needs root (CI runs as root); elsewhere it is skipped with a loud message.

mod support;

use std::net::IpAddr;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{read_json, serial, CountingServer, Proc, DEMO};

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip {}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Output of `ip ARGS`, or empty if it fails.
fn ip_output(args: &[&str]) -> String {
    Command::new("ip")
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// Prefixes of the namespace and of the host ends of the two veth pairs; each name ends with
/// the pid of the test process that made it.
const NS_PREFIX: &str = "mmcw";
const LINK_PREFIXES: [&str; 2] = ["mmcm", "mmcs"];

/// The pid a name made by this test carries, if it has one of `prefixes`.
fn owner_pid(name: &str, prefixes: &[&str]) -> Option<u32> {
    let rest = prefixes.iter().find_map(|p| name.strip_prefix(p))?;
    rest.parse().ok()
}

/// Removes namespaces and links left by an earlier run of this test that was killed before
/// its `Drop` ran (their addresses would take the routes of this run's: a worker that never
/// reaches the server). Those of a live process (a concurrent run) are left alone.
fn remove_leftovers() {
    let alive = |pid: u32| std::path::Path::new(&format!("/proc/{pid}")).exists();
    for line in ip_output(&["netns", "list"]).lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        if owner_pid(name, &[NS_PREFIX]).is_some_and(|pid| !alive(pid)) {
            eprintln!("removing network namespace {name} left by an earlier run");
            let _ = ip(&["netns", "del", name]);
        }
    }
    for line in ip_output(&["-o", "link", "show"]).lines() {
        // `7: mmcm123@if6: <...>`
        let Some(name) = line.split(':').nth(1) else {
            continue;
        };
        let name = name.trim().split('@').next().unwrap_or("");
        if owner_pid(name, &LINK_PREFIXES).is_some_and(|pid| !alive(pid)) {
            eprintln!("removing link {name} left by an earlier run");
            let _ = ip(&["link", "del", name]);
        }
    }
}

/// The worker's namespace: `ns` reaches the master over veth `m` (10.213.7.0/30) and the
/// server over veth `s` (10.213.8.0/30); both deleted on drop.
struct Net {
    ns: String,
    master_link: String,
    server_link: String,
}

impl Net {
    fn create() -> Result<Self, String> {
        remove_leftovers();
        let id = std::process::id();
        let net = Self {
            ns: format!("{NS_PREFIX}{id}"),
            master_link: format!("{}{id}", LINK_PREFIXES[0]),
            server_link: format!("{}{id}", LINK_PREFIXES[1]),
        };
        net.remove();
        for subnet in ["10.213.7.0/30", "10.213.8.0/30"] {
            let routes = ip_output(&["route", "show", subnet]);
            if !routes.trim().is_empty() {
                return Err(format!(
                    "{subnet} is already routed on this machine (by another run of this test?): {}",
                    routes.trim()
                ));
            }
        }
        ip(&["netns", "add", &net.ns])?;
        for (link, host, peer) in [
            (&net.master_link, "10.213.7.1/30", "10.213.7.2/30"),
            (&net.server_link, "10.213.8.1/30", "10.213.8.2/30"),
        ] {
            let inner = format!("{link}i");
            ip(&["link", "add", link, "type", "veth", "peer", "name", &inner])?;
            ip(&["link", "set", &inner, "netns", &net.ns])?;
            ip(&["addr", "add", host, "dev", link])?;
            ip(&["link", "set", link, "up"])?;
            ip(&["-n", &net.ns, "addr", "add", peer, "dev", &inner])?;
            ip(&["-n", &net.ns, "link", "set", &inner, "up"])?;
        }
        ip(&["-n", &net.ns, "link", "set", "lo", "up"])?;
        Ok(net)
    }

    fn set_master_link(&self, up: bool) {
        ip(&[
            "link",
            "set",
            &self.master_link,
            if up { "up" } else { "down" },
        ])
        .unwrap();
    }

    fn remove(&self) {
        let _ = ip(&["netns", "del", &self.ns]);
        let _ = ip(&["link", "del", &self.master_link]);
        let _ = ip(&["link", "del", &self.server_link]);
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        self.remove();
    }
}

fn can_run() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if root {
        return true;
    }
    assert!(!ci, "CI must run the network-namespace test as root");
    eprintln!("SKIPPED: the network-namespace test needs root (ip netns); run it as root or in CI");
    false
}

#[test]
fn a_worker_cut_off_by_the_network_is_lost_stops_and_rejoins() {
    if !can_run() {
        return;
    }
    let _serial = serial();
    let net = Net::create().expect("network namespace and veth pairs");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(CountingServer::start_on("10.213.8.1:0"));
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("run.json");
    let token = [("MILMOVE_LOAD_CLUSTER_TOKEN", "netns-test-token")];
    let port = support::free_port().to_string();
    let mut master = Proc::spawn(
        "master",
        &[
            "--master",
            "--master-bind-host",
            "10.213.7.1",
            "--master-bind-port",
            &port,
            "-H",
            &server.url,
            "--headless",
            "--only-summary",
            "--expect-workers",
            "2",
            "-u",
            "8",
            "-r",
            "100",
            "-t",
            "30s",
            "--stop-timeout",
            "3s",
            "--json",
            json.to_str().unwrap(),
        ],
        &token,
    );
    let mut local = Proc::spawn(
        "local worker",
        &[
            "--worker",
            "--master-host",
            "10.213.7.1",
            "--master-port",
            &port,
        ],
        &token,
    );
    let mut cut_off = Proc::spawn_with(
        "namespaced worker",
        Command::new("ip").args([
            "netns",
            "exec",
            &net.ns,
            DEMO,
            "--worker",
            "--master-host",
            "10.213.7.1",
            "--master-port",
            &port,
        ]),
        &token,
    );
    let peer: IpAddr = "10.213.8.2".parse().unwrap();
    cut_off.wait_line("running", Duration::from_secs(30));
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        server.requests_from(peer).0 > 0,
        "the namespaced worker sends load; server per peer: {:?}\n--- master:\n{}\n--- cut-off worker:\n{}\n--- local worker:\n{}",
        server.per_peer(),
        master.output(),
        cut_off.output(),
        local.output()
    );

    let cut_at = Instant::now();
    net.set_master_link(false);
    let (lost_at, _) = master.wait_line(" lost: nothing heard", Duration::from_secs(10));
    assert!(lost_at.duration_since(cut_at) <= Duration::from_millis(4_500));
    let (stopped_at, _) =
        cut_off.wait_line("heard nothing from the master", Duration::from_secs(10));
    assert!(stopped_at.duration_since(cut_at) <= Duration::from_millis(5_500));
    std::thread::sleep(Duration::from_secs(2));
    let (n_stopped, last) = server.requests_from(peer);
    let last = last.unwrap();
    assert!(
        last.saturating_duration_since(cut_at) <= Duration::from_millis(5_300),
        "the cut-off worker sent load {:?} after the cut",
        last.saturating_duration_since(cut_at)
    );
    // The other worker took its users: the load goes on.
    let local_ip: IpAddr = "10.213.8.1".parse().unwrap();
    let before = server.requests_from(local_ip).0;
    std::thread::sleep(Duration::from_secs(1));
    assert!(server.requests_from(local_ip).0 > before, "the run goes on");

    net.set_master_link(true);
    master.wait_line("rejoined after it was lost", Duration::from_secs(20));
    let deadline = Instant::now() + Duration::from_secs(15);
    while server.requests_from(peer).0 == n_stopped {
        assert!(
            Instant::now() < deadline,
            "the rejoined worker got no users"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = master.wait_exit(Duration::from_secs(60));
    assert!(status.success(), "{status}\n{}", master.output());
    local.wait_exit(Duration::from_secs(15));
    cut_off.wait_exit(Duration::from_secs(15));
    for p in [&master, &local, &cut_off] {
        p.assert_no_panic();
    }
    let report = read_json(&json);
    let workers = report["cluster"]["workers"].as_array().unwrap();
    let ns_worker = workers
        .iter()
        .find(|w| w["times_lost"].as_u64() == Some(1))
        .expect("the cut-off worker was lost once");
    assert_ne!(ns_worker["state"], "lost", "it rejoined: {ns_worker}");
    assert_eq!(report["cluster"]["lost_workers"].as_u64(), Some(0));
    // Its figures from before the cut arrived (resent after the rejoin): the master's count
    // equals the server's, less what the worker cut in flight when it stopped itself.
    let total = report["total"]["requests"].as_u64().unwrap();
    let cut = report["run"]["cut_requests"].as_u64().unwrap();
    let seen = server.count();
    assert!(
        total <= seen && seen - total <= cut,
        "master {total}, server {seen}, cut {cut}; server per peer: ns {:?}, local {:?}; \
         workers: {}\n--- master:\n{}\n--- cut-off worker:\n{}",
        server.requests_from(peer).0,
        server.requests_from(local_ip).0,
        report["cluster"]["workers"],
        master.output(),
        cut_off.output()
    );
}
