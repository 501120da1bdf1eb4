//! The PDF gate for uploaded materials (SPEC §9: "uploads checked to be real PDFs (magic bytes and
//! parse; encrypted, JavaScript, launch actions and embedded files refused)").
//!
//! [`inspect`] is pure and synchronous: magic bytes, a lenient lopdf parse with a bound on stream
//! decompression, then a walk over every object of the file (object streams included, names
//! already `#xx`-decoded by the parser) looking for the active or hidden content we refuse.
//! [`check`] runs it on a blocking thread with a time bound, so a hostile file can neither hang
//! an async worker nor turn a parser panic into a 500. Touches no IO and no database.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use bytes::Bytes;
use lopdf::{Dictionary, Document, LoadOptions, Object};
use serde_json::json;
use skillcert_domain::rules::{RuleCode, Violation};

use crate::error::ApiError;
use crate::permits::{Permit, Permits, Work};

/// Every PDF starts with these bytes (ISO 32000-2 §7.5.2). Required at offset 0: a file that
/// only contains them further in is a polyglot, not a PDF.
pub const MAGIC: &[u8] = b"%PDF-";

/// How long one parse may take before the file is refused.
pub const PARSE_TIMEOUT: Duration = Duration::from_secs(10);

/// The most one object or cross-reference stream may inflate to while loading (a decompression
/// bomb would otherwise exhaust memory before any check runs). Real ones are a few KiB.
const MAX_DECOMPRESSED_STREAM: usize = 16 * 1024 * 1024;
/// The most all object streams of a file may inflate to together: without it, a 20 MiB upload
/// of a thousand object streams, each just under the per-stream cap, inflates to gigabytes.
pub const MAX_DECOMPRESSED_TOTAL: usize = 64 * 1024 * 1024;
/// Objects in one file (top-level and inside object streams). A 300-page scan has a few
/// thousand.
pub const MAX_OBJECTS: usize = 200_000;
/// Pages in one file: materials are forms and scans of tens of pages.
pub const MAX_PAGES: usize = 5_000;

/// Why a file is not accepted as a material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Does not start with `%PDF-` (an HTML page renamed `.pdf`, an image…): 415.
    NotPdf,
    /// Starts like a PDF but does not parse, or took too long to: 422.
    Unreadable,
    Encrypted,
    JavaScript,
    LaunchAction,
    EmbeddedFile,
    /// More pages or objects than [`MAX_PAGES`] / [`MAX_OBJECTS`], object streams inflating past
    /// [`MAX_DECOMPRESSED_TOTAL`], or more work than [`PARSE_TIMEOUT`] allows: 422.
    TooLarge,
}

impl Refusal {
    /// The stable reason reported in `violations[].details.reason`.
    pub const fn code(self) -> &'static str {
        match self {
            Refusal::NotPdf => "not_pdf",
            Refusal::Unreadable => "unreadable",
            Refusal::Encrypted => "encrypted",
            Refusal::JavaScript => "javascript",
            Refusal::LaunchAction => "launch_action",
            Refusal::EmbeddedFile => "embedded_file",
            Refusal::TooLarge => "too_large",
        }
    }

    pub const fn message_zh(self) -> &'static str {
        match self {
            Refusal::NotPdf => "上传的文件不是 PDF 文件，请上传 PDF 格式的扫描件或电子文档",
            Refusal::Unreadable => "PDF 文件已损坏或格式不正确，无法解析",
            Refusal::Encrypted => "PDF 文件已加密或设置了密码，请上传未加密的文件",
            Refusal::JavaScript => "PDF 文件包含 JavaScript 脚本，出于安全原因不予接收",
            Refusal::LaunchAction => "PDF 文件包含启动外部程序的动作，出于安全原因不予接收",
            Refusal::EmbeddedFile => "PDF 文件包含嵌入的附件，出于安全原因不予接收",
            Refusal::TooLarge => {
                "PDF 文件页数、对象数或解压后的内容过多，超出检查上限，请压缩或拆分后上传"
            }
        }
    }

    /// 415 for a file that is not a PDF at all, otherwise 422 `VALIDATION` on `field`.
    pub fn into_api_error(self, field: &str) -> ApiError {
        match self {
            Refusal::NotPdf => ApiError::UnsupportedMediaType(self.message_zh().to_owned()),
            _ => ApiError::Unprocessable(vec![
                Violation::new(RuleCode::Validation, self.message_zh())
                    .field(field)
                    .details(json!({ "reason": self.code() })),
            ]),
        }
    }
}

