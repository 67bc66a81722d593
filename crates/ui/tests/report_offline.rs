//! The HTML report opens from disk in Chromium with networking disabled, and its charts are
//! there.

mod support;

use support::{start_ui, target};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_report_opens_offline_with_its_charts() {
    let t = target().await;
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let ui = start_ui(&[
        "--html",
        html.to_str().unwrap(),
        "--threshold",
        "fail_ratio<0.5",
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
    ui.wait_state("stopped", |s| s["state"] == "stopped").await;
    for _ in 0..200 {
        if html.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let Some(b) = support::browser::launch("html_report_opens_offline_with_its_charts", true).await
    else {
        return;
    };
    b.client
        .goto(&format!("file://{}", html.display()))
        .await
        .unwrap();
    let charts = b
        .wait_js("charts drawn", 20, "return document.querySelectorAll('svg').length >= 3 && document.querySelectorAll('svg polyline, svg path').length > 0 ? document.querySelectorAll('svg').length : 0")
        .await;
    assert!(charts.as_u64().unwrap() >= 3);
    let titles = b
        .js("return document.querySelectorAll('svg g.hover rect title').length")
        .await;
    assert!(titles.as_u64().unwrap() > 0, "no hover values");
    // Nothing was fetched: the page needs no network.
    let fetched = b
        .js("return performance.getEntriesByType('resource').length")
        .await;
    assert_eq!(fetched, 0);
    let text = b.js("return document.body.innerText").await;
    let text = text.as_str().unwrap();
    assert!(text.contains("Request statistics") && text.contains("Aggregated"));
    assert!(text.contains("fail_ratio<0.5"));
    assert!(
        text.contains("<img src=x onerror=alert(1)>"),
        "escaped name shown as text"
    );
    let img = b.js("return document.querySelectorAll('img').length").await;
    assert_eq!(img, 0, "an injected element");
    b.screenshot("html-report-offline").await;
    drop(ui);
}
