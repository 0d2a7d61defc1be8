"""ONNX export: one Gemm and one activation node per layer, in float32.

    impute      x = Where(IsNaN(x), value, x)
    affine      x = Mul(Sub(x, offset), scale)
    layer l     s = Gemm(x, W_l, b_l, transB=1)        (x W^T + b, W of shape (n_out, n_in))
                x = Sigmoid | Tanh | Relu | Softmax(axis=1) | Identity (s)
                    | Cast(GreaterOrEqual(s, 0), float)  (step)
    target      y = Add(Div(z, scale), offset)

Graph input ``X`` has shape ``(N, n_inputs)``; output ``output`` holds the
predictions (class scores or regression values); classifiers also output
``label`` (int64 index into the ``classes`` stored in the model's
``metadata_props`` as JSON: ASCII-escaped strings, non-finite labels as
``NaN`` / ``Infinity`` like Python's ``json``).  Opset 17.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from .._errors import ConfigError
from ..model import Model
from ._plan import make_plan

OPSET = 17
_ACT_OPS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "identity": "Identity"}


def _require_onnx():
    try:
        import onnx
    except ImportError:
        raise ConfigError("ONNX export needs the onnx package: pip install 'backprop-mlp[export]'") from None
    return onnx


def to_onnx(model: Model, include_preprocessing: bool = True) -> Any:
    """The model as an ``onnx.ModelProto`` computing in float32."""
    onnx = _require_onnx()
    from onnx import TensorProto, helper, numpy_helper

    plan = make_plan(model, include_preprocessing)
    nodes, inits = [], []
    counter = iter(range(1 << 30))

    def const(name: str, a: np.ndarray, dtype=np.float32) -> str:
        full = f"{name}_{next(counter)}"
        inits.append(numpy_helper.from_array(np.asarray(a, dtype), full))
        return full

    def node(op: str, inputs: list[str], **attrs: Any) -> str:
        out = f"{op.lower()}_{next(counter)}"
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    x = "X"
    for op, a in plan.input_ops:
        if op == "impute":
            x = node("Where", [node("IsNaN", [x]), const("fill", a["value"]), x])
        else:
            x = node("Mul", [node("Sub", [x, const("offset", a["offset"])]), const("scale", a["scale"])])
    for l, (W, b, act) in enumerate(plan.layers):
        s = node("Gemm", [x, const(f"W{l}", W), const(f"b{l}", b)], transB=1)
        if act == "softmax":
            x = node("Softmax", [s], axis=1)
        elif act == "step":
            x = node("Cast", [node("GreaterOrEqual", [s, const("zero", 0.0)])], to=TensorProto.FLOAT)
        else:
            x = node(_ACT_OPS[act], [s])
    for _, a in plan.output_ops:
        x = node("Add", [node("Div", [x, const("scale", a["scale"])]), const("offset", a["offset"])])
    nodes.append(helper.make_node("Identity", [x], ["output"]))
    outputs = [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", plan.n_outputs])]
    if plan.task == "classification":
        if plan.n_outputs == 1:
            hit = node("GreaterOrEqual", [x, const("half", 0.5)])
            idx = node("Squeeze", [node("Cast", [hit], to=TensorProto.INT64),
                                   const("axis", [1], np.int64)])
        else:
            idx = node("ArgMax", [x], axis=1, keepdims=0)
        nodes.append(helper.make_node("Identity", [idx], ["label"]))
        outputs.append(helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]))
    graph = helper.make_graph(
        nodes, "backprop_model",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", plan.n_inputs])],
        outputs, initializer=inits)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="backprop")
    proto.ir_version = 8
    meta = {"task": plan.task, "classes": plan.classes, "feature_names": plan.feature_names}
    helper.set_model_props(proto, {k: json.dumps(v) for k, v in meta.items()})
    onnx.checker.check_model(proto)
    return proto
