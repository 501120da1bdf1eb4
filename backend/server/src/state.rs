//! What every handler shares: the database, configuration, the clock, token keys, file storage
//! and metrics. Built once by `build_app` from a `Config`; no globals.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use governor::Quota;

use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use sea_orm::EntityTrait;
use skillcert_certpdf::Renderer;
use skillcert_domain::calendar::{WorkCalendar, YearCalendar};
use skillcert_domain::certificate::CertificateSigner;

use crate::auth::tokens::TokenKeys;
use crate::client_ip::TrustedProxies;
use crate::clock::Clock;
use crate::config::{Config, Profile};
use crate::db::Db;
use crate::entities::calendar_year;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::pii::FieldCipher;
use crate::public_lookup::PublicLookup;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub tokens: Arc<TokenKeys>,
    pub storage: Arc<dyn ObjectStore>,
    pub metrics: Metrics,
    /// Encryption and blind indexing of personal data.
    pub pii: FieldCipher,
    /// Names this process in job leases (`pid-…-random`), unique per `AppState`.
    pub instance: Arc<str>,
    /// Signs issued certificates (Ed25519).
    pub signer: Arc<CertificateSigner>,
    /// The public certificate lookup's rate limit (per IPv4 address / IPv6 /64) and the
    /// certificates' verification codes.
    pub lookup: Arc<PublicLookup>,
    /// The HTTP client webhook deliveries go out with (`crate::webhooks::client`).
    pub webhook_client: reqwest::Client,
    /// `server.trusted_proxies`, parsed: whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<TrustedProxies>,
    /// Certificate PDFs: the renderer, loaded on the first print and kept.
    pub certificate_pdf: Arc<CertificatePdf>,
    /// Places for heavy work: PDF checks, sheet imports, archive builds.
    pub permits: crate::permits::Permits,
    /// The work calendar as last read ([`AppState::calendar`]).
    calendar_cache: Arc<CalendarCache>,
}

/// How long a read of the stored calendar years serves [`AppState::calendar`]: a year loaded
/// through this process is seen at once, through another `serve` process within this time.
pub const CALENDAR_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// The shipped arrangements, parsed once, and the last full calendar read from the database.
struct CalendarCache {
    builtin: WorkCalendar,
    entry: std::sync::Mutex<CalendarEntry>,
}

#[derive(Default)]
struct CalendarEntry {
    /// Moved on by every write through this process, so a read that began before a write
    /// does not keep its older calendar.
    generation: u64,
    read: Option<(std::time::Instant, Arc<WorkCalendar>)>,
}

impl CalendarCache {
    fn entry(&self) -> std::sync::MutexGuard<'_, CalendarEntry> {
        // The entry holds no invariant a panicking holder could break halfway.
        self.entry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The certificate PDF renderer of this process and the permits that bound how many documents
/// render at once.
///
/// The fonts (two Noto Serif CJK collections, about 53 MB) are read on the first print, once,
/// and shared by every later one; not at start, so that a server that prints nothing stays
/// small (BENCHMARKS.md: idle ≤ 64 MiB). At start only the fonts' presence is checked, from
/// their table directories (a few KiB), and a warning logged when they are missing: the server
/// runs, and printing answers 503 `PDF_RENDERER_UNAVAILABLE` until they are installed.
pub struct CertificatePdf {
    font_dir: PathBuf,
    renderer: tokio::sync::OnceCell<Renderer>,
    /// One per core: rendering is CPU-bound, more at once only adds memory.
    pub permits: tokio::sync::Semaphore,
}

impl CertificatePdf {
    pub fn new(font_dir: &Path) -> CertificatePdf {
        match skillcert_certpdf::find_faces(font_dir) {
            Ok(faces) => tracing::debug!(?faces, "certificate PDF fonts found"),
            Err(e) => tracing::warn!(
                error = %e,
                "certificate PDFs unavailable until the fonts are installed: the PDF endpoints answer 503 PDF_RENDERER_UNAVAILABLE"
            ),
        }
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        CertificatePdf {
            font_dir: font_dir.to_owned(),
            renderer: tokio::sync::OnceCell::new(),
            permits: tokio::sync::Semaphore::new(cores),
        }
    }

    /// The renderer, loading the fonts (on the blocking pool) the first time; concurrent first
    /// callers wait for the one load. A failed load is not kept: the next print tries again.
    pub async fn renderer(&self) -> Result<&Renderer, ApiError> {
        self.renderer
            .get_or_try_init(|| async {
                let dir = self.font_dir.clone();
                let loaded = actix_web::web::block(move || Renderer::from_dir(dir))
                    .await
                    .map_err(|e| ApiError::Internal(format!("font loading task: {e}")))?;
                match loaded {
                    Ok(renderer) => {
                        tracing::info!(
                            font_dir = %self.font_dir.display(),
                            faces = ?renderer.faces(),
                            font_bytes = renderer.font_bytes(),
                            "certificate PDF fonts loaded"
                        );
                        Ok(renderer)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "certificate PDF fonts missing");
                        Err(ApiError::Unavailable {
                            code: "PDF_RENDERER_UNAVAILABLE",
                            detail: "证书打印所需字体（Noto Serif CJK SC，Debian fonts-noto-cjk）未安装，暂不能生成 PDF，请联系管理员"
                                .to_owned(),
                        })
                    }
                }
            })
            .await
    }
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
    #[error("webhook client: {0}")]
    Http(String),
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
        let signing_seed = signing_key(&config_ref)?;
        Ok(AppState {
            db,
            config: Arc::new(config),
            clock,
            tokens: Arc::new(tokens),
            storage: Arc::new(storage),
            metrics: Metrics::new().map_err(|e| StartError::Metrics(e.to_string()))?,
            pii,
            instance: instance_name().into(),
            signer: Arc::new(CertificateSigner::from_seed(&signing_seed)),
            lookup: Arc::new(PublicLookup::new(
                lookup_quota(&config_ref.certificates),
                &signing_seed,
            )),
            webhook_client: crate::webhooks::client(config_ref.webhooks.allow_private_targets)
                .map_err(StartError::Http)?,
            trusted_proxies: Arc::new(TrustedProxies::from_config(
                &config_ref.server.trusted_proxies,
            )),
            certificate_pdf: Arc::new(CertificatePdf::new(&config_ref.certificates.font_dir)),
            permits: crate::permits::Permits::new(&config_ref.permits),
            calendar_cache: Arc::new(CalendarCache {
                builtin: WorkCalendar::builtin(),
                entry: std::sync::Mutex::default(),
            }),
        })
    }

    /// The shipped 2023–2026 arrangements, overridden and extended by the years admins loaded;
    /// read from the database at most once per [`CALENDAR_TTL`] (most requests need it).
    pub async fn calendar(&self) -> Result<Arc<WorkCalendar>, ApiError> {
        let cache = &self.calendar_cache;
        let generation = {
            let entry = cache.entry();
            if let Some((at, calendar)) = &entry.read
                && at.elapsed() < CALENDAR_TTL
            {
                return Ok(calendar.clone());
            }
            entry.generation
        };
        let read_at = std::time::Instant::now();
        let mut calendar = cache.builtin.clone();
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
        let calendar = Arc::new(calendar);
        let mut entry = cache.entry();
        if entry.generation == generation {
            entry.read = Some((read_at, calendar.clone()));
        }
        Ok(calendar)
    }

    /// Call after a calendar year is written: the next [`AppState::calendar`] reads again.
    pub fn forget_calendar(&self) {
        let mut entry = self.calendar_cache.entry();
        entry.generation += 1;
        entry.read = None;
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
