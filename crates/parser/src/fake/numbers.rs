//! Integer and number generators honouring minimum/maximum (exclusive too), multipleOf and
//! formats (int32, int64, float, double, cents, millicents), with MilMove-sensible defaults
//! (weights of hundreds to thousands of pounds, amounts in cents).

use rand::RngExt;
use serde_json::{Map, Value};

use super::FakeRng;

/// An integer generator over an inclusive range.
pub(crate) struct IntGen {
    lo: i64,
    hi: i64,
    multiple: Option<i64>,
}

fn bound(obj: &Map<String, Value>, key: &str, exclusive_key: &str) -> Option<(f64, bool)> {
    let v = obj.get(key).and_then(Value::as_f64);
    match obj.get(exclusive_key) {
        Some(Value::Number(n)) => n.as_f64().map(|x| (x, true)),
        Some(Value::Bool(true)) => v.map(|x| (x, true)),
        _ => v.map(|x| (x, false)),
    }
}

/// The default range for a field without bounds, chosen by name and format.
fn default_range(name: &str, format: Option<&str>) -> (f64, f64) {
    let n = name.to_ascii_lowercase();
    match format {
        Some("cents") => (100.0, 1_000_000.0),
        Some("millicents" | "millients") => (100_000.0, 100_000_000.0),
        _ if n.contains("weight") => (100.0, 10_000.0),
        _ if n == "year" => (1990.0, 2025.0),
        _ if n.contains("days") => (1.0, 90.0),
        _ if n.contains("miles") || n.contains("distance") => (10.0, 3_000.0),
        _ if n.contains("thousandth") || n.contains("inches") || n.contains("length") => {
            (1_000.0, 100_000.0)
        }
        _ => (1.0, 10_000.0),
    }
}

impl IntGen {
    pub(crate) fn compile(obj: &Map<String, Value>, name: &str) -> IntGen {
        let format = obj.get("format").and_then(Value::as_str);
        let (type_lo, type_hi) = match format {
            Some("int32") => (i32::MIN as f64, i32::MAX as f64),
            _ => (-9.0e15, 9.0e15),
        };
        let lo = bound(obj, "minimum", "exclusiveMinimum").map(|(x, ex)| {
            if ex {
                x.floor() + 1.0
            } else {
                x.ceil()
            }
        });
        let hi = bound(obj, "maximum", "exclusiveMaximum").map(|(x, ex)| {
            if ex {
                x.ceil() - 1.0
            } else {
                x.floor()
            }
        });
        let (dlo, dhi) = default_range(name, format);
        let (lo, hi) = match (lo, hi) {
            (Some(lo), Some(hi)) => (lo, hi),
            (Some(lo), None) => (lo, lo.max(dlo) + (dhi - dlo)),
            (None, Some(hi)) => (hi.min(dhi) - (dhi - dlo), hi.min(dhi)),
            (None, None) => (dlo, dhi),
        };
        let lo = lo.max(type_lo) as i64;
        let hi = (hi.min(type_hi) as i64).max(lo);
        let multiple = obj
            .get("multipleOf")
            .and_then(Value::as_f64)
            .and_then(|m| (m >= 1.0 && m.fract() == 0.0).then_some(m as i64));
        IntGen { lo, hi, multiple }
    }

    pub(crate) fn generate(&self, rng: &mut FakeRng) -> i64 {
        match self.multiple {
            Some(m) => {
                let klo = self.lo.div_euclid(m) + i64::from(self.lo.rem_euclid(m) != 0);
                let khi = self.hi.div_euclid(m);
                if klo > khi {
                    self.lo
                } else {
                    rng.random_range(klo..=khi) * m
                }
            }
            None => rng.random_range(self.lo..=self.hi),
        }
    }
}

/// A floating-point generator.
pub(crate) struct NumGen {
    lo: f64,
    hi: f64,
    excl_lo: bool,
    excl_hi: bool,
    multiple: Option<f64>,
}

impl NumGen {
    pub(crate) fn compile(obj: &Map<String, Value>, name: &str) -> NumGen {
        let format = obj.get("format").and_then(Value::as_str);
        let (dlo, dhi) = default_range(name, format);
        let lo = bound(obj, "minimum", "exclusiveMinimum");
        let hi = bound(obj, "maximum", "exclusiveMaximum");
        let ((lo, excl_lo), (hi, excl_hi)) = match (lo, hi) {
            (Some(l), Some(h)) => (l, h),
            (Some(l), None) => (l, (l.0.max(dlo) + (dhi - dlo), false)),
            (None, Some(h)) => ((h.0.min(dhi) - (dhi - dlo), false), h),
            (None, None) => ((dlo, false), (dhi, false)),
        };
        let multiple = obj
            .get("multipleOf")
            .and_then(Value::as_f64)
            .filter(|m| *m > 0.0);
        NumGen {
            lo,
            hi: hi.max(lo),
            excl_lo,
            excl_hi,
            multiple,
        }
    }

    fn ok(&self, x: f64) -> bool {
        let above = if self.excl_lo {
            x > self.lo
        } else {
            x >= self.lo
        };
        let below = if self.excl_hi {
            x < self.hi
        } else {
            x <= self.hi
        };
        above && below && x.is_finite()
    }

    pub(crate) fn generate(&self, rng: &mut FakeRng) -> f64 {
        if let Some(m) = self.multiple {
            let klo = (self.lo / m).ceil() as i64;
            let khi = (self.hi / m).floor() as i64;
            if klo <= khi {
                for _ in 0..8 {
                    let x = rng.random_range(klo..=khi) as f64 * m;
                    if self.ok(x) {
                        return x;
                    }
                }
            }
        }
        let x = if self.hi > self.lo {
            rng.random_range(self.lo..self.hi)
        } else {
            self.lo
        };
        let rounded = (x * 100.0).round() / 100.0;
        if self.ok(rounded) {
            rounded
        } else if self.ok(x) {
            x
        } else {
            (self.lo + self.hi) / 2.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn integer_bounds_exclusive_and_multiples_hold() {
        let mut rng = FakeRng::seed_from_u64(3);
        let g = IntGen::compile(
            &obj(json!({"minimum": 0, "exclusiveMinimum": true, "maximum": 3})),
            "x",
        );
        let m = IntGen::compile(
            &obj(json!({"minimum": 1, "maximum": 100, "multipleOf": 7})),
            "x",
        );
        for _ in 0..200 {
            assert!((1..=3).contains(&g.generate(&mut rng)));
            let v = m.generate(&mut rng);
            assert!(v % 7 == 0 && (1..=100).contains(&v));
        }
        let w = IntGen::compile(&obj(json!({})), "primeEstimatedWeight");
        assert!((100..=10_000).contains(&w.generate(&mut rng)));
    }

    #[test]
    fn number_exclusive_bounds_hold() {
        let mut rng = FakeRng::seed_from_u64(4);
        let g = NumGen::compile(
            &obj(
                json!({"minimum": 0, "maximum": 0.01, "exclusiveMinimum": true, "exclusiveMaximum": true}),
            ),
            "x",
        );
        for _ in 0..200 {
            let x = g.generate(&mut rng);
            assert!(x > 0.0 && x < 0.01, "{x}");
        }
    }
}
