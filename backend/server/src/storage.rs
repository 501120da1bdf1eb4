//! Content-addressed file storage for uploaded materials and batch archives (SPEC §9: "stored
//! by SHA-256, never under a client-supplied path, written atomically").
//!
//! Files go through `state.storage` (`object_store`: local disk by default, an S3-compatible
//! store in production) under `sha256/<2 hex>/<2 hex>/<64 hex>`, a path derived from the content
//! alone. The local store writes a temporary file and renames it into place, so a reader never
//! sees half a file; the same content is written once however often it is uploaded. Callers
//! store the file *before* inserting the row that references it, so a crash leaves at most an
//! unreferenced file, never a row without its file.
//!
//! The client's file name is display text only: [`display_file_name`] strips path components
//! and control characters. Touches the object store only, never the database.

use bytes::{Bytes, BytesMut};
use futures_util::stream::BoxStream;
use object_store::ObjectStore;
use object_store::path::Path;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// Shown when the client sent no usable name.
pub const DEFAULT_FILE_NAME: &str = "document.pdf";
/// The `materials.file_name` column holds at most this many bytes (and characters).
pub const MAX_FILE_NAME_BYTES: usize = 255;

/// Bytes whose SHA-256 is known: built only by hashing them, so the storage path can never
/// disagree with the content.
#[derive(Clone, Debug)]
pub struct Blob {
    bytes: Bytes,
    sha256: String,
}

impl Blob {
    pub fn new(bytes: Bytes) -> Blob {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        Blob { bytes, sha256 }
    }

    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// Lower-case hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    pub fn size(&self) -> u64 {
        self.bytes.len() as u64
    }
}

/// More bytes arrived than the limit allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge {
    pub limit: u64,
}

/// Collects an upload chunk by chunk, hashing as it goes and refusing to grow past `limit`, so
/// an over-size body is rejected as soon as it crosses the limit instead of after buffering.
/// Past [`SPOOL_AFTER`] bytes the upload goes to an anonymous temporary file instead of memory,
/// so uploads still arriving (a slow client, or many at once) hold no more than that each; the
/// file is read back only by [`BlobWriter::finish`], when the upload is complete.
pub struct BlobWriter {
    limit: u64,
    hasher: Sha256,
    buffer: BytesMut,
    size: u64,
    spool: Option<std::fs::File>,
    /// The first write to the spool file that failed; reported by `finish`.
    failed: Option<std::io::Error>,
}

/// How much of an upload is kept in memory before it is spooled to disk.
pub const SPOOL_AFTER: usize = 256 * 1024;

impl BlobWriter {
    pub fn new(limit: u64) -> BlobWriter {
        BlobWriter {
            limit,
            hasher: Sha256::new(),
            buffer: BytesMut::new(),
            size: 0,
            spool: None,
            failed: None,
        }
    }

    pub fn push(&mut self, chunk: &[u8]) -> Result<(), TooLarge> {
        use std::io::Write;
        if self.size + chunk.len() as u64 > self.limit {
            return Err(TooLarge { limit: self.limit });
        }
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        if self.failed.is_some() {
            return Ok(());
        }
        if self.spool.is_none() && self.buffer.len() + chunk.len() <= SPOOL_AFTER {
            self.buffer.extend_from_slice(chunk);
            return Ok(());
        }
        let written = match &mut self.spool {
            Some(file) => file.write_all(chunk),
            None => tempfile::tempfile().and_then(|mut file| {
                file.write_all(&self.buffer)?;
                file.write_all(chunk)?;
                self.buffer = BytesMut::new();
                self.spool = Some(file);
                Ok(())
            }),
        };
        if let Err(e) = written {
            self.failed = Some(e);
        }
        Ok(())
    }

    /// The whole upload, read back from its spool file when it has one.
    pub fn finish(self) -> Result<Blob, ApiError> {
        use std::io::{Read, Seek, SeekFrom};
        let io = |e: std::io::Error| ApiError::Internal(format!("upload spool file: {e}"));
        if let Some(e) = self.failed {
            return Err(io(e));
        }
        let bytes = match self.spool {
            None => self.buffer.freeze(),
            Some(mut file) => {
                let size = usize::try_from(self.size)
                    .map_err(|_| ApiError::Internal("upload larger than memory".to_owned()))?;
                let mut bytes = Vec::with_capacity(size);
                file.seek(SeekFrom::Start(0)).map_err(io)?;
                file.read_to_end(&mut bytes).map_err(io)?;
                if bytes.len() != size {
                    return Err(ApiError::Internal(
                        "upload spool file changed size".to_owned(),
                    ));
                }
                Bytes::from(bytes)
            }
        };
        Ok(Blob {
            sha256: hex::encode(self.hasher.finalize()),
            bytes,
        })
    }

