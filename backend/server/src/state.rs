//! What every handler shares: the database, configuration, the clock, token keys, file storage
//! and metrics. Built once by `build_app` from a `Config`; no globals.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use sea_orm::EntityTrait;
use skillcert_domain::calendar::{WorkCalendar, YearCalendar};
use skillcert_domain::certificate::CertificateSigner;

use crate::auth::throttle::Throttle;
use crate::auth::tokens::TokenKeys;
use crate::clock::Clock;
use crate::config::{Config, Profile};
use crate::db::Db;
use crate::entities::calendar_year;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::pii::FieldCipher;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub tokens: Arc<TokenKeys>,
    pub storage: Arc<dyn ObjectStore>,
    pub metrics: Metrics,
    /// Failed logins of unknown usernames (real accounts count in the database).
    pub login_throttle: Arc<Throttle>,
    /// Encryption and blind indexing of personal data.
    pub pii: FieldCipher,
    /// Names this process in job leases (`pid-…-random`), unique per `AppState`.
    pub instance: Arc<str>,
    /// Signs issued certificates (Ed25519).
    pub signer: Arc<CertificateSigner>,
    /// The public certificate lookup's per-client-IP rate limit.
    pub lookup_limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("storage: {0}")]
    Storage(String),
    #[error("secrets: {0}")]
    Secrets(String),
    #[error("clock: {0}")]
    Clock(String),
    #[error("metrics: {0}")]
    Metrics(String),
}

impl AppState {
    pub async fn new(config: Config) -> Result<AppState, StartError> {
        let db = Db::connect(&config.database_url(), config.database.max_connections).await?;
        let secret = jwt_secret(&config)?;
        let pii = FieldCipher::new(&field_key(&config)?)
            .map_err(|e| StartError::Secrets(e.to_string()))?;
        let tokens = TokenKeys::new(
            &secret,
            &config.auth.issuer,
            &config.auth.audience,
            config.auth.access_ttl_seconds,
            config.auth.refresh_ttl_seconds,
        );
        std::fs::create_dir_all(&config.storage.root)
            .map_err(|e| StartError::Storage(format!("{}: {e}", config.storage.root.display())))?;
        let storage = LocalFileSystem::new_with_prefix(&config.storage.root)
            .map_err(|e| StartError::Storage(e.to_string()))?;
        let clock = match &config.clock.now {
            Some(now) => Clock::starting_at(
                time::OffsetDateTime::parse(now, &time::format_description::well_known::Rfc3339)
                    .map_err(|e| StartError::Clock(e.to_string()))?,
                config.clock.adjustable,
            ),
            None if config.clock.adjustable => {
                Clock::starting_at(time::OffsetDateTime::now_utc(), true)
            }
            None => Clock::system(),
        };
        let config_ref = config.clone();
        Ok(AppState {
            db,
            config: Arc::new(config),
            clock,
            tokens: Arc::new(tokens),
            storage: Arc::new(storage),
            metrics: Metrics::new().map_err(|e| StartError::Metrics(e.to_string()))?,
            login_throttle: Arc::new(Throttle::default()),
            pii,
            instance: instance_name().into(),
            signer: Arc::new(CertificateSigner::from_seed(&signing_key(&config_ref)?)),
            lookup_limiter: Arc::new(RateLimiter::keyed(lookup_quota(&config_ref.certificates))),
        })
    }

    /// The shipped 2023–2026 arrangements, overridden and extended by the years admins loaded.
    pub async fn calendar(&self) -> Result<WorkCalendar, ApiError> {
        let mut calendar = WorkCalendar::builtin();
        for row in calendar_year::Entity::find().all(&self.db.conn).await? {
            match serde_json::from_value::<YearCalendar>(row.data) {
                Ok(year) => calendar.insert_year(year),
                Err(e) => {
                    return Err(ApiError::Internal(format!(
                        "stored calendar {} is unreadable: {e}",
                        row.year
                    )));
                }
            }
        }
        Ok(calendar)
    }
}

