//! The `skillcert serve` process under test: the release binary beside this one, started as a
//! user would (its CLI, its environment), on a free loopback port, with its peak resident set
//! read from `/proc/PID/status`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{BenchResult, err};

pub struct Server {
    child: Child,
    pub base: String,
}

/// The `skillcert` binary next to the running `skillcert-bench`.
pub fn binary() -> BenchResult<PathBuf> {
    let exe = std::env::current_exe().map_err(err)?;
    let path = exe.with_file_name("skillcert");
    if !path.exists() {
        return Err(format!(
            "{} not found: build it first (`cargo build --release -p skillcert-server`)",
            path.display()
        )
        .into());
    }
    Ok(path)
}

fn free_port() -> BenchResult<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(err)?;
    Ok(listener.local_addr().map_err(err)?.port())
}

impl Server {
    /// Starts `skillcert serve` over `data_dir` and waits until `/healthz` answers.
    pub async fn start(data_dir: &Path, log: &Path) -> BenchResult<Server> {
        let port = free_port()?;
        let log_file = std::fs::File::create(log).map_err(err)?;
        let child = Command::new(binary()?)
            .arg("serve")
            .env("SKILLCERT__DATA_DIR", data_dir)
            .env("SKILLCERT__SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(err)?)
            .stderr(log_file)
            .spawn()
            .map_err(err)?;
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(response) = client.get(server.url("/healthz")).send().await
                && response.status().is_success()
            {
                return Ok(server);
            }
            if Instant::now() > deadline {
                return Err(format!("skillcert serve did not start; see {}", log.display()).into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Peak resident set since start (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> BenchResult<f64> {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).map_err(err)?;
        let kib: f64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .ok_or("VmHWM not in /proc/PID/status")?;
        Ok(kib / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
