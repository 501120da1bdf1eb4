//! Configuration (SPEC §9): defaults in code → optional TOML file (`--config FILE`) → environment
//! variables `SKILLCERT__SECTION__KEY` (a plain `DATABASE_URL` is honoured too). Unknown keys and
//! bad values fail at start-up with the key named. Passed into `build_app`; no globals.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Demo and development: missing secrets are generated and kept under the data directory.
    Dev,
    /// Secrets must be configured; the adjustable clock is refused.
    Production,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub profile: Profile,
    /// Where generated secrets and the default SQLite file live.
    pub data_dir: PathBuf,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub storage: StorageConfig,
    pub auth: AuthConfig,
    pub uploads: UploadConfig,
    pub clock: ClockConfig,
    pub security: SecurityConfig,
    pub jobs: JobsConfig,
    pub certificates: CertificatesConfig,
    pub webhooks: WebhooksConfig,
    pub permits: PermitsConfig,
}

/// How many of each kind of heavy work run at once (`crate::permits`); past that a request is
/// answered 503 `BUSY` with `Retry-After`. Each defaults to the number of cores.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PermitsConfig {
    /// Uploaded PDFs checked at once (materials, inspection reports).
    pub pdf_checks: usize,
    /// Roster and results sheets read at once.
    pub imports: usize,
    /// Archive packages built at once.
    pub archives: usize,
}

impl Default for PermitsConfig {
    fn default() -> Self {
        let cores = crate::permits::cores();
        PermitsConfig {
            pdf_checks: cores,
            imports: cores,
            archives: cores,
        }
    }
}

/// Webhook deliveries (issue 7).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksConfig {
    /// Let subscriptions target loopback, private, link-local and other non-public addresses
    /// (default false: an admin account must not be able to make the server probe its own
    /// network). Turn on only where the receivers live on the internal network.
    pub allow_private_targets: bool,
}

/// Certificate signing and the public lookup (issue 7).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CertificatesConfig {
    /// Base64 of the 32-byte Ed25519 seed that signs certificates. Generated in a dev profile
    /// when unset (kept under the data directory); required in production.
    pub signing_key: Option<String>,
    /// Public lookups per client IP per minute (sustained rate).
    pub lookup_per_minute: u32,
    /// Public lookups a client may make at once before the rate applies.
    pub lookup_burst: u32,
    /// Where the certificate PDFs' fonts are: Noto Serif CJK SC (Debian `fonts-noto-cjk`).
    /// Loaded once at start; when missing, `serve` still starts and the PDF endpoints answer
    /// 503 `PDF_RENDERER_UNAVAILABLE`.
    pub font_dir: PathBuf,
}

impl Default for CertificatesConfig {
    fn default() -> Self {
        CertificatesConfig {
            signing_key: None,
            lookup_per_minute: 30,
            lookup_burst: 10,
            font_dir: PathBuf::from("/usr/share/fonts/opentype/noto"),
        }
    }
}

/// Background jobs run by `serve` (the deadline clock, issue 6). Several `serve` processes may
/// share one database: a lease row lets exactly one of them run each tick.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Start the background jobs with `serve` (default true; tests run a tick directly).
    pub enabled: bool,
    /// Seconds per tick: the deadline job runs once per slot of this length, across processes.
    pub tick_seconds: u64,
    /// Seconds a background roster import's lease lasts (renewed every third of it while the
    /// import works): a job whose process died ends `failed` (`interrupted`) this long after
    /// its last renewal at most, plus one sweep.
    pub import_lease_seconds: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            enabled: true,
            tick_seconds: 60,
            import_lease_seconds: 6,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// 64 hex characters: the master key for personal data at rest (ID and phone numbers are
    /// encrypted with a key derived from it, and blind-indexed with another). Generated in a
    /// dev profile when unset; required in production.
    pub field_key: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub bind: String,
    /// Built SPA files served at `/` (issue 5); none when unset or missing.
    pub static_dir: Option<PathBuf>,
    /// The address the public reaches the site at, without a trailing slash: certificate QR
    /// codes open `{public_url}/public/certificates?number=…&code=…`.
    pub public_url: String,
    /// Reverse proxies (IPs or CIDRs, e.g. `["10.0.0.0/8", "127.0.0.1"]`; in the environment a
    /// comma-separated list) whose `X-Forwarded-For` is believed: the client is then the
    /// rightmost address in it that is not one of them. Empty (the default): the peer address
    /// is the client, whatever the headers say. Used by the public lookup's rate limit and the
    /// audit log's IP.
    #[serde(deserialize_with = "ip_list")]
    pub trusted_proxies: Vec<String>,
}

