//! The PDF gate for uploaded materials (SPEC §9: "uploads checked to be real PDFs (magic bytes and
//! parse; encrypted, JavaScript, launch actions and embedded files refused)").
//!
//! [`inspect`] is pure and synchronous: magic bytes, a lenient lopdf parse with a bound on stream
//! decompression, then a walk over every object of the file (object streams included, names
//! already `#xx`-decoded by the parser) looking for the active or hidden content we refuse.
//! [`check`] runs it on a blocking thread with a time bound, so a hostile file can neither hang
//! an async worker nor turn a parser panic into a 500. Touches no IO and no database.

use std::time::Duration;

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

/// [`inspect`] on a blocking thread, answered within `limit`. A panic inside the parser or a
/// timeout refuses the file as unreadable; neither is an internal error. `permit` is held by the
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
    let task = tokio::task::spawn_blocking(move || {
        let verdict = inspect(&bytes);
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
            // The blocking thread cannot be interrupted; it finishes on its own, the request
            // does not wait for it.
            tracing::warn!(
                seconds = limit.as_secs(),
                "PDF parse timed out; file refused"
            );
            Err(Refusal::Unreadable)
        }
    }
}

/// Magic bytes, parse, then the content refusals, in that order.
pub fn inspect(bytes: &[u8]) -> Result<(), Refusal> {
    if !has_magic(bytes) {
        return Err(Refusal::NotPdf);
    }
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_DECOMPRESSED_STREAM),
        ..LoadOptions::default()
    };
    let doc = match Document::load_mem_with_options(bytes, options) {
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
    if doc.catalog().is_err() || doc.get_pages().is_empty() {
        return Err(Refusal::Unreadable);
    }
    scan(&doc)
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
fn scan(doc: &Document) -> Result<(), Refusal> {
    let mut stack: Vec<&Object> = doc.objects.values().collect();
    // The trailer is a dictionary of its own, not among the objects.
    push_dict(&doc.trailer, &mut stack)?;
    while let Some(object) = stack.pop() {
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
