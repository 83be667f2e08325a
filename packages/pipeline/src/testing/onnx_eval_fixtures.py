"""Writes small ONNX models for evaluate --onnx's checks (python3-onnx, independent of our exporter).

usage: onnx_eval_fixtures.py OUT_DIR
  two-outputs.onnx   NCHW, outputs 'a' and 'b' ([1, 19, H, W]), none named 'logits'
  five-classes.onnx  NCHW, one output [1, 5, H, W]
  nan.onnx           NCHW, one output [1, 19, H, W] of 0/0 = NaN
  nhwc-fixed.onnx    input [1, 32, 64, 3] (NHWC, fixed size), output [1, 32, 64, 19]:
                     logits 0 for class 0 (road), -1 for every other class
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv(name, x, y, classes, bias):
    w = numpy_helper.from_array(np.zeros((classes, 3, 1, 1), np.float32), f'{name}_w')
    b = numpy_helper.from_array(np.asarray(bias, np.float32), f'{name}_b')
    return helper.make_node('Conv', [x, w.name, b.name], [y]), [w, b]


def save(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main(out):
    os.makedirs(out, exist_ok=True)
    dyn = helper.make_tensor_value_info('image', TensorProto.FLOAT, [1, 3, 'h', 'w'])

    n, inits = conv('c', 'image', 'a', 19, [0] * 19)
    idn = helper.make_node('Identity', ['a'], ['b'])
    outs = [helper.make_tensor_value_info(k, TensorProto.FLOAT, [1, 19, 'h', 'w']) for k in ('a', 'b')]
    save(helper.make_graph([n, idn], 'two', [dyn], outs, inits), os.path.join(out, 'two-outputs.onnx'))

    n, inits = conv('c', 'image', 'y', 5, [0] * 5)
    save(helper.make_graph([n], 'five', [dyn], [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 5, 'h', 'w'])], inits),
         os.path.join(out, 'five-classes.onnx'))

    n, inits = conv('c', 'image', 'z', 19, [0] * 19)
    zero = numpy_helper.from_array(np.zeros((1,), np.float32), 'zero')
    div = helper.make_node('Div', ['z', 'zero'], ['y'])
    save(helper.make_graph([n, div], 'nan', [dyn], [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 19, 'h', 'w'])], inits + [zero]),
         os.path.join(out, 'nan.onnx'))

    x = helper.make_tensor_value_info('input_1', TensorProto.FLOAT, [1, 32, 64, 3])
    to_nchw = helper.make_node('Transpose', ['input_1'], ['x'], perm=[0, 3, 1, 2])
    n, inits = conv('c', 'x', 'l', 19, [0] + [-1] * 18)
    to_nhwc = helper.make_node('Transpose', ['l'], ['scores'], perm=[0, 2, 3, 1])
    save(helper.make_graph([to_nchw, n, to_nhwc], 'nhwc', [x], [helper.make_tensor_value_info('scores', TensorProto.FLOAT, [1, 32, 64, 19])], inits),
         os.path.join(out, 'nhwc-fixed.onnx'))


if __name__ == '__main__':
    main(sys.argv[1])
