//! `kassa`: the Kassa server, and `kassa simulator`, Klarna's API offline.
#![recursion_limit = "256"]

use klarna::simulator::{Simulator, SimulatorConfig};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
Usage:
  kassa [serve] [--config PATH]
      Run Kassa. The config defaults to $KASSA_CONFIG or ./kassa.toml.
  kassa simulator --listen ADDR --username USER --password PASS [--public-url URL]
      Run the Klarna simulator alone, serving Klarna's API paths at the root.
  kassa hash-password
      Read a password from standard input and print its argon2 hash for
      stores.associates.password_hash in kassa.toml.
  kassa help";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None | Some("serve") => serve(args.get(1..).unwrap_or_default()).await,
        Some(flag) if flag.starts_with("--config") => serve(&args).await,
        Some("simulator") => simulator(&args[1..]).await,
        Some("hash-password") => hash_password(),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("kassa: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Reads `--name value` pairs; every flag must be known and given once.
fn flags<'a>(args: &'a [String], known: &[&str]) -> Result<Vec<(&'a str, &'a str)>, String> {
    let mut found: Vec<(&str, &str)> = Vec::new();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let name = flag
            .strip_prefix("--")
            .filter(|n| known.contains(n))
            .ok_or_else(|| format!("unexpected argument {flag:?}\n\n{USAGE}"))?;
        let value = rest.next().ok_or_else(|| format!("--{name} needs a value"))?;
        if found.iter().any(|(n, _)| *n == name) {
            return Err(format!("--{name} given twice"));
        }
        found.push((name, value));
    }
    Ok(found)
}

fn flag<'a>(found: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    found.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

async fn serve(args: &[String]) -> Result<(), String> {
    let found = flags(args, &["config"])?;
    let path = flag(&found, "config")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("KASSA_CONFIG").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("kassa.toml"));
    server::startup::serve(&path).await
}

/// Reads the password from stdin, never from arguments (shell history).
fn hash_password() -> Result<(), String> {
    let mut password = String::new();
    std::io::stdin().read_line(&mut password).map_err(|e| format!("cannot read the password: {e}"))?;
    let password = password.trim_end_matches(['\r', '\n']);
    if password.len() < 8 {
        return Err("use a password of at least 8 characters".into());
    }
    println!("{}", server::crypto::hash_password(password)?);
    Ok(())
}

async fn simulator(args: &[String]) -> Result<(), String> {
    let found = flags(args, &["listen", "username", "password", "public-url"])?;
    let required = |name: &str| flag(&found, name).ok_or_else(|| format!("--{name} is required\n\n{USAGE}"));
    let listen: SocketAddr = required("listen")?.parse().map_err(|e| format!("--listen: {e}"))?;
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let public_base = flag(&found, "public-url").map(str::to_string).unwrap_or_else(|| format!("http://{listen}"));
    println!("Klarna simulator listening on {public_base} (Basic auth as --username/--password)");
    let config = SimulatorConfig {
        username: required("username")?.to_string(),
        password: required("password")?.to_string(),
        public_base,
        profiles: SimulatorConfig::default_profiles(),
    };
    axum::serve(listener, Simulator::new(config).router())
        .with_graceful_shutdown(server::startup::shutdown_signal())
        .await
        .map_err(|e| format!("simulator failed: {e}"))
}