pub fn has_magic(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Checks `bytes` (the upload's form field `field`) off the async runtime under a PDF-check
/// permit, within [`PARSE_TIMEOUT`]: 503 `BUSY` when every permit is taken, otherwise the
/// refusal as [`Refusal::into_api_error`] answers it.
pub async fn check(permits: &Permits, bytes: Bytes, field: &str) -> Result<(), ApiError> {
    // The cheap test first: no permit and no thread for an HTML page.
    if !has_magic(&bytes) {
        return Err(Refusal::NotPdf.into_api_error(field));
    }
    let permit = permits.try_acquire(Work::PdfCheck)?;
    check_within(bytes, PARSE_TIMEOUT, Some(permit))
        .await
        .map_err(|refusal| refusal.into_api_error(field))
}

/// [`inspect`] on a blocking thread, answered within `limit`. A panic inside the parser refuses
/// the file as unreadable, running out of time as too large; neither is an internal error. `permit` is held by the
/// blocking thread until the parse really ends: a timed-out parse keeps its core busy, so its
/// place is not given to the next upload before then.
pub async fn check_within(
    bytes: Bytes,
    limit: Duration,
    permit: Option<Permit>,
) -> Result<(), Refusal> {
    if !has_magic(&bytes) {
        return Err(Refusal::NotPdf);
    }
    let deadline = Instant::now() + limit;
    let task = tokio::task::spawn_blocking(move || {
        let verdict = inspect_until(&bytes, deadline);
        drop(permit);
        verdict
    });
    match tokio::time::timeout(limit, task).await {
        Ok(Ok(verdict)) => verdict,
        Ok(Err(join)) => {
            // A parser panic on hostile input: refuse the file, keep serving.
            tracing::warn!(error = %join, "PDF parser panicked; file refused");
            Err(Refusal::Unreadable)
        }
        Err(_) => {
            // The blocking thread cannot be interrupted; it stops at the same deadline (its
            // budget, [`admit`]) and holds the permit until then.
            tracing::warn!(
                seconds = limit.as_secs(),
                "PDF parse timed out; file refused"
            );
            Err(Refusal::TooLarge)
        }
    }
}

/// Magic bytes, parse, then the content refusals, in that order, within [`PARSE_TIMEOUT`].
pub fn inspect(bytes: &[u8]) -> Result<(), Refusal> {
    inspect_until(bytes, Instant::now() + PARSE_TIMEOUT)
}

/// What loading one file may still use; kept per thread because lopdf's object filter is a plain
/// `fn` (lopdf is built without rayon: the filter runs on the loading thread).
struct Budget {
    deadline: Instant,
    objects: usize,
    inflated: usize,
    exceeded: bool,
}

thread_local! {
    static BUDGET: RefCell<Option<Budget>> = const { RefCell::new(None) };
}

/// Installs a budget for the loads on this thread and removes it when dropped.
struct BudgetScope;

impl BudgetScope {
    fn new(deadline: Instant) -> BudgetScope {
        BUDGET.with(|b| {
            *b.borrow_mut() = Some(Budget {
                deadline,
                objects: 0,
                inflated: 0,
                exceeded: false,
            });
        });
        BudgetScope
    }

    fn exceeded(&self) -> bool {
        BUDGET.with(|b| b.borrow().as_ref().is_some_and(|b| b.exceeded))
    }
}

impl Drop for BudgetScope {
    fn drop(&mut self) {
        BUDGET.with(|b| *b.borrow_mut() = None);
    }
}

/// lopdf's object filter, called for every object as it is loaded and before an object stream
/// is inflated. Past the deadline or a limit it drops every further object: lopdf then only
/// tokenizes the rest of the file (bounded by its size) and inflates nothing more, so the load
/// ends soon after. An object stream is measured first by inflating it into a sink (no memory
/// held) against what is left of [`MAX_DECOMPRESSED_TOTAL`].
fn admit(id: lopdf::ObjectId, object: &mut Object) -> Option<(lopdf::ObjectId, Object)> {
    let keep = BUDGET.with(|b| {
        let mut b = b.borrow_mut();
        let Some(budget) = b.as_mut() else {
            return true;
        };
        if budget.exceeded {
            return false;
        }
        budget.objects += 1;
        if budget.objects > MAX_OBJECTS || Instant::now() > budget.deadline {
            budget.exceeded = true;
            return false;
        }
        if let Object::Stream(stream) = object
            && stream.dict.has_type(b"ObjStm")
        {
            let left = MAX_DECOMPRESSED_TOTAL.saturating_sub(budget.inflated);
            // What inflated before an error counts too; a stream that fails to inflate fails
            // lopdf's own load the same way.
            let mut counted = Counter(0);
            let _ = stream.decompress_to_writer(&mut counted, left.min(MAX_DECOMPRESSED_STREAM));
            budget.inflated = budget.inflated.saturating_add(counted.0);
            if budget.inflated >= MAX_DECOMPRESSED_TOTAL {
                budget.exceeded = true;
                return false;
            }
        }
        true
    });
    // lopdf keeps its own copy of a top-level object and takes this one for an object inside an
    // object stream.
    keep.then(|| (id, object.clone()))
}

/// Counts what is written to it and keeps nothing.
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// [`inspect`] with the work bounded by `deadline`: loading stops inflating and keeping objects
/// once it passes, and the file is refused as [`Refusal::TooLarge`].
pub fn inspect_until(bytes: &[u8], deadline: Instant) -> Result<(), Refusal> {
    if !has_magic(bytes) {
        return Err(Refusal::NotPdf);
    }
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_DECOMPRESSED_STREAM),
        filter: Some(admit),
        ..LoadOptions::default()
    };
    let scope = BudgetScope::new(deadline);
    let loaded = Document::load_mem_with_options(bytes, options);
    let exceeded = scope.exceeded();
    drop(scope);
    if exceeded {
        return Err(Refusal::TooLarge);
    }
    let doc = match loaded {
        Ok(doc) => doc,
        Err(
            lopdf::Error::Decryption(_)
            | lopdf::Error::InvalidPassword
            | lopdf::Error::AlreadyEncrypted,
        ) => return Err(Refusal::Encrypted),
        Err(e) => {
            tracing::debug!(error = %e, "upload does not parse as PDF");
            return Err(Refusal::Unreadable);
        }
    };
    // lopdf decrypts files whose user password is empty and then drops `/Encrypt` from the
    // trailer; `encryption_state` remembers it. A file needing a password keeps `/Encrypt`.
    if doc.trailer.has(b"Encrypt") || doc.encryption_state.is_some() {
        return Err(Refusal::Encrypted);
    }
    // Lenient parsing recovers almost anything; a file with no document catalogue or no page
    // is not a document.
    if doc.catalog().is_err() {
        return Err(Refusal::Unreadable);
    }
    match doc.get_pages().len() {
        0 => return Err(Refusal::Unreadable),
        pages if pages > MAX_PAGES => return Err(Refusal::TooLarge),
        _ => {}
    }
    scan(&doc, deadline)
}

