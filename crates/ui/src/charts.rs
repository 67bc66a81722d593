//! SVG charts drawn by `plotters` from the run's timeline: requests/s and failures/s, the true
//! percentiles of every interval (raw and coordinated-omission corrected), users. Every chart
//! carries an invisible hover column per interval whose `<title>` lists that interval's values,
//! so a pointer over the chart shows them (in the page and in the HTML report, no script
//! needed); the legend shows the latest values.
//!
//! ```
//! use milmove_runner::stats::{RequestRecord, StatsHub};
//! use milmove_ui::charts::{latency_chart, LatencyOptions};
//!
//! let hub = StatsHub::default();
//! hub.record(RequestRecord::new("GET", "/", 12_000));
//! hub.sample();
//! let svg = latency_chart(&hub.timeline(), &LatencyOptions::default());
//! assert!(svg.starts_with("<svg") && svg.contains("p95"));
//! ```

use std::fmt::Write as _;
use std::sync::Arc;

use milmove_runner::stats::{IntervalRow, TimelinePoint};
use plotters::prelude::*;

use crate::live::html_escape;

/// Which latency series a chart draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Series {
    /// Raw, plus corrected when the run measured it (arrival-rate mode).
    Auto,
    /// Only the raw series (from the moment each request was sent).
    Raw,
    /// Only the corrected series (from each request's intended start).
    Corrected,
}

/// Options of [`latency_chart`].
#[derive(Clone, Debug)]
pub struct LatencyOptions {
    /// Percentiles to draw, as fractions (1.0 = max).
    pub percentiles: Vec<f64>,
    /// One endpoint (method, name) instead of the aggregated row.
    pub endpoint: Option<(String, String)>,
    /// Series to draw.
    pub series: Series,
    /// Horizontal limit lines (label, µs), e.g. latency thresholds.
    pub limits: Vec<(String, f64)>,
    /// Size in pixels.
    pub size: (u32, u32),
}

impl Default for LatencyOptions {
    fn default() -> Self {
        Self {
            percentiles: vec![0.5, 0.95, 0.99],
            endpoint: None,
            series: Series::Auto,
            limits: Vec::new(),
            size: (1000, 300),
        }
    }
}

/// `p50`, `p99.9`, `max`.
pub fn percentile_label(q: f64) -> String {
    if q >= 1.0 {
        return "max".into();
    }
    let pct = q * 100.0;
    let text = format!("{pct:.3}");
    format!("p{}", text.trim_end_matches('0').trim_end_matches('.'))
}

const PALETTE: [RGBColor; 8] = [
    RGBColor(230, 145, 20),
    RGBColor(46, 139, 87),
    RGBColor(128, 70, 200),
    RGBColor(210, 40, 40),
    RGBColor(120, 80, 40),
    RGBColor(90, 90, 90),
    RGBColor(20, 120, 200),
    RGBColor(200, 60, 150),
];

struct Line {
    label: String,
    color: RGBColor,
    dashed: bool,
    values: Vec<Option<f64>>,
    unit: Unit,
}

#[derive(Clone, Copy)]
enum Unit {
    Millis,
    PerSecond,
    Count,
}

fn format_value(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Millis if v >= 10_000.0 => format!("{:.1} s", v / 1000.0),
        Unit::Millis if v >= 100.0 => format!("{v:.0} ms"),
        Unit::Millis => format!("{v:.1} ms"),
        Unit::PerSecond if v >= 100.0 => format!("{v:.0}/s"),
        Unit::PerSecond => format!("{v:.2}/s"),
        Unit::Count => format!("{v:.0}"),
    }
}

