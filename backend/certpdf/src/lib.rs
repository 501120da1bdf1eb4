//! Certificate PDFs (SPEC §6, issue 7 "Printing"): typst used as a library, with the Noto CJK
//! fonts of Debian's `fonts-noto-cjk`.
//!
//! A [`Renderer`] is built once per process ([`Renderer::from_dir`]): it reads the font
//! collections, keeps only the faces the template uses (Noto Serif CJK SC, regular and bold),
//! builds typst's standard library and parses the embedded template. It is cheap to clone (one
//! `Arc`) and `Send + Sync`, so one instance serves every request; nothing is loaded per
//! document.
//!
//! # Why our own `World`
//!
//! typst asks its host for files, fonts and the date through the `World` trait. The renderer
//! needs exactly two files (the template and a per-document `/data.json`), a fixed list of
//! in-memory fonts and no date, which is some forty lines ([`DocWorld`]). The wrappers on
//! crates.io (`typst-as-lib` and similar) add font search, package downloads and file-system
//! access we must not have in a server, and pin typst versions of their own; owning the trait
//! keeps the dependency to typst itself.
//!
//! # Data, never markup
//!
//! Each document's data is serialised to JSON and served to typst as the virtual file
//! `/data.json`; the template reads it with `json(..)` and lays the values out as strings. User
//! text (names with `#`, `[`, `"` or `\`) is therefore never parsed as typst markup.
//!
//! # Memory
//!
//! A Noto CJK `.ttc` holds five faces (JP, KR, SC, TC, HK) over one shared CFF table, so a
//! single face cannot be cut out cheaply: the renderer keeps the two collections that hold the
//! faces it uses (about 53 MB) and never reads the others (their names are read from the table
//! directories, a few KiB, see [`find_faces`]). typst memoises
//! layout work in a process-wide cache; it is trimmed after every document so that a long run
//! of renders stays flat.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use typst::diag::{FileError, FileResult, SourceDiagnostic, Warned};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

mod probe;
pub use probe::FaceRef;

/// The template, embedded in the binary.
const TEMPLATE: &str = include_str!("../templates/certificate.typ");

/// The font family the template sets.
pub const FONT_FAMILY: &str = "Noto Serif CJK SC";
/// The weights of [`FONT_FAMILY`] the template uses: regular (required) and bold (optional:
/// typst falls back to the regular face, printed in the regular weight).
const REGULAR: u16 = 400;
const BOLD: u16 = 700;

/// How many evictions a memoised typst result survives without being used again. Small, so
/// that the per-document results (this document's text) leave the cache soon after, while the
/// template's own parse and the fonts' shaping tables, hit by every document, stay.
const CACHE_MAX_AGE: usize = 3;

/// Pages per typst document when a batch is printed: a batch's merged PDF is rendered in
/// documents of this many pages, joined page by page ([`merge`]). One typst document of a
/// thousand pages grows typst's global memo tables (hundreds of MiB), and tables keep their
/// capacity after eviction, so every later document paid for scanning them (measured: single
/// certificates 40% slower after one 1,000-page batch, for the life of the process); fifty pages
/// keep them near their one-certificate size at no cost in speed (BENCHMARKS.md S6).
pub const PAGES_PER_DOCUMENT: usize = 50;

/// The fonts could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("cannot read the font directory {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the font file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no {FONT_FAMILY} regular face in {0} (install Debian's fonts-noto-cjk or set certificates.font_dir)"
    )]
    Missing(PathBuf),
    /// A virtual path of the embedded template could not be made (a bug, not a setup problem).
    #[error("template path: {0}")]
    Template(String),
}

/// A document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("nothing to render")]
    Empty,
    #[error("QR code: {0}")]
    Qr(String),
    #[error("document data: {0}")]
    Data(#[from] serde_json::Error),
    #[error("typst: {0}")]
    Typst(String),
    #[error("merging the batch's documents: {0}")]
    Merge(#[from] lopdf::Error),
}

/// One certificate as printed: every field already in the words it is printed with.
#[derive(Debug, Clone, Serialize)]
pub struct PrintedCertificate {
    /// The 22-character certificate number.
    pub number: String,
    pub name: String,
    /// The ID document type in Chinese, e.g. 居民身份证.
    pub id_type: String,
    /// First 6 and last 4 digits visible.
    pub id_number_masked: String,
    /// The occupation, e.g. `4-01-02-01 电子商务师`.
    pub occupation: String,
    /// 工种, when the occupation has one.
    pub work_type: Option<String>,
    /// E.g. 五级/初级工.
    pub level: String,
    /// The evaluation institution's name.
    pub institution: String,
    /// E.g. 2026年3月12日.
    pub issue_date: String,
    /// What the QR code encodes: the public verification page (see [`verification_url`]).
    pub verify_url: String,
    /// The id of the key that signed the certificate.
    pub key_id: String,
    /// Printed with a 已撤销 mark.
    pub revoked: bool,
}

/// The public verification page of a certificate:
/// `{public_url}/public/certificates?number=<NUMBER>&code=<CODE>`, where the verification code
/// stands in for the holder's name (SPEC §6): the page answers the masked record without anyone
/// typing the name, and the printed URL names no one.
pub fn verification_url(public_url: &str, number: &str, code: &str) -> String {
    let mut url = public_url.trim_end_matches('/').to_owned();
    url.push_str("/public/certificates?number=");
    push_encoded(&mut url, number);
    url.push_str("&code=");
    push_encoded(&mut url, code);
    url
}

/// `text` percent-encoded as a query value (unreserved characters kept).
fn push_encoded(url: &mut String, text: &str) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            url.push(char::from(byte));
        } else {
            let _ = write!(url, "%{byte:02X}");
        }
    }
}

