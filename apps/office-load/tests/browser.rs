//! office-load's web UI in real headless Chromium against the stand-in: fill the start form
//! (10 users, host `sim`), start, see the table fill, open Charts and find drawn charts, edit
//! to 20 users and see the header follow, stop, download the stats CSV and compare it with the
//! table, reset, start a new test. Screenshots go to `target/screenshots/`.

#[path = "../../../crates/ui/tests/support/browser.rs"]
mod browser;
#[path = "../../common/e2e.rs"]
mod e2e;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts office-load with the web UI on a free port; returns it and the page's URL.
fn start_app() -> (Child, String) {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_office-load"))
            .args([
                "--web-port",
                "0",
                "--wait-time",
                "0.05-0.2",
                "--stop-timeout",
                "3s",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start office-load"),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("office-load ended before serving its web UI")
            .unwrap();
        if let Some(url) = line.strip_prefix("Web UI: ") {
            break url.trim().to_string();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

/// The statistics table as the page shows it: (type, name, requests, failures), total last.
const TABLE: &str = "return Array.from(document.querySelectorAll('#stats-body tr, #stats-total tr')).map(tr => Array.from(tr.children).slice(0, 4).map(td => td.textContent));";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_load_web_ui_in_chromium() {
    if e2e::spec_dir_or_skip("office_load_web_ui_in_chromium").is_none() {
        return;
    }
    let Some(b) = browser::launch("office_load_web_ui_in_chromium", false).await else {
        return;
    };
    let (app, url) = start_app();
    b.client.goto(&url).await.unwrap();
    b.wait_js(
        "page connected",
        30,
        "return document.body.dataset.state === 'ready'",
    )
    .await;
    b.wait_js(
        "form prefilled",
        30,
        "return document.querySelectorAll('#f-classes input[type=checkbox]').length === 3",
    )
    .await;

    // Start: 10 users, host sim.
    b.click("#b-new").await;
    b.fill("#f-users", "10").await;
    b.fill("#f-rate", "10").await;
    b.fill("#f-host", "sim").await;
    b.click("#f-start").await;
    b.wait_js(
        "running",
        60,
        "return document.body.dataset.state === 'running'",
    )
    .await;
    b.wait_js(
        "10 users in the header",
        60,
        "return document.getElementById('h-users').textContent === '10'",
    )
    .await;
    b.wait_js(
        "the table filled",
        60,
        "return document.querySelectorAll('#stats-body tr').length >= 5 && Number(document.querySelector('#stats-total td:nth-child(3)').textContent.replace(/,/g, '')) > 50",
    )
    .await;
    let host = b
        .js("return document.getElementById('h-host').textContent")
        .await;
    assert!(
        host.as_str()
            .unwrap()
            .starts_with("sim (https://127.0.0.1:"),
        "{host}"
    );
    b.screenshot("office-load-statistics").await;

    // Charts: drawn SVG with lines and hover values.
    b.click("#tabs a[data-tab=charts]").await;
    b.wait_js(
        "charts drawn",
        30,
        "return ['chart-rps','chart-latency','chart-users'].every(id => { const s = document.querySelector('#' + id + ' svg'); return s && s.querySelectorAll('polyline, path').length > 0 && s.querySelectorAll('g.hover rect').length > 1; })",
    )
    .await;
    // p99.9 chosen on the page redraws the latency chart with it.
    b.click("#chart-controls input[value='99.9']").await;
    b.wait_js("p99.9 drawn", 30, "return document.querySelector('#chart-latency svg') && document.querySelector('#chart-latency svg').textContent.includes('p99.9')").await;
    b.screenshot("office-load-charts").await;

    // One endpoint's chart on selecting its row.
    b.click("#tabs a[data-tab=stats]").await;
    b.click("#stats-body tr:nth-child(3)").await;
    b.wait_js("endpoint chart", 30, "return document.querySelector('#chart-endpoint-latency svg') !== null && document.getElementById('chart-endpoint').textContent.startsWith('Endpoint: ')").await;

    // Edit to 20 users: the header follows.
    b.click("#b-edit").await;
    b.fill("#e-users", "20").await;
    b.fill("#e-rate", "20").await;
    b.click("#e-apply").await;
    b.wait_js("20 users in the header", 60, "return document.getElementById('h-users').textContent === '20' && document.body.dataset.state === 'running'").await;
    b.screenshot("office-load-20-users").await;

    // Stop.
    b.click("#b-stop").await;
    b.wait_js(
        "stopped",
        60,
        "return document.body.dataset.state === 'stopped'",
    )
    .await;
    b.click("#tabs a[data-tab=stats]").await;
    // Wait for the table to show the final tick (after the stop), then compare with the CSV.
    let seq_after_stop = b
        .wait_js(
            "a tick after the stop",
            10,
            "return document.body.dataset.state === 'stopped' && Number(document.body.dataset.seq)",
        )
        .await;
    assert!(seq_after_stop.as_u64().is_some());
    let href = b
        .js("return document.getElementById('dl-stats').href")
        .await;
    let csv = reqwest::get(href.as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let table = b.js(TABLE).await;
    let table: Vec<Vec<String>> = serde_json::from_value(table).unwrap();
    let mut csv_rows: Vec<Vec<String>> = Vec::new();
    for line in csv.lines().skip(1) {
        // Names have no comma here; a quoted field would need a CSV parser.
        let cells: Vec<String> = line.split(',').take(4).map(str::to_string).collect();
        csv_rows.push(cells);
    }
    assert_eq!(
        csv_rows.len(),
        table.len(),
        "CSV rows vs table rows\n{csv}\n{table:?}"
    );
    for (c, t) in csv_rows.iter().zip(&table) {
        assert_eq!(c[0], t[0], "type");
        assert_eq!(c[1], t[1], "name");
        assert_eq!(c[2], t[2].replace(',', ""), "requests of {}", c[1]);
        assert_eq!(c[3], t[3].replace(',', ""), "failures of {}", c[1]);
    }

    // Reset, then a new test.
    b.click("#b-reset").await;
    b.wait_js(
        "reset",
        30,
        "return document.querySelector('#stats-total td:nth-child(3)').textContent === '0'",
    )
    .await;
    b.click("#b-new").await;
    b.fill("#f-users", "5").await;
    b.fill("#f-rate", "5").await;
    b.click("#f-start").await;
    b.wait_js("second test running", 60, "return document.body.dataset.state === 'running' && document.getElementById('h-users').textContent === '5'").await;
    b.wait_js("second test's table", 60, "return Number(document.querySelector('#stats-total td:nth-child(3)').textContent.replace(/,/g, '')) > 10").await;
    b.screenshot("office-load-second-test").await;
    b.click("#b-stop").await;
    b.wait_js(
        "stopped again",
        60,
        "return document.body.dataset.state === 'stopped'",
    )
    .await;
    drop(app);
}
