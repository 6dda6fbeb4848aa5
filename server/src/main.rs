//! `kassa`: the Kassa server, and `kassa simulator`, Klarna's API offline.
#![recursion_limit = "256"]

use clap::{Args, Parser, Subcommand};
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

/// Kassa: Klarna payments for stores, web shops and kiosks.
#[derive(Parser)]
#[command(name = "kassa", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    // `kassa --config PATH` serves too, as it always has.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run Kassa (the default).
    Serve(ServeArgs),
    /// Run the Klarna simulator alone, serving Klarna's API paths at the root.
    Simulator(SimulatorArgs),
    /// Read a password from standard input and print its argon2 hash for
    /// stores.associates.password_hash in kassa.toml.
    HashPassword,
}

#[derive(Args)]
struct ServeArgs {
    /// The configuration file.
    #[arg(long, value_name = "PATH", env = "KASSA_CONFIG", default_value = "kassa.toml")]
    config: PathBuf,
}

#[derive(Args)]
struct SimulatorArgs {
    /// The address to listen on, e.g. 127.0.0.1:4010.
    #[arg(long, value_name = "ADDR")]
    listen: SocketAddr,
    /// The merchant's API username (Basic auth).
    #[arg(long, value_name = "USER")]
    username: String,
    /// The merchant's API password (Basic auth).
    #[arg(long, value_name = "PASS")]
    password: String,
    /// Where shoppers' browsers reach the simulator; defaults to http://ADDR.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    // Usage errors exit with 2 before anything starts; --help and --version with 0.
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let result = match cli.command {
        None => serve(cli.serve.config).await,
        Some(Command::Serve(args)) => serve(args.config).await,
        Some(Command::Simulator(args)) => simulator(args).await,
        Some(Command::HashPassword) => hash_password(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("kassa: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(path: PathBuf) -> Result<(), String> {
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

async fn simulator(args: SimulatorArgs) -> Result<(), String> {
    let listen = args.listen;
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let public_base = args.public_url.unwrap_or_else(|| format!("http://{listen}"));
    println!("Klarna simulator listening on {public_base} (Basic auth as --username/--password)");
    let config = SimulatorConfig {
        username: args.username,
        password: args.password,
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("kassa").chain(args.iter().copied()))
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    // The invocations scripts, end2end tests and the README rely on.
    #[test]
    fn known_invocations_parse() {
        let config = |cli: Cli| match cli.command {
            None => cli.serve.config,
            Some(Command::Serve(args)) => args.config,
            _ => panic!("not serve"),
        };
        assert_eq!(config(parse(&["--config", "a.toml"]).unwrap()), PathBuf::from("a.toml"));
        assert_eq!(config(parse(&["serve", "--config", "b.toml"]).unwrap()), PathBuf::from("b.toml"));
        assert!(parse(&[]).unwrap().command.is_none());
        assert!(matches!(parse(&["hash-password"]).unwrap().command, Some(Command::HashPassword)));
        let simulator = ["simulator", "--listen", "127.0.0.1:4010", "--username", "U", "--password", "P"];
        let Some(Command::Simulator(args)) = parse(&simulator).unwrap().command else { panic!("not simulator") };
        assert_eq!((args.listen.port(), args.username.as_str(), args.public_url), (4010, "U", None));
    }

    #[test]
    fn usage_errors_name_the_argument() {
        let error = parse(&["simulator", "--listen", "127.0.0.1:4010"]).err().unwrap();
        assert_eq!(error.exit_code(), 2);
        assert!(error.to_string().contains("--username"), "{error}");
        assert!(parse(&["--config", "a", "--config", "b"]).is_err());
        assert!(parse(&["--config", "a", "simulator"]).is_err());
        assert!(parse(&["frobnicate"]).is_err());
    }
}
