//! The typed NIR data model: a graph of named nodes, each one NIR primitive with NIR's
//! parameter names, and the edges between them.
//!
//! Shapes follow NIR: they exclude the batch and time axes (`Input { shape: [2, 34, 34] }`
//! is channels × height × width).

use std::collections::BTreeMap;

use littoral_core::Array;

use super::framework::NeuronKind;

/// How a float parameter was (or will be) stored in the file. Values are held as `f64`
/// (exact for `f32` data); the stored type is kept so a read-write round trip is
/// bit-identical.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatType {
    /// IEEE single precision (`<f4`), what PyTorch-based exporters write.
    F32,
    /// IEEE double precision (`<f8`).
    F64,
}

/// A float parameter array: its values (row-major, NIR's shape) and stored type.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    /// The values, shape as in the file.
    pub array: Array<f64>,
    /// The type it is stored as.
    pub dtype: FloatType,
}

impl Tensor {
    /// A float64 tensor.
    pub fn f64(array: Array<f64>) -> Self {
        Tensor {
            array,
            dtype: FloatType::F64,
        }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        self.array.shape()
    }

    /// The row-major values.
    pub fn values(&self) -> &[f64] {
        self.array.data()
    }

    /// Bit-level equality of values, shapes and stored types (NaN equals itself).
    pub fn bits_eq(&self, other: &Tensor) -> bool {
        self.dtype == other.dtype && self.array.bits_eq(&other.array)
    }
}

/// Padding of a convolution: NIR allows explicit sizes or PyTorch's two strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Padding {
    /// Zero padding of this many elements on both sides of each spatial axis.
    Explicit(Vec<usize>),
    /// `"same"`: the output has the input's spatial size (stride 1).
    Same,
    /// `"valid"`: no padding.
    Valid,
}

/// Parameters of `Conv1d` (PyTorch's convention).
#[derive(Clone, Debug, PartialEq)]
pub struct Conv1d {
    /// Spatial input length `N`, if the file gives it.
    pub input_shape: Option<usize>,
    /// Weight `(C_out, C_in / groups, K)`.
    pub weight: Tensor,
    /// Stride.
    pub stride: usize,
    /// Padding (one explicit size, or same / valid).
    pub padding: Padding,
    /// Dilation.
    pub dilation: usize,
    /// Groups (`C_in` and `C_out` are multiples of it).
    pub groups: usize,
    /// Bias `(C_out,)`.
    pub bias: Tensor,
}

/// Parameters of `Conv2d` (PyTorch's convention).
#[derive(Clone, Debug, PartialEq)]
pub struct Conv2d {
    /// Spatial input size `(H, W)`, if the file gives it.
    pub input_shape: Option<[usize; 2]>,
    /// Weight `(C_out, C_in / groups, K_h, K_w)`.
    pub weight: Tensor,
    /// Stride `(s_h, s_w)`.
    pub stride: [usize; 2],
    /// Padding (two explicit sizes, or same / valid).
    pub padding: Padding,
    /// Dilation `(d_h, d_w)`.
    pub dilation: [usize; 2],
    /// Groups.
    pub groups: usize,
    /// Bias `(C_out,)`.
    pub bias: Tensor,
}

/// Parameters of `SumPool2d` and `AvgPool2d`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool2d {
    /// Window `(k_h, k_w)`.
    pub kernel_size: [usize; 2],
    /// Stride `(s_h, s_w)`.
    pub stride: [usize; 2],
    /// Zero padding `(p_h, p_w)`.
    pub padding: [usize; 2],
}

