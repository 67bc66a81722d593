//! `milmove-fake`: print fake request bodies (or schemas, or the operation list) of a
//! Swagger/OpenAPI spec.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Parser, ValueEnum};
use milmove_parser::{
    rng_from_seed, ApiParser, FakeRng, GhcApiParser, InternalApiParser, PrimeApiParser,
    SupportApiParser,
};
use serde_json::Value;

/// Print fake request bodies of a Swagger 2.0 / OpenAPI 3.0 spec, one compact JSON per line.
#[derive(Debug, Parser)]
#[command(name = "milmove-fake", version)]
struct Cli {
    /// Spec file (YAML/JSON) or http(s) URL.
    #[arg(long)]
    spec: String,
    /// Path template of the operation, e.g. /mto-shipments (without the base path).
    #[arg(long, required_unless_present = "list")]
    path: Option<String>,
    /// HTTP method of the operation.
    #[arg(long, required_unless_present = "list")]
    method: Option<String>,
    /// Include every optional field.
    #[arg(long)]
    require_all: bool,
    /// Seed for reproducible output (default: random, printed on stderr).
    #[arg(long)]
    seed: Option<u64>,
    /// Number of bodies to print.
    #[arg(long, default_value_t = 1)]
    count: u64,
    /// JSON merged into every body (objects by field, arrays per item).
    #[arg(long = "override", value_name = "JSON")]
    overrides: Option<String>,
    /// Print the resolved request schema of the operation instead of bodies.
    #[arg(long)]
    schema: bool,
    /// List every operation (METHOD path, and whether it takes a JSON body).
    #[arg(long)]
    list: bool,
    /// MilMove rules to apply (default: chosen from the spec's base path).
    #[arg(long, value_enum)]
    rules: Option<Rules>,
    /// Folder caching specs fetched from URLs.
    #[arg(long)]
    cache_dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Rules {
    None,
    Prime,
    Support,
    Ghc,
    Internal,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("milmove-fake: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn load(cli: &Cli) -> anyhow::Result<ApiParser> {
    if cli.spec.starts_with("http://") || cli.spec.starts_with("https://") {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(rt.block_on(ApiParser::from_url(&cli.spec, cli.cache_dir.as_deref()))?)
    } else {
        Ok(ApiParser::from_file(&cli.spec)?)
    }
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    let parser = Arc::new(load(cli)?);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if cli.list {
        for op in parser.operations() {
            let body = if op.has_json_body {
                "json-body"
            } else {
                "no-json-body"
            };
            let id = op.operation_id.as_deref().unwrap_or("");
            writeln!(out, "{} {}\t{body}\t{id}", op.method, op.path)?;
        }
        return Ok(out.flush()?);
    }
    let (Some(path), Some(method)) = (&cli.path, &cli.method) else {
        bail!("--path and --method are required (or use --list)");
    };
    let op = parser.operation(path, method)?;
    if cli.schema {
        let schema = parser.request_body(&op.path, &op.method)?;
        let schema = schema.map_or(Value::Null, |s| (*s).clone());
        writeln!(out, "{}", serde_json::to_string_pretty(&schema)?)?;
        return Ok(out.flush()?);
    }
    if parser.request_body(&op.path, &op.method)?.is_none() {
        bail!("{} takes no request body", op.label());
    }
    let overrides: Option<Value> = match &cli.overrides {
        Some(text) => Some(serde_json::from_str(text).context("--override is not valid JSON")?),
        None => None,
    };
    let seed = cli.seed.unwrap_or_else(|| {
        let s = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        eprintln!("seed: {s}");
        s
    });
    let rules = cli.rules.unwrap_or_else(|| rules_for(parser.base_path()));
    let generator = Generator::new(rules, &parser);
    for warning in generator.warnings(&op.path, &op.method)? {
        eprintln!("milmove-fake: warning: {warning}");
    }
    let mut rng = rng_from_seed(seed);
    let (p, m, o, all) = (&op.path, &op.method, overrides.as_ref(), cli.require_all);
    for _ in 0..cli.count {
        let body = generator.fake(p, m, o, all, &mut rng)?;
        serde_json::to_writer(&mut out, &body)?;
        out.write_all(b"\n")?;
    }
    Ok(out.flush()?)
}

/// The parser bodies come from: plain, or one of the MilMove parsers (built once).
enum Generator {
    Plain(Arc<ApiParser>),
    Prime(PrimeApiParser),
    Support(SupportApiParser),
    Ghc(GhcApiParser),
    Internal(InternalApiParser),
}

impl Generator {
    fn new(rules: Rules, parser: &Arc<ApiParser>) -> Self {
        let p = parser.clone();
        match rules {
            Rules::None => Generator::Plain(p),
            Rules::Prime => Generator::Prime(PrimeApiParser::new(p)),
            Rules::Support => Generator::Support(SupportApiParser::new(p)),
            Rules::Ghc => Generator::Ghc(GhcApiParser::new(p)),
            Rules::Internal => Generator::Internal(InternalApiParser::new(p)),
        }
    }

    /// Problems met while compiling the operation's generator (e.g. broken enum values).
    fn warnings(&self, path: &str, method: &str) -> anyhow::Result<Vec<String>> {
        let gen = match self {
            Generator::Plain(p) => p.request_generator(path, method)?,
            Generator::Prime(p) => p.request_generator(path, method)?,
            Generator::Support(p) => p.request_generator(path, method)?,
            Generator::Ghc(p) => p.request_generator(path, method)?,
            Generator::Internal(p) => p.request_generator(path, method)?,
        };
        Ok(gen.warnings().to_vec())
    }

    fn fake(
        &self,
        path: &str,
        method: &str,
        overrides: Option<&Value>,
        require_all: bool,
        rng: &mut FakeRng,
    ) -> anyhow::Result<Value> {
        let (p, m, o, all) = (path, method, overrides, require_all);
        Ok(match self {
            Generator::Plain(x) => x.fake_request_with_rng(p, m, o, all, rng)?,
            Generator::Prime(x) => x.fake_request_with_rng(p, m, o, all, rng)?,
            Generator::Support(x) => x.fake_request_with_rng(p, m, o, all, rng)?,
            Generator::Ghc(x) => x.fake_request_with_rng(p, m, o, all, rng)?,
            Generator::Internal(x) => x.fake_request_with_rng(p, m, o, all, rng)?,
        })
    }
}

fn rules_for(base_path: &str) -> Rules {
    if base_path.starts_with("/prime") {
        Rules::Prime
    } else if base_path.starts_with("/support") {
        Rules::Support
    } else if base_path.starts_with("/ghc") {
        Rules::Ghc
    } else if base_path.starts_with("/internal") {
        Rules::Internal
    } else {
        Rules::None
    }
}
