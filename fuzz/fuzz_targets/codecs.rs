//! ID numbers, certificate numbers and the other codecs: `skillcert_server::fuzzing::codecs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| skillcert_server::fuzzing::codecs(data));
