//! Issue 11's findings for the binary: each reproducer is refused with one clear line, or
//! handled, never a hang, an abort or a surprise.

use crate::util::*;
use std::path::Path;
use std::time::Instant;

/// A reproducer committed under `fuzz/regressions/cli/`.
fn reproducer(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions/cli")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Finding 1c: 30 nested `Sequential`s took more than 100 s in `inspect` and `simulate`
/// (the time doubled per level). Now linear: the whole file takes well under a second.
#[test]
fn thirty_nested_sequentials_are_inspected_and_simulated_at_once() {
    let f = Fixture::new(1, 5);
    let net = reproducer("sequential-nested-30.json");
    let start = Instant::now();
    let r = f.ok(&["inspect", &net]);
    assert!(
        r.stdout.contains("LIF '0_LIF' with shape (1,)"),
        "{}",
        r.stdout
    );
    f.write("x1.npy", &npy_f64(&[5, 1], &[0.5; 5]));
    f.ok(&["simulate", &net, "-i", "x1.npy", "-o", "y.npy", "-q"]);
    assert_eq!(read_npy(&f.path("y.npy")).shape(), &[5, 1]);
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
}
