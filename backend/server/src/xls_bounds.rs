//! Grid bounds for uploaded legacy .xls workbooks (BIFF8 in a Compound File Binary container),
//! checked before calamine reads them. calamine decodes every sheet whole, reserving the grid
//! its DIMENSIONS record claims and then allocating the bounding box of its cells, and checks
//! neither: a 6 KiB file claiming 2^32 rows, or holding one cell at column 65,535, asks for
//! terabytes, and a failed allocation aborts the process (found by the `fuzz/` target
//! `roster`). Here the workbook stream is found in the container and its records scanned
//! without decoding them. Pure: bytes in, a verdict out.

/// The most cells a sheet's grid may span: 100,000 rows of 80 columns fit.
pub const MAX_GRID_CELLS: u64 = 8_000_000;

const MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// FAT entries at or above this are markers (free, end of chain …), not sectors.
const MAX_SECTOR: u32 = 0xFFFF_FFFA;

/// Whether `bytes`, when it is a compound file, holds a workbook stream whose DIMENSIONS records
/// and cells span at most `max_cells` cells. Not a compound file: true (the reader's own error
/// follows). A compound file whose workbook stream cannot be found: false.
pub fn within(bytes: &[u8], max_cells: u64) -> bool {
    if !bytes.starts_with(MAGIC) {
        return true;
    }
    match workbook_stream(bytes) {
        Some(stream) => records_within(&stream, max_cells),
        None => false,
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

struct Container<'a> {
    bytes: &'a [u8],
    shift: u32,
    fat: Vec<u32>,
}

impl Container<'_> {
    fn sector(&self, n: u32) -> Option<&[u8]> {
        let size = 1usize << self.shift;
        let start = (usize::try_from(n).ok()? + 1).checked_mul(size)?;
        self.bytes.get(start..start.checked_add(size)?)
    }

    /// The sectors of the chain starting at `start`, or `None` when it does not end in
    /// ENDOFCHAIN: calamine follows a directory chain until ENDOFCHAIN with no bound, so a chain
    /// that loops grows its buffer until the allocation fails and the process aborts (found by
    /// the `fuzz/` target `roster`), and one pointing past the table makes it index out of
    /// bounds.
    fn chain(&self, start: u32) -> Option<Vec<u32>> {
        const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
        let mut out = Vec::new();
        let mut next = start;
        while next != END_OF_CHAIN {
            // More links than sectors: a loop.
            if next >= MAX_SECTOR || out.len() >= self.fat.len() {
                return None;
            }
            out.push(next);
            next = *self.fat.get(usize::try_from(next).ok()?)?;
        }
        Some(out)
    }

    fn read_chain(&self, start: u32) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for n in self.chain(start)? {
            out.extend_from_slice(self.sector(n)?);
        }
        Some(out)
    }
}

/// The `Workbook` (BIFF8) or `Book` (BIFF5) stream, as calamine looks them up.
fn workbook_stream(bytes: &[u8]) -> Option<Vec<u8>> {
    let shift = u32::from(u16_at(bytes, 0x1E)?);
    let mini_shift = u32::from(u16_at(bytes, 0x20)?);
    if !(7..=16).contains(&shift) || mini_shift > shift {
        return None;
    }
    let entries_per_sector = (1usize << shift) / 4;
    // The FAT's own sectors: 109 in the header, then the DIFAT chain.
    let mut fat_sectors: Vec<u32> = (0..109)
        .filter_map(|i| u32_at(bytes, 0x4C + 4 * i))
        .filter(|s| *s < MAX_SECTOR)
        .collect();
    let mut container = Container {
        bytes,
        shift,
        fat: Vec::new(),
    };
    let mut difat = u32_at(bytes, 0x44)?;
    let mut seen = 0usize;
    while difat < MAX_SECTOR && seen <= bytes.len() >> shift {
        let sector = container.sector(difat)?;
        fat_sectors.extend(
            (0..entries_per_sector - 1)
                .filter_map(|i| u32_at(sector, 4 * i))
                .filter(|s| *s < MAX_SECTOR),
        );
        difat = u32_at(sector, 4 * (entries_per_sector - 1))?;
        seen += 1;
    }
    fat_sectors.truncate(bytes.len() >> shift);
    let mut fat = Vec::new();
    for n in fat_sectors {
        let sector = container.sector(n)?;
        fat.extend((0..entries_per_sector).filter_map(|i| u32_at(sector, 4 * i)));
    }
    container.fat = fat;

    let directory = container.read_chain(u32_at(bytes, 0x30)?)?;
    let entry = |name: &str| {
        directory.chunks_exact(128).find(|e| {
            let len = usize::from(u16_at(e, 0x40).unwrap_or(0)).min(64);
            let units: Vec<u16> = e[..len.saturating_sub(2)]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            e[0x42] == 2 && String::from_utf16_lossy(&units) == name
        })
    };
    let stream = entry("Workbook").or_else(|| entry("Book"))?;
    let start = u32_at(stream, 0x74)?;
    let size = usize::try_from(u32_at(stream, 0x78)?).ok()?;
    let cutoff = usize::try_from(u32_at(bytes, 0x38)?).ok()?;
    let mut data = if size < cutoff {
        // A small stream lives in the mini stream (the root entry's data), in mini sectors
        // chained by the mini FAT.
        let root = directory.get(..128)?;
        let mini_stream = container.read_chain(u32_at(root, 0x74)?)?;
        let mini_fat: Vec<u32> = container
            .read_chain(u32_at(bytes, 0x3C)?)?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let mini_size = 1usize << mini_shift;
        let mut out = Vec::new();
        let mut next = start;
        while next < MAX_SECTOR && out.len() < size {
            let at = usize::try_from(next).ok()?.checked_mul(mini_size)?;
            out.extend_from_slice(mini_stream.get(at..at.checked_add(mini_size)?)?);
            next = *mini_fat.get(usize::try_from(next).ok()?)?;
        }
        out
    } else {
        container.read_chain(start)?
    };
    data.truncate(size);
    Some(data)
}

