//! Loads, resolves and compiles the four main MilMove specs `N` times and prints the mean
//! wall time per round — run it under `/usr/bin/time -v` to also get CPU time, which stays
//! meaningful on a busy machine. Needs `MILMOVE_SWAGGER_DIR`.
//!
//! `cargo run --release -p milmove-parser --example load_specs -- 20 [generators|all]`

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rounds: u32 = args.next().map_or(Ok(10), |a| a.parse())?;
    let what = args.next().unwrap_or_else(|| "generators".into());
    let Some(dir) = std::env::var_os("MILMOVE_SWAGGER_DIR").map(std::path::PathBuf::from) else {
        return Err("MILMOVE_SWAGGER_DIR is not set".into());
    };
    let start = Instant::now();
    for _ in 0..rounds {
        for spec in ["prime", "support", "ghc", "internal"] {
            let parser = milmove_parser::ApiParser::from_file(dir.join(format!("{spec}.yaml")))?;
            match what.as_str() {
                "all" => parser.compile_all()?,
                _ => parser.compile_generators()?,
            }
        }
    }
    let per_round = start.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds.max(1));
    println!(
        "{rounds} rounds of load+resolve+compile ({what}) of prime, support, ghc, internal: \
         {per_round:.1} ms wall per round"
    );
    Ok(())
}
