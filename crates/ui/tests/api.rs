//! Every endpoint of the web UI over a real loopback server: Locust's keys, CSV equality with
//! `--csv`, bad input, authentication, CSRF refusal, and the state transitions
//! start → edit → stop → new test → reset.

mod support;

use std::time::Duration;

use support::{start_ui, target};

fn stopped(s: &serde_json::Value) -> bool {
    s["state"] == "stopped"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locust_api_keys_and_state_transitions() {
    let t = target().await;
    let ui = start_ui(&[]).await;
    let s = ui.json("/api/state").await;
    assert_eq!(s["state"], "ready");
    let r = ui
        .post(
            "/swarm",
            &[("user_count", "4"), ("spawn_rate", "100"), ("host", &t.url)],
        )
        .await;
    assert_eq!(r.status(), 200);
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["success"], true, "{j}");
    assert_eq!(j["host"], t.url.as_str());
    ui.wait_state("running with requests", |s| {
        s["state"] == "running" && s["users"] == 4 && s["total"]["requests"].as_u64() > Some(20)
    })
    .await;

    // Locust 2.x keys of /stats/requests.
    let st = ui.json("/stats/requests").await;
    for key in [
        "stats",
        "errors",
        "total_rps",
        "fail_ratio",
        "current_response_time_percentiles",
        "state",
        "user_count",
        "workers",
        "worker_count",
    ] {
        assert!(st.get(key).is_some(), "missing {key}: {st}");
    }
    assert_eq!(st["state"], "running");
    assert_eq!(st["worker_count"], 0);
    let row = &st["stats"][0];
    for key in [
        "method",
        "name",
        "num_requests",
        "num_failures",
        "median_response_time",
        "avg_response_time",
        "min_response_time",
        "max_response_time",
        "avg_content_length",
        "current_rps",
        "current_fail_per_sec",
        "response_time_percentile_0.95",
        "response_time_percentile_0.99",
        "response_time_percentile_1.0",
    ] {
        assert!(row.get(key).is_some(), "missing {key}: {row}");
    }
    let cur = &st["current_response_time_percentiles"];
    assert!(cur.get("response_time_percentile_0.5").is_some(), "{cur}");
    assert!(cur.get("response_time_percentile_0.95").is_some(), "{cur}");
    let last = st["stats"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["name"], "Aggregated");
    let names: Vec<&str> = st["stats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"/") && names.contains(&"/item/{n}"),
        "{names:?}"
    );
    // The failing class's 500s are in errors[], under the hostile name, unescaped in JSON.
    ui.wait_state("a failure", |s| s["total"]["failures"].as_u64() > Some(0))
        .await;
    let st = ui.json("/stats/requests").await;
    assert!(st["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["name"] == "<img src=x onerror=alert(1)>"
            && e["error"].as_str().unwrap().contains("500")));
    assert!(st["fail_ratio"].as_f64().unwrap() > 0.0);

    // Edit while running: /swarm changes the user count (Locust), and so does /api/edit.
    let r = ui
        .post("/swarm", &[("user_count", "8"), ("spawn_rate", "100")])
        .await;
    assert_eq!(r.status(), 200);
    ui.wait_state("8 users", |s| s["users"] == 8 && s["state"] == "running")
        .await;
    let r = ui
        .post("/api/edit", &[("user_count", "6"), ("spawn_rate", "100")])
        .await;
    assert_eq!(r.status(), 200);
    let s = ui.wait_state("6 users", |s| s["users"] == 6).await;
    assert_eq!(s["target"], 6);
    let per_class: u64 = s["users_per_class"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["users"].as_u64().unwrap())
        .sum();
    assert_eq!(per_class, 6);
    // Starting while running is refused by /api/start (409), not silently an edit.
    let r = ui.post("/api/start", &[("user_count", "2")]).await;
    assert_eq!(r.status(), 409);

    // /tasks, /exceptions.
    let tasks = ui.json("/tasks").await;
    let web = &tasks["per_class"]["WebUser"];
    assert!(
        (web["ratio"].as_f64().unwrap() - 0.75).abs() < 0.2,
        "{tasks}"
    );
    assert!((web["tasks"]["index"]["ratio"].as_f64().unwrap() - 0.75).abs() < 1e-9);
    assert!(
        tasks["total"]["FailingUser"]["tasks"]["hostile"]["ratio"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    let ex = ui.json("/exceptions").await;
    let list = ex["exceptions"].as_array().unwrap();
    assert!(
        list.iter()
            .any(|x| x["msg"].as_str().unwrap().contains("broke")),
        "{ex}"
    );
    for key in ["count", "msg", "traceback", "nodes"] {
        assert!(list[0].get(key).is_some());
    }

    // Stop.
    let r = ui.post("/stop", &[]).await;
    assert_eq!(r.status(), 200);
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["success"], true);
    let s = ui.wait_state("stopped", stopped).await;
    let old_requests = s["total"]["requests"].as_u64().unwrap();
    assert!(s["run"]["end_reason"] == "stopped", "{s}");
    assert_eq!(ui.json("/stats/requests").await["state"], "stopped");
    // The old run's downloads stay available.
    let csv = ui.get("/stats/requests/csv").await.text().await.unwrap();
    assert!(
        csv.contains(&format!(",Aggregated,{old_requests},")),
        "{csv}"
    );
    assert_eq!(
        ui.post("/api/edit", &[("user_count", "3")]).await.status(),
        409
    );

    // A new test after the stop: fresh statistics.
    let r = ui
        .post(
            "/swarm",
            &[
                ("user_count", "2"),
                ("spawn_rate", "100"),
                ("host", &t.url),
                ("user_classes", "WebUser"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let s = ui
        .wait_state("second run", |s| {
            s["run_id"] == 2 && s["state"] == "running"
        })
        .await;
    assert!(s["total"]["requests"].as_u64().unwrap() < old_requests);
    assert_eq!(s["run"]["classes"][0]["name"], "WebUser");
    assert_eq!(s["run"]["classes"].as_array().unwrap().len(), 1);
    ui.wait_state("requests in run 2", |s| {
        s["total"]["requests"].as_u64() > Some(5)
    })
    .await;

    // Reset.
    let r = ui.post("/stats/reset", &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ok");
    let after = ui.json("/stats/requests").await;
    let total = after["stats"].as_array().unwrap().last().unwrap()["num_requests"]
        .as_u64()
        .unwrap();
    assert!(total < 5, "reset left {total} requests");
    ui.wait_state("requests after the reset", |s| {
        s["total"]["requests"].as_u64() > Some(5)
    })
    .await;
    let r = ui.post("/api/reset", &[]).await;
    assert_eq!(r.status(), 200);
    assert!(
        ui.json("/api/state").await["total"]["requests"]
            .as_u64()
            .unwrap()
            < 5
    );
    assert_eq!(ui.post("/stop", &[]).await.status(), 200);
    ui.wait_state("stopped again", stopped).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_equal_the_csv_files_of_the_same_run() {
    let t = target().await;
    let dir = tempfile::tempdir().unwrap();
    let prefix = support::temp_prefix(&dir);
    let json = dir.path().join("run.json");
    let html = dir.path().join("run.html");
    let ui = start_ui(&[
        "--csv",
        prefix.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--threshold",
        "p99<10s",
    ])
    .await;
    let r = ui
        .post(
            "/swarm",
            &[
                ("user_count", "3"),
                ("spawn_rate", "100"),
                ("host", &t.url),
                ("run_time", "3s"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    ui.wait_state("run time over", stopped).await;
    // The reports are written when the run ends (just after the state flips): wait for them.
    for _ in 0..200 {
        if html.exists() && json.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (url, file) in [
        ("/stats/requests/csv", "stats"),
        ("/stats/failures/csv", "failures"),
        ("/exceptions/csv", "exceptions"),
        ("/stats/requests_full_history/csv", "stats_history"),
    ] {
        let r = ui.get(url).await;
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment"));
        let body = r.bytes().await.unwrap();
        let on_disk = std::fs::read(format!("{}_{file}.csv", prefix.display())).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&body),
            String::from_utf8_lossy(&on_disk),
            "{url} differs from --csv's {file}"
        );
    }
    // The JSON summary download has the same counts as --json.
    let from_file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let summary = ui.json("/api/summary.json").await;
    assert_eq!(summary["total"]["requests"], from_file["total"]["requests"]);
    let strip = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        // `current_rps` is a rolling window: it moves on after the run; everything else is fixed.
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let mut e = e.clone();
                e.as_object_mut().unwrap().remove("current_rps");
                e
            })
            .collect()
    };
    assert_eq!(strip(&summary["endpoints"]), strip(&from_file["endpoints"]));
    assert_eq!(summary["thresholds_passed"], true);
    assert_eq!(from_file["run"]["end_reason"], "run time reached");
    // The HTML report (file and download) is self-contained and escapes names.
    let file_html = std::fs::read_to_string(&html).unwrap();
    let served = ui.get("/stats/report?download=1").await;
    assert!(served.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let served = served.text().await.unwrap();
    for page in [&file_html, &served] {
        assert!(page.contains("<svg"), "no chart");
        assert!(page.matches("<svg").count() >= 3);
        assert!(page.contains("p99&lt;10s") && page.contains("PASS"));
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!page.contains("<img"), "unescaped name");
        assert!(!page.contains("<script"), "a script in the report");
        assert!(
            !page.contains("src=\"http") && !page.contains("href=\"http"),
            "external resource"
        );
        assert!(page.contains("run time reached"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_400_with_a_message_and_no_stuck_state() {
    let t = target().await;
    let ui = start_ui(&[]).await;
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("user_count", "-5"), ("spawn_rate", "1"), ("host", &t.url)],
            "user_count",
        ),
        (
            vec![("user_count", "0"), ("spawn_rate", "1"), ("host", &t.url)],
            "at least 1",
        ),
        (
            vec![("user_count", "3"), ("spawn_rate", "0"), ("host", &t.url)],
            "spawn_rate",
        ),
        (
            vec![("user_count", "3"), ("spawn_rate", "x"), ("host", &t.url)],
            "spawn_rate",
        ),
        (
            vec![
                ("user_count", "3"),
                ("spawn_rate", "1"),
                ("host", &t.url),
                ("user_classes", "NoSuchUser"),
            ],
            "unknown user class",
        ),
        (
            vec![
                ("user_count", "3"),
                ("spawn_rate", "1"),
                ("host", "not a host"),
            ],
            "not an http",
        ),
        (
            vec![
                ("user_count", "3"),
                ("spawn_rate", "1"),
                ("host", "http://does-not-exist.invalid"),
            ],
            "does not resolve",
        ),
        (
            vec![
                ("user_count", "3"),
                ("spawn_rate", "1"),
                ("host", &t.url),
                ("run_time", "soon"),
            ],
            "run_time",
        ),
        (
            vec![
                ("user_count", "3"),
                ("spawn_rate", "1"),
                ("host", &t.url),
                ("thresholds", "p95<<3"),
            ],
            "threshold",
        ),
        (
            vec![
                ("user_count", "3"),
                ("spawn_rate", "1"),
                ("host", &t.url),
                ("user_classes", "WebUser"),
                ("weight.WebUser", "-1"),
            ],
            "weight",
        ),
    ];
    for (form, expected) in cases {
        let r = ui.post("/swarm", &form).await;
        assert_eq!(r.status(), 400, "{form:?}");
        let j: serde_json::Value = r.json().await.unwrap();
        assert_eq!(j["success"], false);
        let msg = j["message"].as_str().unwrap();
        assert!(msg.contains(expected), "{form:?}: {msg}");
        assert_eq!(
            ui.json("/api/state").await["state"],
            "ready",
            "stuck after {form:?}"
        );
    }
    let r = ui.get("/charts/latency.svg?p=abc").await;
    assert_eq!(r.status(), 400);
    assert_eq!(ui.get("/charts/nope.svg").await.status(), 404);
    assert_eq!(ui.get("/no/such/page").await.status(), 404);
    // A good start still works afterwards.
    let r = ui
        .post(
            "/swarm",
            &[
                ("user_count", "1"),
                ("spawn_rate", "10"),
                ("host", &t.url),
                ("run_time", "1s"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    ui.wait_state("stopped", stopped).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_posts_are_refused_scripts_and_the_page_are_not() {
    let t = target().await;
    let ui = start_ui(&[]).await;
    let page = ui.get("/").await.text().await.unwrap();
    let token = page
        .split("name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    assert_eq!(token.len(), 48);
    let form = [
        ("user_count", "1"),
        ("spawn_rate", "10"),
        ("host", t.url.as_str()),
        ("run_time", "1s"),
    ];
    // Another site's page.
    let r = ui
        .http
        .post(ui.at("/swarm"))
        .header("Origin", "http://evil.example")
        .header("X-CSRF-Token", &token)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("cross-site"));
    // A browser request without the token (same origin, e.g. a form injected elsewhere).
    let origin = ui.url.trim_end_matches('/').to_string();
    let r = ui
        .http
        .post(ui.at("/stop"))
        .header("Origin", &origin)
        .header("Sec-Fetch-Site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = ui
        .http
        .post(ui.at("/stats/reset"))
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(ui.json("/api/state").await["state"], "ready");
    // The page's own request (token) and a script (no browser headers) pass.
    let r = ui
        .http
        .post(ui.at("/swarm"))
        .header("Origin", &origin)
        .header("X-CSRF-Token", &token)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    ui.wait_state("stopped", stopped).await;
    let r = ui.post("/swarm", &form).await;
    assert_eq!(r.status(), 200);
    ui.wait_state("stopped", |s| stopped(s) && s["run_id"] == 2)
        .await;
    // State changes only by POST.
    assert_eq!(ui.get("/stop").await.status(), 405);
    // A host name that is not loopback (DNS rebinding) is refused without a login.
    let r = ui
        .http
        .get(ui.at("/api/state"))
        .header("Host", "rebound.example:8089")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_is_required_when_set_and_for_other_addresses() {
    let ui = start_ui(&["--web-login", "milmove:s3cret"]).await;
    assert_eq!(ui.get("/").await.status(), 401);
    assert_eq!(ui.get("/stats/requests").await.status(), 401);
    assert_eq!(ui.post("/stop", &[]).await.status(), 401);
    let r = ui
        .http
        .get(ui.at("/stats/requests"))
        .basic_auth("milmove", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = ui
        .http
        .get(ui.at("/stats/requests"))
        .basic_auth("milmove", Some("s3cret"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // With a login, other host names are fine (behind a proxy or port-forward).
    let r = ui
        .http
        .get(ui.at("/api/state"))
        .header("Host", "load.example")
        .basic_auth("milmove", Some("s3cret"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The password never appears in what the UI serves.
    let page = ui
        .http
        .get(ui.at("/stats/report"))
        .basic_auth("milmove", Some("s3cret"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("s3cret"));

    // Another address without a login: refused before anything starts.
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        runner: milmove_runner::RunnerArgs,
    }
    let cli = Cli::try_parse_from(["t", "--web-host", "0.0.0.0"]).unwrap();
    let err = milmove_runner::Settings::resolve(&cli.runner)
        .unwrap_err()
        .to_string();
    assert!(err.contains("--web-login"), "{err}");
    let cli = Cli::try_parse_from(["t", "--web-host", "0.0.0.0", "--headless"]).unwrap();
    assert!(milmove_runner::Settings::resolve(&cli.runner).is_ok());
    let cli = Cli::try_parse_from(["t", "--web-login", "nocolon"]).unwrap();
    assert!(milmove_runner::Settings::resolve(&cli.runner).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_stream_charts_timeline_logs_and_base_path() {
    let t = target().await;
    let ui = start_ui(&[
        "--web-base-path",
        "/load",
        "--arrival-rate",
        "40",
        "-u",
        "4",
    ])
    .await;
    assert!(ui.url.ends_with("/load"), "{}", ui.url);
    let slash = ui.http.get(format!("{}/", ui.url)).send().await.unwrap();
    assert_eq!(slash.status(), 200, "{}/ does not lead to the page", ui.url);
    let page = ui.get("").await;
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'self'"));
    let page = page.text().await.unwrap();
    assert!(page.contains("/load/static/app.js"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "a page resource outside the binary"
    );
    for asset in ["static/app.js", "static/app.css"] {
        assert_eq!(ui.get(asset).await.status(), 200);
    }
    let cfg = ui.json("api/config").await;
    assert_eq!(cfg["classes"][0]["name"], "WebUser");
    assert_eq!(cfg["defaults"]["arrival_rate"], 40.0);
    let r = ui
        .post(
            "swarm",
            &[
                ("user_count", "4"),
                ("spawn_rate", "100"),
                ("host", &t.url),
                ("thresholds", "p95<2s"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    // The live stream sends a state document at once and after every tick.
    let mut sse = ui.get("events").await;
    assert!(sse.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut text = String::new();
    while text.matches("event: state").count() < 3 {
        let chunk = tokio::time::timeout(Duration::from_secs(10), sse.chunk())
            .await
            .expect("no event")
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let data = text.lines().find(|l| l.starts_with("data: ")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&data[6..]).unwrap();
    assert!(doc.get("rows").is_some() && doc.get("thresholds").is_some());
    let s = ui
        .wait_state("corrected latency", |s| {
            s["corrected"] == true && s["total"]["requests"].as_u64() > Some(40)
        })
        .await;
    assert_eq!(s["thresholds"][0]["expr"], "p95<2s");
    assert_eq!(s["thresholds"][0]["passed"], true);
    // Charts: SVG with hover titles; corrected dashed lines in arrival-rate mode; one endpoint.
    for _ in 0..600 {
        let tl = ui.json("api/timeline").await;
        if tl["points"].as_array().is_some_and(|p| p.len() >= 3) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let svg = ui
        .get("charts/latency.svg?p=50,99.9,max")
        .await
        .text()
        .await
        .unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("p99.9") && svg.contains("max") && svg.contains("corrected"));
    assert!(svg.contains("<title>"), "no hover values");
    assert!(svg.contains("limit p95&lt;2s"));
    let ep = ui
        .get("charts/latency.svg?endpoint=GET%20%2Fitem%2F%7Bn%7D")
        .await
        .text()
        .await
        .unwrap();
    assert!(ep.contains("GET /item/{n}"));
    for c in [
        "charts/rps.svg",
        "charts/users.svg",
        "charts/rps.svg?endpoint=GET%20%2F",
    ] {
        let r = ui.get(c).await;
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml"));
    }
    // Timeline: exact per-interval percentiles, raw and corrected.
    let tl = ui.json("api/timeline").await;
    let points = tl["points"].as_array().unwrap();
    assert!(points.len() >= 2, "{tl}");
    let p = points
        .iter()
        .find(|p| p["requests"].as_u64() > Some(0))
        .unwrap();
    assert!(p["latency"]["p50_ms"].as_f64().is_some());
    assert!(p["corrected_latency"]["p99_ms"].as_f64().is_some());
    let sum: u64 = points.iter().map(|p| p["requests"].as_u64().unwrap()).sum();
    let total = ui.json("api/state").await["total"]["requests"]
        .as_u64()
        .unwrap();
    assert!(
        sum <= total && sum + 200 >= total,
        "timeline {sum} vs total {total}"
    );
    let logs = ui.json("api/logs").await;
    assert!(logs["lines"].as_array().is_some());
    let w = ui.json("api/workers").await;
    assert_eq!(w["workers"].as_array().unwrap().len(), 0);
    assert_eq!(ui.post("api/stop", &[]).await.status(), 200);
    ui.wait_state("stopped", stopped).await;
    // Without the base path nothing is served.
    let root = ui.url.trim_end_matches("/load").to_string() + "/";
    assert_eq!(ui.http.get(root).send().await.unwrap().status(), 404);
}
