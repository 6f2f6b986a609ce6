//! Any bytes as a ledger, summed against the shipped revenue shares. Nothing may panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    covenant::fuzzing::ledger(data);
});
