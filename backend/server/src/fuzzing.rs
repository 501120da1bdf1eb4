//! Hostile-input entry points (SPEC §9: no input may crash or hang the server), shared by the
//! cargo-fuzz targets in `fuzz/` and by `tests/fuzz_corpus.rs`, which replays the checked-in
//! corpus under plain `cargo test`. Each entry point feeds one input to the real parsing code and
//! asserts what must hold for every input; a broken promise is a panic, which libFuzzer reports
//! as a crash and the corpus test as a failure.
//!
//! Not called by the server. The harnesses ([`Roster`], [`Api`]) keep their own temporary
//! directory and SQLite database; nothing else touches the disk or the network.

use std::collections::HashSet;
use std::io::{Cursor, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::ResponseError;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::test as actix_test;
use bytes::Bytes;
use futures_util::future::LocalBoxFuture;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use skillcert_domain::Level;
use skillcert_domain::codecs::id_number::check_char;
use skillcert_domain::codecs::{
    CertificateNumber, CertificateParts, IdNumber, IdNumberError, OccupationCode, Region, Uscc,
};
use time::macros::datetime;
use uuid::Uuid;

use crate::batches::Loaded;
use crate::config::Config;
use crate::entities::{batch, batch_occupation, institution, user};
use crate::error::ApiError;
use crate::pdf_check::{self, Refusal};
use crate::roster::{self, FileFormat, RowContext};
use crate::state::AppState;

/// A configuration for a harness: everything under `dir`, SQLite, no background jobs.
fn config(dir: &std::path::Path) -> Result<Config, String> {
    let mut config =
        Config::load(None, Vec::<(String, String)>::new()).map_err(|e| e.to_string())?;
    config.data_dir = dir.join("data");
    config.storage.root = dir.join("files");
    config.auth.jwt_secret = Some("fuzz-secret-fuzz-secret-fuzz-secret-0123".to_owned());
    config.clock.now = Some("2026-02-12T02:00:00Z".to_owned());
    config.database.url = Some(format!(
        "sqlite://{}?mode=rwc",
        dir.join("fuzz.db").display()
    ));
    config.database.max_connections = 2;
    config.jobs.enabled = false;
    // The public lookup's limit would otherwise answer most inputs with 429.
    config.certificates.lookup_per_minute = u32::MAX;
    config.certificates.lookup_burst = u32::MAX;
    Ok(config)
}

// ---------------------------------------------------------------------------------------------
// PDF uploads
// ---------------------------------------------------------------------------------------------

/// A material upload through the PDF gate: accepted or refused, and refused as `NotPdf` exactly
/// when the magic bytes are missing. A refusal is never a server error.
pub fn pdf(data: &[u8]) -> Result<(), Refusal> {
    let verdict = pdf_check::inspect(data);
    assert_eq!(
        verdict == Err(Refusal::NotPdf),
        !pdf_check::has_magic(data),
        "NotPdf exactly when the magic bytes are missing: {verdict:?}"
    );
    if let Err(refusal) = verdict {
        assert!(
            !refusal
                .into_api_error("file")
                .status_code()
                .is_server_error()
        );
    }
    verdict
}

// ---------------------------------------------------------------------------------------------
// Codecs
// ---------------------------------------------------------------------------------------------

/// Every codec on `data` as text, and the ones with two directions round-tripped from parts
/// taken from `data`.
pub fn codecs(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    id_number(&text);
    id_number_from_digits(data);
    other_id_types(&text);
    certificate_number(&text);
    certificate_from_parts(data);
    if let Ok(code) = OccupationCode::parse(&text) {
        assert_eq!(OccupationCode::parse(code.as_str()).as_ref(), Ok(&code));
        assert_eq!(code.to_string(), code.as_str());
    }
    if let Ok(uscc) = Uscc::parse(&text) {
        assert_eq!(Uscc::parse(uscc.as_str()).as_ref(), Ok(&uscc));
        let s = uscc.as_str();
        assert_eq!(s.chars().count(), 18);
        assert_eq!(
            skillcert_domain::codecs::uscc::check_char(&s[..17]),
            s.chars().last()
        );
    }
    if let Ok(region) = text.parse::<Region>() {
        assert_eq!(region.to_string().parse::<Region>().ok(), Some(region));
    }
    let masked = crate::pii::mask_phone(&text);
    let chars: Vec<char> = text.chars().collect();
    assert_eq!(masked.chars().count(), chars.len());
    if chars.len() > 7 {
        let tail: String = chars[chars.len() - 4..].iter().collect();
        assert!(masked.ends_with(&tail));
    }
}

fn id_number(text: &str) {
    let Ok(id) = IdNumber::parse(text) else {
        return;
    };
    let number = id.expose();
    assert_eq!(number, text.trim().to_ascii_uppercase());
    assert_eq!(number.len(), 18);
    assert_eq!(check_char(&number[..17]), number.chars().last());
    assert_eq!(IdNumber::parse(number).as_ref(), Ok(&id));
    let masked = id.masked();
    assert_eq!(masked, format!("{}********{}", &number[..6], &number[14..]));
    assert!(
        !format!("{id:?}").contains(number),
        "Debug shows the number"
    );
    assert_eq!(
        id.birth_date().year().to_string(),
        number[6..10].trim_start_matches('0')
    );
}

/// 17 digits from `data` with their computed check character parse (or fail on the region or
/// the birth date, never on the checksum); any other check character fails.
fn id_number_from_digits(data: &[u8]) {
    if data.len() < 18 {
        return;
    }
    let first17: String = data[..17]
        .iter()
        .map(|b| char::from(b'0' + b % 10))
        .collect();
    // 17 ASCII digits always have one.
    let Some(check) = check_char(&first17) else {
        return;
    };
    match IdNumber::parse(&format!("{first17}{check}")) {
        Ok(id) => assert_eq!(id.expose(), format!("{first17}{check}")),
        Err(e) => assert!(
            matches!(
                e,
                IdNumberError::UnknownProvince
                    | IdNumberError::InvalidBirthDate
                    | IdNumberError::BirthYearBefore1900
            ),
            "{e:?}"
        ),
    }
    let wrong = b"0123456789X"[usize::from(data[17]) % 11] as char;
    if wrong != check {
        assert!(IdNumber::parse(&format!("{first17}{wrong}")).is_err());
    }
}

/// Every ID type: a parsed number's mask has the number's length and hides its middle.
fn other_id_types(text: &str) {
    for (id_type, _) in crate::candidates::ID_TYPES {
        let Ok(parsed) = crate::candidates::parse_id(id_type, text, "id_number") else {
            continue;
        };
        let masked: Vec<char> = parsed.masked.chars().collect();
        if *id_type == "resident_id" {
            assert!(parsed.birth_date.is_some());
            assert_eq!(masked.len(), 18);
        } else {
            assert!((5..=32).contains(&masked.len()), "{}", parsed.masked);
            if masked.len() > 4 {
                assert!(masked[2..masked.len() - 2].iter().all(|c| *c == '*'));
            }
        }
    }
}

fn certificate_number(text: &str) {
    let Ok(number) = CertificateNumber::parse(text) else {
        return;
    };
    assert_eq!(number.as_str().len(), 22);
    assert_eq!(number.to_string(), number.as_str());
    assert_eq!(
        CertificateNumber::parse(number.as_str()).as_ref(),
        Ok(&number)
    );
    assert_eq!(
        CertificateNumber::build(&number.parts()).as_ref(),
        Ok(&number)
    );
}

/// Parts taken from `data` that build a number parse back to the same number and parts.
fn certificate_from_parts(data: &[u8]) {
    if data.len() < 20 {
        return;
    }
    let digits = |bytes: &[u8]| -> String {
        bytes
            .iter()
            .map(|b| {
                // Mostly digits, now and then something else, to reach the build's checks.
                if *b >= 250 {
                    char::from(b'a' + b % 26)
                } else {
                    char::from(b'0' + b % 10)
                }
            })
            .collect()
    };
    let Ok(level) = Level::try_from(data[2] % 7) else {
        return;
    };
    let parts = CertificateParts {
        kind_letter: char::from(data[0]),
        filing_code: digits(&data[3..3 + usize::from(data[1] % 6)]),
        site_code: digits(&data[9..15]),
        issue_year: 1990 + i32::from(data[15] % 120),
        level,
        serial: u32::from_le_bytes([data[16], data[17], data[18], data[19] % 16]),
    };
    let Ok(number) = CertificateNumber::build(&parts) else {
        return;
    };
    assert_eq!(number.parts(), parts);
    assert_eq!(
        CertificateNumber::parse(number.as_str()).as_ref(),
        Ok(&number)
    );
    let lower = number.as_str().to_ascii_lowercase();
    assert_eq!(CertificateNumber::parse(&lower).as_ref(), Ok(&number));
}

// ---------------------------------------------------------------------------------------------
// Roster and result sheets
// ---------------------------------------------------------------------------------------------

/// What the roster reader and the result-sheet reader need: an `AppState` (the candidates'
/// field encryption) and a batch with two occupation lines. Built once, used for many inputs.
pub struct Roster {
    state: AppState,
    batch: Loaded,
    catalogue: HashSet<String>,
    // Keeps the SQLite pool's tasks alive; the database itself is not used.
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl Roster {
    pub fn new() -> Result<Roster, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let state = runtime
            .block_on(AppState::new(config(dir.path())?))
            .map_err(|e| e.to_string())?;
        let now = datetime!(2026-02-12 02:00 UTC);
        let institution_id = Uuid::nil();
        let batch_id = Uuid::from_u128(1);
        let line = |code: &str, level: i16| batch_occupation::Model {
            batch_id,
            occupation_code: code.to_owned(),
            level,
            planned_count: 100,
        };
        let batch = Loaded {
            batch: batch::Model {
                id: batch_id,
                institution_id,
                kind: "social_training".to_owned(),
                module: "social_training".to_owned(),
                method: "written".to_owned(),
                year: 2026,
                exam_start: now.date(),
                exam_end: now.date(),
                venue: "郑州".to_owned(),
                venue_region: "4101".to_owned(),
                exam_notice_ids: serde_json::json!([]),
                approved_plan: None,
                completion_extended_to: None,
                version: 1,
                created_by: institution_id,
                created_at: now,
                updated_at: now,
                archived_at: None,
            },
            institution: institution::Model {
                id: institution_id,
                kind: "social_training".to_owned(),
                name: "模糊测试培训学校".to_owned(),
                uscc: "52410100MJ0000000X".to_owned(),
                region: "4101".to_owned(),
                filing_code: "0000".to_owned(),
                site_code: "410101".to_owned(),
                version: 1,
                created_at: now,
                updated_at: now,
            },
            occupations: vec![line("6-31-01-03", 5), line("4-10-01-02", 4)],
            steps: Vec::new(),
        };
        let catalogue = ["6-31-01-03", "4-10-01-02", "6-18-02-04"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        Ok(Roster {
            state,
            batch,
            catalogue,
            _runtime: runtime,
            _dir: dir,
        })
    }

    /// The first byte picks how the rest arrives: as an upload named `.xlsx`, `.xls`, `.csv` or
    /// with no extension, or (4) as the XML parts of an .xlsx built around them
    /// ([`xlsx_from_parts`]). The bytes then go through the roster reader (format detection,
    /// every row checked) and the result-sheet reader. Either may refuse the file; neither may
    /// refuse it with a server error.
    pub fn input(&self, data: &[u8]) {
        let Some((&mode, rest)) = data.split_first() else {
            return;
        };
        let (bytes, name) = match mode % 5 {
            0 => (rest.to_vec(), "roster.xlsx"),
            1 => (rest.to_vec(), "roster.xls"),
            2 => (rest.to_vec(), "roster.csv"),
            3 => (rest.to_vec(), "roster"),
            _ => (xlsx_from_parts(rest), "roster.xlsx"),
        };
        self.roster(&bytes, name);
        self.results(&bytes);
    }

    fn roster(&self, bytes: &[u8], name: &str) {
        let format = match FileFormat::detect(bytes, name) {
            Ok(format) => format,
            Err(e) => return refused(ApiError::from(e)),
        };
        let ctx = RowContext {
            state: &self.state,
            batch: &self.batch,
            catalogue: self.catalogue.clone(),
        };
        let progress = AtomicUsize::new(0);
        match roster::read(
            Bytes::copy_from_slice(bytes),
            format,
            &ctx,
            &progress,
            |_| {},
        ) {
            Ok(outcome) => {
                assert!(outcome.rows >= 1 && outcome.rows <= roster::MAX_ROWS);
                assert_eq!(outcome.rows, progress.load(Ordering::Relaxed));
                assert!(outcome.good.len() <= outcome.rows);
                assert!(outcome.good.len() == outcome.rows || !outcome.issues.is_empty());
            }
            Err(e) => refused(ApiError::from(e)),
        }
    }

    fn results(&self, bytes: &[u8]) {
        match crate::routes::results::sheet_entries(Bytes::copy_from_slice(bytes), &self.state.pii)
        {
            Ok(entries) => assert!(entries >= 1),
            Err(e) => refused(e),
        }
    }
}

/// A refusal must be the client's fault, never the server's.
fn refused(err: ApiError) {
    assert!(
        !err.status_code().is_server_error(),
        "refused with a server error: {err}"
    );
}

/// An .xlsx archive (stored, not deflated, so that the fuzzer's bytes reach the XML reader as
/// they are) around parts taken from `data`, split at NUL bytes: the sheet, the shared strings,
/// the styles and, when present, a workbook replacing the standard one.
pub fn xlsx_from_parts(data: &[u8]) -> Vec<u8> {
    const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;
    const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;
    const WORKBOOK: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let mut parts = data.splitn(4, |b| *b == 0);
    let sheet = parts.next().unwrap_or_default();
    let shared = parts.next();
    let styles = parts.next();
    let workbook = parts.next().unwrap_or(WORKBOOK);
    let mut files: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/workbook.xml", workbook),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    if let Some(shared) = shared {
        files.push(("xl/sharedStrings.xml", shared));
    }
    if let Some(styles) = styles {
        files.push(("xl/styles.xml", styles));
    }
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in files {
        if writer.start_file(name, options).is_err() || writer.write_all(content).is_err() {
            return Vec::new();
        }
    }
    writer.finish().map(Cursor::into_inner).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// The HTTP API's error path
// ---------------------------------------------------------------------------------------------

type Call = Box<dyn Fn(actix_test::TestRequest) -> LocalBoxFuture<'static, Answer>>;

/// One response, as a client sees it.
#[derive(Debug)]
pub struct Answer {
    pub method: Method,
    pub uri: String,
    pub status: u16,
    pub content_type: String,
    pub body: Bytes,
}

/// The real application (`app::actix_app` over `build_app`, demo data seeded) in this process,
/// called without a socket. Built once, used for many inputs; not `Send` (an actix system).
pub struct Api {
    runner: actix_web::rt::SystemRunner,
    call: Call,
    institution: String,
    supervisor: String,
    batch_id: Uuid,
    _dir: tempfile::TempDir,
}

impl Api {
    pub fn new() -> Result<Api, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let config = config(dir.path())?;
        let runner = actix_web::rt::System::new();
        let (call, institution, supervisor) = runner.block_on(async {
            let app = crate::build_app(config).await.map_err(|e| e.to_string())?;
            crate::seed::seed_demo(&app).await?;
            let token = |name: &'static str| {
                let state = app.state.clone();
                async move {
                    let user = user::Entity::find()
                        .filter(user::Column::Username.eq(name))
                        .one(&state.db.conn)
                        .await
                        .map_err(|e| e.to_string())?
                        .ok_or_else(|| format!("no demo user {name}"))?;
                    state
                        .tokens
                        .issue_access(user.id, &user.role, user.token_version, state.clock.now())
                        .map_err(|e| e.to_string())
                }
            };
            let institution = token("train2").await?;
            let supervisor = token("supervisor").await?;
            let service = std::rc::Rc::new(
                actix_test::init_service(crate::app::actix_app(app.state.clone())).await,
            );
            let call: Call = Box::new(move |request: actix_test::TestRequest| {
                let service = service.clone();
                Box::pin(async move {
                    let request = request.to_request();
                    let method = request.method().clone();
                    let uri = request.uri().to_string();
                    let response = match service.call(request).await {
                        Ok(response) => response.map_into_boxed_body(),
                        // What the HTTP dispatcher would send for an error out of a middleware.
                        Err(e) => ServiceResponse::new(
                            actix_test::TestRequest::default().to_http_request(),
                            e.error_response(),
                        ),
                    };
                    answer(method, uri, response).await
                })
            });
            Ok::<_, String>((call, institution, supervisor))
        })?;
        Ok(Api {
            runner,
            call,
            institution,
            supervisor,
            batch_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001),
            _dir: dir,
        })
    }

    /// The first byte picks an endpoint, the rest is its JSON body, its query string, a path
    /// segment or a bearer token. Returns the answer after checking it: never 5xx, and every
    /// error `application/problem+json` with a stable `code` and the same `status`.
    pub fn input(&self, data: &[u8]) -> Option<Answer> {
        let (&selector, rest) = data.split_first()?;
        let id = self.batch_id;
        let json = |method: Method, path: String, token: Option<&str>| {
            let mut request = actix_test::TestRequest::default()
                .method(method)
                .uri(&path)
                .set_payload(Bytes::copy_from_slice(rest));
            // Mostly JSON; now and then another media type, for the 415 path.
            request = request.insert_header((
                header::CONTENT_TYPE,
                if selector >= 0xF0 {
                    "text/plain"
                } else {
                    "application/json"
                },
            ));
            if let Some(token) = token {
                request = request.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
            }
            request
        };
        let get = |path: String, token: Option<&str>| {
            let mut request = actix_test::TestRequest::get().uri(&path);
            if let Some(token) = token {
                request = request.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
            }
            request
        };
        let query = encode(rest, b"=&+");
        let segment = encode(rest, b"");
        let institution = Some(self.institution.as_str());
        let supervisor = Some(self.supervisor.as_str());
        let request = match selector % 12 {
            0 => json(Method::POST, "/api/v1/batches".to_owned(), institution),
            1 => json(Method::PATCH, format!("/api/v1/batches/{id}"), institution)
                .insert_header((header::IF_MATCH, "\"1\"")),
            2 => json(Method::POST, "/api/v1/auth/refresh".to_owned(), None),
            3 => json(
                Method::POST,
                format!("/api/v1/batches/{id}/candidates"),
                institution,
            ),
            4 => json(
                Method::PUT,
                format!("/api/v1/batches/{id}/results"),
                institution,
            ),
            5 => json(
                Method::POST,
                format!("/api/v1/batches/{id}/steps/registration/decision"),
                supervisor,
            ),
            6 => get(format!("/api/v1/calendar/{segment}"), institution),
            7 => get(
                format!("/api/v1/calendar/earliest-exam-date?{query}"),
                institution,
            ),
            8 => get(format!("/api/v1/public/certificates?{query}"), None),
            9 => get(format!("/api/v1/batches?{query}"), institution),
            10 => get(format!("/api/v1/batches/{segment}"), institution),
            _ => {
                // A hostile bearer token: only visible ASCII can be a header value.
                let token: String = rest.iter().map(|b| char::from(b'!' + b % 94)).collect();
                get("/api/v1/me".to_owned(), Some(&token))
            }
        };
        let answer = self.runner.block_on((self.call)(request));
        check_answer(&answer);
        Some(answer)
    }
}

