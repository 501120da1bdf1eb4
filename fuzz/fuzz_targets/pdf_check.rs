//! Material uploads through the PDF gate: `skillcert_server::fuzzing::pdf`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = skillcert_server::fuzzing::pdf(data);
});