/// One NIR primitive with its parameters, under NIR's names.
#[derive(Clone, Debug, PartialEq)]
pub enum Primitive {
    /// Graph input of the given shape.
    Input {
        /// Shape of one time step of input.
        shape: Vec<usize>,
    },
    /// Graph output of the given shape.
    Output {
        /// Shape of one time step of output.
        shape: Vec<usize>,
    },
    /// `y = W x + b`.
    Affine {
        /// `(out, in)` (or more axes, NIR's `(..., out, in)`).
        weight: Tensor,
        /// `(out,)`.
        bias: Tensor,
    },
    /// `y = W x`.
    Linear {
        /// `(out, in)`.
        weight: Tensor,
    },
    /// `y = s ⊙ x`.
    Scale {
        /// Element-wise factor.
        scale: Tensor,
    },
    /// `y = 1 if x > θ else 0` (Heaviside).
    Threshold {
        /// Element-wise threshold θ.
        threshold: Tensor,
    },
    /// `y(t) = x(t − delay)`.
    Delay {
        /// Element-wise delay in seconds.
        delay: Tensor,
    },
    /// Merge axes `start_dim..=end_dim` (batch excluded; negative counts from the end).
    Flatten {
        /// First axis merged.
        start_dim: i64,
        /// Last axis merged.
        end_dim: i64,
        /// Input shape, if the file gives it (`input_type`).
        input_type: Option<Vec<usize>>,
    },
    /// 1-d convolution.
    Conv1d(Conv1d),
    /// 2-d convolution.
    Conv2d(Conv2d),
    /// 2-d sum pooling.
    SumPool2d(Pool2d),
    /// 2-d average pooling.
    AvgPool2d(Pool2d),
    /// Leaky integrator: `τ v' = (v_leak − v) + R I`.
    LI {
        /// τ.
        tau: Tensor,
        /// R.
        r: Tensor,
        /// v_leak.
        v_leak: Tensor,
    },
    /// Integrator: `v' = R I`.
    I {
        /// R.
        r: Tensor,
    },
    /// Integrate-and-fire: `v' = R I`, spike when `v > v_threshold`, then `v = v_reset`.
    IF {
        /// R.
        r: Tensor,
        /// Threshold.
        v_threshold: Tensor,
        /// Reset potential (zeros when the file omits it, as the `nir` package does).
        v_reset: Tensor,
    },
    /// Leaky integrate-and-fire.
    LIF {
        /// τ.
        tau: Tensor,
        /// R.
        r: Tensor,
        /// v_leak.
        v_leak: Tensor,
        /// Threshold.
        v_threshold: Tensor,
        /// Reset potential (zeros when omitted).
        v_reset: Tensor,
    },
    /// Current-based leaky integrator.
    CubaLI {
        /// Synaptic time constant.
        tau_syn: Tensor,
        /// Membrane time constant.
        tau_mem: Tensor,
        /// R.
        r: Tensor,
        /// v_leak.
        v_leak: Tensor,
        /// Input weight (ones when omitted).
        w_in: Tensor,
    },
    /// Current-based leaky integrate-and-fire.
    CubaLIF {
        /// Synaptic time constant.
        tau_syn: Tensor,
        /// Membrane time constant.
        tau_mem: Tensor,
        /// R.
        r: Tensor,
        /// v_leak.
        v_leak: Tensor,
        /// Threshold.
        v_threshold: Tensor,
        /// Reset potential (zeros when omitted).
        v_reset: Tensor,
        /// Input weight (ones when omitted).
        w_in: Tensor,
    },
    /// A nested graph.
    Graph(NirGraph),
}

