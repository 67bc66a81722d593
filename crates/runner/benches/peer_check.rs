//! The cost of the check the direct path makes before every reuse of a kept-alive connection
//! (one non-blocking `recv(MSG_PEEK)`): on an idle open connection (the common case) and on
//! one the server has closed.
//!
//! `cargo bench -p milmove-runner --bench peer_check`

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use milmove_runner::http::idle_connection_unusable;
use tokio::net::{TcpListener, TcpStream};

/// A connected loopback pair (client, server side).
fn pair(rt: &tokio::runtime::Runtime) -> (TcpStream, TcpStream) {
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        (client.unwrap(), accepted.unwrap().0)
    })
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("peer_check");
    group.measurement_time(Duration::from_secs(3));

    let (client, _server) = pair(&rt);
    let _guard = rt.enter();
    assert!(!idle_connection_unusable(&client));
    group.bench_function("open idle connection", |b| {
        b.iter(|| black_box(idle_connection_unusable(black_box(&client))))
    });

    let (client, server) = pair(&rt);
    drop(server);
    std::thread::sleep(Duration::from_millis(50));
    assert!(idle_connection_unusable(&client));
    group.bench_function("connection closed by the server", |b| {
        b.iter(|| black_box(idle_connection_unusable(black_box(&client))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