/// The QR code of `text` as an SVG, one unit per module with the standard quiet zone.
fn qr_svg(text: &str) -> Result<String, RenderError> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
        .map_err(|e| RenderError::Qr(e.to_string()))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .module_dimensions(1, 1)
        .quiet_zone(true)
        .build())
}

/// The renderer: fonts, library and template, loaded once and shared.
#[derive(Clone)]
pub struct Renderer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("faces", &self.inner.fonts.len())
            .field("font_bytes", &self.font_bytes())
            .finish_non_exhaustive()
    }
}

struct Inner {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    main: Source,
    data_id: FileId,
}

fn file_id(path: &str) -> Result<FileId, FontError> {
    let vpath = VirtualPath::new(path).map_err(|e| FontError::Template(format!("{e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// Whether the template uses this face.
fn wanted(info: &FontInfo) -> bool {
    let weight = info.variant.weight.to_number();
    info.family == FONT_FAMILY
        && info.variant.style == typst::text::FontStyle::Normal
        && (weight == REGULAR || weight == BOLD)
}

fn is_font_file(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "ttc" | "otc" | "otf" | "ttf"
        )
    })
}

/// The font files in `dir` (not recursive), sorted.
fn font_files(dir: &Path) -> Result<Vec<PathBuf>, FontError> {
    let dir_error = |source| FontError::Dir {
        path: dir.to_owned(),
        source,
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(dir_error)? {
        let path = entry.map_err(dir_error)?.path();
        if is_font_file(&path) && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// The faces in `dir` that look like the template's (see [`probe`]): the first regular and the
/// first bold of [`FONT_FAMILY`], by file name. Reads a few KiB per file.
pub fn find_faces(dir: impl AsRef<Path>) -> Result<Vec<FaceRef>, FontError> {
    let dir = dir.as_ref();
    let mut chosen: Vec<FaceRef> = Vec::new();
    for path in font_files(dir)? {
        for face in probe::faces(&path)? {
            let family_matches = face.family == FONT_FAMILY
                || face
                    .family
                    .strip_prefix(FONT_FAMILY)
                    .is_some_and(|rest| rest.starts_with(' '));
            if family_matches
                && !face.italic
                && matches!(face.weight, REGULAR | BOLD)
                && !chosen.iter().any(|c| c.weight == face.weight)
            {
                chosen.push(face);
            }
        }
    }
    if !chosen.iter().any(|f| f.weight == REGULAR) {
        return Err(FontError::Missing(dir.to_owned()));
    }
    chosen.sort_by_key(|f| f.weight);
    Ok(chosen)
}

impl Renderer {
    /// Loads the faces the template uses from the font files in `dir` (not recursive): the
    /// regular face of [`FONT_FAMILY`] must be there, the bold one should be. Only the files
    /// holding them are read (the bold and the regular collection of Noto Serif CJK).
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Renderer, FontError> {
        let dir = dir.as_ref();
        let mut fonts: Vec<Font> = Vec::new();
        let mut files: Vec<(PathBuf, Bytes)> = Vec::new();
        for face in find_faces(dir)? {
            let data = match files.iter().find(|(path, _)| *path == face.path) {
                Some((_, data)) => data.clone(),
                None => {
                    let data = Bytes::new(std::fs::read(&face.path).map_err(|source| {
                        FontError::File {
                            path: face.path.clone(),
                            source,
                        }
                    })?);
                    files.push((face.path.clone(), data.clone()));
                    data
                }
            };
            // typst's own reading of the face decides; the probe only chose the file.
            if let Some(font) = Font::new(data, face.index)
                && wanted(font.info())
            {
                fonts.push(font);
            }
        }
        drop(files);
        if !fonts
            .iter()
            .any(|f| f.info().variant.weight.to_number() == REGULAR)
        {
            return Err(FontError::Missing(dir.to_owned()));
        }
        let main_id = file_id("/certificate.typ")?;
        let data_id = file_id("/data.json")?;
        Ok(Renderer {
            inner: Arc::new(Inner {
                library: LazyHash::new(Library::default()),
                book: LazyHash::new(FontBook::from_fonts(&fonts)),
                fonts,
                main: Source::new(main_id, TEMPLATE.to_owned()),
                data_id,
            }),
        })
    }

    /// The faces loaded, e.g. `Noto Serif CJK SC 400`.
    pub fn faces(&self) -> Vec<String> {
        self.inner
            .fonts
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f.info().family,
                    f.info().variant.weight.to_number()
                )
            })
            .collect()
    }

    /// Bytes of font data held (collections shared between faces counted once).
    pub fn font_bytes(&self) -> usize {
        let mut seen: Vec<*const u8> = Vec::new();
        let mut total = 0;
        for font in &self.inner.fonts {
            let ptr = font.data().as_ptr();
            if !seen.contains(&ptr) {
                seen.push(ptr);
                total += font.data().len();
            }
        }
        total
    }

    /// One certificate as a one-page PDF.
    pub fn render(&self, certificate: &PrintedCertificate) -> Result<Vec<u8>, RenderError> {
        let title = format!("职业技能等级证书 {}", certificate.number);
        self.render_document(&title, std::slice::from_ref(certificate))
    }

    /// Several certificates as one PDF, one page each, in the order given.
    pub fn render_batch(
        &self,
        certificates: &[PrintedCertificate],
    ) -> Result<Vec<u8>, RenderError> {
        self.render_batch_by(certificates, PAGES_PER_DOCUMENT)
    }

    /// [`Renderer::render_batch`] with typst documents of at most `pages_per_document` pages,
    /// merged into one PDF.
    pub fn render_batch_by(
        &self,
        certificates: &[PrintedCertificate],
        pages_per_document: usize,
    ) -> Result<Vec<u8>, RenderError> {
        let title = format!("职业技能等级证书（{} 份）", certificates.len());
        if certificates.len() <= pages_per_document {
            return self.render_document(&title, certificates);
        }
        let parts = certificates
            .chunks(pages_per_document.max(1))
            .map(|chunk| self.render_document(&title, chunk))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(merge(&parts)?)
    }

    fn render_document(
        &self,
        title: &str,
        certificates: &[PrintedCertificate],
    ) -> Result<Vec<u8>, RenderError> {
        if certificates.is_empty() {
            return Err(RenderError::Empty);
        }
        let pages = certificates
            .iter()
            .map(|certificate| {
                Ok(Page {
                    qr: qr_svg(&certificate.verify_url)?,
                    certificate,
                })
            })
            .collect::<Result<Vec<_>, RenderError>>()?;
        let data = serde_json::to_vec(&Data {
            title,
            certificates: pages,
        })?;
        let world = DocWorld {
            inner: &self.inner,
            data: Bytes::new(data),
        };
        let Warned { output, .. } = typst::compile::<PagedDocument>(&world);
        let result = output
            .map_err(|e| RenderError::Typst(messages(&e)))
            .and_then(|document| {
                let options = typst_pdf::PdfOptions {
                    tagged: false,
                    ..typst_pdf::PdfOptions::default()
                };
                typst_pdf::pdf(&document, &options).map_err(|e| RenderError::Typst(messages(&e)))
            });
        typst::comemo::evict(CACHE_MAX_AGE);
        result
    }
}

/// Joins PDFs page by page: the first document keeps its catalogue, metadata and page tree,
/// the pages of the others (with what they use: contents, fonts, images) are appended to it.
/// Each part keeps its own font subsets; what only the other parts' catalogues referenced is
/// dropped.
fn merge(parts: &[Vec<u8>]) -> Result<Vec<u8>, lopdf::Error> {
    use lopdf::{Document, Object};
    let Some((first, rest)) = parts.split_first() else {
        return Err(lopdf::Error::PageNumberNotFound(0));
    };
    let mut merged = Document::load_mem(first)?;
    let pages_id = merged.catalog()?.get(b"Pages")?.as_reference()?;
    let mut page_ids: Vec<_> = merged.get_pages().into_values().collect();
    for part in rest {
        let mut document = Document::load_mem(part)?;
        document.renumber_objects_with(merged.max_id + 1);
        merged.max_id = document.max_id;
        page_ids.extend(document.get_pages().into_values());
        merged.objects.extend(document.objects);
    }
    for id in &page_ids {
        merged
            .get_object_mut(*id)?
            .as_dict_mut()?
            .set("Parent", pages_id);
    }
    let count = i64::try_from(page_ids.len()).unwrap_or(i64::MAX);
    let pages = merged.get_object_mut(pages_id)?.as_dict_mut()?;
    pages.set("Count", count);
    pages.set(
        "Kids",
        page_ids
            .into_iter()
            .map(Object::Reference)
            .collect::<Vec<_>>(),
    );
    merged.prune_objects();
    let mut out = Vec::new();
    merged.save_to(&mut out)?;
    Ok(out)
}

fn messages(diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

#[derive(Serialize)]
struct Data<'a> {
    title: &'a str,
    certificates: Vec<Page<'a>>,
}

#[derive(Serialize)]
struct Page<'a> {
    #[serde(flatten)]
    certificate: &'a PrintedCertificate,
    /// The QR code, SVG.
    qr: String,
}

/// The world of one document: the shared template and fonts plus this document's data.
struct DocWorld<'a> {
    inner: &'a Inner,
    data: Bytes,
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.inner.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.inner.book
    }

    fn main(&self) -> FileId {
        self.inner.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.inner.main.id() {
            Ok(self.inner.main.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.inner.data_id {
            Ok(self.data.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.inner.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_with_slash().into())
}

#[cfg(feature = "inspect")]
pub mod inspect;
