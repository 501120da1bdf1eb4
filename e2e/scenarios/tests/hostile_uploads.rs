//! Hostile spreadsheets against the real binary (docs/security.md, ASVS 12.1): a 2 KiB .xlsx
//! whose shared-strings table declares 10^14 strings, a zip bomb (2 GiB of zeros when inflated)
//! behind an entry whose local header does not read, and a sheet whose cells span the whole
//! grid — each uploaded as a roster import and as a results import. Each is refused with 422,
//! the process stays up and its peak resident memory stays under 512 MiB. And a sheet import
//! past `permits.imports` is answered 503 `BUSY` with `Retry-After`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use skillcert_e2e::scenario::{
    AFTER_EXAMS, approve, arrangement_for, batch_body, candidate, create, id_of, state_of, submit,
    upload_missing,
};
use skillcert_e2e::{Api, Body, Server, Site, backends};

const PEAK_RSS_LIMIT_KIB: u64 = 512 * 1024;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
const SHEET: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#;

/// One part of a hand-built zip: its name, compression method (0 stored, 8 deflated), CRC-32
/// and uncompressed size of the content, and the bytes as stored.
struct Part {
    name: String,
    method: u16,
    crc: u32,
    size: u32,
    data: Vec<u8>,
}

/// A deflated part.
fn stored(name: &str, content: &[u8]) -> Part {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(content).unwrap();
    Part {
        name: name.to_owned(),
        method: 8,
        crc: crc32fast::hash(content),
        size: u32::try_from(content.len()).unwrap(),
        data: encoder.finish().unwrap(),
    }
}

