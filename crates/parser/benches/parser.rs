//! Benchmarks: load + resolve + compile the four main MilMove specs; fake createMoveTaskOrder
//! (support) bodies per second. Needs `MILMOVE_SWAGGER_DIR`; without it, prints a notice.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use milmove_parser::{rng_from_seed, ApiParser, SupportApiParser};

const SPECS: [&str; 4] = ["prime", "support", "ghc", "internal"];

fn dir() -> Option<PathBuf> {
    match milmove_parser::find_spec_dir(None) {
        Ok(dir) => Some(dir),
        Err(e) => {
            eprintln!("SKIPPED: the benchmarks need the real MilMove specs: {e}");
            None
        }
    }
}

fn load_and_compile(path: &PathBuf) -> ApiParser {
    let parser = ApiParser::from_file(path).expect("spec loads");
    parser.compile_all().expect("spec compiles");
    parser
}

fn bench_load(c: &mut Criterion) {
    let Some(dir) = dir() else { return };
    let mut group = c.benchmark_group("load_resolve_compile");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    for spec in SPECS {
        let path = dir.join(format!("{spec}.yaml"));
        group.bench_function(spec, |b| b.iter(|| black_box(load_and_compile(&path))));
    }
    let paths: Vec<PathBuf> = SPECS
        .iter()
        .map(|s| dir.join(format!("{s}.yaml")))
        .collect();
    group.bench_function("all_four", |b| {
        b.iter(|| {
            for p in &paths {
                black_box(load_and_compile(p));
            }
        })
    });
    group.finish();
}

fn bench_fake(c: &mut Criterion) {
    let Some(dir) = dir() else { return };
    let parser = Arc::new(load_and_compile(&dir.join("support.yaml")));
    let support = SupportApiParser::new(parser.clone());
    let mut group = c.benchmark_group("fake_create_move_task_order");
    group
        .throughput(Throughput::Elements(1))
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    for (name, require_all) in [("optional_1_in_4", false), ("require_all", true)] {
        let mut rng = rng_from_seed(1);
        group.bench_function(format!("support_parser/{name}"), |b| {
            b.iter(|| {
                black_box(
                    support
                        .fake_request_with_rng(
                            "/move-task-orders",
                            "post",
                            None,
                            require_all,
                            &mut rng,
                        )
                        .expect("body"),
                )
            })
        });
        let mut rng = rng_from_seed(1);
        group.bench_function(format!("plain_parser/{name}"), |b| {
            b.iter(|| {
                black_box(
                    parser
                        .fake_request_with_rng(
                            "/move-task-orders",
                            "post",
                            None,
                            require_all,
                            &mut rng,
                        )
                        .expect("body"),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_load, bench_fake);
criterion_main!(benches);