    /// Whether the upload went to disk (tests).
    pub fn spooled(&self) -> bool {
        self.spool.is_some()
    }
}

/// `sha256/ab/cd/abcd…`: the only place a stored file can live. Anything but 64 lower-case hex
/// digits is refused, so no stored value can steer the path either.
pub fn object_path(sha256: &str) -> Result<Path, ApiError> {
    let valid = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !valid {
        return Err(ApiError::Internal(format!(
            "`{sha256}` is not a SHA-256 hex digest"
        )));
    }
    Ok(Path::from_iter([
        "sha256",
        &sha256[0..2],
        &sha256[2..4],
        sha256,
    ]))
}

fn storage_error(what: &str, err: object_store::Error) -> ApiError {
    ApiError::Internal(format!("storage {what}: {err}"))
}

/// Stores `blob` unless the same content is already there. Atomic on the local store (temporary
/// file + rename) and on S3-compatible stores (a PUT is all or nothing).
pub async fn put(store: &dyn ObjectStore, blob: &Blob) -> Result<(), ApiError> {
    let path = object_path(blob.sha256())?;
    match store.head(&path).await {
        Ok(meta) if meta.size == blob.size() => return Ok(()),
        // A size mismatch cannot come from this module; rewrite it with the right content.
        Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
        Err(e) => return Err(storage_error("head", e)),
    }
    store
        .put(&path, blob.bytes().clone().into())
        .await
        .map_err(|e| storage_error("put", e))?;
    Ok(())
}

/// Bytes read from a local file per step of [`put_file`].
const FILE_CHUNK: usize = 1024 * 1024;

/// Stores a local file (e.g. a batch archive written to a temporary file) under its SHA-256
/// without holding it in memory: one pass hashes it, a second streams it to the store as a
/// multipart upload (the local store writes a staging file and renames it into place on
/// completion, an S3-compatible store commits all parts at once: atomic either way). Returns
/// the digest and size. Blocking reads of a local file, chunk by chunk.
pub async fn put_file(
    store: &dyn ObjectStore,
    file: &mut std::fs::File,
) -> Result<(String, u64), ApiError> {
    use std::io::{Read, Seek, SeekFrom};
    let io = |e: std::io::Error| ApiError::Internal(format!("temporary file: {e}"));
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buffer = vec![0u8; FILE_CHUNK];
    loop {
        let read = file.read(&mut buffer).map_err(io)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    let sha256 = hex::encode(hasher.finalize());
    let path = object_path(&sha256)?;
    match store.head(&path).await {
        Ok(meta) if meta.size == size => return Ok((sha256, size)),
        Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
        Err(e) => return Err(storage_error("head", e)),
    }
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let upload = store
        .put_multipart(&path)
        .await
        .map_err(|e| storage_error("put", e))?;
    let mut writer = object_store::WriteMultipart::new(upload);
    loop {
        let read = file.read(&mut buffer).map_err(io)?;
        if read == 0 {
            break;
        }
        writer
            .wait_for_capacity(4)
            .await
            .map_err(|e| storage_error("put", e))?;
        writer.write(&buffer[..read]);
    }
    writer.finish().await.map_err(|e| storage_error("put", e))?;
    Ok((sha256, size))
}

/// A stored file's size and content stream.
pub struct Opened {
    pub size: u64,
    pub stream: BoxStream<'static, Result<Bytes, object_store::Error>>,
}

/// Opens the file stored under `sha256`. A missing file is an internal error: every row was
/// written after its file.
pub async fn open(store: &dyn ObjectStore, sha256: &str) -> Result<Opened, ApiError> {
    let path = object_path(sha256)?;
    let result = store
        .get(&path)
        .await
        .map_err(|e| storage_error("get", e))?;
    Ok(Opened {
        size: result.meta.size,
        stream: result.into_stream(),
    })
}

/// The client's file name made safe to keep and show: only the last path component (either
/// separator), without control or bidirectional-override characters, trimmed, at most 255
/// bytes with the extension kept; `document.pdf` when nothing is left.
pub fn display_file_name(raw: Option<&str>) -> String {
    let raw = raw.unwrap_or_default();
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        return DEFAULT_FILE_NAME.to_owned();
    }
    truncate_keeping_extension(cleaned, MAX_FILE_NAME_BYTES)
}

