//! Any bytes as a rule file: parse, check, consolidate, compile, format. Nothing may panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    covenant::fuzzing::rules(data);
});