fn format_elapsed(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

fn clock(t: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%H:%M:%S UTC")
        .to_string()
}

/// x of each point: seconds from the start of the first interval to the end of this one.
fn xs(points: &[Arc<TimelinePoint>]) -> Vec<f64> {
    let Some(first) = points.first() else {
        return Vec::new();
    };
    points
        .iter()
        .map(|p| {
            p.end
                .duration_since(first.start)
                .map_or(0.0, |d| d.as_secs_f64())
        })
        .collect()
}

fn draw(
    title: &str,
    points: &[Arc<TimelinePoint>],
    lines: &[Line],
    limits: &[(String, f64)],
    size: (u32, u32),
) -> String {
    let x = xs(points);
    let mut svg = String::new();
    let hover_x: Vec<i32>;
    let plot_y: (i32, i32);
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let _ = root.fill(&WHITE);
        let legend_width = 210.min(size.0 as i32 / 3);
        let (plot_area, legend_area) = root.split_horizontally(size.0 as i32 - legend_width);
        let x_max = x.last().copied().unwrap_or(1.0).max(1.0);
        let data_max = lines
            .iter()
            .flat_map(|l| l.values.iter().flatten().copied())
            .chain(limits.iter().map(|(_, v)| *v))
            .fold(0.0f64, f64::max);
        let y_max = if data_max > 0.0 { data_max * 1.15 } else { 1.0 };
        let unit = lines.first().map_or(Unit::Count, |l| l.unit);
        let mut legend: Vec<(String, RGBColor, bool)> = Vec::new();
        let built = ChartBuilder::on(&plot_area)
            .caption(title, ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(26)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..x_max, 0f64..y_max);
        let Ok(mut chart) = built else {
            return svg_error(size);
        };
        let short = x_max < 30.0;
        let x_format = move |v: &f64| {
            if short {
                format!("{v:.1}s")
            } else {
                format_elapsed(*v)
            }
        };
        let _ = chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&x_format)
            .y_label_formatter(&|v| format_value(*v, unit))
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(220, 220, 220))
            .draw();
        for line in lines {
            let color = line.color;
            let segments = segments(&x, &line.values);
            let latest = line.values.iter().rev().flatten().next().copied();
            let label = match latest {
                Some(v) => format!("{}: {}", line.label, format_value(v, line.unit)),
                None => line.label.clone(),
            };
            let markers = x.len() <= 90;
            for seg in segments {
                if markers {
                    let _ =
                        chart.draw_series(seg.iter().map(|p| Circle::new(*p, 2, color.filled())));
                }
                let _ = if line.dashed {
                    chart.draw_series(DashedLineSeries::new(seg, 6, 4, color.stroke_width(2)))
                } else {
                    chart.draw_series(LineSeries::new(seg, color.stroke_width(2)))
                };
            }
            legend.push((label, color, line.dashed));
        }
        for (label, value) in limits {
            let red = RGBColor(220, 0, 0);
            let _ = chart.draw_series(DashedLineSeries::new(
                vec![(0.0, *value), (x_max, *value)],
                8,
                6,
                red.stroke_width(1),
            ));
            legend.push((format!("limit {label}"), red, true));
        }
        let font = ("sans-serif", 13).into_font();
        for (i, (label, color, dashed)) in legend.iter().enumerate() {
            let y = 40 + 20 * i as i32;
            let style = color.stroke_width(if *dashed { 1 } else { 3 });
            let _ = legend_area.draw(&PathElement::new(vec![(6, y), (28, y)], style));
            let _ = legend_area.draw(&Text::new(label.clone(), (34, y - 7), font.clone()));
        }
        hover_x = x
            .iter()
            .map(|v| chart.backend_coord(&(*v, 0.0)).0)
            .collect();
        plot_y = (
            chart.backend_coord(&(0.0, y_max)).1,
            chart.backend_coord(&(0.0, 0.0)).1,
        );
        let _ = root.present();
    }
    let hover = hover_layer(points, lines, &hover_x, plot_y);
    match svg.rfind("</svg>") {
        Some(end) => {
            svg.insert_str(end, &hover);
            svg
        }
        None => svg,
    }
}

fn svg_error(size: (u32, u32)) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\"><text x=\"10\" y=\"20\">chart unavailable</text></svg>",
        size.0, size.1
    )
}

