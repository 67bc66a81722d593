//! The distribution of each wait function (seeded, so the checks are deterministic).

use milmove_runner::{seeded_rng, Wait};
use std::time::Duration;

const N: usize = 20_000;

#[test]
fn between_is_uniform_within_bounds() {
    let w = Wait::between(0.5, 1.0);
    let mut rng = seeded_rng(42);
    let mut buckets = [0usize; 10];
    let mut sum = 0.0;
    for _ in 0..N {
        let s = w.next_wait(&mut rng, Duration::ZERO).as_secs_f64();
        assert!((0.5..=1.0).contains(&s), "{s} out of bounds");
        sum += s;
        let b = (((s - 0.5) / 0.05) as usize).min(9);
        buckets[b] += 1;
    }
    let mean = sum / N as f64;
    assert!((mean - 0.75).abs() < 0.01, "mean {mean}");
    for (i, &c) in buckets.iter().enumerate() {
        // Expected N/10 = 2000 per bucket; 5 sigma is about 210.
        assert!((1750..=2250).contains(&c), "bucket {i}: {c}");
    }
}

#[test]
fn between_accepts_reversed_and_equal_bounds() {
    let mut rng = seeded_rng(1);
    let w = Wait::between(2.0, 1.0);
    for _ in 0..1000 {
        let s = w.next_wait(&mut rng, Duration::ZERO).as_secs_f64();
        assert!((1.0..=2.0).contains(&s));
    }
    let w = Wait::between(0.3, 0.3);
    assert_eq!(
        w.next_wait(&mut rng, Duration::ZERO),
        Duration::from_secs_f64(0.3)
    );
}

#[test]
fn constant_is_constant_whatever_the_task_took() {
    let mut rng = seeded_rng(7);
    let w = Wait::constant(1.5);
    for took in [0, 100, 5_000] {
        assert_eq!(
            w.next_wait(&mut rng, Duration::from_millis(took)),
            Duration::from_millis(1500)
        );
    }
}

#[test]
fn constant_pacing_subtracts_the_task_time() {
    let mut rng = seeded_rng(7);
    let w = Wait::constant_pacing(2.0);
    assert_eq!(
        w.next_wait(&mut rng, Duration::ZERO),
        Duration::from_secs(2)
    );
    assert_eq!(
        w.next_wait(&mut rng, Duration::from_millis(500)),
        Duration::from_millis(1500)
    );
    // A task longer than the period: no wait at all.
    assert_eq!(
        w.next_wait(&mut rng, Duration::from_secs(3)),
        Duration::ZERO
    );
}

#[test]
fn constant_throughput_is_pacing_at_the_inverse_rate() {
    let mut rng = seeded_rng(7);
    let w = Wait::constant_throughput(4.0);
    assert_eq!(w, Wait::constant_pacing(0.25));
    // Over many tasks of random length below the period, starts are exactly 0.25 s apart.
    let mut total = Duration::ZERO;
    for i in 0..400u64 {
        let took = Duration::from_millis(i % 200);
        total += took + w.next_wait(&mut rng, took);
    }
    assert_eq!(total, Duration::from_secs(100));
    assert_eq!(
        Wait::constant_throughput(0.0).next_wait(&mut rng, Duration::ZERO),
        Duration::ZERO
    );
}

#[test]
fn wait_parses_cli_forms() {
    assert_eq!("0".parse::<Wait>().unwrap(), Wait::constant(0.0));
    assert_eq!("1.5".parse::<Wait>().unwrap(), Wait::constant(1.5));
    assert_eq!("0.5..1.0".parse::<Wait>().unwrap(), Wait::between(0.5, 1.0));
    assert!("abc".parse::<Wait>().is_err());
    assert!("-1".parse::<Wait>().is_err());
    assert!("1..x".parse::<Wait>().is_err());
}

#[test]
fn huge_or_odd_values_are_clamped_never_a_panic() {
    let mut rng = seeded_rng(3);
    let cap = Duration::from_secs(1_000_000_000);
    for w in [
        Wait::constant(1e300),
        Wait::between(0.0, f64::MAX),
        Wait::constant_pacing(f64::INFINITY),
        Wait::constant_throughput(1e-300),
        "1e30".parse::<Wait>().unwrap(),
    ] {
        assert!(w.next_wait(&mut rng, Duration::ZERO) <= cap, "{w:?}");
    }
}

#[test]
fn durations_beyond_a_century_are_errors() {
    use milmove_runner::config::parse_duration;
    assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
    assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
    for bad in ["1e30", "200years", "-1", "NaN"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
}

#[test]
fn variants_built_by_hand_are_clamped_too() {
    let mut rng = seeded_rng(4);
    for w in [
        Wait::Constant(-1.0),
        Wait::Pacing(1e300),
        Wait::Between {
            min: f64::NAN,
            max: f64::INFINITY,
        },
    ] {
        assert!(w.next_wait(&mut rng, Duration::ZERO) <= Duration::from_secs(1_000_000_000));
    }
}
