//! Every file of the NIR paper (`nets/tests/nir/paper/`, copied from the NIR repository)
//! loads; structure, shapes and the lenient reading of `lif_rockpool.nir` are checked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use littoral_nets::nir::{self, Edge, FloatType, Primitive};

fn paper(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/nir/paper")
        .join(name)
}

fn shape_of(file: &nir::NirFile, node: &str) -> (Option<Vec<usize>>, Option<Vec<usize>>) {
    let a = nir::analyse(&file.graph).unwrap();
    let s = &a.shapes[node];
    (s.input.clone(), s.output.clone())
}

#[test]
fn every_paper_file_loads() {
    let names = [
        "lif_norse.nir",
        "lif_rockpool.nir",
        "two_lif_neurons.nir",
        "cnn_sinabs.nir",
        "braille_noDelay_bias_zero.nir",
        "braille_noDelay_noBias_subtract.nir",
    ];
    for name in names {
        let file = nir::read(paper(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!file.graph.nodes.is_empty(), "{name}");
        let text = nir::render_file(&file).unwrap();
        assert!(text.contains("edges:"), "{name}");
    }
}

#[test]
fn lif_norse_has_the_documented_parameters() {
    let file = nir::read(paper("lif_norse.nir")).unwrap();
    assert_eq!(file.version, "0.1.1");
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
    let Primitive::LIF {
        tau,
        r,
        v_leak,
        v_threshold,
        v_reset,
    } = &file.graph.nodes["1"].primitive
    else {
        panic!("node 1 is not a LIF");
    };
    assert_eq!(tau.dtype, FloatType::F32);
    assert_eq!(tau.values(), [f64::from(0.0025f32)]);
    assert_eq!(r.values(), [1.0]);
    assert_eq!(v_leak.values(), [0.0]);
    assert_eq!(v_threshold.values(), [f64::from(0.1f32)]);
    // The file has no v_reset: NIR's default, zero.
    assert_eq!(v_reset.values(), [0.0]);
    assert_eq!(
        nir::analyse(&file.graph).unwrap().order,
        ["input", "0", "1", "output"]
    );
}

#[test]
fn lif_rockpool_loads_with_a_warning_naming_the_output() {
    // nir 1.0.8 refuses this file: the Output declares (1, 1, 1), the LIF gives (1,).
    let file = nir::read(paper("lif_rockpool.nir")).unwrap();
    assert_eq!(file.warnings.len(), 1, "{:?}", file.warnings);
    assert_eq!(
        file.warnings[0],
        "output: declared shape (1, 1, 1) but 1_LIFNeuronTorch sends (1,) (same element \
         count); using (1,), inferred from the parameters"
    );
    assert_eq!(shape_of(&file, "output"), (Some(vec![1]), Some(vec![1])));
    let Primitive::Linear { weight } = &file.graph.nodes["0_LinearTorch"].primitive else {
        panic!("not a Linear");
    };
    assert_eq!(weight.values(), [f64::from(0.04f32)]);
}

#[test]
fn cnn_shapes_are_inferred_through_conv_pool_and_flatten() {
    let file = nir::read(paper("cnn_sinabs.nir")).unwrap();
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
    let expect = [
        ("input", vec![2, 34, 34], vec![2, 34, 34]),
        // kernel 5, stride 2, padding 1 on 34: floor((34 + 2 - 5) / 2) + 1 = 16.
        ("0", vec![2, 34, 34], vec![16, 16, 16]),
        ("1", vec![16, 16, 16], vec![16, 16, 16]),
        ("2", vec![16, 16, 16], vec![16, 16, 16]),
        ("4", vec![16, 16, 16], vec![16, 8, 8]),
        ("5", vec![16, 8, 8], vec![8, 8, 8]),
        ("7", vec![8, 8, 8], vec![8, 4, 4]),
        ("8", vec![8, 4, 4], vec![128]),
        ("9", vec![128], vec![256]),
        ("11", vec![256], vec![10]),
        ("output", vec![10], vec![10]),
    ];
    for (node, input, output) in expect {
        assert_eq!(
            shape_of(&file, node),
            (Some(input), Some(output)),
            "node {node}"
        );
    }
    let order = nir::analyse(&file.graph).unwrap().order;
    assert_eq!(
        order,
        [
            "input", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "output"
        ]
    );
}

#[test]
fn braille_rnn_has_one_cycle_closed_by_the_recurrent_affine() {
    for (name, hidden) in [
        ("braille_noDelay_bias_zero.nir", 38),
        ("braille_noDelay_noBias_subtract.nir", 40),
    ] {
        let file = nir::read(paper(name)).unwrap();
        let a = nir::analyse(&file.graph).unwrap();
        assert_eq!(
            a.back_edges,
            [Edge::new("lif1.w_rec", "lif1.lif")],
            "{name}"
        );
        assert_eq!(
            a.order,
            [
                "input",
                "fc1",
                "lif1.lif",
                "fc2",
                "lif1.w_rec",
                "lif2",
                "output"
            ],
            "{name}"
        );
        assert_eq!(a.shapes["lif1.lif"].input, Some(vec![hidden]), "{name}");
        assert_eq!(a.shapes["output"].output, Some(vec![7]), "{name}");
        let text = nir::render(&file.graph).unwrap();
        assert!(
            text.contains("lif1.w_rec -> lif1.lif  (closes a cycle: carries the previous step)"),
            "{text}"
        );
    }
}
