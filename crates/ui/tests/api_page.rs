//! The page and its live parts over a real loopback server: the SSE stream, the charts, the
//! timeline, the logs and a base path behind a reverse proxy.

mod support;

use std::time::Duration;

use support::{start_ui, stopped, target};

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
