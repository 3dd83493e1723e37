//! NIR's stateless primitives against an independent numpy reference
//! (`nets/tests/nir/gen_ops.py` → `ops_golden.json`), at 1e-9.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use littoral_core::Array;
use littoral_nets::nir::{self, Conv1d, Conv2d, Padding, Pool2d, Tensor, ops};
use serde_json::Value;

fn array(v: &Value) -> Array<f64> {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let values: Vec<f64> = v["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    Array::from_shape_vec(shape, values).unwrap()
}

fn tensor(v: &Value) -> Tensor {
    Tensor::f64(array(v))
}

fn sizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect()
}

fn pair(v: &Value) -> [usize; 2] {
    sizes(v).try_into().unwrap()
}

fn padding(v: &Value) -> Padding {
    match v.as_str() {
        Some("same") => Padding::Same,
        Some("valid") => Padding::Valid,
        _ => Padding::Explicit(sizes(v)),
    }
}

fn pool(case: &Value) -> Pool2d {
    Pool2d {
        kernel_size: pair(&case["kernel_size"]),
        stride: pair(&case["stride"]),
        padding: pair(&case["padding"]),
    }
}

fn run(case: &Value) -> Array<f64> {
    let x = array(&case["input"]);
    match case["op"].as_str().unwrap() {
        "Conv2d" => {
            let c = Conv2d {
                input_shape: None,
                weight: tensor(&case["weight"]),
                stride: pair(&case["stride"]),
                padding: padding(&case["padding"]),
                dilation: pair(&case["dilation"]),
                groups: case["groups"].as_u64().unwrap() as usize,
                bias: tensor(&case["bias"]),
            };
            ops::conv2d(&c, &x).unwrap()
        }
        "Conv1d" => {
            let c = Conv1d {
                input_shape: None,
                weight: tensor(&case["weight"]),
                stride: sizes(&case["stride"])[0],
                padding: padding(&case["padding"]),
                dilation: sizes(&case["dilation"])[0],
                groups: case["groups"].as_u64().unwrap() as usize,
                bias: tensor(&case["bias"]),
            };
            ops::conv1d(&c, &x).unwrap()
        }
        "SumPool2d" => ops::sum_pool2d(&pool(case), &x).unwrap(),
        "AvgPool2d" => ops::avg_pool2d(&pool(case), &x).unwrap(),
        "Affine" => {
            ops::affine(&tensor(&case["weight"]), Some(&tensor(&case["bias"])), &x).unwrap()
        }
        "Linear" => ops::linear(&tensor(&case["weight"]), &x).unwrap(),
        "Scale" => ops::scale(&tensor(&case["scale"]), &x).unwrap(),
        "Threshold" => ops::threshold(&tensor(&case["threshold"]), &x).unwrap(),
        other => panic!("unknown op {other}"),
    }
}

#[test]
fn stateless_primitives_match_the_numpy_reference() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/nir/ops_golden.json");
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(cases.len(), 16);
    for (i, case) in cases.iter().enumerate() {
        let op = case["op"].as_str().unwrap();
        let want = array(&case["output"]);
        let got = run(case);
        assert_eq!(got.shape(), want.shape(), "case {i} ({op}): shape");
        let diff = got.max_abs_diff(&want).unwrap();
        assert!(diff <= 1e-9, "case {i} ({op}): max difference {diff:e}");
    }
}

#[test]
fn op_shapes_agree_with_shape_inference() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/nir/ops_golden.json");
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for case in cases
        .iter()
        .filter(|c| c["op"].as_str().unwrap().contains("Pool"))
    {
        let p = nir::Primitive::SumPool2d(pool(case));
        let input = array(&case["input"]);
        let inferred = nir::output_shape("p", &p, input.shape()).unwrap();
        assert_eq!(inferred, array(&case["output"]).shape());
    }
}

#[test]
fn ops_refuse_wrong_inputs_with_clear_errors() {
    let w = Tensor::f64(Array::from_shape_vec(vec![2, 3], vec![1.0; 6]).unwrap());
    let err = ops::linear(&w, &Array::from_vec(vec![1.0; 4])).unwrap_err();
    assert_eq!(
        err.within("fc").to_string(),
        "fc: expects 3 input values, found shape (4,)"
    );

    let b = Tensor::f64(Array::from_vec(vec![1.0]));
    assert_eq!(
        ops::affine(&w, Some(&b), &Array::from_vec(vec![1.0; 3]))
            .unwrap_err()
            .within("fc")
            .to_string(),
        "fc.bias: expected 2 values, found shape (1,)"
    );

    let c = Conv2d {
        input_shape: None,
        weight: Tensor::f64(Array::from_shape_vec(vec![1, 2, 3, 3], vec![1.0; 18]).unwrap()),
        stride: [2, 2],
        padding: Padding::Same,
        dilation: [1, 1],
        groups: 1,
        bias: Tensor::f64(Array::from_vec(vec![0.0])),
    };
    let x = Array::zeros(vec![2, 5, 5]);
    assert_eq!(
        ops::conv2d(&c, &x).unwrap_err().within("conv").to_string(),
        "conv.padding: padding \"same\" needs stride 1, found 2"
    );
    let zero_groups = Conv2d {
        groups: 0,
        ..c.clone()
    };
    assert_eq!(
        ops::conv2d(&zero_groups, &x)
            .unwrap_err()
            .within("conv")
            .to_string(),
        "conv.groups: groups = 0 must be positive and divide C_out = 1"
    );
    let wrong = Array::zeros(vec![3, 5, 5]);
    assert_eq!(
        ops::conv2d(&c, &wrong)
            .unwrap_err()
            .within("conv")
            .to_string(),
        "conv: expects input of 3 dimensions with 2 channels first, found shape (3, 5, 5)"
    );
}
