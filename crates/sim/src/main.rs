//! `milmove-sim`: runs the stand-in MilMove server until Ctrl-C.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use milmove_sim::{Knobs, Latency, SeedSize, SimConfig, SimServer, Stall};

/// A stand-in MilMove server (Prime/Support over mutual TLS, office and customer apps over
/// HTTP) driven by the real Swagger specs.
#[derive(Debug, Parser)]
#[command(name = "milmove-sim", version)]
struct Args {
    /// Directory with the bundled MilMove specs [default: found as the load-test apps do].
    #[arg(
        long = "swagger-dir",
        alias = "spec-dir",
        value_name = "DIR",
        env = "MILMOVE_SWAGGER_DIR"
    )]
    spec_dir: Option<PathBuf>,
    /// Never download the pinned MilMove specs: use the folder given or found, or the cache.
    #[arg(long, env = "MILMOVE_LOAD_OFFLINE")]
    offline: bool,
    /// Download the pinned MilMove specs into --swagger-dir (else the user's cache), verify
    /// their checksums, print the folder and exit (for images and air-gapped machines).
    #[arg(long)]
    fetch_specs: bool,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Mutual-TLS port for the Prime and Support APIs (0: any free port).
    #[arg(long, default_value_t = 0)]
    mtls_port: u16,
    /// Office app port (ghc + internal; 0: any free port).
    #[arg(long, default_value_t = 0)]
    office_port: u16,
    /// Customer app port (internal; 0: any free port).
    #[arg(long, default_value_t = 0)]
    customer_port: u16,
    /// Write the generated CA, server and dev client certificate/key (PEM) to this directory.
    #[arg(long)]
    tls_dir: Option<PathBuf>,
    /// Also accept client certificates with this SHA-256 digest (hex); repeatable.
    #[arg(long = "allow-digest")]
    allow_digests: Vec<String>,
    /// Moves seeded as already available to the Prime.
    #[arg(long, default_value_t = 20)]
    seed_moves: usize,
    /// Moves seeded waiting for counseling and for TOO approval (each).
    #[arg(long, default_value_t = 10)]
    seed_office_moves: usize,
    /// Added latency: none, fixed:50ms, uniform:10ms..100ms, lognormal:50ms,0.5
    #[arg(long, default_value = "none")]
    latency: Latency,
    /// Fraction of API requests answered with an injected 500 (0..=1).
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Periodic stall LENGTH/PERIOD, e.g. 1s/10s.
    #[arg(long)]
    stall: Option<Stall>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Moves kept at most; past it the least recently used idle moves are evicted with
    /// their shipments, service items, payment requests, orders and uploads (0: no bound).
    #[arg(long, env = milmove_sim::MAX_MOVES_ENV, default_value_t = milmove_sim::DEFAULT_MAX_MOVES)]
    max_moves: usize,
    /// Seconds after its last use during which a move or session is in use and never evicted.
    #[arg(long, default_value_t = 10)]
    in_use_grace: u64,
    /// Every SECONDS, print the sizes of the in-memory state (moves, evicted moves, shipments,
    /// service items, payment requests, uploads, users, sessions) to stderr.
    #[arg(long, value_name = "SECONDS")]
    report_every: Option<u64>,
    /// Check every response against its operation's declared responses and write the report
    /// (JSON: responses checked, violations, the first ones in full) to FILE at Ctrl-C.
    #[arg(long, value_name = "FILE")]
    audit_responses: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.fetch_specs {
        let progress = |line: &str| eprintln!("{line}");
        return match milmove_parser::fetch_specs(args.spec_dir.as_deref(), &progress) {
            Ok(dir) => {
                println!("{}", dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if !(0.0..=1.0).contains(&args.error_rate) {
        eprintln!("error: --error-rate must be between 0 and 1");
        return ExitCode::from(2);
    }
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(n) = args.threads {
        runtime.worker_threads(n.max(1));
    }
    let runtime = match runtime.build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let config = SimConfig {
        spec_dir: args.spec_dir,
        offline: args.offline,
        bind: args.bind,
        mtls_port: args.mtls_port,
        office_port: args.office_port,
        customer_port: args.customer_port,
        knobs: Knobs {
            latency: args.latency,
            error_rate: args.error_rate,
            stall: args.stall,
        },
        seed: SeedSize {
            prime_moves: args.seed_moves,
            office_moves: args.seed_office_moves,
        },
        allowed_digests: args.allow_digests,
        tls_dir: args.tls_dir.clone(),
        max_moves: match args.max_moves {
            0 => usize::MAX,
            n => n,
        },
        in_use_grace: std::time::Duration::from_secs(args.in_use_grace),
        audit: match args.audit_responses {
            Some(path) => milmove_sim::Audit::File(path),
            None => milmove_sim::Audit::Off,
        },
    };
    let sim = match SimServer::start(config).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("prime/support (mutual TLS): {}", sim.mtls_url);
    println!("office (ghc, internal):     {}", sim.office_url);
    println!("customer (internal):        {}", sim.customer_url);
    if let Some(dir) = &args.tls_dir {
        println!("certificates written to {}", dir.display());
    }
    let reporter = args.report_every.filter(|s| *s > 0).map(|every| {
        let state = sim.state().clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(every));
            tick.tick().await;
            loop {
                tick.tick().await;
                let s = &state.store;
                eprintln!(
                    "state: moves={} evicted={} shipments={} service_items={} \
                     payment_requests={} uploads={} users={} sessions={}",
                    s.moves.len(),
                    s.evicted_moves(),
                    s.shipments.len(),
                    s.service_items.len(),
                    s.payment_requests.len(),
                    s.uploads.len(),
                    s.users.len(),
                    state.sessions.len()
                );
            }
        })
    });
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("error: cannot wait for Ctrl-C");
    }
    if let Some(r) = reporter {
        r.abort();
    }
    sim.shutdown().await;
    ExitCode::SUCCESS
}