impl Primitive {
    /// NIR's type name, as stored in the node's `type` dataset.
    pub fn type_name(&self) -> &'static str {
        match self {
            Primitive::Input { .. } => "Input",
            Primitive::Output { .. } => "Output",
            Primitive::Affine { .. } => "Affine",
            Primitive::Linear { .. } => "Linear",
            Primitive::Scale { .. } => "Scale",
            Primitive::Threshold { .. } => "Threshold",
            Primitive::Delay { .. } => "Delay",
            Primitive::Flatten { .. } => "Flatten",
            Primitive::Conv1d(_) => "Conv1d",
            Primitive::Conv2d(_) => "Conv2d",
            Primitive::SumPool2d(_) => "SumPool2d",
            Primitive::AvgPool2d(_) => "AvgPool2d",
            Primitive::Graph(_) => "NIRGraph",
            neuron => neuron.neuron_kind().map_or("", NeuronKind::nir_name),
        }
    }

    /// Whether the node keeps state from one time step to the next (neurons, delays,
    /// graphs containing one). A cycle needs one to be well-defined.
    pub fn is_stateful(&self) -> bool {
        match self {
            Primitive::Delay { .. } => true,
            Primitive::Graph(g) => g.nodes.values().any(|n| n.primitive.is_stateful()),
            other => other.neuron_kind().is_some(),
        }
    }

    /// The float parameters by NIR name, in a fixed order (for rendering and checks).
    pub fn tensors(&self) -> Vec<(&'static str, &Tensor)> {
        match self {
            Primitive::Input { .. }
            | Primitive::Output { .. }
            | Primitive::Flatten { .. }
            | Primitive::SumPool2d(_)
            | Primitive::AvgPool2d(_)
            | Primitive::Graph(_) => vec![],
            Primitive::Affine { weight, bias } => vec![("weight", weight), ("bias", bias)],
            Primitive::Linear { weight } => vec![("weight", weight)],
            Primitive::Scale { scale } => vec![("scale", scale)],
            Primitive::Threshold { threshold } => vec![("threshold", threshold)],
            Primitive::Delay { delay } => vec![("delay", delay)],
            Primitive::Conv1d(c) => vec![("weight", &c.weight), ("bias", &c.bias)],
            Primitive::Conv2d(c) => vec![("weight", &c.weight), ("bias", &c.bias)],
            neuron => neuron.neuron_tensors().unwrap_or_default(),
        }
    }
}

/// The NIR neuron primitives with their parameters in NIR's order: the one list that
/// [`Primitive::neuron`], [`Primitive::neuron_kind`], the neurons' [`Primitive::tensors`],
/// [`NeuronKind::nir_name`], [`NeuronKind::from_nir_name`] and [`NeuronKind::parameters`]
/// are made from.
macro_rules! neurons {
    ($($kind:ident => $variant:ident { $($field:ident),+ },)+) => {
        impl Primitive {
            /// The neuron primitive of `kind`, each parameter `get(name)`, asked in NIR's
            /// order.
            ///
            /// # Errors
            /// The first error of `get`.
            pub fn neuron<E>(
                kind: NeuronKind,
                mut get: impl FnMut(&'static str) -> std::result::Result<Tensor, E>,
            ) -> std::result::Result<Primitive, E> {
                Ok(match kind {
                    $(NeuronKind::$kind => Primitive::$variant {
                        $($field: get(stringify!($field))?,)+
                    },)+
                })
            }

            /// The NIR neuron type of the primitive, if it is a neuron.
            pub fn neuron_kind(&self) -> Option<NeuronKind> {
                match self {
                    $(Primitive::$variant { .. } => Some(NeuronKind::$kind),)+
                    _ => None,
                }
            }

            /// A neuron's parameters by NIR name, in NIR's order (`None` for any other
            /// primitive).
            fn neuron_tensors(&self) -> Option<Vec<(&'static str, &Tensor)>> {
                match self {
                    $(Primitive::$variant { $($field),+ } => {
                        Some(vec![$((stringify!($field), $field)),+])
                    })+
                    _ => None,
                }
            }
        }

        impl NeuronKind {
            /// NIR's type name.
            pub fn nir_name(self) -> &'static str {
                match self {
                    $(NeuronKind::$kind => stringify!($variant),)+
                }
            }

            /// The kind of a NIR type name, if it names a neuron.
            pub fn from_nir_name(name: &str) -> Option<NeuronKind> {
                match name {
                    $(stringify!($variant) => Some(NeuronKind::$kind),)+
                    _ => None,
                }
            }

            /// The parameter names of the kind, in NIR's order.
            pub fn parameters(self) -> &'static [&'static str] {
                match self {
                    $(NeuronKind::$kind => &[$(stringify!($field)),+],)+
                }
            }
        }
    };
}