/// A name for this process in job leases: its pid and a random tail (two states in one test
/// process differ too).
fn instance_name() -> String {
    let mut tail = [0u8; 4];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut tail);
    format!("pid-{}-{}", std::process::id(), hex::encode(tail))
}

/// The configured signing key, or in a dev profile one generated once and kept under the data
/// directory (SPEC §9: "generate and keep them under the data directory, and say so").
fn jwt_secret(config: &Config) -> Result<Vec<u8>, StartError> {
    if let Some(secret) = &config.auth.jwt_secret {
        return Ok(secret.as_bytes().to_vec());
    }
    match config.profile {
        Profile::Production => Err(StartError::Secrets(
            "auth.jwt_secret is required in production".to_owned(),
        )),
        Profile::Dev => load_or_generate(&config.data_dir.join("secrets").join("jwt.key"), 64),
    }
}

/// The personal-data master key: configured, or in a dev profile generated once and kept under
/// the data directory.
fn field_key(config: &Config) -> Result<[u8; 32], StartError> {
    let text = match (&config.security.field_key, config.profile) {
        (Some(key), _) => key.as_bytes().to_vec(),
        (None, Profile::Production) => {
            return Err(StartError::Secrets(
                "security.field_key is required in production".to_owned(),
            ));
        }
        (None, Profile::Dev) => {
            load_or_generate(&config.data_dir.join("secrets").join("field.key"), 32)?
        }
    };
    let bytes = hex::decode(text.trim_ascii())
        .map_err(|_| StartError::Secrets("security.field_key is not hex".to_owned()))?;
    bytes
        .try_into()
        .map_err(|_| StartError::Secrets("security.field_key must be 32 bytes".to_owned()))
}

/// Base64 of a 32-byte Ed25519 seed, decoded; `None` when it is not one.
pub fn decode_signing_key(text: &str) -> Option<[u8; 32]> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()?;
    bytes.try_into().ok()
}

/// The certificate signing seed: configured, or in a dev profile generated once and kept under
/// the data directory (`secrets/certificate.key`, hex), like the other secrets.
fn signing_key(config: &Config) -> Result<[u8; 32], StartError> {
    if let Some(key) = &config.certificates.signing_key {
        return decode_signing_key(key).ok_or_else(|| {
            StartError::Secrets("certificates.signing_key must be base64 of 32 bytes".to_owned())
        });
    }
    if config.profile == Profile::Production {
        return Err(StartError::Secrets(
            "certificates.signing_key is required in production".to_owned(),
        ));
    }
    let text = load_or_generate(&config.data_dir.join("secrets").join("certificate.key"), 32)?;
    let bytes = hex::decode(text.trim_ascii())
        .map_err(|_| StartError::Secrets("the stored certificate key is not hex".to_owned()))?;
    bytes
        .try_into()
        .map_err(|_| StartError::Secrets("the stored certificate key is not 32 bytes".to_owned()))
}

fn lookup_quota(config: &crate::config::CertificatesConfig) -> Quota {
    let per_minute = NonZeroU32::new(config.lookup_per_minute).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(config.lookup_burst).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(per_minute).allow_burst(burst)
}

/// A hex key of `bytes` random bytes kept at `path` (created 0600 on first use).
fn load_or_generate(path: &Path, bytes: usize) -> Result<Vec<u8>, StartError> {
    if let Ok(existing) = std::fs::read(path)
        && existing.len() >= 2 * bytes.min(32)
    {
        return Ok(existing);
    }
    let mut key = vec![0u8; bytes];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
    let key = hex::encode(key).into_bytes();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| StartError::Secrets(format!("{}: {e}", dir.display())))?;
    }
    write_private(path, &key)
        .map_err(|e| StartError::Secrets(format!("{}: {e}", path.display())))?;
    tracing::warn!(
        path = %path.display(),
        "no secret configured: generated one for this dev/demo data directory"
    );
    Ok(key)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}
