package org.vil4j.opencl;

import org.vil4j.api.IndexTable;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;

import static org.vil4j.opencl.DeviceProgram.*;
import static org.vil4j.api.ShapeRequirements.*;
import static org.vil4j.opencl.OperandChecks.*;
import static org.vil4j.opencl.OpenCLOps.checkTable;

/**
 * Convolutions on the device: the depthwise convolution over a neighbour table (optionally with SiLU) and patchify.
 */
final class DeviceConvolutions {
    private DeviceConvolutions() {
    }

    static Tensor depthwiseConv(OpenCLOps ops, Tensor xt, IndexTable neighbours, Tensor wt, Tensor bt, boolean silu) {
        DeviceTensor x = ops.checkView("depthwiseConv", xt), w = ops.check("depthwiseConv", wt);
        DeviceTensor b = bt == null ? null : ops.check("depthwiseConv", bt);
        requireTensorRank("depthwiseConv", x, 3);
        DeviceIndexTable nb = checkTable("depthwiseConv", neighbours, -1);
        Shape s = x.shape();
        int c = s.dim(2), k = nb.cols();
        if (nb.rows() != s.dim(1) || w.size() != c * k || (b != null && b.size() != c)
                || (nb.rows() > 0 && (nb.min() < -1 || nb.max() >= s.dim(1)))) {
            throw new ShapeMismatchException("depthwiseConv: x " + s + ", neighbours " + nb.rows() + "x" + k
                    + ", w " + w.shape() + (b == null ? "" : ", bias " + b.shape()) + " do not fit");
        }
        DeviceTensor out = ops.allocate(s);
        int n = out.size();
        ops.args(n, s.dim(1), c, k, x.offset(), nb.offset(), w.offset(), b == null ? -1 : b.offset(), out.offset(),
                x.stride(), silu ? 1 : 0);
        ops.queue.flops(2L * n * k);
        ops.queue.bytes(8L * n);
        ops.launch1D(OP_DEPTHWISE_CONV, n);
        return out;
    }

    static Tensor patchify(OpenCLOps ops, Tensor xt, int ph, int pw, int sh, int sw) {
        DeviceTensor x = ops.check("patchify", xt);
        requireTensorRank("patchify", x, 4);
        Shape s = x.shape();
        int b = s.dim(0), c = s.dim(1), h = s.dim(2), w = s.dim(3);
        if (ph <= 0 || pw <= 0 || sh <= 0 || sw <= 0 || h < ph || w < pw) {
            throw new ShapeMismatchException("patchify: image " + s + " cannot hold " + ph + "x" + pw
                    + " patches with stride " + sh + "x" + sw);
        }
        int gh = (h - ph) / sh + 1, gw = (w - pw) / sw + 1;
        DeviceTensor out = ops.allocate(Shape.of(b, gh * gw, c * ph * pw));
        int n = out.size();
        ops.args(n, c, h, w, ph, pw, sh, sw, gh, gw, x.offset(), out.offset());
        ops.launch1D(OP_PATCHIFY, n);
        return out;
    }
}
