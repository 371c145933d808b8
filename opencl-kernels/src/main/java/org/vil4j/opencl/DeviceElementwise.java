package org.vil4j.opencl;

import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;

import static org.vil4j.opencl.DeviceProgram.*;
import static org.vil4j.api.ShapeRequirements.*;
import static org.vil4j.opencl.OperandChecks.*;

/**
 * Element-wise ops on the device, one pass of the element-wise kernel each: add (with a trailing-shape broadcast), mul,
 * scale, SiLU and the skip gate.
 */
final class DeviceElementwise {
    private DeviceElementwise() {
    }

    static Tensor add(OpenCLOps ops, Tensor at, Tensor bt) {
        DeviceTensor a = ops.check("add", at), b = ops.check("add", bt);
        if (!isTrailing(a.shape(), b.shape())) {
            throw new ShapeMismatchException("add: " + b.shape() + " is neither " + a.shape()
                    + " nor a trailing part of it");
        }
        return elementwise(ops, EW_ADD, a, b, null, null, b.size(), 0f);
    }

    static Tensor mul(OpenCLOps ops, Tensor at, Tensor bt) {
        DeviceTensor a = ops.check("mul", at), b = ops.check("mul", bt);
        sameShape("mul", a, b);
        return elementwise(ops, EW_MUL, a, b, null, null, 1, 0f);
    }

    static Tensor scale(OpenCLOps ops, Tensor xt, float s) {
        return elementwise(ops, EW_SCALE, ops.check("scale", xt), null, null, null, 1, s);
    }

    static Tensor silu(OpenCLOps ops, Tensor xt) {
        return elementwise(ops, EW_SILU, ops.check("silu", xt), null, null, null, 1, 0f);
    }

    static Tensor skipGate(OpenCLOps ops, Tensor ht, Tensor skipt, Tensor at, Tensor zt) {
        DeviceTensor h = ops.check("skipGate", ht), skip = ops.check("skipGate", skipt);
        DeviceTensor a = ops.check("skipGate", at), z = ops.checkView("skipGate", zt);
        sameShape("skipGate", h, a);
        sameShape("skipGate", h, z);
        if (skip.size() != h.shape().last()) {
            throw new ShapeMismatchException("skipGate: skip " + skip.shape() + " does not match " + h.shape());
        }
        return elementwise(ops, EW_SKIP_GATE, h, a, z, skip, skip.size(), 0f);
    }

    private static DeviceTensor elementwise(OpenCLOps ops, int mode, DeviceTensor x, DeviceTensor y, DeviceTensor z,
                                            DeviceTensor w, int period, float scalar) {
        DeviceTensor out = ops.allocate(x.shape());
        int n = out.size();
        ops.args(n, mode, out.offset(), x.offset(), y == null ? 0 : y.offset(), z == null ? 0 : z.offset(),
                w == null ? 0 : w.offset(), Math.max(period, 1), z == null ? 0 : z.stride());
        ops.program.f0 = scalar;
        ops.queue.bytes(4L * n * (2 + (y == null ? 0 : 1) + (z == null ? 0 : 1)));
        ops.launch1D(OP_ELEMENTWISE, n);
        return out;
    }
}
