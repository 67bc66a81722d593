//! Console output in Locust's layout: the periodic stats table and the final summary.
//! Functions return `String`s; the engine decides where to print them.
//!
//! Times are in milliseconds, whole numbers from 10 ms up and with one decimal below
//! (`0.4`, `3.2`): fast endpoints answer in well under a millisecond, where whole numbers
//! would all read 0 or 1. (Locust's CSV files keep Locust's own format: `report::csv`.)

use std::fmt::Write as _;

use crate::stats::{EntrySnapshot, LatencyStats, StatsSnapshot, PERCENTILES_TO_REPORT};
use crate::threshold::ThresholdResult;

const TYPE_WIDTH: usize = 8;

fn name_width(snap: &StatsSnapshot) -> usize {
    snap.entries
        .iter()
        .map(|e| e.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(24, 76)
}

/// A time in µs as console milliseconds: one decimal below 10 ms, whole numbers above.
fn ms(us: Option<u64>) -> String {
    ms_f(us.map(|v| v as f64))
}

fn ms_f(us: Option<f64>) -> String {
    let Some(us) = us else {
        return "0".to_string();
    };
    let ms = us / 1000.0;
    if ms < 9.95 {
        format!("{ms:.1}")
    } else {
        format!("{}", ms.round() as u64)
    }
}

fn stats_line(out: &mut String, e: &EntrySnapshot, w: usize, current: bool) {
    let p = e.primary();
    let (rps, fps) = if current {
        (e.current_rps, e.current_fail_per_sec)
    } else {
        (e.total_rps, e.total_fail_per_sec)
    };
    let fails = format!("{}({:.2}%)", e.num_failures, e.fail_ratio() * 100.0);
    let ty = if e.method.is_empty() {
        String::new()
    } else {
        e.method.clone()
    };
    let _ = writeln!(
        out,
        "{ty:<TYPE_WIDTH$} {:<w$} {:>7} {fails:>12} |{:>7} {:>7} {:>7}{:>7} | {rps:>7.2} {fps:>11.2}",
        e.name,
        e.num_requests,
        ms_f(p.mean_us()),
        ms(p.min_us()),
        ms(p.max_us()),
        ms(p.percentile_us(0.5)),
    );
}

/// The stats table (times in ms, one decimal below 10 ms). `current`: requests/s over the rolling window (periodic
/// table); otherwise over the whole run (final summary).
pub fn stats_table(snap: &StatsSnapshot, current: bool) -> String {
    let w = name_width(snap);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<TYPE_WIDTH$} {:<w$} {:>7} {:>12} |{:>7} {:>7} {:>7}{:>7} | {:>7} {:>11}",
        "Type", "Name", "# reqs", "# fails", "Avg", "Min", "Max", "Med", "req/s", "failures/s"
    );
    let sep = format!(
        "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
        "-".repeat(TYPE_WIDTH),
        "-".repeat(w),
        "-".repeat(7),
        "-".repeat(13),
        "-".repeat(7),
        "-".repeat(7),
        "-".repeat(7),
        "-".repeat(7),
        "-".repeat(8),
        "-".repeat(11)
    );
    let _ = writeln!(out, "{sep}");
    for e in &snap.entries {
        stats_line(&mut out, e, w, current);
    }
    let _ = writeln!(out, "{sep}");
    stats_line(&mut out, &snap.total, w, current);
    out
}