/// A zip archive of `parts`; when `break_first`, the central directory places the first part's
/// local header one byte off, so it does not read though the file still starts like a zip.
fn zip_of(parts: &[Part], break_first: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let skew = u32::from(break_first && i == 0);
        let offset = u32::try_from(out.len()).unwrap() + skew;
        let name = part.name.as_bytes();
        let compressed = u32::try_from(part.data.len()).unwrap();
        let common = |buf: &mut Vec<u8>| {
            buf.extend(20u16.to_le_bytes()); // version needed
            buf.extend(0u16.to_le_bytes()); // flags
            buf.extend(part.method.to_le_bytes());
            buf.extend(0u16.to_le_bytes()); // time
            buf.extend(0x5C21u16.to_le_bytes()); // date 2026-01-01
            buf.extend(part.crc.to_le_bytes());
            buf.extend(compressed.to_le_bytes());
            buf.extend(part.size.to_le_bytes());
            buf.extend(u16::try_from(name.len()).unwrap().to_le_bytes());
            buf.extend(0u16.to_le_bytes()); // extra length
        };
        out.extend(b"PK\x03\x04");
        common(&mut out);
        out.extend(name);
        out.extend(&part.data);
        central.extend(b"PK\x01\x02");
        central.extend(20u16.to_le_bytes()); // version made by
        common(&mut central);
        central.extend(0u16.to_le_bytes()); // comment length
        central.extend(0u16.to_le_bytes()); // disk
        central.extend(0u16.to_le_bytes()); // internal attributes
        central.extend(0u32.to_le_bytes()); // external attributes
        central.extend(offset.to_le_bytes());
        central.extend(name);
    }
    let central_at = u32::try_from(out.len()).unwrap();
    let count = u16::try_from(parts.len()).unwrap();
    out.extend(&central);
    out.extend(b"PK\x05\x06");
    out.extend(0u16.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(count.to_le_bytes());
    out.extend(count.to_le_bytes());
    out.extend(u32::try_from(central.len()).unwrap().to_le_bytes());
    out.extend(central_at.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

fn workbook_with(shared_strings: Part, sheet: &str) -> Vec<Part> {
    vec![
        stored("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        stored("_rels/.rels", RELS.as_bytes()),
        stored("xl/workbook.xml", WORKBOOK.as_bytes()),
        stored("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        stored("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        shared_strings,
    ]
}

/// Under 2 KiB: one shared string, declared as 99,999,999,999,999.
fn shared_strings_bomb() -> Vec<u8> {
    let sst = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="99999999999999"><si><t>姓名</t></si></sst>"#;
    zip_of(
        &workbook_with(stored("xl/sharedStrings.xml", sst.as_bytes()), SHEET),
        false,
    )
}

/// The shared strings inflate to 2 GiB of zeros, and the archive's first entry (an extra
/// `docProps/app.xml`) has a local header that does not read. Built without holding the 2 GiB:
/// one MiB of zeros deflated with a full flush is a self-contained run of blocks, repeated.
fn zip_bomb_behind_a_broken_entry() -> Vec<u8> {
    const MIB: usize = 1 << 20;
    const COPIES: usize = 2048;
    let zeros = vec![0u8; MIB];
    let mut compress = flate2::Compress::new(flate2::Compression::best(), false);
    let mut chunk = Vec::with_capacity(64 * 1024);
    compress
        .compress_vec(&zeros, &mut chunk, flate2::FlushCompress::Full)
        .unwrap();
    assert_eq!(compress.total_in(), MIB as u64);
    let mut data = Vec::with_capacity(chunk.len() * COPIES + 16);
    let mut crc = crc32fast::Hasher::new();
    for _ in 0..COPIES {
        data.extend_from_slice(&chunk);
        crc.update(&zeros);
    }
    // The final block: empty, fixed Huffman (BFINAL=1, BTYPE=01, end-of-block).
    data.extend_from_slice(&[0x03, 0x00]);
    let bomb = Part {
        name: "xl/sharedStrings.xml".to_owned(),
        method: 8,
        crc: crc.finalize(),
        size: u32::try_from(MIB * COPIES).unwrap(),
        data,
    };
    let mut parts = vec![stored("docProps/app.xml", b"<Properties/>")];
    parts.extend(workbook_with(bomb, SHEET));
    zip_of(&parts, true)
}

/// Two cells, at A1 and XFD1048576: a grid of 17 billion cells, and a `<dimension>` saying so.
fn whole_grid_sheet() -> Vec<u8> {
    let sheet = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="1048576"><c r="XFD1048576" t="s"><v>0</v></c></row></sheetData></worksheet>"#;
    let sst = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="1"><si><t>姓名</t></si></sst>"#;
    zip_of(
        &workbook_with(stored("xl/sharedStrings.xml", sst.as_bytes()), sheet),
        false,
    )
}

fn sheet_form(bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes)
            .file_name("名单.xlsx")
            .mime_str("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .unwrap(),
    )
}

/// A batch of `emp1`'s walked to its results step (certificate or materials, in draft) with
/// the clock after the exams, so a results import reaches the file.
async fn batch_taking_results(api: &Api) -> String {
    let owner = api.login("emp1").await;
    let created = create(api, &owner, batch_body("self", "direct", 20, "4101")).await;
    let id = id_of(&created);
    for _ in 0..24 {
        let owner = api.login("emp1").await;
        let batch = api.get(&owner, &format!("/api/v1/batches/{id}")).await.json;
        let step = batch["current_step"].as_str().unwrap().to_owned();
        match state_of(&batch, &step) {
            "draft" | "returned" => {
                match step.as_str() {
                    "registration" => {
                        let answer = api
                            .post(
                                &owner,
                                &format!("/api/v1/batches/{id}/candidates"),
                                candidate(&batch, 901, false),
                            )
                            .await;
                        assert_eq!(answer.status, 201, "{}", answer.json);
                        let candidate_id = answer.json["id"].as_str().unwrap().to_owned();
                        let eligible = api
                            .post(
                                &owner,
                                &format!("/api/v1/candidates/{candidate_id}/eligibility"),
                                json!({ "eligible": true, "version": answer.json["version"] }),
                            )
                            .await;
                        assert_eq!(eligible.status, 200, "{}", eligible.json);
                    }
                    "arrangement" => {
                        let answer = api
                            .put(
                                &owner,
                                &format!("/api/v1/batches/{id}/arrangement"),
                                arrangement_for(&batch),
                            )
                            .await;
                        assert_eq!(answer.status, 200, "{}", answer.json);
                    }
                    "certificate" | "materials" => {
                        api.move_clock(AFTER_EXAMS).await;
                        return id;
                    }
                    _ => {}
                }
                upload_missing(api, &owner, &batch, &step).await;
                let answer = submit(api, &owner, &batch, &step).await;
                assert_eq!(answer.status, 200, "submit {step}: {}", answer.json);
            }
            "submitted" => {
                let supervisor = api.login("supervisor").await;
                approve(api, &supervisor, &batch, &step).await;
            }
            other => panic!("{step} is {other}: {batch}"),
        }
    }
    panic!("batch {id} never reached its results step");
}

/// Uploads `bytes` to `path`, expects 422 on `file`, then checks the server is alive and its
/// peak memory; the peak in KiB.
async fn refused(server: &mut Server, token: &str, path: &str, what: &str, bytes: Vec<u8>) -> u64 {
    let api = server.api.clone();
    let started = Instant::now();
    let answer = api
        .call(
            Method::POST,
            path,
            Some(token),
            Body::Multipart(sheet_form(bytes)),
        )
        .await;
    let took = started.elapsed();
    assert_eq!(answer.status, 422, "{what} → {path}: {}", answer.json);
    assert_eq!(answer.code(), "VALIDATION", "{}", answer.json);
    assert_eq!(
        answer.json["violations"][0]["field"], "file",
        "{}",
        answer.json
    );
    let health = api.client.get(api.url("/healthz")).send().await.unwrap();
    assert!(health.status().is_success(), "/healthz after {what}");
    assert!(server.alive(), "the server died on {what}");
    let peak = server.peak_rss_kib().expect("VmHWM readable");
    eprintln!(
        "hostile upload {what} → {path}: 422 in {} ms, peak RSS {} MiB",
        took.as_millis(),
        peak / 1024
    );
    assert!(
        peak <= PEAK_RSS_LIMIT_KIB,
        "{what}: peak RSS {peak} KiB over {PEAK_RSS_LIMIT_KIB} KiB"
    );
    peak
}

#[tokio::test]
async fn hostile_spreadsheets_are_refused_without_exhausting_the_server() {
    let bomb = shared_strings_bomb();
    assert!(bomb.len() < 2048, "{} bytes", bomb.len());
    let zip_bomb = zip_bomb_behind_a_broken_entry();
    assert!(zip_bomb.len() < 8 << 20, "{} bytes", zip_bomb.len());
    let grid = whole_grid_sheet();
    for backend in backends() {
        let site = Site::new(backend, &[]).await;
        let mut server = site.serve().await;
        let api = server.api.clone();
        let results_batch = batch_taking_results(&api).await;
        let owner = api.login("emp1").await;
        let roster_batch =
            id_of(&create(&api, &owner, batch_body("self", "direct", 20, "4101")).await);
        let roster = format!("/api/v1/batches/{roster_batch}/candidates/import");
        let results = format!("/api/v1/batches/{results_batch}/results/import");
        eprintln!(
            "{backend:?}: peak RSS before the hostile uploads: {:?} KiB",
            server.peak_rss_kib()
        );
        for (what, file) in [
            ("shared-strings bomb", &bomb),
            ("zip bomb behind a broken entry", &zip_bomb),
            ("whole-grid sheet", &grid),
        ] {
            let owner = api.login("emp1").await;
            refused(&mut server, &owner, &roster, what, file.clone()).await;
            refused(&mut server, &owner, &results, what, file.clone()).await;
        }
        eprintln!(
            "{backend:?}: peak RSS after all: {:?} KiB",
            server.peak_rss_kib()
        );
        drop(server);
        site.finish().await;
    }
}

/// A sheet import held open mid-upload takes the only import permit; the next is answered 503
/// `BUSY` with `Retry-After` until it lets go.
#[tokio::test]
async fn imports_past_the_permit_count_are_answered_busy() {
    for backend in backends() {
        let site = Site::new(backend, &[("SKILLCERT__PERMITS__IMPORTS", "1")]).await;
        let server = site.serve().await;
        let api = server.api.clone();
        let owner = api.login("emp1").await;
        let batch = id_of(&create(&api, &owner, batch_body("self", "direct", 20, "4101")).await);
        let path = format!("/api/v1/batches/{batch}/candidates/import");

        // The first import: headers and the start of the body, then nothing.
        let address = api.base.trim_start_matches("http://").to_owned();
        let mut held = std::net::TcpStream::connect(&address).unwrap();
        let boundary = "hostileboundary";
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {owner}\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 100000\r\n\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\
             Content-Type: text/csv\r\n\r\n姓名,"
        );
        held.write_all(head.as_bytes()).unwrap();
        held.flush().unwrap();

        // Once the held import has its permit, the next one is refused before its body is read.
        let started = Instant::now();
        let busy = loop {
            let response = api
                .client
                .post(api.url(&path))
                .bearer_auth(&owner)
                .multipart(sheet_form(shared_strings_bomb()))
                .send()
                .await
                .unwrap();
            if response.status() == 503 {
                break response;
            }
            assert_eq!(response.status(), 422, "before the permit is taken");
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the held import never took the permit"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let retry_after: u64 = busy.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry_after >= 1);
        assert_eq!(busy.headers()["content-type"], "application/problem+json");
        let problem: serde_json::Value = busy.json().await.unwrap();
        assert_eq!(problem["code"], "BUSY", "{problem}");
        assert_eq!(problem["status"], 503);

        // The held upload goes away: its permit is released and imports are read again.
        drop(held);
        let started = Instant::now();
        loop {
            let response = api
                .client
                .post(api.url(&path))
                .bearer_auth(&owner)
                .multipart(sheet_form(shared_strings_bomb()))
                .send()
                .await
                .unwrap();
            if response.status() == 422 {
                break;
            }
            assert_eq!(response.status(), 503);
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "permit never released"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        drop(server);
        site.finish().await;
    }
}
