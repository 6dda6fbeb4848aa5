//! `kassa`: the Kassa server, and `kassa simulator`, Klarna's API offline.
#![recursion_limit = "256"]

use clap::{Args, Parser, Subcommand};
use klarna::simulator::{Simulator, SimulatorConfig};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Kassa: Klarna payments for stores, web shops and kiosks.
#[derive(Parser)]
#[command(name = "kassa", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Log lines as text (for people) or JSON (one object per line, for a
    /// log collector). The level comes from RUST_LOG (default "info").
    #[arg(long, value_enum, env = "KASSA_LOG_FORMAT", default_value = "text", global = true)]
    log_format: LogFormat,
    // `kassa --config PATH` serves too, as it always has.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
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
    /// Listen on an address other machines reach (its /_sim control API is
    /// open to anyone who can connect): for a demo on a trusted network.
    #[arg(long)]
    allow_network: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    // Usage errors exit with 2 before anything starts; --help and --version with 0.
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().with_current_span(true).with_span_list(false).init(),
    }
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

async fn simulator(args: SimulatorArgs) -> Result<(), String> {
    let listen = args.listen;
    if !listen.ip().is_loopback() && !args.allow_network {
        return Err(format!(
            "--listen {listen}: other machines could reach the simulator's open control API; use 127.0.0.1, \
             or add --allow-network on a trusted network"
        ));
    }
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let public_base = args.public_url.unwrap_or_else(|| format!("http://{listen}"));
    tracing::info!("Klarna simulator listening on {public_base} (Basic auth as --username/--password)");
    let config = SimulatorConfig {
        username: args.username,
        password: args.password,
        public_base,
        profiles: SimulatorConfig::default_profiles(),
    };
    axum::serve(listener, Simulator::new(config).router())
        .with_graceful_shutdown(server::startup::shutdown_signal())
        .await
        .map_err(|e| format!("simulator failed: {e}"))
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
        assert!(!args.allow_network, "loopback unless asked");
        assert_eq!(parse(&["--log-format", "json"]).unwrap().log_format, LogFormat::Json);
        assert_eq!(parse(&["serve", "--log-format", "json"]).unwrap().log_format, LogFormat::Json);
        assert_eq!(parse(&[]).unwrap().log_format, LogFormat::Text);
    }

    #[tokio::test]
    async fn the_standalone_simulator_stays_on_loopback_unless_allowed() {
        let open = ["simulator", "--listen", "0.0.0.0:0", "--username", "U", "--password", "P"];
        let Some(Command::Simulator(args)) = parse(&open).unwrap().command else { panic!("not simulator") };
        let refused = simulator(args).await.unwrap_err();
        assert!(refused.contains("--allow-network"), "{refused}");
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
