//! Every endpoint of the web UI over a real loopback server: Locust's keys, CSV equality with
//! `--csv`, bad input, authentication, CSRF refusal, and the state transitions
//! start → edit → stop → new test → reset.

mod support;

use std::time::Duration;

use support::{start_ui, stopped, target};

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