/// Runs of consecutive points that have a value.
fn segments(x: &[f64], values: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for (xv, v) in x.iter().zip(values) {
        match v {
            Some(v) => cur.push((*xv, *v)),
            None if !cur.is_empty() => out.push(std::mem::take(&mut cur)),
            None => {}
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// One transparent column per interval with a `<title>` of its values.
fn hover_layer(
    points: &[Arc<TimelinePoint>],
    lines: &[Line],
    xs: &[i32],
    (top, bottom): (i32, i32),
) -> String {
    let mut out = String::from("<g class=\"hover\" fill=\"transparent\">");
    for (i, x) in xs.iter().enumerate() {
        let left = if i == 0 { *x - 4 } else { (xs[i - 1] + x) / 2 };
        let right = xs.get(i + 1).map_or(*x + 4, |n| (x + n) / 2);
        let p = &points[i];
        let first_start = points[0].start;
        let since = p
            .end
            .duration_since(first_start)
            .map_or(0.0, |d| d.as_secs_f64());
        let mut title = format!("{} ({})", format_elapsed(since), clock(p.end));
        for l in lines {
            let v = l.values[i].map_or("—".to_string(), |v| format_value(v, l.unit));
            let _ = write!(title, "\n{}: {v}", l.label);
        }
        let _ = write!(
            out,
            "<rect x=\"{left}\" y=\"{top}\" width=\"{}\" height=\"{}\"><title>{}</title></rect>",
            (right - left).max(1),
            (bottom - top).max(1),
            html_escape(&title)
        );
    }
    out.push_str("</g>");
    out
}

fn row_of<'a>(
    p: &'a TimelinePoint,
    endpoint: Option<&(String, String)>,
) -> Option<&'a IntervalRow> {
    match endpoint {
        None => Some(&p.total),
        Some((method, name)) => p.entry(method, name),
    }
}

fn endpoint_title(base: &str, endpoint: Option<&(String, String)>) -> String {
    match endpoint {
        None => base.to_string(),
        Some((m, n)) => format!("{base}: {m} {n}"),
    }
}

/// Requests/s and failures/s per interval (of one endpoint or all).
pub fn rps_chart(
    points: &[Arc<TimelinePoint>],
    endpoint: Option<&(String, String)>,
    size: (u32, u32),
) -> String {
    let rate = |f: &dyn Fn(&IntervalRow) -> u64| -> Vec<Option<f64>> {
        points
            .iter()
            .map(|p| Some(row_of(p, endpoint).map_or(0.0, |r| f(r) as f64 / p.seconds())))
            .collect()
    };
    let lines = vec![
        Line {
            label: "requests/s".into(),
            color: RGBColor(30, 160, 80),
            dashed: false,
            values: rate(&|r| r.requests),
            unit: Unit::PerSecond,
        },
        Line {
            label: "failures/s".into(),
            color: RGBColor(220, 50, 50),
            dashed: false,
            values: rate(&|r| r.failures),
            unit: Unit::PerSecond,
        },
    ];
    draw(
        &endpoint_title("Requests per second", endpoint),
        points,
        &lines,
        &[],
        size,
    )
}

/// The chosen percentiles of every interval (true percentiles of each interval's histogram).
pub fn latency_chart(points: &[Arc<TimelinePoint>], opts: &LatencyOptions) -> String {
    let endpoint = opts.endpoint.as_ref();
    let has_corrected = points
        .iter()
        .any(|p| row_of(p, endpoint).is_some_and(|r| r.corrected.is_some()));
    let (raw, corrected) = match opts.series {
        Series::Auto => (true, has_corrected),
        Series::Raw => (true, false),
        Series::Corrected => (false, true),
    };
    let mut lines = Vec::new();
    for (i, q) in opts.percentiles.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let value = |corrected: bool| -> Vec<Option<f64>> {
            points
                .iter()
                .map(|p| {
                    let r = row_of(p, endpoint)?;
                    let series = if corrected {
                        r.corrected.as_ref()
                    } else {
                        r.raw.as_ref()
                    };
                    series
                        .and_then(|s| s.percentile_us(*q))
                        .map(|us| us as f64 / 1000.0)
                })
                .collect()
        };
        if raw {
            lines.push(Line {
                label: percentile_label(*q),
                color,
                dashed: false,
                values: value(false),
                unit: Unit::Millis,
            });
        }
        if corrected {
            lines.push(Line {
                label: format!("{} corrected", percentile_label(*q)),
                color,
                dashed: true,
                values: value(true),
                unit: Unit::Millis,
            });
        }
    }
    let limits: Vec<(String, f64)> = opts
        .limits
        .iter()
        .map(|(l, us)| (l.clone(), us / 1000.0))
        .collect();
    let title = if corrected && raw {
        "Response times per interval (ms; dashed: corrected for coordinated omission)"
    } else if corrected {
        "Response times per interval (ms, corrected for coordinated omission)"
    } else {
        "Response times per interval (ms)"
    };
    draw(
        &endpoint_title(title, endpoint),
        points,
        &lines,
        &limits,
        opts.size,
    )
}

/// Users at the end of every interval.
pub fn users_chart(points: &[Arc<TimelinePoint>], size: (u32, u32)) -> String {
    let lines = vec![Line {
        label: "users".into(),
        color: RGBColor(20, 120, 200),
        dashed: false,
        values: points.iter().map(|p| Some(p.user_count as f64)).collect(),
        unit: Unit::Count,
    }];
    draw("Number of users", points, &lines, &[], size)
}
