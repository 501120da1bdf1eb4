//! Hostile JSON bodies, query strings, path segments and tokens through the real app:
//! `skillcert_server::fuzzing::Api`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skillcert_server::fuzzing::Api;

thread_local! {
    static HARNESS: Api = Api::new().unwrap_or_else(|e| panic!("API harness: {e}"));
}

fuzz_target!(|data: &[u8]| {
    HARNESS.with(|harness| {
        harness.input(data);
    });
});
