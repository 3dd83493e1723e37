"""Golden outputs of NIR's stateless primitives from an independent numpy reference.

Run from the repository root:

    /work/venv-ref/bin/python nets/tests/nir/gen_ops.py

Writes `nets/tests/nir/ops_golden.json` (committed), read by `nets/tests/nir_ops.rs`,
which compares Littoral's `nir::ops` at 1e-9. The reference follows PyTorch's documented
arithmetic (cross-correlation; zero padding; "same" pads d(k-1)//2 before and the rest
after; groups split channels in order; AvgPool2d counts padded zeros) and is written with
numpy window views and einsum, not with loops like Littoral's.
"""

import json
import pathlib

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

OUT = pathlib.Path(__file__).resolve().parent / "ops_golden.json"
rng = np.random.default_rng(13)


def pads(padding, kernel, dilation):
    """(before, after) per spatial axis."""
    if padding == "valid":
        return [(0, 0) for _ in kernel]
    if padding == "same":
        out = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            out.append((total // 2, total - total // 2))
        return out
    return [(p, p) for p in padding]


def windows(x, kernel, stride, dilation, padding):
    """x (C, *spatial) -> (C, *out, *kernel) windows of the zero-padded input."""
    xp = np.pad(x, [(0, 0)] + pads(padding, kernel, dilation))
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    axes = tuple(range(1, 1 + len(kernel)))
    w = sliding_window_view(xp, spans, axis=axes)
    # Keep every d-th tap inside each window, every s-th window.
    index = [slice(None)]
    index += [slice(None, None, s) for s in stride]
    index += [slice(None, None, d) for d in dilation]
    return w[tuple(index)]


def conv(x, weight, bias, stride, padding, dilation, groups):
    c_out = weight.shape[0]
    k = weight.shape[2:]
    win = windows(x, k, stride, dilation, padding)
    per_in = x.shape[0] // groups
    per_out = c_out // groups
    outs = []
    for g in range(groups):
        wg = weight[g * per_out:(g + 1) * per_out]
        xg = win[g * per_in:(g + 1) * per_in]
        if len(k) == 2:
            outs.append(np.einsum("oikl,iyxkl->oyx", wg, xg))
        else:
            outs.append(np.einsum("oik,ixk->ox", wg, xg))
    y = np.concatenate(outs, axis=0)
    return y + bias.reshape((-1,) + (1,) * len(k))


def pool(x, kernel, stride, padding, average):
    win = windows(x, kernel, stride, (1, 1), padding)
    s = win.sum(axis=(-2, -1))
    return s / (kernel[0] * kernel[1]) if average else s


def arr(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "values": a.ravel().tolist()}


def conv_case(op, c_in, c_out, groups, kernel, stride, padding, dilation, spatial):
    weight = rng.standard_normal((c_out, c_in // groups, *kernel))
    bias = rng.standard_normal(c_out)
    x = rng.standard_normal((c_in, *spatial))
    y = conv(x, weight, bias, stride, padding, dilation, groups)
    return {
        "op": op, "weight": arr(weight), "bias": arr(bias), "stride": list(stride),
        "padding": padding if isinstance(padding, str) else list(padding),
        "dilation": list(dilation), "groups": groups, "input": arr(x), "output": arr(y),
    }


def pool_case(op, channels, kernel, stride, padding, spatial):
    x = rng.standard_normal((channels, *spatial))
    y = pool(x, kernel, stride, padding, op == "AvgPool2d")
    return {"op": op, "kernel_size": list(kernel), "stride": list(stride),
            "padding": list(padding), "input": arr(x), "output": arr(y)}


def self_check():
    """The window/einsum reference agrees with scipy's correlate where both apply."""
    from scipy.signal import correlate

    x = rng.standard_normal((3, 8, 7))
    w = rng.standard_normal((2, 3, 3, 2))
    b = rng.standard_normal(2)
    xp = np.pad(x, [(0, 0), (1, 1), (2, 2)])
    ref = np.stack([sum(correlate(xp[i], w[o, i], mode="valid") for i in range(3)) + b[o] for o in range(2)])
    ours = conv(x, w, b, (1, 1), (1, 2), (1, 1), 1)
    assert np.allclose(ours, ref, rtol=0, atol=1e-12)
    # Stride and dilation: subsample the dense result / dilate the kernel.
    wd = np.zeros((2, 3, 5, 2))
    wd[:, :, ::2, :] = w
    dense = conv(x, wd, b, (1, 1), (1, 2), (1, 1), 1)
    assert np.allclose(conv(x, w, b, (2, 3), (1, 2), (2, 1), 1), dense[:, ::2, ::3], rtol=0, atol=1e-12)


def main():
    self_check()
    cases = [
        conv_case("Conv2d", 2, 4, 1, (3, 3), (1, 1), (0, 0), (1, 1), (6, 6)),
        conv_case("Conv2d", 4, 6, 2, (3, 2), (2, 1), (1, 2), (1, 2), (7, 9)),
        conv_case("Conv2d", 3, 3, 3, (2, 2), (2, 2), (0, 1), (2, 1), (8, 5)),
        conv_case("Conv2d", 2, 2, 1, (4, 3), (1, 1), "same", (1, 2), (6, 7)),
        conv_case("Conv2d", 2, 3, 1, (2, 2), (3, 2), "valid", (1, 1), (7, 7)),
        conv_case("Conv1d", 4, 6, 2, (3,), (2,), (1,), (2,), (11,)),
        conv_case("Conv1d", 1, 2, 1, (4,), (1,), "same", (1,), (7,)),
        conv_case("Conv1d", 3, 3, 3, (2,), (3,), (0,), (1,), (10,)),
        pool_case("SumPool2d", 3, (2, 3), (2, 2), (1, 1), (7, 6)),
        pool_case("SumPool2d", 2, (2, 2), (1, 1), (0, 0), (4, 5)),
        pool_case("AvgPool2d", 3, (2, 3), (2, 2), (1, 1), (7, 6)),
        pool_case("AvgPool2d", 2, (3, 3), (3, 3), (0, 0), (9, 9)),
    ]
    w = rng.standard_normal((5, 4))
    b = rng.standard_normal(5)
    x = rng.standard_normal(4)
    cases.append({"op": "Affine", "weight": arr(w), "bias": arr(b), "input": arr(x), "output": arr(w @ x + b)})
    w = rng.standard_normal((3, 7))
    x = rng.standard_normal(7)
    cases.append({"op": "Linear", "weight": arr(w), "input": arr(x), "output": arr(w @ x)})
    s = rng.standard_normal(6)
    x = rng.standard_normal(6)
    cases.append({"op": "Scale", "scale": arr(s), "input": arr(x), "output": arr(s * x)})
    t = rng.standard_normal(6)
    x = rng.standard_normal(6)
    x[2] = t[2]  # exactly at the threshold: no spike (strict >)
    cases.append({"op": "Threshold", "threshold": arr(t), "input": arr(x), "output": arr((x > t).astype(float))})
    OUT.write_text(json.dumps(cases, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
