//! Finding the template's faces without reading whole font files: a Noto CJK collection is
//! 20–27 MB, and reading one only to learn that it holds other faces would count against the
//! server's memory (its peak resident set). This reads the collection header, each face's table
//! directory and its `name` and `OS/2` tables (a few KiB) at their offsets.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::FontError;

/// A face that looks like one the template uses: in `path` at collection `index`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceRef {
    pub path: PathBuf,
    pub index: u32,
    /// The `name` table's family (name ID 1), e.g. `Noto Serif CJK SC`.
    pub family: String,
    /// OS/2 `usWeightClass`.
    pub weight: u16,
    pub italic: bool,
}

/// Tables larger than this are not a `name` or `OS/2` table of a real font.
const MAX_TABLE: u32 = 1 << 20;
/// More faces than this in one collection is not a real collection.
const MAX_FACES: u32 = 256;

fn read_at(file: &mut File, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(offset))?;
    let mut buf = vec![0; len];
    file.read_exact(&mut buf)?;
    Ok(buf)
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// The faces of one font file (a collection or a single face). Unreadable or malformed parts
/// are skipped: this only narrows down which files to load.
pub fn faces(path: &Path) -> Result<Vec<FaceRef>, FontError> {
    let io = |source| FontError::File {
        path: path.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let header = match read_at(&mut file, 0, 12) {
        Ok(header) => header,
        Err(_) => return Ok(Vec::new()),
    };
    let offsets: Vec<u32> = if header.starts_with(b"ttcf") {
        let count = u32_at(&header, 8).unwrap_or(0).min(MAX_FACES);
        let Ok(table) = read_at(&mut file, 12, count as usize * 4) else {
            return Ok(Vec::new());
        };
        (0..count as usize)
            .filter_map(|i| u32_at(&table, i * 4))
            .collect()
    } else {
        vec![0]
    };
    let mut found = Vec::new();
    for (index, offset) in offsets.into_iter().enumerate() {
        if let Some(face) = face(&mut file, path, index as u32, offset) {
            found.push(face);
        }
    }
    Ok(found)
}

fn face(file: &mut File, path: &Path, index: u32, offset: u32) -> Option<FaceRef> {
    let directory = read_at(file, u64::from(offset), 12).ok()?;
    let tables = u16_at(&directory, 4)?;
    let records = read_at(file, u64::from(offset) + 12, usize::from(tables) * 16).ok()?;
    let mut table = |tag: &[u8; 4]| -> Option<Vec<u8>> {
        let record = records.chunks_exact(16).find(|r| &r[..4] == tag)?;
        let (at, len) = (u32_at(record, 8)?, u32_at(record, 12)?);
        (len <= MAX_TABLE)
            .then(|| read_at(file, u64::from(at), len as usize).ok())
            .flatten()
    };
    let name = table(b"name")?;
    let os2 = table(b"OS/2")?;
    let names = ttf_parser::name::Table::parse(&name)?;
    let family = names
        .names
        .into_iter()
        .find(|n| n.name_id == ttf_parser::name_id::FAMILY && n.is_unicode())
        .and_then(|n| n.to_string())?;
    let os2 = ttf_parser::os2::Table::parse(&os2)?;
    Some(FaceRef {
        path: path.to_owned(),
        index,
        family,
        weight: os2.weight().to_number(),
        italic: os2.style() != ttf_parser::Style::Normal,
    })
}
