//! Number and field formatting that reproduces what Locust (Python's `csv` module and `repr`)
//! writes, so dashboards that parse Locust's CSV files read ours unchanged.

use std::borrow::Cow;

/// Python's `repr(float)`: shortest round-trip digits, always with a `.0` for integral
/// values, scientific notation below 1e-4 and from 1e16.
pub fn py_float(v: f64) -> String {
    if v.is_nan() {
        return "nan".to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        // Rust: "1.5e-5"; Python: "1.5e-05".
        let s = format!("{v:e}");
        return match s.split_once('e') {
            Some((mant, exp)) => {
                let (sign, digits) = match exp.strip_prefix('-') {
                    Some(d) => ("-", d),
                    None => ("+", exp),
                };
                format!("{mant}e{sign}{digits:0>2}")
            }
            None => s,
        };
    }
    if v.fract() == 0.0 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

/// Python's `f"{v:2f}"` (six decimals), used by Locust for the history requests/s columns.
pub fn py_fixed6(v: f64) -> String {
    format!("{v:.6}")
}

/// Milliseconds (as a float) of a µs value.
pub fn us_to_ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// Milliseconds rounded to the nearest integer (Locust prints percentiles as integers).
pub fn us_to_ms_int(us: u64) -> u64 {
    us.saturating_add(500) / 1000
}

/// Quotes a field the way Python's `csv.writer` (QUOTE_MINIMAL) does.
pub fn csv_field(s: &str) -> Cow<'_, str> {
    if s.contains([',', '"', '\r', '\n']) {
        Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(s)
    }
}

/// Appends one CSV row (Python's `\r\n` line terminator).
pub fn push_row<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_field(f.as_ref()));
    }
    out.push_str("\r\n");
}

/// Locust's "Median Response Time": an integer (ms) that is clamped into [min, max], where
/// min/max are printed as floats when the clamp applies.
pub fn locust_median(median_us: Option<u64>, min_us: Option<u64>, max_us: Option<u64>) -> String {
    let (Some(med), Some(min), Some(max)) = (median_us, min_us, max_us) else {
        return "0".to_owned();
    };
    let med_ms = us_to_ms_int(med) as f64;
    let (min_ms, max_ms) = (us_to_ms(min), us_to_ms(max));
    if med_ms > max_ms {
        py_float(max_ms)
    } else if med_ms < min_ms {
        py_float(min_ms)
    } else {
        format!("{}", med_ms as u64)
    }
}

/// Locust's `min_response_time or 0` / `max_response_time`: a float, or the integer 0.
pub fn ms_or_zero(us: Option<u64>) -> String {
    match us {
        Some(v) if v > 0 => py_float(us_to_ms(v)),
        _ => "0".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python_repr() {
        assert_eq!(py_float(0.0), "0.0");
        assert_eq!(py_float(150.0), "150.0");
        assert_eq!(py_float(12.345), "12.345");
        assert_eq!(py_float(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(py_float(1.5e-5), "1.5e-05");
        assert_eq!(py_float(1e16), "1e+16");
        assert_eq!(py_fixed6(3.0), "3.000000");
    }

    #[test]
    fn csv_fields_quote_minimally() {
        assert_eq!(csv_field("GET"), "GET");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
        let mut out = String::new();
        push_row(&mut out, &["", "Aggregated", "1"]);
        assert_eq!(out, ",Aggregated,1\r\n");
    }

    #[test]
    fn median_is_clamped_like_locust() {
        assert_eq!(locust_median(Some(12_400), Some(1_000), Some(20_000)), "12");
        assert_eq!(locust_median(Some(450), Some(450), Some(460)), "0.45");
        assert_eq!(locust_median(None, None, None), "0");
    }
}