/// Characters that reorder displayed text (`evil\u{202E}fdp.exe` shows as `evilexe.pdf`).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn truncate_keeping_extension(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let extension = match name.rfind('.') {
        Some(dot) if name.len() - dot <= 16 => &name[dot..],
        _ => "",
    };
    let mut stem_end = max - extension.len();
    while !name.is_char_boundary(stem_end) {
        stem_end -= 1;
    }
    format!("{}{extension}", &name[..stem_end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;
    use object_store::memory::InMemory;

    #[test]
    fn paths_come_from_the_digest_only() {
        let blob = Blob::new(Bytes::from_static(b"%PDF-1.7"));
        let path = object_path(blob.sha256()).unwrap();
        let text = path.to_string();
        assert_eq!(
            text,
            format!(
                "sha256/{}/{}/{}",
                &blob.sha256()[..2],
                &blob.sha256()[2..4],
                blob.sha256()
            )
        );
        assert!(object_path("../../etc/passwd").is_err());
        assert!(object_path(&"A".repeat(64)).is_err());
    }

    #[test]
    fn the_writer_hashes_like_blob_and_stops_at_the_limit() {
        let mut writer = BlobWriter::new(10);
        writer.push(b"%PDF-").unwrap();
        writer.push(b"1.7").unwrap();
        assert_eq!(writer.push(b"xyz"), Err(TooLarge { limit: 10 }));
        assert!(!writer.spooled());
        let blob = writer.finish().unwrap();
        assert_eq!(
            blob.sha256(),
            Blob::new(Bytes::from_static(b"%PDF-1.7")).sha256()
        );
        assert_eq!(blob.size(), 8);
    }

    #[test]
    fn a_large_upload_is_spooled_to_disk_and_read_back_whole() {
        let content: Vec<u8> = (0..SPOOL_AFTER * 3 + 7).map(|i| (i % 251) as u8).collect();
        let mut writer = BlobWriter::new(content.len() as u64);
        for chunk in content.chunks(64 * 1024 + 3) {
            writer.push(chunk).unwrap();
            // Never more than the threshold in memory.
            assert!(writer.buffer.len() <= SPOOL_AFTER);
        }
        assert!(writer.spooled());
        assert!(writer.buffer.is_empty());
        assert_eq!(
            writer.push(b"x"),
            Err(TooLarge {
                limit: content.len() as u64
            })
        );
        let blob = writer.finish().unwrap();
        assert_eq!(blob.bytes().as_ref(), content.as_slice());
        assert_eq!(blob.sha256(), Blob::new(Bytes::from(content)).sha256());
    }

    #[test]
    fn client_names_lose_their_paths_and_control_characters() {
        assert_eq!(display_file_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(display_file_name(Some("..\\..\\boot.ini")), "boot.ini");
        assert_eq!(
            display_file_name(Some("C:\\Users\\a\\计划申请表.pdf")),
            "计划申请表.pdf"
        );
        assert_eq!(display_file_name(Some("a\u{0}b\r\n.pdf")), "ab.pdf");
        assert_eq!(
            display_file_name(Some("evil\u{202E}fdp.exe")),
            "evilfdp.exe"
        );
        assert_eq!(display_file_name(Some("../")), DEFAULT_FILE_NAME);
        assert_eq!(display_file_name(Some("..")), DEFAULT_FILE_NAME);
        assert_eq!(display_file_name(Some("   ")), DEFAULT_FILE_NAME);
        assert_eq!(display_file_name(None), DEFAULT_FILE_NAME);
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary_keeping_the_extension() {
        let long = format!("{}.pdf", "申".repeat(200));
        let cut = display_file_name(Some(&long));
        assert!(cut.len() <= MAX_FILE_NAME_BYTES, "{}", cut.len());
        assert!(cut.ends_with("申.pdf"));
    }

    #[actix_web::test]
    async fn a_local_file_is_stored_under_its_digest() {
        use std::io::Write;
        let store = InMemory::new();
        let mut file = tempfile::tempfile().unwrap();
        let content = vec![7u8; FILE_CHUNK * 2 + 5];
        file.write_all(&content).unwrap();
        let (sha256, size) = put_file(&store, &mut file).await.unwrap();
        assert_eq!(sha256, Blob::new(Bytes::from(content.clone())).sha256());
        assert_eq!(size, content.len() as u64);
        let opened = open(&store, &sha256).await.unwrap();
        let chunks: Vec<Bytes> = opened.stream.try_collect().await.unwrap();
        assert_eq!(chunks.concat(), content);
        // Again: already there, nothing written twice.
        assert_eq!(put_file(&store, &mut file).await.unwrap().0, sha256);
    }

    #[actix_web::test]
    async fn same_content_is_stored_once_and_read_back() {
        let store = InMemory::new();
        let blob = Blob::new(Bytes::from_static(b"%PDF-1.7 same"));
        put(&store, &blob).await.unwrap();
        put(&store, &blob).await.unwrap();
        let listed: Vec<_> = store.list(None).try_collect().await.unwrap();
        assert_eq!(listed.len(), 1);
        let opened = open(&store, blob.sha256()).await.unwrap();
        assert_eq!(opened.size, blob.size());
        let chunks: Vec<Bytes> = opened.stream.try_collect().await.unwrap();
        assert_eq!(chunks.concat(), b"%PDF-1.7 same");
    }
}
