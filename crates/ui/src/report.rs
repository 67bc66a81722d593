//! The self-contained HTML report (`--html FILE`, and `/stats/report` on the web UI): run
//! metadata, the statistics table, failures, exceptions, thresholds with verdicts, and charts
//! over the whole run (inline SVG with hover values). One file, no script, no network: it opens
//! from disk in an air-gapped browser.

use std::fmt::Write as _;

use milmove_runner::control::{HtmlReporter, ReportInput};
use milmove_runner::stats::EntrySnapshot;

use crate::charts::{self, LatencyOptions, Series};
use crate::live::{html_escape as esc, time_text};

/// The [`HtmlReporter`] plug-in.
#[derive(Debug, Clone, Copy, Default)]
pub struct HtmlReport;

impl HtmlReporter for HtmlReport {
    fn render(&self, input: &ReportInput<'_>) -> String {
        render(input)
    }
}

const STYLE: &str = include_str!("../assets/report.css");

fn ms(us: Option<u64>) -> String {
    us.map_or("—".into(), |v| format!("{:.1}", v as f64 / 1000.0))
}

fn stat_row(out: &mut String, e: &EntrySnapshot) {
    let p = e.primary();
    let class = if e.is_aggregated() {
        " class=\"total\""
    } else {
        ""
    };
    let _ = write!(
        out,
        "<tr{class}><td>{}</td><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0}</td><td>{:.2}</td><td>{:.2}</td></tr>",
        esc(&e.method),
        esc(&e.name),
        e.num_requests,
        e.num_failures,
        ms(p.percentile_us(0.5)),
        ms(p.percentile_us(0.9)),
        ms(p.percentile_us(0.95)),
        ms(p.percentile_us(0.99)),
        ms(p.percentile_us(0.999)),
        ms(p.max_us()),
        p.mean_us().map_or("—".into(), |v| format!("{:.1}", v / 1000.0)),
        ms(p.min_us()),
        e.avg_content_length(),
        e.total_rps,
        e.total_fail_per_sec,
    );
}