/// A list of strings, or one comma-separated string (how an environment variable gives it).
fn ip_list<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List {
        One(String),
        Many(Vec<String>),
    }
    Ok(match List::deserialize(deserializer)? {
        List::One(text) => text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        List::Many(items) => items,
    })
}

/// An IP address or CIDR network (`10.0.0.0/8`, `::1`).
pub fn parse_network(text: &str) -> Option<ipnet::IpNet> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>().ok().or_else(|| {
        text.parse::<std::net::IpAddr>()
            .ok()
            .map(ipnet::IpNet::from)
    })
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://data/skillcert.db?mode=rwc` or `postgres://…`. Default: a SQLite file under
    /// `data_dir`.
    pub url: Option<String>,
    pub max_connections: u32,
    /// Run pending migrations when `serve` starts.
    pub migrate_on_start: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    pub root: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// HMAC key for access tokens (at least 32 bytes). Generated in a dev profile when unset.
    pub jwt_secret: Option<String>,
    pub issuer: String,
    pub audience: String,
    pub access_ttl_seconds: i64,
    pub refresh_ttl_seconds: i64,
    /// Failed logins before the account is locked.
    pub max_failed_logins: i32,
    /// Failed logins from one client address (IPv6: one /64) before it is locked; 0 turns the
    /// limit off.
    pub max_failed_logins_per_address: i32,
    pub lockout_seconds: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UploadConfig {
    pub max_bytes: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClockConfig {
    /// RFC 3339 start instant; the clock runs on from it.
    pub now: Option<String>,
    /// Lets an admin move the clock (`PUT /api/v1/admin/clock`); refused in production.
    pub adjustable: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            profile: Profile::Dev,
            data_dir: PathBuf::from("data"),
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            storage: StorageConfig::default(),
            auth: AuthConfig::default(),
            uploads: UploadConfig::default(),
            clock: ClockConfig::default(),
            security: SecurityConfig::default(),
            jobs: JobsConfig::default(),
            certificates: CertificatesConfig::default(),
            webhooks: WebhooksConfig::default(),
            permits: PermitsConfig::default(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: "127.0.0.1:8080".to_owned(),
            static_dir: None,
            trusted_proxies: Vec::new(),
            public_url: "http://127.0.0.1:8080".to_owned(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: None,
            max_connections: 16,
            migrate_on_start: true,
        }
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            root: PathBuf::from("data/files"),
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            jwt_secret: None,
            issuer: "skillcert".to_owned(),
            audience: "skillcert-api".to_owned(),
            access_ttl_seconds: 15 * 60,
            refresh_ttl_seconds: 14 * 24 * 3600,
            max_failed_logins: 5,
            max_failed_logins_per_address: 50,
            lockout_seconds: 15 * 60,
        }
    }
}

impl Default for UploadConfig {
    fn default() -> Self {
        UploadConfig {
            max_bytes: 20 * 1024 * 1024,
        }
    }
}

/// A configuration that cannot be used, naming the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] config::ConfigError),
    #[error("configuration key `{key}`: {reason}")]
    Invalid { key: &'static str, reason: String },
}