/// What a name means when it appears as a dictionary key or a name value anywhere in the file.
fn classify(name: &[u8]) -> Option<Refusal> {
    match name {
        // `/JS` holds script in an action; `/JavaScript` is an action type (`/S /JavaScript`)
        // and the document-level script name tree (`/Names << /JavaScript … >>`). An
        // `/OpenAction` or `/AA` that runs script is one of these as well.
        b"JS" | b"JavaScript" => Some(Refusal::JavaScript),
        b"Launch" => Some(Refusal::LaunchAction),
        // Embedded file streams, the name tree listing them, a file specification's embedded
        // file dictionary (`/EF`, where `/Type /EmbeddedFile` on the stream is optional), and
        // file-attachment annotations.
        b"EmbeddedFile" | b"EmbeddedFiles" | b"EF" | b"FileAttachment" => {
            Some(Refusal::EmbeddedFile)
        }
        _ => None,
    }
}

/// Walks the trailer and every object with an explicit stack (no recursion: nesting depth is
/// the attacker's choice). Stream contents are not read; their dictionaries are.
fn scan(doc: &Document, deadline: Instant) -> Result<(), Refusal> {
    let mut stack: Vec<&Object> = doc.objects.values().collect();
    // The trailer is a dictionary of its own, not among the objects.
    push_dict(&doc.trailer, &mut stack)?;
    let mut visited = 0u32;
    while let Some(object) = stack.pop() {
        visited = visited.wrapping_add(1);
        if visited.is_multiple_of(4096) && Instant::now() > deadline {
            return Err(Refusal::TooLarge);
        }
        match object {
            Object::Name(name) => {
                if let Some(refusal) = classify(name) {
                    return Err(refusal);
                }
            }
            Object::Array(items) => stack.extend(items.iter()),
            Object::Dictionary(dict) => push_dict(dict, &mut stack)?,
            Object::Stream(stream) => push_dict(&stream.dict, &mut stack)?,
            Object::Null
            | Object::Boolean(_)
            | Object::Integer(_)
            | Object::Real(_)
            | Object::String(..)
            | Object::Reference(_) => {}
        }
    }
    Ok(())
}

