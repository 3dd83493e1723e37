//! The `littoral` command line (placeholder).
fn main() {}