impl Config {
    /// Defaults → `file` → `SKILLCERT__*` (and `DATABASE_URL`) from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let env: std::collections::HashMap<String, String> = env.into_iter().collect();
        let mut builder =
            config::Config::builder().add_source(config::Config::try_from(&Config::default())?);
        if let Some(file) = file {
            builder = builder.add_source(config::File::from(file).format(config::FileFormat::Toml));
        }
        builder = builder.add_source(
            config::Environment::with_prefix("SKILLCERT")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .source(Some(env.clone())),
        );
        if !env.contains_key("SKILLCERT__DATABASE__URL")
            && let Some(url) = env.get("DATABASE_URL")
        {
            builder = builder.set_override("database.url", url.clone())?;
        }
        let config: Config = builder.build()?.try_deserialize()?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(bad) = self
            .server
            .trusted_proxies
            .iter()
            .find(|p| parse_network(p).is_none())
        {
            return Err(ConfigError::Invalid {
                key: "server.trusted_proxies",
                reason: format!("`{bad}` is not an IP address or CIDR network"),
            });
        }
        if !(1..=86_400).contains(&self.jobs.tick_seconds) {
            return Err(ConfigError::Invalid {
                key: "jobs.tick_seconds",
                reason: "must be 1–86400 seconds".to_owned(),
            });
        }
        if self.profile == Profile::Production && self.clock.now.is_some() {
            return Err(ConfigError::Invalid {
                key: "clock.now",
                reason: "a fixed start instant is refused in a production profile: production \
                         runs on the system clock"
                    .to_owned(),
            });
        }
        if self.profile == Profile::Production && self.clock.adjustable {
            return Err(ConfigError::Invalid {
                key: "clock.adjustable",
                reason: "the adjustable clock is refused in a production profile".to_owned(),
            });
        }
        if self.profile == Profile::Production && self.auth.jwt_secret.is_none() {
            return Err(ConfigError::Invalid {
                key: "auth.jwt_secret",
                reason: "required in a production profile".to_owned(),
            });
        }
        if self.profile == Profile::Production && self.security.field_key.is_none() {
            return Err(ConfigError::Invalid {
                key: "security.field_key",
                reason: "required in a production profile".to_owned(),
            });
        }
        if let Some(key) = &self.security.field_key
            && (key.len() != 64 || hex::decode(key).is_err())
        {
            return Err(ConfigError::Invalid {
                key: "security.field_key",
                reason: "must be 64 hex characters (32 bytes)".to_owned(),
            });
        }
        if self.profile == Profile::Production && self.certificates.signing_key.is_none() {
            return Err(ConfigError::Invalid {
                key: "certificates.signing_key",
                reason: "required in a production profile".to_owned(),
            });
        }
        if let Some(key) = &self.certificates.signing_key
            && crate::state::decode_signing_key(key).is_none()
        {
            return Err(ConfigError::Invalid {
                key: "certificates.signing_key",
                reason: "must be base64 of 32 bytes".to_owned(),
            });
        }
        if self.certificates.lookup_per_minute == 0 || self.certificates.lookup_burst == 0 {
            return Err(ConfigError::Invalid {
                key: "certificates.lookup_per_minute",
                reason: "lookup rate and burst must be positive".to_owned(),
            });
        }
        if !(self.server.public_url.starts_with("http://")
            || self.server.public_url.starts_with("https://"))
            || self.server.public_url.contains(char::is_whitespace)
        {
            return Err(ConfigError::Invalid {
                key: "server.public_url",
                reason: "must be an http:// or https:// address".to_owned(),
            });
        }
        if let Some(secret) = &self.auth.jwt_secret
            && secret.len() < 32
        {
            return Err(ConfigError::Invalid {
                key: "auth.jwt_secret",
                reason: "must be at least 32 bytes".to_owned(),
            });
        }
        if self.auth.access_ttl_seconds <= 0 || self.auth.refresh_ttl_seconds <= 0 {
            return Err(ConfigError::Invalid {
                key: "auth.access_ttl_seconds",
                reason: "token lifetimes must be positive".to_owned(),
            });
        }
        if let Some(now) = &self.clock.now
            && time::OffsetDateTime::parse(now, &time::format_description::well_known::Rfc3339)
                .is_err()
        {
            return Err(ConfigError::Invalid {
                key: "clock.now",
                reason: format!("`{now}` is not an RFC 3339 instant"),
            });
        }
        Ok(())
    }

    /// The database URL, defaulting to a SQLite file under the data directory.
    pub fn database_url(&self) -> String {
        self.database.url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("skillcert.db").display()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_match_spec_section_9() {
        let config = Config::load(None, env(&[])).unwrap();
        assert_eq!(config.server.bind, "127.0.0.1:8080");
        assert_eq!(config.storage.root, PathBuf::from("data/files"));
        assert_eq!(config.database_url(), "sqlite://data/skillcert.db?mode=rwc");
        assert_eq!(config.uploads.max_bytes, 20 * 1024 * 1024);
        assert!(config.jobs.enabled);
        assert_eq!(config.jobs.tick_seconds, 60);
        assert_eq!(config.server.public_url, "http://127.0.0.1:8080");
        assert_eq!(
            config.certificates.font_dir,
            PathBuf::from("/usr/share/fonts/opentype/noto")
        );
        let config = Config::load(
            None,
            env(&[
                ("SKILLCERT__JOBS__ENABLED", "false"),
                ("SKILLCERT__JOBS__TICK_SECONDS", "5"),
            ]),
        )
        .unwrap();
        assert!(!config.jobs.enabled);
        assert_eq!(config.jobs.tick_seconds, 5);
        let err = Config::load(None, env(&[("SKILLCERT__JOBS__TICK_SECONDS", "0")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("jobs.tick_seconds"), "{err}");
    }

    #[test]
    fn environment_overrides_and_database_url_is_honoured() {
        let config = Config::load(
            None,
            env(&[
                ("SKILLCERT__SERVER__BIND", "0.0.0.0:9000"),
                ("SKILLCERT__UPLOADS__MAX_BYTES", "1024"),
                ("DATABASE_URL", "postgres://localhost/x"),
            ]),
        )
        .unwrap();
        assert_eq!(config.server.bind, "0.0.0.0:9000");
        assert_eq!(config.uploads.max_bytes, 1024);
        assert_eq!(config.database_url(), "postgres://localhost/x");
        let config = Config::load(
            None,
            env(&[
                ("DATABASE_URL", "postgres://localhost/x"),
                ("SKILLCERT__DATABASE__URL", "postgres://localhost/y"),
            ]),
        )
        .unwrap();
        assert_eq!(config.database_url(), "postgres://localhost/y");
    }

    #[test]
    fn bad_keys_and_values_are_named() {
        let err = Config::load(None, env(&[("SKILLCERT__UPLOADS__MAX_BYTES", "lots")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("max_bytes"), "{err}");
        let err = Config::load(None, env(&[("SKILLCERT__CLOCK__NOW", "yesterday")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("clock.now"), "{err}");
        let err = Config::load(
            None,
            env(&[("SKILLCERT__SERVER__PUBLIC_URL", "zs.example.cn")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("server.public_url"), "{err}");
        let config = Config::load(
            None,
            env(&[("SKILLCERT__SERVER__PUBLIC_URL", "https://zs.example.cn")]),
        )
        .unwrap();
        assert_eq!(config.server.public_url, "https://zs.example.cn");
        let err = Config::load(
            None,
            env(&[
                ("SKILLCERT__PROFILE", "production"),
                ("SKILLCERT__CLOCK__ADJUSTABLE", "true"),
                (
                    "SKILLCERT__AUTH__JWT_SECRET",
                    "0123456789abcdef0123456789abcdef",
                ),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("clock.adjustable"), "{err}");
        // A fixed start instant is refused too, naming its key.
        let err = Config::load(
            None,
            env(&[
                ("SKILLCERT__PROFILE", "production"),
                ("SKILLCERT__CLOCK__NOW", "2026-02-12T02:00:00Z"),
                (
                    "SKILLCERT__AUTH__JWT_SECRET",
                    "0123456789abcdef0123456789abcdef",
                ),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("clock.now"), "{err}");
    }

    #[test]
    fn trusted_proxies_come_as_a_list_or_a_comma_separated_variable() {
        assert!(
            Config::load(None, env(&[]))
                .unwrap()
                .server
                .trusted_proxies
                .is_empty()
        );
        let config = Config::load(
            None,
            env(&[(
                "SKILLCERT__SERVER__TRUSTED_PROXIES",
                "10.0.0.0/8, 127.0.0.1,::1",
            )]),
        )
        .unwrap();
        assert_eq!(
            config.server.trusted_proxies,
            ["10.0.0.0/8", "127.0.0.1", "::1"]
        );
        let err = Config::load(
            None,
            env(&[(
                "SKILLCERT__SERVER__TRUSTED_PROXIES",
                "10.0.0.0/8,proxy.local",
            )]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("server.trusted_proxies"), "{err}");
        assert!(err.contains("proxy.local"), "{err}");
    }

    #[test]
    fn certificate_signing_key_is_checked() {
        let config = Config::load(
            None,
            env(&[(
                "SKILLCERT__CERTIFICATES__SIGNING_KEY",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            )]),
        )
        .unwrap();
        assert_eq!(config.certificates.lookup_per_minute, 30);
        assert_eq!(config.certificates.lookup_burst, 10);
        for bad in ["not base64!", "AAECAwQ="] {
            let err = Config::load(None, env(&[("SKILLCERT__CERTIFICATES__SIGNING_KEY", bad)]))
                .unwrap_err()
                .to_string();
            assert!(err.contains("certificates.signing_key"), "{err}");
        }
        let err = Config::load(
            None,
            env(&[
                ("SKILLCERT__PROFILE", "production"),
                (
                    "SKILLCERT__AUTH__JWT_SECRET",
                    "0123456789abcdef0123456789abcdef",
                ),
                ("SKILLCERT__SECURITY__FIELD_KEY", &"ab".repeat(32)),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("certificates.signing_key"), "{err}");
    }
}
