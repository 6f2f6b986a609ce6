//! Any bytes as a question to the shipped rules. Nothing may panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    covenant::fuzzing::question(data);
});
