//! `littoral simulate GRAPH.nir` and `littoral convert`, on the NIR paper's files.

use super::util::*;
use std::path::PathBuf;

fn paper(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("nets/tests/nir/paper")
        .join(name)
        .display()
        .to_string()
}

/// Column 0 of `lif_exact.csv`, as a `(T, 1)` input.
fn lif_input() -> Vec<f64> {
    std::fs::read_to_string(paper("lif_exact.csv"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').next().unwrap().trim().parse().unwrap())
        .collect()
}

#[test]
fn simulate_runs_a_nir_graph_and_resumes_it_bit_identically() {
    let dir = tempfile::tempdir().unwrap();
    let x = lif_input();
    let t = x.len();
    std::fs::write(dir.path().join("x.npy"), npy_f64(&[t, 1], &x)).unwrap();
    let (first, second) = (&x[..400], &x[400..]);
    std::fs::write(dir.path().join("a.npy"), npy_f64(&[400, 1], first)).unwrap();
    std::fs::write(dir.path().join("b.npy"), npy_f64(&[t - 400, 1], second)).unwrap();
    let g = paper("lif_norse.nir");
    let run = |input: &str, output: &str, extra: &[&str]| {
        let mut args = vec![
            "simulate", &g, "--dt", "1e-4", "-i", input, "-o", output, "-q",
        ];
        args.extend_from_slice(extra);
        ok_in(dir.path(), &args)
    };
    run("x.npy", "y.npy", &["--record", "r.npz", "--threads", "1"]);
    let y = read_npy(&dir.path().join("y.npy"));
    assert_eq!(y.shape(), [1, t, 1]);
    let spikes: Vec<usize> = (0..t).filter(|&k| y.data()[k] > 0.0).collect();
    assert_eq!(spikes, [460, 510, 710, 760]);
    let v = npz_f64(&dir.path().join("r.npz"), "1.v");
    assert_eq!(v.shape(), [1, t, 1]);
    // Split in two with --save-state / --resume: the same bits.
    run("a.npy", "ya.npy", &["--save-state", "s.snap"]);
    run("b.npy", "yb.npy", &["--resume", "s.snap"]);
    let yb = read_npy(&dir.path().join("yb.npy"));
    assert!(
        yb.data()
            .iter()
            .zip(&y.data()[400..])
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    // The snapshot continues only the graph read with its dt and semantics.
    for other in [["--dt", "1e-3"], ["--semantics", "norse"]] {
        let mut args = vec!["simulate", &g, "-i", "b.npy", "-o", "yc.npy", "-q"];
        if other[0] == "--dt" {
            args.extend(other);
        } else {
            args.extend(["--dt", "1e-4"]);
            args.extend(other);
        }
        args.extend(["--resume", "s.snap"]);
        let r = run_in(dir.path(), &args);
        assert_eq!(r.code, 1, "{other:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("does not match") && r.stderr.contains("simulation parameters"),
            "{other:?}: {}",
            r.stderr
        );
    }
    // Another semantics, and the errors.
    run("x.npy", "yn.npy", &["--semantics", "norse"]);
    let r = run_in(dir.path(), &["simulate", &g, "-i", "x.npy", "-o", "z.npy"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("give --dt"), "{}", r.stderr);
    let r = run_in(
        dir.path(),
        &[
            "simulate",
            &g,
            "--dt",
            "1e-4",
            "--semantics",
            "brian",
            "-i",
            "x.npy",
            "-o",
            "z.npy",
        ],
    );
    assert!(
        r.stderr.contains("unknown semantics \"brian\""),
        "{}",
        r.stderr
    );
}

#[test]
fn convert_goes_from_nir_to_json_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let g = paper("lif_norse.nir");
    ok_in(dir.path(), &["convert", &g, "net.json", "--dt", "1e-4"]);
    let text = std::fs::read_to_string(dir.path().join("net.json")).unwrap();
    assert!(text.contains("\"NirLIF\""), "{text}");
    ok_in(dir.path(), &["convert", "net.json", "back.nir"]);
    let r = ok_in(dir.path(), &["inspect", "back.nir"]);
    assert!(r.stdout.contains("LIF"), "{}", r.stdout);
    // The braille RNN is not a chain: refused with the node named.
    let rnn = paper("braille_noDelay_bias_zero.nir");
    let r = run_in(dir.path(), &["convert", &rnn, "rnn.json", "--dt", "1e-4"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("closes a cycle"), "{}", r.stderr);
}

/// The NIR paper's CNN counts the spikes of its four IF layers, which needs them from the
/// record: without `--record` that record holds their counts only (the graph in time
/// blocks, the blocks' counts added), with `--record` every signal, kept. Both give the
/// same output, the same counts, and the counts are the sums of the recorded spikes.
#[test]
fn counting_inner_spikes_gives_the_sums_of_the_recorded_trains() {
    let dir = tempfile::tempdir().unwrap();
    let (b, t, n) = (2, 45, 2 * 34 * 34);
    // Spikes at about 8 %, from a fixed rule.
    let x: Vec<f64> = (0..b * t * n)
        .map(|k| f64::from(u8::from((k * 7919 + k / 13) % 25 < 2)))
        .collect();
    std::fs::write(dir.path().join("x.npy"), npy_f64(&[b, t, n], &x)).unwrap();
    let g = paper("cnn_sinabs.nir");
    let run = |output: &str, summary: &str, extra: &[&str]| {
        let mut args = vec![
            "simulate",
            &g,
            "--dt",
            "1e-3",
            "--semantics",
            "norse",
            "-i",
            "x.npy",
            "-o",
            output,
            "--summary",
            summary,
            "-q",
        ];
        args.extend_from_slice(extra);
        ok_in(dir.path(), &args);
        let text = std::fs::read_to_string(dir.path().join(summary)).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    };
    let counted = run("y1.npy", "s1.json", &[]);
    let whole = run("y2.npy", "s2.json", &["--record", "r.npz"]);
    let (y1, y2) = (
        read_npy(&dir.path().join("y1.npy")),
        read_npy(&dir.path().join("y2.npy")),
    );
    assert!(y1.bits_eq(&y2));
    let counts = &counted["spikes_per_module"];
    assert_eq!(counts, &whole["spikes_per_module"]);
    for layer in ["1", "3", "6", "10", "12"] {
        let recorded = npz_f64(&dir.path().join("r.npz"), &format!("{layer}_output"));
        let sum: f64 = recorded.data().iter().sum();
        assert_eq!(counts[layer].as_f64(), Some(sum), "layer {layer}");
        assert!(sum > 0.0, "layer {layer} spiked");
    }
}