async fn answer(method: Method, uri: String, response: ServiceResponse) -> Answer {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap_or_default();
    Answer {
        method,
        uri,
        status,
        content_type,
        body,
    }
}

/// Never 5xx; every error a problem+json document with an upper-snake-case `code` and the
/// response's `status` (SPEC §8).
pub fn check_answer(answer: &Answer) {
    let Answer {
        method,
        uri,
        status,
        content_type,
        body,
    } = answer;
    let shown = String::from_utf8_lossy(body);
    assert!(*status < 500, "{method} {uri} → {status}: {shown}");
    if *status < 400 {
        return;
    }
    assert_eq!(
        content_type, "application/problem+json",
        "{method} {uri} → {status}: {shown}"
    );
    let problem: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let code = problem["code"].as_str().unwrap_or_default();
    assert!(
        !code.is_empty()
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
        "{method} {uri} → {status}: code {code:?} in {shown}"
    );
    assert_eq!(
        problem["status"].as_u64(),
        Some(u64::from(*status)),
        "{method} {uri}: {shown}"
    );
}

/// Percent-encodes every byte but the unreserved characters and `keep`, so that any bytes make
/// a valid URI and reach the extractors decoded.
fn encode(bytes: &[u8], keep: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(b) || keep.contains(b) {
            out.push(char::from(*b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_xlsx_reads_as_a_roster() {
        let sheet = br#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#;
        let bytes = xlsx_from_parts(sheet);
        assert_eq!(FileFormat::detect(&bytes, "a.xlsx"), Ok(FileFormat::Xlsx));
    }

    #[test]
    fn any_bytes_encode_to_a_valid_uri() {
        let all: Vec<u8> = (0..=255).collect();
        let uri = format!("/a?{}", encode(&all, b"=&+"));
        assert!(uri.parse::<actix_web::http::Uri>().is_ok());
    }
}
