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

/// Whether `taskset` (util-linux) can pin processes here.
pub fn taskset_available() -> bool {
    Command::new("taskset")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs this binary again with `args` and `env` added, pinned to `cpu` where `taskset` is
/// installed (a scenario's floor, measured on the server's CPU); the numbers of the line it
/// prints as `FLOOR <number> …`.
pub fn floor_child(cpu: &str, args: &[String], env: &[(String, String)]) -> BenchResult<Vec<f64>> {
    let exe = std::env::current_exe().map_err(err)?;
    let mut command = if taskset_available() {
        let mut command = Command::new("taskset");
        command.args(["-c", cpu]).arg(exe);
        command
    } else {
        Command::new(exe)
    };
    let output = command
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .map_err(err)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .find_map(|line| {
            line.strip_prefix("FLOOR ")?
                .split_whitespace()
                .map(|n| n.parse().ok())
                .collect::<Option<Vec<f64>>>()
        })
        .filter(|numbers| !numbers.is_empty())
        .ok_or_else(|| {
            format!(
                "the floor failed: {stdout} {}",
                String::from_utf8_lossy(&output.stderr)
            )
            .into()
        })
}

fn free_port() -> BenchResult<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(err)?;
    Ok(listener.local_addr().map_err(err)?.port())
}

impl Server {
    /// Starts `skillcert serve` over `data_dir` and waits until `/healthz` answers.
    pub async fn start(data_dir: &Path, log: &Path) -> BenchResult<Server> {
        Server::start_with(data_dir, log, &[], None).await
    }

    /// The same with more `SKILLCERT__…` settings in its environment and, when `cpus` is given
    /// and `taskset` is installed, pinned to those CPUs (`taskset -c CPUS`).
    pub async fn start_with(
        data_dir: &Path,
        log: &Path,
        env: &[(String, String)],
        cpus: Option<&str>,
    ) -> BenchResult<Server> {
        let port = free_port()?;
        let log_file = std::fs::File::create(log).map_err(err)?;
        let mut command = match cpus.filter(|_| taskset_available()) {
            Some(cpus) => {
                let mut command = Command::new("taskset");
                command.args(["-c", cpus]).arg(binary()?);
                command
            }
            None => Command::new(binary()?),
        };
        let child = command
            .arg("serve")
            .env("SKILLCERT__DATA_DIR", data_dir)
            .env("SKILLCERT__SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
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
