//! Roster uploads (.xlsx, .xls, .csv) and result sheets: `skillcert_server::fuzzing::Roster`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skillcert_server::fuzzing::Roster;

thread_local! {
    static HARNESS: Roster = Roster::new().unwrap_or_else(|e| panic!("roster harness: {e}"));
}

fuzz_target!(|data: &[u8]| HARNESS.with(|harness| harness.input(data)));
