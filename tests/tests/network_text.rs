//! The network file read from its text in one pass (`littoral_core::network_text`, the
//! values' numbers straight into arrays) against the same file read through a parsed
//! `serde_json::Value` (`config::from_json`): the same modules, bit for bit, and the same
//! errors, named at the same JSON paths.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use littoral_core::ModuleExt;
use littoral_nets::config::{from_json, from_json_str, to_json_string};
use serde_json::Value as Json;

/// What each reader makes of `text`: the module written back with its initial values, or
/// the error.
fn both(text: &str) -> (Result<String, String>, Result<String, String>) {
    let described = |m: std::sync::Arc<dyn littoral_core::Module>| {
        to_json_string(m.as_ref(), &m.init(0)).map_err(|e| e.to_string())
    };
    let one_pass = from_json_str(text)
        .map_err(|e| e.to_string())
        .and_then(described);
    let value: Json = serde_json::from_str(text).expect("the test's JSON is valid");
    let through_value = from_json(&value, "")
        .map_err(|e| e.to_string())
        .and_then(|m| {
            // `from_json_str` also checks the network's size; the value reader leaves it
            // to its caller.
            littoral_core::limits::module_elements(m.as_ref()).map_err(|e| e.to_string())?;
            described(m)
        });
    (one_pass, through_value)
}

const NETWORK: &str = r#"{"class": "Sequential", "modules": [
    {"class": "Linear", "shape": [3, 2],
     "parameters": {"weight": [[0.1, -2.5e-3], [1e300, -0], [3, 0.30000000000000004]]}},
    {"class": "LIF", "name": "hidden", "shape": [2],
     "parameters": {"tau_mem": [0.02, 0.05], "threshold": 1.5, "bias": [true, false]},
     "simulation_parameters": {"dt": 0.001}},
    {"class": "Sequential", "modules": [
        {"class": "LIF", "shape": [2], "options": {"has_rec": true},
         "parameters": {"w_rec": [[0, 1], [-1, 0]]}}
    ]}
]}"#;

#[test]
fn both_readers_build_the_same_network_bit_for_bit() {
    let (one_pass, through_value) = both(NETWORK);
    let one_pass = one_pass.expect("the network is valid");
    assert_eq!(Ok(one_pass.clone()), through_value);
    // The values were read, not left at their defaults.
    assert!(one_pass.contains("0.30000000000000004") && one_pass.contains("1e+300"));
}

#[test]
fn both_readers_refuse_the_same_files_with_the_same_words() {
    let broken = [
        // A ragged weight, a foreign item, in a nested module.
        NETWORK.replace("[[0, 1], [-1, 0]]", "[[0, 1], [-1]]"),
        NETWORK.replace("[[0, 1], [-1, 0]]", "[[0, 1], [-1, null]]"),
        NETWORK.replace("\"threshold\": 1.5", "\"threshold\": \"high\""),
        // Sections, module lists and modules of the wrong kind.
        NETWORK.replace("\"simulation_parameters\": {\"dt\": 0.001}", "\"simulation_parameters\": [0.001]"),
        NETWORK.replace("\"parameters\": {\"tau_mem\": [0.02, 0.05], \"threshold\": 1.5, \"bias\": [true, false]}", "\"parameters\": 3"),
        r#"{"class": "Sequential", "modules": {"0": {"class": "LIF", "shape": [1]}}}"#.into(),
        r#"{"class": "Sequential", "modules": [[{"class": "LIF", "shape": [1]}]]}"#.into(),
        r#"[{"class": "LIF", "shape": [1]}]"#.into(),
        // Unknown attributes, a State, a SimulationParameter under parameters, values
        // for combinators (which have none), a wrong shape.
        NETWORK.replace("\"tau_mem\"", "\"tau_membrane\""),
        NETWORK.replace("\"threshold\": 1.5", "\"vmem\": [0, 0]"),
        NETWORK.replace("\"threshold\": 1.5", "\"dt\": 0.5"),
        r#"{"class": "Sequential", "parameters": {"x": [1]}, "modules": []}"#.into(),
        r#"{"class": "Residual", "simulation_parameters": {"dt": 1}, "modules": []}"#.into(),
        NETWORK.replace("\"tau_mem\": [0.02, 0.05]", "\"tau_mem\": [0.02, 0.05, 0.1]"),
        // Values of a key listed twice: the last one counts in both.
        r#"{"class": "LIF", "shape": [1], "parameters": {"threshold": [[1]]}, "parameters": {"tau_mem": 0.1}}"#.into(),
        r#"{"class": "LIF", "shape": [1], "parameters": {"tau_mem": [1, 2], "tau_mem": -1}}"#.into(),
    ];
    for text in &broken {
        let (one_pass, through_value) = both(text);
        assert_eq!(one_pass, through_value, "{text}");
    }
    // Every file above is refused but the one whose valid `parameters` come last.
    let accepted: Vec<_> = broken.iter().filter(|t| both(t).0.is_ok()).collect();
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    assert!(accepted[0].ends_with(r#""parameters": {"tau_mem": 0.1}}"#));
}

/// A recurrent LIF and a `SparseLinear` whose matrices are given explicitly, as a written
/// file and a snapshot give them.
const SPARSE: &str = r#"{"class": "Sequential", "modules": [
    {"class": "SparseLinear", "shape": [3, 2],
     "options": {"weight": {"shape": [3, 2], "indptr": [0, 1, 1, 3], "indices": [1, 0, 1], "data": [0.5, -1, 2]}}},
    {"class": "LIF", "shape": [2],
     "options": {"w_rec": {"shape": [2, 2], "indptr": [0, 1, 2], "indices": [1, 0], "data": [0.25, -0.75]}}}
]}"#;

