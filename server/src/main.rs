//! `kassa`: the Kassa server, and `kassa simulator`, Klarna's API offline.
#![recursion_limit = "256"]

use klarna::client::ClientOptions;
use klarna::simulator::{Simulator, SimulatorConfig};
use klarna::{ApiBase, Credentials, KlarnaClient};
use payments::PaymentService;
use server::config::{Config, Environment};
use server::storage::Storage;
use server::{payments, web};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

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
    let env: Vec<(String, String)> = std::env::vars().collect();
    let config = Arc::new(Config::load(&path, &env).map_err(|e| e.to_string())?);

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let options = ClientOptions {
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(config.klarna.timeout_seconds),
    };
    let (simulator, base, credentials) = match config.klarna.environment {
        Environment::Simulator if config.klarna.base_url.is_some() => {
            let base = ApiBase::Custom(config.klarna.base_url.clone().unwrap_or_default());
            let credentials = config.klarna.credentials.clone().ok_or("Klarna credentials are missing")?;
            (None, base, credentials)
        }
        Environment::Simulator => {
            // Fresh credentials each start: nothing to leak, nothing to configure.
            let credentials = Credentials::new("kassa-embedded", server::crypto::random_hex(16));
            let simulator = Simulator::new(SimulatorConfig {
                username: credentials.username.clone(),
                password: credentials.password().to_string(),
                public_base: format!("{}{}", config.public_url, web::SIMULATOR_PREFIX),
                profiles: SimulatorConfig::default_profiles(),
            });
            let base = ApiBase::Custom(format!("http://{}{}", loopback(config.listen), web::SIMULATOR_PREFIX));
            (Some(simulator), base, credentials)
        }
        Environment::Playground | Environment::Production => {
            let region = config.klarna.region.region();
            let base = if config.klarna.environment == Environment::Playground {
                ApiBase::Playground(region)
            } else {
                ApiBase::Production(region)
            };
            let credentials = config.klarna.credentials.clone().ok_or("Klarna credentials are missing")?;
            (None, base, credentials)
        }
    };
    let klarna = KlarnaClient::new(&base, credentials, options).map_err(|e| e.to_string())?;
    let storage = Storage::open(&config.data_dir)
        .await
        .map_err(|e| format!("cannot open the database in {}: {e}", config.data_dir.display()))?;
    let service = Arc::new(PaymentService::new(klarna, config.clone(), storage));
    let resumed = service.resume().await.map_err(|e| format!("cannot resume open payments: {e}"))?;
    if resumed > 0 {
        println!("Resumed {resumed} open payment(s) from {}", config.data_dir.display());
    }
    tokio::spawn(service.clone().run_tracker());
    reload_on_hangup(service.clone(), path.clone());

    let mut leptos = leptos::config::get_configuration(None).map_err(|e| e.to_string())?.leptos_options;
    leptos.site_addr = config.listen;
    let router = web::router(leptos, service, simulator.as_ref());

    let url = &config.public_url;
    println!("Kassa is running at {url} (Klarna: {})", config.klarna.environment);
    println!("  Seller view:      {url}/seller");
    println!("  JSON API:         {url}/api/v1/payments");
    if config.web_checkout.demo_shop {
        println!("  Demo web shop:    {url}/shop");
    }
    if simulator.is_some() {
        println!("  Klarna simulator: {url}{}/ (shopper pages, /_sim control API)", web::SIMULATOR_PREFIX);
        println!(
            "  Sign in to the seller view as \"demo\" with password \"{}\"",
            server::config::DEV_ASSOCIATE_PASSWORD
        );
        // Only the development keys are known here (the config holds hashes).
        for kiosk in &config.kiosks {
            if let Some(key) = server::config::DEV_KIOSK_KEYS.iter().find(|key| kiosk.key_sha256.matches(key)) {
                println!("  {:<18}{url}/kiosk/{}?key={key}", format!("Kiosk {}:", kiosk.id), kiosk.id);
            }
        }
    }
    // Graceful shutdown waits for open requests, but a till's live stream
    // never ends by itself: after SHUTDOWN_DRAIN Kassa stops anyway. Every
    // payment step is already on disk, and screens reconnect on their own.
    let stopping = Arc::new(tokio::sync::Notify::new());
    let signalled = stopping.clone();
    let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
        shutdown_signal().await;
        signalled.notify_one();
    });
    tokio::select! {
        result = serve => result.map_err(|e| format!("server failed: {e}")),
        _ = async {
            stopping.notified().await;
            tokio::time::sleep(SHUTDOWN_DRAIN).await;
        } => {
            println!("Stopped; live streams still open after {} s were closed", SHUTDOWN_DRAIN.as_secs());
            Ok(())
        }
    }
}

/// How long a stopping Kassa lets open requests finish.
const SHUTDOWN_DRAIN: Duration = Duration::from_secs(10);

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
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("simulator failed: {e}"))
}

/// `kill -HUP` re-reads the config file and puts it in force if it is
/// valid; otherwise the reason is logged and the old one stays.
fn reload_on_hangup(service: Arc<PaymentService>, path: PathBuf) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
            return;
        };
        while hangups.recv().await.is_some() {
            let env: Vec<(String, String)> = std::env::vars().collect();
            match Config::load(&path, &env) {
                Ok(new) => match service.replace_config(new).await {
                    Ok(()) => tracing::info!(path = %path.display(), "configuration reloaded"),
                    Err(why) => tracing::error!(%why, "configuration change refused; keeping the previous one"),
                },
                Err(error) => tracing::error!(%error, "configuration change refused; keeping the previous one"),
            }
        }
    });
    #[cfg(not(unix))]
    let _ = (service, path);
}

/// The address to reach our own listener at: loopback when bound to all.
fn loopback(listen: SocketAddr) -> SocketAddr {
    let mut addr = listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    addr
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
