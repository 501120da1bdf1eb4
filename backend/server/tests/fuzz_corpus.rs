//! Replays the checked-in fuzz corpus (`fuzz/corpus/<target>/`, fuzz/README.md) under plain
//! `cargo test`: every file through the same `skillcert_server::fuzzing` entry point its
//! cargo-fuzz target calls, which asserts the outcome every input must have. Here each file
//! also runs on a thread with the 2 MiB stack of tokio's blocking pool and actix's workers (a
//! stack overflow would abort this whole test binary, as it would the server) and within a time
//! bound.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use skillcert_server::fuzzing::{self, Api, Roster};
use skillcert_server::pdf_check::{PARSE_TIMEOUT, Refusal};

/// What a server thread gets: tokio's `spawn_blocking` threads and actix's workers alike.
const SERVER_STACK: usize = 2 * 1024 * 1024;

/// The corpus files of `target`, sorted, with their names.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus in {}", dir.display());
    files
}

/// Runs `f` on a thread with the server's stack size; panics (naming `name`) when it panics or
/// takes longer than `limit`.
fn on_server_stack<T: Send + 'static>(
    name: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let started = Instant::now();
    let handle = std::thread::Builder::new()
        .stack_size(SERVER_STACK)
        .spawn(f)
        .unwrap();
    let out = handle.join().unwrap_or_else(|_| panic!("{name}: panicked"));
    let took = started.elapsed();
    assert!(took < limit, "{name}: took {took:?}, more than {limit:?}");
    out
}

#[test]
fn pdf_check_corpus_is_accepted_or_refused_in_time() {
    let mut accepted = 0;
    for (name, bytes) in corpus("pdf_check") {
        let verdict = on_server_stack(&name, PARSE_TIMEOUT, move || fuzzing::pdf(&bytes));
        // The documented outcomes: Ok, or one of the refusals (mapped to 415/422).
        match verdict {
            Ok(()) => accepted += 1,
            Err(
                Refusal::NotPdf
                | Refusal::Unreadable
                | Refusal::Encrypted
                | Refusal::JavaScript
                | Refusal::LaunchAction
                | Refusal::EmbeddedFile
                | Refusal::TooLarge,
            ) => {}
        }
    }
    assert!(accepted >= 1, "the plain seed passes");
}

#[test]
fn hostile_pdf_seeds_are_refused() {
    // -- Setup & Fixtures
    let files: std::collections::HashMap<String, Vec<u8>> =
        corpus("pdf_check").into_iter().collect();
    let verdict = |name: &str| {
        let bytes = files[&format!("seed-{name}")].clone();
        on_server_stack(name, PARSE_TIMEOUT, move || fuzzing::pdf(&bytes))
    };
    // -- Check
    assert_eq!(verdict("plain.pdf"), Ok(()));
    assert_eq!(verdict("javascript.pdf"), Err(Refusal::JavaScript));
    assert_eq!(verdict("hex-name.pdf"), Err(Refusal::JavaScript));
    assert_eq!(verdict("launch.pdf"), Err(Refusal::LaunchAction));
    assert_eq!(verdict("html.pdf"), Err(Refusal::NotPdf));
    assert_eq!(verdict("unclosed-arrays.pdf"), Err(Refusal::Unreadable));
    // 100,000 levels of nesting: refused or read past, never a stack overflow.
    for deep in [
        "nested-arrays.pdf",
        "nested-dicts.pdf",
        "nested-strings.pdf",
    ] {
        let _ = verdict(deep);
    }
}

#[test]
fn roster_corpus_reads_or_is_refused_as_the_client_s_fault() {
    let harness = std::sync::Arc::new(Roster::new().unwrap());
    for (name, bytes) in corpus("roster") {
        let harness = harness.clone();
        on_server_stack(&name, Duration::from_secs(20), move || {
            harness.input(&bytes);
        });
    }
}

#[test]
fn xls_seeds_are_bounded_before_calamine_reads_them() {
    use skillcert_server::xls_bounds::{MAX_GRID_CELLS, within};
    let files: std::collections::HashMap<String, Vec<u8>> = corpus("roster").into_iter().collect();
    // The first byte is the harness's mode; the file follows.
    let file = |name: &str| files[&format!("seed-{name}")][1..].to_vec();
    assert!(within(&file("good.xls"), MAX_GRID_CELLS));
    assert!(within(&file("corner-cells.xls"), 65_536 * 256));
    assert!(!within(&file("corner-cells.xls"), MAX_GRID_CELLS));
    assert!(!within(&file("far-cell.xls"), MAX_GRID_CELLS));
    assert!(!within(&file("dimensions-lie.xls"), MAX_GRID_CELLS));
}

#[test]
fn hostile_xlsx_seeds_are_bounded_before_calamine_reads_them() {
    use skillcert_server::zip_bounds::{MAX_EXPANDED_BYTES, within};
    let files: std::collections::HashMap<String, Vec<u8>> = corpus("roster").into_iter().collect();
    // The first byte is the harness's mode; the file follows.
    let file = |name: &str| files[&format!("seed-{name}")][1..].to_vec();
    assert!(within(&file("good.xlsx"), MAX_EXPANDED_BYTES));
    // Declares 10^14 shared strings in a part of about 200 bytes.
    assert!(!within(
        &file("shared-strings-bomb.xlsx"),
        MAX_EXPANDED_BYTES
    ));
    // 300 MiB of shared strings behind an entry whose local header does not read.
    assert!(!within(
        &file("zip-bomb-behind-broken-entry.xlsx"),
        MAX_EXPANDED_BYTES
    ));
    // The zip is sound; the sheet's grid is the readers' to bound (the roster streams it, the
    // result-sheet reader measures it first).
    assert!(within(
        &file("whole-grid-dimension.xlsx"),
        MAX_EXPANDED_BYTES
    ));
}

#[test]
fn codecs_corpus_keeps_the_round_trips() {
    for (name, bytes) in corpus("codecs") {
        on_server_stack(&name, Duration::from_secs(5), move || {
            fuzzing::codecs(&bytes);
        });
    }
}

#[test]
fn problem_json_corpus_never_answers_5xx() {
    // `Api` is an actix system on this thread; the test thread has the same 2 MiB stack.
    let api = Api::new().unwrap();
    let mut answered = 0;
    for (name, bytes) in corpus("problem_json") {
        let started = Instant::now();
        if api.input(&bytes).is_some() {
            answered += 1;
        }
        let took = started.elapsed();
        assert!(took < Duration::from_secs(10), "{name}: took {took:?}");
    }
    assert!(answered >= 1);
}