#[test]
fn both_readers_build_the_same_sparse_matrices() {
    let (one_pass, through_value) = both(SPARSE);
    let one_pass = one_pass.expect("the network is valid");
    assert_eq!(Ok(one_pass.clone()), through_value);
    assert!(one_pass.contains("\"indices\"") && one_pass.contains("-0.75"));
    // A network drawn from an initialiser, written (its structure explicit) and read back.
    let drawn = from_json_str(
        r#"{"class": "LIF", "shape": [50], "options": {"w_rec": {"init": "fixed_probability",
            "p": 0.2, "seed": 3, "weight": {"normal": [0, 0.1]}}}}"#,
    )
    .unwrap();
    let written = to_json_string(drawn.as_ref(), &drawn.init(0)).unwrap();
    assert!(written.contains("\"indptr\""));
    let (again, through_value) = both(&written);
    assert_eq!(again, through_value);
    assert_eq!(again, Ok(written));
}

#[test]
fn both_readers_refuse_the_same_sparse_matrices_with_the_same_words() {
    let broken = [
        SPARSE.replace("\"indices\": [1, 0]", "\"indices\": [1, -1]"),
        SPARSE.replace("\"indices\": [1, 0]", "\"indices\": [1, 0.5]"),
        SPARSE.replace("\"indices\": [1, 0]", "\"indices\": [\"a\", [0]]"),
        SPARSE.replace("\"indices\": [1, 0]", "\"indices\": {\"0\": 1}"),
        SPARSE.replace("\"indptr\": [0, 1, 2], ", ""),
        SPARSE.replace("\"indptr\": [0, 1, 2]", "\"indptr\": [0, 2, 1]"),
        SPARSE.replace("\"indices\": [1, 0, 1]", "\"indices\": [1, 0, 9]"),
        SPARSE.replace("\"indptr\": [0, 1, 1, 3]", "\"indptr\": 3"),
        // An index beyond 32 bits (the list is widened where it appears, then refused).
        SPARSE.replace("\"indices\": [1, 0]", "\"indices\": [1, 4294967296]"),
        SPARSE.replace(
            "\"indices\": [1, 0]",
            "\"indices\": [18446744073709551615, 0]",
        ),
    ];
    for text in &broken {
        assert_ne!(text, SPARSE, "each case changes the file");
        let (one_pass, through_value) = both(text);
        assert!(one_pass.is_err(), "{text}");
        assert_eq!(one_pass, through_value, "{text}");
    }
    let (too_large, _) = both(&broken[8]);
    let message = too_large.unwrap_err();
    assert!(
        message.contains("modules[1].options.w_rec.indices")
            && message.contains("index 4294967296 is out of range: expected < n_post = 2"),
        "{message}"
    );
}
