//! The real `kassa` binary under test: started on a data directory of its
//! own, killed with SIGKILL, started again; its output kept in a log file
//! that is searched for panics.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Kassa {
    pub url: String,
    port: u16,
    data_dir: PathBuf,
    /// PostgreSQL instead of SQLite in `data_dir`.
    database_url: Option<String>,
    log: PathBuf,
    klarna_base: String,
    child: Option<Child>,
}

impl Kassa {
    pub async fn start(data_dir: &Path, database_url: Option<String>, log: &Path, klarna_base: &str) -> Kassa {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut kassa = Kassa {
            url: format!("http://127.0.0.1:{port}"),
            port,
            data_dir: data_dir.to_path_buf(),
            database_url,
            log: log.to_path_buf(),
            klarna_base: klarna_base.to_string(),
            child: None,
        };
        kassa.spawn().await;
        kassa
    }

    async fn spawn(&mut self) {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let log = || -> File { OpenOptions::new().create(true).append(true).open(&self.log).unwrap() };
        let mut command = Command::new(env!("CARGO_BIN_EXE_kassa"));
        if let Some(url) = &self.database_url {
            command.env("KASSA__DATABASE_URL", url);
        }
        let child = command
            .arg("--config")
            .arg(root.join("kassa.toml"))
            .current_dir(&root)
            .env("KASSA__LISTEN", format!("127.0.0.1:{}", self.port))
            .env("KASSA__PUBLIC_URL", &self.url)
            .env("KASSA__DATA_DIR", &self.data_dir)
            .env("KASSA__KLARNA__BASE_URL", &self.klarna_base)
            .env("KASSA__KLARNA__TIMEOUT_SECONDS", "1")
            .env("KASSA__STORES__1__PLACE_ORDER_MODE", "NONE")
            .env("KLARNA_USERNAME", "test-user")
            .env("KLARNA_PASSWORD", "test-password")
            .env("LEPTOS_OUTPUT_NAME", "kassa")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::from(log()))
            .stderr(Stdio::from(log()))
            .spawn()
            .expect("the kassa binary starts");
        self.child = Some(child);
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while http.get(format!("{}/api/v1/payments/none", self.url)).send().await.is_err() {
            assert!(Instant::now() < deadline, "kassa did not come up; see {}", self.log.display());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL (no shutdown code runs), then the same binary on the same
    /// database and port.
    pub async fn kill_and_restart(&mut self) {
        self.kill();
        self.spawn().await;
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Whether the process ended without being killed by the harness.
    pub fn exited_by_itself(&mut self) -> Option<String> {
        let status = self.child.as_mut()?.try_wait().ok()??;
        Some(status.to_string())
    }
}

impl Drop for Kassa {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The Kassa a lane runs: one process, or several on one PostgreSQL
/// (`KASSA_CHAOS_INSTANCES`) as behind a load balancer: requests take turns
/// between them, and each kill takes the next one in turn.
pub struct Cluster {
    instances: Vec<Kassa>,
    next: std::sync::atomic::AtomicUsize,
    next_kill: usize,
}

impl Cluster {
    pub async fn start(
        count: usize,
        data_dir: &Path,
        database_url: Option<String>,
        log: &Path,
        klarna_base: &str,
    ) -> Cluster {
        assert!(count == 1 || database_url.is_some(), "several instances need PostgreSQL");
        let mut instances = Vec::new();
        for _ in 0..count {
            instances.push(Kassa::start(data_dir, database_url.clone(), log, klarna_base).await);
        }
        Cluster { instances, next: Default::default(), next_kill: 0 }
    }

    /// The instance the next request goes to.
    pub fn url(&self) -> String {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.instances[n % self.instances.len()].url.clone()
    }

    /// Whether `url` is on one of the instances.
    pub fn serves(&self, url: &str) -> bool {
        self.instances.iter().any(|kassa| url.starts_with(&kassa.url))
    }

    /// SIGKILL one instance (the next in turn) and start it again.
    pub async fn kill_and_restart(&mut self) {
        let n = self.next_kill % self.instances.len();
        self.next_kill += 1;
        self.instances[n].kill_and_restart().await;
    }

    /// Whether an instance ended without being killed by the harness.
    pub fn exited_by_itself(&mut self) -> Option<String> {
        self.instances.iter_mut().find_map(Kassa::exited_by_itself)
    }
}

/// What in Kassa's output since `from` (a byte offset) shows a panic or a
/// stack overflow, and the offset to read from next time.
pub fn crashes_in_log(log: &Path, from: u64) -> (Vec<String>, u64) {
    let text = std::fs::read(log).unwrap_or_default();
    let new = String::from_utf8_lossy(&text[(from as usize).min(text.len())..]).to_string();
    let found = new
        .lines()
        .filter(|line| line.contains("panicked at") || line.contains("stack overflow") || line.contains("SIGSEGV"))
        .map(str::to_string)
        .collect();
    (found, text.len() as u64)
}
