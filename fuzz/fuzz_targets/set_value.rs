//! Any bytes as a `--set ID=VALUE` override of the shipped assumptions. Nothing may panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    covenant::fuzzing::set_value(data);
});
