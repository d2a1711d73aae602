"""Runs onnx.checker (full check, with shape inference) over ONNX files written by Lineage's exporter,
and prints each graph's inputs, outputs and ops. The engine tests leave their exports in
tests/Lineage.Engine.Tests/bin/*/net10.0/onnx-export/, so after `dotnet test tests/Lineage.Engine.Tests`:

    /usr/bin/python3 tools/onnx/check_exported.py tests/Lineage.Engine.Tests/bin/Debug/net10.0/onnx-export/*.onnx

Needs the onnx Python package (Debian: python3-onnx). Exits non-zero when a model fails the check.
"""
import sys

import onnx


def dims(value):
    return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]


def main(paths):
    if not paths:
        print(__doc__)
        return 2
    failed = 0
    for path in paths:
        model = onnx.load(path)
        try:
            onnx.checker.check_model(model, full_check=True)
        except Exception as e:  # the checker raises ValidationError and shape-inference errors
            print(f"FAIL {path}: {e}")
            failed += 1
            continue
        ops = sorted({n.op_type for n in model.graph.node})
        inputs = {i.name: dims(i) for i in model.graph.input}
        outputs = {o.name: dims(o) for o in model.graph.output}
        print(f"ok   {path}: opset {model.opset_import[0].version}, inputs {inputs}, outputs {outputs}, ops {ops}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