/// Checks a dictionary's keys and queues its values.
fn push_dict<'a>(dict: &'a Dictionary, stack: &mut Vec<&'a Object>) -> Result<(), Refusal> {
    for (key, value) in dict.iter() {
        if let Some(refusal) = classify(key) {
            return Err(refusal);
        }
        stack.push(value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{Stream, dictionary};

    /// A one-page PDF; `extra` adds entries to the catalogue.
    fn pdf(extra: impl FnOnce(&mut Document, &mut lopdf::Dictionary)) -> Vec<u8> {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let content_id = doc.add_object(Stream::new(dictionary! {}, b"BT ET".to_vec()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Contents" => content_id,
        });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => vec![page_id.into()],
                "Count" => 1,
            }),
        );
        let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
        extra(&mut doc, &mut catalog);
        let catalog_id = doc.add_object(catalog);
        doc.trailer.set("Root", catalog_id);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    /// A one-page PDF with `extra` objects (raw bodies) after the page, written by hand: lopdf
    /// would take long to build many objects, and rewrites object streams when saving.
    fn raw_pdf(extra: impl Iterator<Item = Vec<u8>>) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        let mut object = |out: &mut Vec<u8>, body: &[u8]| {
            offsets.push(out.len());
            out.extend(format!("{} 0 obj\n", offsets.len()).as_bytes());
            out.extend(body);
            out.extend(b"\nendobj\n");
        };
        object(&mut out, b"<< /Type /Catalog /Pages 2 0 R >>");
        object(&mut out, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
        object(
            &mut out,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        );
        for body in extra {
            object(&mut out, &body);
        }
        let xref = out.len();
        out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes());
        for offset in &offsets {
            out.extend(format!("{offset:010} 00000 n \n").as_bytes());
        }
        out.extend(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                offsets.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    #[test]
    fn more_objects_than_the_bound_are_refused_as_too_large() {
        let many = |n: usize| raw_pdf((0..n).map(|_| b"1".to_vec()));
        assert_eq!(inspect(&many(1_000)), Ok(()));
        assert_eq!(inspect(&many(MAX_OBJECTS + 1)), Err(Refusal::TooLarge));
    }

    #[test]
    fn object_streams_inflating_past_the_total_are_refused_before_they_are_kept() {
        // Ten object streams of 8 MiB each: every one under the per-stream cap, 80 MiB in all.
        let mut template = Stream::new(
            dictionary! { "Type" => "ObjStm", "N" => 0, "First" => 0 },
            vec![b' '; 8 << 20],
        );
        template.compress().unwrap();
        assert!(template.content.len() < 100_000);
        let object_stream = || {
            let mut body = format!(
                "<< /Type /ObjStm /N 0 /First 0 /Filter /FlateDecode /Length {} >>\nstream\n",
                template.content.len()
            )
            .into_bytes();
            body.extend(&template.content);
            body.extend(b"\nendstream");
            body
        };
        let file = raw_pdf((0..10).map(|_| object_stream()));
        assert!(file.len() < 1 << 20, "{} bytes", file.len());
        assert_eq!(inspect(&file), Err(Refusal::TooLarge));
        // Two of them (16 MiB) are within the total.
        let file = raw_pdf((0..2).map(|_| object_stream()));
        assert_ne!(inspect(&file), Err(Refusal::TooLarge));
    }

    #[test]
    fn more_pages_than_the_bound_are_refused() {
        let many = |count: usize| {
            pdf(|doc, catalog| {
                let pages_id = doc.new_object_id();
                let kids: Vec<Object> = (0..count)
                    .map(|_| {
                        doc.add_object(dictionary! {
                            "Type" => "Page", "Parent" => pages_id,
                            "MediaBox" => vec![0.into(), 0.into(), 10.into(), 10.into()],
                        })
                        .into()
                    })
                    .collect();
                doc.objects.insert(
                    pages_id,
                    Object::Dictionary(dictionary! {
                        "Type" => "Pages", "Kids" => kids, "Count" => count as i64,
                    }),
                );
                catalog.set("Pages", pages_id);
            })
        };
        assert_eq!(inspect(&many(10)), Ok(()));
        assert_eq!(inspect(&many(MAX_PAGES + 1)), Err(Refusal::TooLarge));
    }

    #[test]
    fn the_work_stops_at_the_deadline() {
        let file = pdf(|_, _| {});
        assert_eq!(inspect_until(&file, Instant::now() + PARSE_TIMEOUT), Ok(()));
        // A deadline already past: loading keeps nothing and the file is refused.
        assert_eq!(inspect_until(&file, Instant::now()), Err(Refusal::TooLarge));
        // The budget is this load's only: the next one on the thread starts afresh.
        assert_eq!(inspect(&file), Ok(()));
    }

    #[test]
    fn a_plain_pdf_passes() {
        assert_eq!(inspect(&pdf(|_, _| {})), Ok(()));
    }

    #[test]
    fn magic_bytes_are_required_at_the_start() {
        assert_eq!(
            inspect(b"<html><body>%PDF-1.7</body></html>"),
            Err(Refusal::NotPdf)
        );
        let mut prefixed = b"junk".to_vec();
        prefixed.extend(pdf(|_, _| {}));
        assert_eq!(inspect(&prefixed), Err(Refusal::NotPdf));
        assert_eq!(inspect(b""), Err(Refusal::NotPdf));
    }

    #[test]
    fn garbage_after_the_magic_is_unreadable() {
        assert_eq!(inspect(b"%PDF-"), Err(Refusal::Unreadable));
        assert_eq!(
            inspect(b"%PDF-1.7\n\x00\xff garbage"),
            Err(Refusal::Unreadable)
        );
        let mut noise = b"%PDF-1.4\n".to_vec();
        noise.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
        assert_eq!(inspect(&noise), Err(Refusal::Unreadable));
    }

    #[test]
    fn open_action_javascript_is_refused() {
        let bytes = pdf(|doc, catalog| {
            let action = doc.add_object(dictionary! {
                "S" => "JavaScript",
                "JS" => Object::string_literal("app.alert(1)"),
            });
            catalog.set("OpenAction", action);
        });
        assert_eq!(inspect(&bytes), Err(Refusal::JavaScript));
    }

    #[test]
    fn javascript_inside_a_compressed_object_stream_is_found() {
        let plain = pdf(|doc, catalog| {
            let action = doc.add_object(dictionary! {
                "S" => "JavaScript",
                "JS" => Object::string_literal("app.alert(1)"),
            });
            catalog.set("OpenAction", action);
        });
        let mut doc = Document::load_mem(&plain).unwrap();
        let mut packed = Vec::new();
        doc.save_modern(&mut packed).unwrap();
        // Not visible to a byte scan: only a parse finds it.
        assert!(!packed.windows(10).any(|w| w == b"JavaScript"));
        assert_eq!(inspect(&packed), Err(Refusal::JavaScript));
    }

    #[test]
    fn hex_escaped_names_do_not_hide_javascript() {
        // `/J#61vaScript` is `/JavaScript` (ISO 32000-2 §7.3.5); patched in at the same length so
        // the cross-reference offsets stay right.
        let bytes = pdf(|_, catalog| {
            catalog.set("OpenAction", dictionary! { "S" => "PLACEHOLDER1" });
        });
        let at = bytes
            .windows(13)
            .position(|w| w == b"/PLACEHOLDER1")
            .unwrap();
        let mut patched = bytes.clone();
        patched[at..at + 13].copy_from_slice(b"/J#61vaScript");
        assert_eq!(inspect(&patched), Err(Refusal::JavaScript));
    }

    #[test]
    fn document_level_scripts_launch_actions_and_attachments_are_refused() {
        let names = pdf(|_, catalog| {
            catalog.set(
                "Names",
                dictionary! { "JavaScript" => dictionary! { "Names" => Vec::<Object>::new() } },
            );
        });
        assert_eq!(inspect(&names), Err(Refusal::JavaScript));
        let launch = pdf(|_, catalog| {
            catalog.set(
                "OpenAction",
                dictionary! { "S" => "Launch", "F" => Object::string_literal("calc.exe") },
            );
        });
        assert_eq!(inspect(&launch), Err(Refusal::LaunchAction));
        let attached = pdf(|doc, catalog| {
            let file = doc.add_object(Stream::new(
                dictionary! { "Type" => "EmbeddedFile" },
                b"MZ".to_vec(),
            ));
            catalog.set(
                "Names",
                dictionary! { "EmbeddedFiles" => dictionary! {
                    "Names" => vec![
                        Object::string_literal("a.exe"),
                        dictionary! { "Type" => "Filespec", "EF" => dictionary! { "F" => file } }.into(),
                    ],
                } },
            );
        });
        assert_eq!(inspect(&attached), Err(Refusal::EmbeddedFile));
    }

    #[test]
    fn encrypted_files_are_refused_with_or_without_a_user_password() {
        for user_password in ["", "secret"] {
            let plain = pdf(|_, _| {});
            let mut doc = Document::load_mem(&plain).unwrap();
            let id = Object::String(
                b"0123456789abcdef".to_vec(),
                lopdf::StringFormat::Hexadecimal,
            );
            doc.trailer.set("ID", vec![id.clone(), id]);
            let state = lopdf::EncryptionState::try_from(lopdf::EncryptionVersion::V2 {
                document: &doc,
                owner_password: "owner",
                user_password,
                key_length: 128,
                permissions: lopdf::Permissions::all(),
            })
            .unwrap();
            doc.encrypt(&state).unwrap();
            let mut out = Vec::new();
            doc.save_to(&mut out).unwrap();
            assert_eq!(
                inspect(&out),
                Err(Refusal::Encrypted),
                "user password {user_password:?}"
            );
        }
    }

    #[test]
    fn refusals_map_to_415_and_422() {
        use actix_web::ResponseError;
        assert_eq!(Refusal::NotPdf.into_api_error("file").status_code(), 415);
        assert_eq!(
            Refusal::JavaScript.into_api_error("file").status_code(),
            422
        );
    }

    #[actix_web::test]
    async fn check_runs_off_the_runtime_under_a_permit() {
        use actix_web::ResponseError;
        let permits = Permits::new(&crate::config::PermitsConfig {
            pdf_checks: 1,
            imports: 1,
            archives: 1,
        });
        assert!(
            check(&permits, Bytes::from(pdf(|_, _| {})), "file")
                .await
                .is_ok()
        );
        let html = check(&permits, Bytes::from_static(b"<html>"), "file").await;
        assert_eq!(html.unwrap_err().status_code(), 415);
        // Every permit taken: 503, and the file is not parsed.
        let held = permits.try_acquire(Work::PdfCheck).unwrap();
        let busy = check(&permits, Bytes::from(pdf(|_, _| {})), "file").await;
        assert_eq!(busy.unwrap_err().status_code(), 503);
        drop(held);
        assert!(
            check(&permits, Bytes::from(pdf(|_, _| {})), "file")
                .await
                .is_ok()
        );
        assert_eq!(permits.available(Work::PdfCheck), 1);
    }
}