fn percentile_table(
    snap: &StatsSnapshot,
    title: &str,
    pick: fn(&EntrySnapshot) -> Option<&LatencyStats>,
) -> String {
    let w = name_width(snap);
    let mut out = String::new();
    let _ = writeln!(out, "{title}");
    let _ = write!(
        out,
        "{:<TYPE_WIDTH$} {:<w$} {:>8}",
        "Type", "Name", "# reqs"
    );
    for q in PERCENTILES_TO_REPORT {
        let label = crate::report::json::percentile_key(q);
        let _ = write!(out, " {:>6}", format!("{}%", &label[1..]));
    }
    out.push('\n');
    let sep = format!(
        "{}|{}|{}{}",
        "-".repeat(TYPE_WIDTH),
        "-".repeat(w),
        "-".repeat(8),
        "|------".repeat(PERCENTILES_TO_REPORT.len())
    );
    let _ = writeln!(out, "{sep}");
    let line = |out: &mut String, e: &EntrySnapshot| {
        let Some(l) = pick(e).filter(|l| l.count() > 0) else {
            return;
        };
        let _ = write!(
            out,
            "{:<TYPE_WIDTH$} {:<w$} {:>8}",
            e.method,
            e.name,
            l.count()
        );
        for q in PERCENTILES_TO_REPORT {
            let _ = write!(out, " {:>6}", ms(l.percentile_us(q)));
        }
        out.push('\n');
    };
    for e in &snap.entries {
        line(&mut out, e);
    }
    let _ = writeln!(out, "{sep}");
    line(&mut out, &snap.total);
    out
}

/// Failures grouped by (method, name, error), Locust's "Error report".
pub fn error_report(snap: &StatsSnapshot) -> String {
    if snap.errors.is_empty() {
        return String::new();
    }
    let mut out = String::from("Error report\n");
    let _ = writeln!(out, "{:<18} Error", "# occurrences");
    let _ = writeln!(out, "{}|{}", "-".repeat(18), "-".repeat(60));
    for f in &snap.errors {
        let _ = writeln!(
            out,
            "{:<18} {} {}: {}",
            f.occurrences, f.method, f.name, f.error
        );
    }
    out
}

/// Exceptions raised by task code.
pub fn exception_report(snap: &StatsSnapshot) -> String {
    if snap.exceptions.is_empty() {
        return String::new();
    }
    let mut out = String::from("Exceptions\n");
    for x in &snap.exceptions {
        let _ = writeln!(out, "{:<6} {}\n{}", x.count, x.message, x.traceback);
    }
    out
}

/// One line per threshold, `PASS`/`FAIL` with the observed value.
pub fn threshold_report(results: &[ThresholdResult]) -> String {
    if results.is_empty() {
        return String::new();
    }
    let failed = results.iter().filter(|r| !r.passed).count();
    let mut out = format!(
        "Thresholds: {} passed, {failed} failed\n",
        results.len() - failed
    );
    for r in results {
        let _ = writeln!(out, "  {r}");
    }
    out
}

/// The final summary: whole-run stats table, response-time percentiles (raw, and corrected
/// for coordinated omission side by side when available), errors, exceptions, thresholds.
pub fn final_summary(snap: &StatsSnapshot, thresholds: &[ThresholdResult]) -> String {
    let mut parts = vec![
        stats_table(snap, false),
        percentile_table(
            snap,
            "Response time percentiles (ms, measured from send)",
            |e| Some(&e.raw),
        ),
    ];
    if snap.has_corrected() {
        parts.push(percentile_table(
            snap,
            "Response time percentiles (ms, corrected: measured from the intended start)",
            |e| e.corrected.as_ref(),
        ));
    }
    parts.extend([
        error_report(snap),
        exception_report(snap),
        threshold_report(thresholds),
    ]);
    parts.retain(|p| !p.is_empty());
    parts.join("\n")
}

#[cfg(test)]
mod tests {
    use super::{ms, ms_f};

    #[test]
    fn milliseconds_get_a_decimal_below_ten() {
        assert_eq!(ms(None), "0");
        assert_eq!(ms(Some(0)), "0.0");
        assert_eq!(ms(Some(420)), "0.4");
        assert_eq!(ms(Some(3_240)), "3.2");
        assert_eq!(ms(Some(9_940)), "9.9");
        assert_eq!(ms(Some(9_960)), "10");
        assert_eq!(ms(Some(12_400)), "12");
        assert_eq!(ms(Some(1_234_567)), "1235");
        assert_eq!(ms_f(Some(850.0)), "0.8");
    }
}