/// The whole document.
pub fn render(input: &ReportInput<'_>) -> String {
    let snap = input.snapshot;
    let mut out = String::with_capacity(64 * 1024);
    let title = match input.run {
        Some(r) => format!("Load test report: {}", r.host_detail),
        None => "Load test report".to_string(),
    };
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1>",
        esc(&title),
        esc(&title)
    );
    // Metadata.
    out.push_str("<section><h2>Run</h2><table class=\"meta\">");
    let mut meta = |k: &str, v: String| {
        let _ = write!(out, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(&v));
    };
    if let Some(r) = input.run {
        let p = &r.params;
        if p.host.is_empty() || r.host_detail.starts_with(p.host.as_str()) {
            meta("Host", r.host_detail.clone());
        } else {
            meta("Host", format!("{} ({})", p.host, r.host_detail));
        }
        meta(
            "Classes (weights)",
            p.classes
                .iter()
                .map(|c| format!("{} ({})", c.name, c.weight))
                .collect::<Vec<_>>()
                .join(", "),
        );
        meta("Users", p.users.to_string());
        meta("Spawn rate", format!("{} users/s", p.spawn_rate));
        if let Some(rate) = p.arrival_rate {
            meta("Arrival rate", format!("{rate} iterations/s (open model)"));
        }
        if !p.tags.is_empty() || !p.exclude_tags.is_empty() {
            meta(
                "Tags",
                format!(
                    "include: {}; exclude: {}",
                    p.tags.join(", "),
                    p.exclude_tags.join(", ")
                ),
            );
        }
        meta("Start", time_text(r.start_time));
        let end = r
            .end_time
            .map(time_text)
            .unwrap_or_else(|| "still running".into());
        meta("End", end);
        let duration = r
            .end_time
            .unwrap_or(snap.taken_at)
            .duration_since(r.start_time)
            .map_or(0.0, |d| d.as_secs_f64());
        meta("Duration", format!("{duration:.1} s"));
        meta(
            "End reason",
            r.end_reason.clone().unwrap_or_else(|| "running".into()),
        );
        if r.cut_requests > 0 || r.cut_users > 0 {
            meta(
                "Cut at stop",
                format!(
                    "{} requests in flight, {} users in a task (not in the statistics)",
                    r.cut_requests, r.cut_users
                ),
            );
        }
    }
    meta("Statistics since", time_text(snap.start_time));
    if !input.workers.is_empty() {
        meta("Workers", input.workers.len().to_string());
    }
    meta("Version", input.version.to_string());
    meta("Command line", input.command_line.to_string());
    out.push_str("</table></section>");

    // Thresholds.
    if !input.thresholds.is_empty() {
        let all = input.thresholds.iter().all(|r| r.passed);
        let _ = write!(
            out,
            "<section><h2>Thresholds: <span class=\"{}\">{}</span></h2><table><tr><th>Threshold</th><th>Observed</th><th>Verdict</th></tr>",
            if all { "pass" } else { "fail" },
            if all { "all passed" } else { "FAILED" }
        );
        for r in input.thresholds {
            let observed = r.observed.map_or("no requests".into(), |v| {
                milmove_runner::threshold::format_value(r.threshold.metric, v)
            });
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
                esc(&r.threshold.expr),
                esc(&observed),
                if r.passed { "pass" } else { "fail" },
                if r.passed { "PASS" } else { "FAIL" }
            );
        }
        out.push_str("</table></section>");
    }

    // Statistics.
    out.push_str("<section><h2>Request statistics</h2>");
    if snap.has_corrected() {
        out.push_str("<p class=\"note\">Latencies are corrected for coordinated omission (measured from each request's intended start, arrival-rate mode).</p>");
    }
    out.push_str("<table class=\"stats\"><tr><th>Type</th><th>Name</th><th># Requests</th><th># Fails</th><th>Median (ms)</th><th>90%ile</th><th>95%ile</th><th>99%ile</th><th>99.9%ile</th><th>Max</th><th>Average</th><th>Min</th><th>Avg size (bytes)</th><th>RPS</th><th>Failures/s</th></tr>");
    for e in &snap.entries {
        stat_row(&mut out, e);
    }
    stat_row(&mut out, &snap.total);
    out.push_str("</table></section>");

    // Charts.
    out.push_str("<section><h2>Charts</h2>");
    let size = (1100, 300);
    out.push_str(&charts::rps_chart(input.timeline, None, size));
    let limits = input
        .thresholds
        .iter()
        .filter(|r| r.threshold.name.is_none() && r.threshold.metric.is_time())
        .map(|r| (r.threshold.expr.clone(), r.threshold.limit))
        .collect();
    out.push_str(&charts::latency_chart(
        input.timeline,
        &LatencyOptions {
            percentiles: vec![0.5, 0.9, 0.95, 0.99, 1.0],
            endpoint: None,
            series: Series::Auto,
            limits,
            size,
        },
    ));
    out.push_str(&charts::users_chart(input.timeline, size));
    out.push_str("</section>");

    // Failures.
    out.push_str("<section><h2>Failures</h2>");
    if snap.errors.is_empty() {
        out.push_str("<p>None.</p>");
    } else {
        out.push_str(
            "<table><tr><th>Method</th><th>Name</th><th>Error</th><th>Occurrences</th></tr>",
        );
        for f in &snap.errors {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"name\">{}</td><td>{}</td><td>{}</td></tr>",
                esc(&f.method),
                esc(&f.name),
                esc(&f.error),
                f.occurrences
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");

    // Exceptions.
    out.push_str("<section><h2>Exceptions</h2>");
    if snap.exceptions.is_empty() {
        out.push_str("<p>None.</p>");
    } else {
        out.push_str(
            "<table><tr><th>Count</th><th>Message</th><th>Traceback</th><th>Nodes</th></tr>",
        );
        for x in &snap.exceptions {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td><pre>{}</pre></td><td>{}</td></tr>",
                x.count,
                esc(&x.message),
                esc(&x.traceback),
                esc(&x.nodes.join(", "))
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");

    // Classes and tasks.
    if !input.catalogue.classes.is_empty() {
        out.push_str("<section><h2>User classes</h2><ul>");
        for c in &input.catalogue.classes {
            let _ = write!(
                out,
                "<li>{} (default weight {}): {} tasks</li>",
                esc(&c.name),
                c.weight,
                c.tasks.len()
            );
        }
        out.push_str("</ul></section>");
    }
    out.push_str("</body></html>\n");
    out
}
