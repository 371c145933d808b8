package org.vil4j.opencl;

import org.vil4j.api.AttentionGradients;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;

import static org.vil4j.opencl.DeviceProgram.*;
import static org.vil4j.api.ShapeRequirements.*;
import static org.vil4j.opencl.OperandChecks.*;

/**
 * The transformer ops on the device (op codes 40-59): GELU and its gradient, per-channel scales, and softmax
 * attention forward and backward (a row per query; the backward keeps per-row statistics, not an S x S matrix).
 */
final class TransformerDeviceOps {
    private TransformerDeviceOps() {
    }

    static Tensor gelu(OpenCLOps ops, Tensor xt) {
        DeviceTensor x = ops.check("gelu", xt);
        return transformerElementwise(ops, TW_GELU, x, null, 1);
    }

    static Tensor geluBackward(OpenCLOps ops, Tensor xt, Tensor dyt) {
        DeviceTensor x = ops.check("geluBackward", xt), dy = ops.check("geluBackward", dyt);
        requireSameShape("geluBackward", "x", x.shape(), "dy", dy.shape());
        return transformerElementwise(ops, TW_GELU_BACKWARD, x, dy, 1);
    }

    static Tensor scaleChannels(OpenCLOps ops, Tensor xt, Tensor wt) {
        DeviceTensor x = ops.check("scaleChannels", xt), w = ops.check("scaleChannels", wt);
        requireMinRank("scaleChannels", "x", x.shape(), 1);
        int cols = x.shape().last();
        requireVector("scaleChannels", "w", w.shape(), cols, "features of x " + x.shape());
        return transformerElementwise(ops, TW_SCALE_CHANNELS, x, w, Math.max(cols, 1));
    }

    private static DeviceTensor transformerElementwise(OpenCLOps ops, int mode, DeviceTensor x, DeviceTensor y,
                                                       int channels) {
        DeviceTensor out = ops.allocate(x.shape());
        int n = out.size();
        ops.args(n, mode, out.offset(), x.offset(), y == null ? -1 : y.offset(), channels);
        ops.queue.bytes(4L * (y == null ? 2 : 3) * n);
        ops.launch1D(OP_TRANSFORMER_ELEMENTWISE, n);
        return out;
    }

    static Tensor attention(OpenCLOps ops, Tensor qt, Tensor kt, Tensor vt, int numHeads, float scale) {
        String op = "attention";
        DeviceTensor q = ops.check(op, qt), k = ops.check(op, kt), v = ops.check(op, vt);
        int dh = attentionHeadDim(op, q.shape(), k.shape(), v.shape(), numHeads);
        DeviceTensor out = ops.allocate(q.shape());
        int rows = q.shape().dim(0) * q.shape().dim(1) * numHeads, seq = q.shape().dim(1);
        ops.args(rows, seq, numHeads, dh, q.offset(), k.offset(), v.offset(), out.offset());
        ops.program.f0 = scale;
        ops.queue.flops(6L * rows * seq * dh);
        ops.launch1D(OP_ATTENTION_ROWS, rows);
        return out;
    }

    static AttentionGradients attentionBackward(OpenCLOps ops, Tensor qt, Tensor kt, Tensor vt, Tensor doutt,
                                                int numHeads, float scale) {
        String op = "attentionBackward";
        DeviceTensor q = ops.check(op, qt), k = ops.check(op, kt), v = ops.check(op, vt), dout = ops.check(op, doutt);
        int dh = attentionHeadDim(op, q.shape(), k.shape(), v.shape(), numHeads);
        requireSameShape(op, "q", q.shape(), "dout", dout.shape());
        int rows = q.shape().dim(0) * q.shape().dim(1) * numHeads, seq = q.shape().dim(1);
        DeviceTensor dq = ops.allocate(q.shape()), dk = ops.allocate(q.shape()), dv = ops.allocate(q.shape());
        // per-row statistics only (log-sum-exp and sum P dP): 2 floats a row instead of an S x S matrix
        DeviceTensor lse = ops.allocate(Shape.of(rows)), delta = ops.allocate(Shape.of(rows));
        for (int kernel : new int[]{OP_ATTENTION_STATS, OP_ATTENTION_DQ, OP_ATTENTION_DKV}) {
            ops.args(rows, seq, numHeads, dh, q.offset(), k.offset(), v.offset(), dout.offset(), lse.offset(),
                    delta.offset(), kernel == OP_ATTENTION_DQ ? dq.offset() : dk.offset(), dv.offset());
            ops.program.f0 = scale;
            ops.queue.flops(6L * rows * seq * dh);
            ops.launch1D(kernel, rows);
        }
        return new AttentionGradients(dq, dk, dv);
    }

    /** q, k, v all {@code [B, S, NH*DH]}: the head width DH. */
    private static int attentionHeadDim(String op, Shape q, Shape k, Shape v, int numHeads) {
        requireRank(op, "q", q, 3);
        requireSameShape(op, "q", q, "k", k);
        requireSameShape(op, "q", q, "v", v);
        if (numHeads < 1 || q.last() % numHeads != 0) {
            throw new ShapeMismatchException(op + ": the " + q.last() + " features of q " + q
                    + " do not split into " + numHeads + " heads");
        }
        return q.last() / numHeads;
    }
}