neurons! {
    Li => LI { tau, r, v_leak },
    I => I { r },
    If => IF { r, v_threshold, v_reset },
    Lif => LIF { tau, r, v_leak, v_threshold, v_reset },
    CubaLi => CubaLI { tau_syn, tau_mem, r, v_leak, w_in },
    CubaLif => CubaLIF { tau_syn, tau_mem, r, v_leak, v_threshold, v_reset, w_in },
}

/// A metadata value: what `h5py` gives back for a dataset of a `metadata` group.
#[derive(Clone, Debug, PartialEq)]
pub enum MetaValue {
    /// Strings (one for a scalar string) with their shape.
    Text {
        /// Shape (`[]` for one string).
        shape: Vec<usize>,
        /// Row-major strings.
        values: Vec<String>,
    },
    /// Integers with their shape.
    Int {
        /// Shape (`[]` for a scalar).
        shape: Vec<usize>,
        /// Row-major values.
        values: Vec<i64>,
    },
    /// Floats.
    Float(Tensor),
    /// A nested group.
    Group(Metadata),
}

/// A metadata group, ordered by key.
pub type Metadata = BTreeMap<String, MetaValue>;

/// A named node: the primitive and its own metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What the node computes.
    pub primitive: Primitive,
    /// Free-form metadata (empty for most files).
    pub metadata: Metadata,
}

impl Node {
    /// A node without metadata.
    pub fn new(primitive: Primitive) -> Self {
        Node {
            primitive,
            metadata: Metadata::new(),
        }
    }
}

impl From<Primitive> for Node {
    fn from(primitive: Primitive) -> Self {
        Node::new(primitive)
    }
}

/// A directed edge: the source node's output feeds the target node's input.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edge {
    /// Source node name.
    pub source: String,
    /// Target node name.
    pub target: String,
}

impl Edge {
    /// The edge `source → target`.
    pub fn new(source: impl Into<String>, target: impl Into<String>) -> Self {
        Edge {
            source: source.into(),
            target: target.into(),
        }
    }
}

/// A NIR graph: nodes by name (ordered by name), edges in file order, metadata.
///
/// ```
/// use littoral_core::Array;
/// use littoral_nets::nir::{Edge, NirGraph, Primitive, Tensor};
/// let mut g = NirGraph::default();
/// g.insert("input", Primitive::Input { shape: vec![2] });
/// let weight = Array::from_shape_vec(vec![1, 2], vec![0.5, -0.5])?;
/// g.insert("lin", Primitive::Linear { weight: Tensor::f64(weight) });
/// g.insert("output", Primitive::Output { shape: vec![1] });
/// g.edges = vec![Edge::new("input", "lin"), Edge::new("lin", "output")];
/// let analysis = littoral_nets::nir::analyse(&g)?;
/// assert_eq!(analysis.order, ["input", "lin", "output"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NirGraph {
    /// Nodes by name.
    pub nodes: BTreeMap<String, Node>,
    /// Edges in file order.
    pub edges: Vec<Edge>,
    /// Graph metadata.
    pub metadata: Metadata,
}

impl NirGraph {
    /// Add (or replace) a node without metadata.
    pub fn insert(&mut self, name: impl Into<String>, primitive: Primitive) {
        self.nodes.insert(name.into(), Node::new(primitive));
    }
}

/// A NIR file: the graph, the version string it was written with and the warnings of
/// lenient reading (each names the node; nothing is dropped silently).
#[derive(Clone, Debug, PartialEq)]
pub struct NirFile {
    /// The `version` dataset (the `nir` package version that wrote the file).
    pub version: String,
    /// The top-level graph.
    pub graph: NirGraph,
    /// What the reader inferred or repaired, one sentence each.
    pub warnings: Vec<String>,
}