/// Scans the BIFF records: every DIMENSIONS record and the bounding box of every cell record
/// (the ones calamine reads) must stay within `max_cells`.
fn records_within(stream: &[u8], max_cells: u64) -> bool {
    let (mut top, mut bottom, mut left, mut right) = (u32::MAX, 0u32, u32::MAX, 0u32);
    let mut at = 0usize;
    while let (Some(id), Some(len)) = (u16_at(stream, at), u16_at(stream, at + 2)) {
        let Some(data) = stream.get(at + 4..at + 4 + usize::from(len)) else {
            break;
        };
        at += 4 + usize::from(len);
        let (row, first, last) = match id {
            // DIMENSIONS: calamine reserves the grid it claims (`parse_dimensions`).
            0x0200 => {
                let (rf, rl, cf, cl) = match data.len() {
                    10 => (
                        u32::from(u16_at(data, 0).unwrap_or(0)),
                        u32::from(u16_at(data, 2).unwrap_or(0)),
                        u32::from(u16_at(data, 4).unwrap_or(0)),
                        u32::from(u16_at(data, 6).unwrap_or(0)),
                    ),
                    14 | 16 => (
                        u32_at(data, 0).unwrap_or(0),
                        u32_at(data, 4).unwrap_or(0),
                        u32::from(u16_at(data, 8).unwrap_or(0)),
                        u32::from(u16_at(data, 10).unwrap_or(0)),
                    ),
                    _ => continue,
                };
                let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
                if rl >= 1 && cl >= 1 {
                    // calamine computes `rl - 1 - rf + 1` in u32.
                    if rf >= rl || u64::from(rl - rf) * u64::from(cl - cf) > max_cells {
                        return false;
                    }
                }
                continue;
            }
            // Number, Label, RString, BoolErr, Rk, LabelSst, Formula: row, column.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                let (Some(row), Some(col)) = (u16_at(data, 0), u16_at(data, 2)) else {
                    continue;
                };
                (row, col, col)
            }
            // MulRk: row, first column … last column.
            0x00BD => {
                let (Some(row), Some(first), Some(last)) = (
                    u16_at(data, 0),
                    u16_at(data, 2),
                    u16_at(data, data.len().saturating_sub(2)),
                ) else {
                    continue;
                };
                (row, first.min(last), first.max(last))
            }
            _ => continue,
        };
        top = top.min(u32::from(row));
        bottom = bottom.max(u32::from(row));
        left = left.min(u32::from(first));
        right = right.max(u32::from(last));
    }
    top > bottom || (u64::from(bottom - top) + 1) * (u64::from(right - left) + 1) <= max_cells
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compound file of 512-byte sectors holding one stream `Workbook` of `stream` (at least
    /// 4096 bytes, so in regular sectors): header, FAT, directory, data.
    fn compound(stream: &[u8]) -> Vec<u8> {
        let mut stream = stream.to_vec();
        stream.resize(stream.len().max(4096), 0);
        let data_sectors = stream.len().div_ceil(512) as u32;
        // Sector 0: FAT; sector 1: directory; sectors 2..: data.
        let mut header = vec![0u8; 512];
        header[..8].copy_from_slice(MAGIC);
        header[0x1A] = 3;
        header[0x1E] = 9;
        header[0x20] = 6;
        header[0x2C..0x30].copy_from_slice(&1u32.to_le_bytes());
        header[0x30..0x34].copy_from_slice(&1u32.to_le_bytes());
        header[0x38..0x3C].copy_from_slice(&4096u32.to_le_bytes());
        header[0x3C..0x40].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
        header[0x44..0x48].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
        for i in 0..109 {
            header[0x4C + 4 * i..0x50 + 4 * i].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
        }
        header[0x4C..0x50].copy_from_slice(&0u32.to_le_bytes());
        let mut fat = vec![0xFFu8; 512];
        let mut set = |i: usize, v: u32| fat[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
        set(0, 0xFFFF_FFFD);
        set(1, 0xFFFF_FFFE);
        for s in 0..data_sectors {
            let n = 2 + s;
            set(
                n as usize,
                if s + 1 == data_sectors {
                    0xFFFF_FFFE
                } else {
                    n + 1
                },
            );
        }
        let mut dir = vec![0u8; 512];
        let name: Vec<u8> = "Workbook\0"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        dir[128..128 + name.len()].copy_from_slice(&name);
        dir[128 + 0x40..128 + 0x42].copy_from_slice(&(name.len() as u16).to_le_bytes());
        dir[128 + 0x42] = 2;
        dir[128 + 0x74..128 + 0x78].copy_from_slice(&2u32.to_le_bytes());
        dir[128 + 0x78..128 + 0x7C].copy_from_slice(&(stream.len() as u32).to_le_bytes());
        dir[0x42] = 5;
        dir[0x74..0x78].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
        let mut out = header;
        out.extend(fat);
        out.extend(dir);
        stream.resize(data_sectors as usize * 512, 0);
        out.extend(stream);
        out
    }

    fn record(id: u16, data: &[u8]) -> Vec<u8> {
        let mut out = id.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    fn label_sst(row: u16, col: u16) -> Vec<u8> {
        let mut data = row.to_le_bytes().to_vec();
        data.extend(col.to_le_bytes());
        data.extend([0, 0, 0, 0, 0, 0]);
        record(0x00FD, &data)
    }

    #[test]
    fn a_lying_dimensions_record_or_a_far_cell_is_refused() {
        let normal = [label_sst(0, 0), label_sst(200, 9)].concat();
        assert!(within(&compound(&normal), MAX_GRID_CELLS));
        let far = [label_sst(0, 0), label_sst(0, 0xFFFF), label_sst(0xFFFF, 0)].concat();
        assert!(!within(&compound(&far), MAX_GRID_CELLS));
        let mut dims = 0u32.to_le_bytes().to_vec();
        dims.extend(u32::MAX.to_le_bytes());
        dims.extend([0, 0, 0xFF, 0xFF, 0, 0]);
        assert!(!within(&compound(&record(0x0200, &dims)), MAX_GRID_CELLS));
    }

    #[test]
    fn a_looping_directory_chain_is_refused() {
        let mut looping = compound(&label_sst(0, 0));
        // FAT entry 1 (the directory's sector) points back at itself.
        looping[512 + 4..512 + 8].copy_from_slice(&1u32.to_le_bytes());
        assert!(!within(&looping, MAX_GRID_CELLS));
        let mut past = compound(&label_sst(0, 0));
        past[512 + 4..512 + 8].copy_from_slice(&100_000u32.to_le_bytes());
        assert!(!within(&past, MAX_GRID_CELLS));
    }

    #[test]
    fn other_files_pass_to_their_reader_and_broken_containers_are_refused() {
        assert!(within(b"PK\x03\x04", MAX_GRID_CELLS));
        assert!(within("姓名,证件号码\n".as_bytes(), MAX_GRID_CELLS));
        assert!(!within(MAGIC, MAX_GRID_CELLS));
        let mut no_workbook = compound(&label_sst(0, 0));
        no_workbook[512 * 2 + 128] = b'X';
        assert!(!within(&no_workbook, MAX_GRID_CELLS));
    }
}
