package org.vil4j.opencl;

import org.vil4j.api.MlstmForm;
import org.vil4j.api.MlstmGradients;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;

import static org.vil4j.api.ShapeRequirements.*;
import static org.vil4j.opencl.OperandChecks.*;

/**
 * The mLSTM cell on the device: its operands' checks and the dispatch on its form, forward and backward. The parallel
 * form runs in {@link MlstmParallel}; the chunkwise one, and the recurrent one as one-token chunks, in
 * {@link MlstmChunkwise} and {@link MlstmChunkwiseBackward}.
 */
final class DeviceMlstm {
    private DeviceMlstm() {
    }

    /**
     * q, k, v and the two gates as the mLSTM kernels read them: column views are taken as they are when q, k and v
     * share one row stride and so do the gates (as the fused projections leave them), else made dense.
     */
    static DeviceTensor[] mlstmInputs(String op, OpenCLOps ops, Tensor qt, Tensor kt, Tensor vt, Tensor it,
                                      Tensor ft) {
        DeviceTensor q = ops.checkView(op, qt), k = ops.checkView(op, kt), v = ops.checkView(op, vt);
        if (q.stride() != k.stride() || q.stride() != v.stride()) {
            q = ops.check(op, qt);
            k = ops.check(op, kt);
            v = ops.check(op, vt);
        }
        DeviceTensor ig = ops.checkView(op, it), fg = ops.checkView(op, ft);
        if (ig.stride() != fg.stride()) {
            ig = ops.check(op, it);
            fg = ops.check(op, ft);
        }
        return new DeviceTensor[]{q, k, v, ig, fg};
    }

    /** Checks the mLSTM's operands (q, k, v [B, S, NH*DH], gates [B, S, NH]) and returns DH. */
    static int mlstmHeadDim(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor ig, DeviceTensor fg,
                            int numHeads) {
        requireTensorRank("mlstm", q, 3);
        sameShape("mlstm", q, k);
        sameShape("mlstm", q, v);
        Shape s = q.shape();
        int b = s.dim(0), len = s.dim(1), width = s.dim(2);
        if (numHeads <= 0 || width % numHeads != 0 || !ig.shape().equals(Shape.of(b, len, numHeads))
                || !fg.shape().equals(ig.shape())) {
            throw new ShapeMismatchException("mlstm: q " + s + " with " + numHeads + " heads needs gates ["
                    + b + "," + len + "," + numHeads + "], got " + ig.shape() + " and " + fg.shape());
        }
        return width / numHeads;
    }

    static Tensor mlstm(OpenCLOps ops, Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, int numHeads,
                        float eps, MlstmForm form, int chunkSize) {
        if (form == MlstmForm.PARALLEL) {
            return ops.mlstm(q, k, v, igate, fgate, numHeads, eps);
        }
        // The recurrent form is the chunkwise one with one-token chunks: the state (C, n, m) carried from token to
        // token, each output read from the state before it plus the token itself. Its increments are computed for
        // every token at once, so it takes S x DH x (DH+1) floats of scratch: an oracle, not a streaming kernel.
        DeviceTensor[] in = mlstmInputs("mlstm", ops, q, k, v, igate, fgate);
        return MlstmChunkwise.forward(ops, in[0], in[1], in[2], in[3], in[4], numHeads, eps,
                form == MlstmForm.RECURRENT ? 1 : chunkSize);
    }

    /** The parallel form's S x S scratch, or chunks of {@code chunkSize} tokens (1 for the recurrent form). */
    static MlstmGradients mlstmBackward(OpenCLOps ops, Tensor qt, Tensor kt, Tensor vt, Tensor igate, Tensor fgate,
                                        Tensor dht, int numHeads, float eps, MlstmForm form, int chunkSize) {
        String op = "mlstmBackward";
        if (form == MlstmForm.CHUNKWISE && chunkSize < 1) {
            throw new IllegalArgumentException(op + ": chunk size " + chunkSize + " must be at least 1");
        }
        // the parallel backward reads column views (rows a common stride apart) as they are; the others dense copies
        DeviceTensor[] in = form == MlstmForm.PARALLEL ? mlstmInputs(op, ops, qt, kt, vt, igate, fgate)
                : new DeviceTensor[]{ops.check(op, qt), ops.check(op, kt), ops.check(op, vt), ops.check(op, igate),
                        ops.check(op, fgate)};
        DeviceTensor q = in[0], k = in[1], v = in[2], ig = in[3], fg = in[4], dh = ops.check(op, dht);
        Shape shape = q.shape();
        Shape gates = requireMlstmOperands(op, shape, k.shape(), v.shape(), dh.shape(), ig.shape(), fg.shape(),
                numHeads);
        DeviceTensor dq = ops.allocate(shape), dk = ops.allocate(shape), dv = ops.allocate(shape);
        DeviceTensor di = ops.allocate(gates), df = ops.allocate(gates);
        int batch = shape.dim(0), len = shape.dim(1), width = shape.last();
        int headDim = width / numHeads;
        if (batch == 0 || len == 0) {
            return new MlstmGradients(dq, dk, dv, di, df);
        }
        if (headDim == 0) {
            // no features: the outputs are zero-sized and the gates get no gradient
            DeviceGradients.zero(ops, di);
            DeviceGradients.zero(ops, df);
            return new MlstmGradients(dq, dk, dv, di, df);
        }
        if (form != MlstmForm.PARALLEL) {
            return MlstmChunkwiseBackward.backward(ops, q, k, v, ig, fg, dh, numHeads, eps,
                    form == MlstmForm.RECURRENT ? 1 : chunkSize, dq, dk, dv, di, df);
        }
        return MlstmParallel.backward(ops, q, k, v, ig, fg, dh, numHeads, eps, dq, dk, dv, di, df);
    }
}
