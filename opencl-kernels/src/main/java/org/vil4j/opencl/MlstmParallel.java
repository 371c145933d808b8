package org.vil4j.opencl;

import org.vil4j.api.MlstmGradients;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import static org.vil4j.opencl.OperandChecks.sameShape;
import static org.vil4j.opencl.DeviceProgram.*;

/**
 * The mLSTM cell's parallel form on the device: the S x S stabilised score matrix per batch x head, built and
 * applied by GEMMs with mLSTM epilogues. The backward recomputes the forward's prefix and scores and runs the row pass
 * and the gate sums; larger batches go in chunks of samples.
 */
final class MlstmParallel {
    private MlstmParallel() {
    }

    static Tensor forward(OpenCLOps ops, Tensor qt, Tensor kt, Tensor vt, Tensor it, Tensor ft, int numHeads,
                          float eps) {
        DeviceTensor[] in = DeviceMlstm.mlstmInputs("mlstm", ops, qt, kt, vt, it, ft);
        DeviceTensor q = in[0], k = in[1], v = in[2], ig = in[3], fg = in[4];
        int dh = DeviceMlstm.mlstmHeadDim(q, k, v, ig, fg, numHeads);
        // q, k and v may be column views of one tensor (the fused projections' output): rows `rowStride` apart
        int rowStride = q.stride();
        Shape s = q.shape();
        int b = s.dim(0), len = s.dim(1), width = s.dim(2);
        int z = b * numHeads;
        // the output first, so that releasing the scratch above it leaves it in place (no copy)
        DeviceTensor h = ops.allocate(s);
        if (ops.fusesMlstm(s, numHeads)) {
            fused(ops, q, k, v, ig, fg, numHeads, eps, h, null, 0f);
            return h;
        }
        long mark = ops.mark();
        DeviceTensor fHi = ops.allocate(Shape.of(z, len));
        DeviceTensor fLo = ops.allocate(Shape.of(z, len));
        DeviceTensor m = ops.allocate(Shape.of(z, len));
        DeviceTensor argmax = ops.allocate(Shape.of(z, len));
        DeviceTensor scores = ops.allocate(Shape.of(z, len, len));
        DeviceTensor inputGates = ops.allocate(Shape.of(z, len));
        ops.args(z, len, numHeads, ig.offset(), fg.offset(), fHi.offset(), fLo.offset(), m.offset(), argmax.offset(),
                inputGates.offset(), ig.stride());
        ops.launch1D(OP_MLSTM_PREFIX, z);
        // scores[z][t][s] = (q_t . k_s) / sqrt(DH) * D[t][s]; the epilogue reads the input gates [Z, S] at a23
        ops.program.a23 = inputGates.offset();
        int seqStride = len * width;
        int inStride = len * rowStride;
        ops.gemm(len, len, dh, q.offset(), rowStride, 1, k.offset(), 1, rowStride, scores.offset(), len, numHeads,
                inStride, dh, inStride, dh, numHeads * len * len, len * len,
                EPI_MLSTM_SCORES, fHi.offset(), fLo.offset(), argmax.offset(), (float) (1.0 / Math.sqrt(dh)), false, z);
        // h_t = sum_s scores[t][s] v_s / norm_t, written head-major into [B, S, NH*DH]; the GEMM sums the score rows
        // for norm_t itself (one pass fewer than a row-norm pass)
        ops.program.f1 = eps;
        ops.gemm(len, dh, len, scores.offset(), len, 1, v.offset(), rowStride, 1, h.offset(), width, numHeads,
                numHeads * len * len, len * len, inStride, dh, seqStride, dh,
                EPI_MLSTM_VALUES_NORM, m.offset(), 0, 0, 1f, true, z);
        ops.release(mark);
        return h;
    }

    /**
     * The cell in one launch of its own program ({@link FusedMlstmProgram}) into {@code out}: h itself, or with
     * {@code norm} (normSkipGate's operand offsets, see {@link FusedMlstm#run}) the gated norm of h.
     */
    static void fused(OpenCLOps ops, DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor ig, DeviceTensor fg,
                      int numHeads, float eps, DeviceTensor out, int[] norm, float normEps) {
        Shape s = q.shape();
        int b = s.dim(0), len = s.dim(1), width = s.dim(2);
        long mark = ops.mark();
        DeviceTensor scratch = ops.allocate(Shape.of(ops.fusedMlstmGroups(), 4 * len));
        ops.fusedMlstm(b * numHeads, len, numHeads, width / numHeads, q.offset(), k.offset(), v.offset(), q.stride(),
                ig.offset(), fg.offset(), ig.stride(), out.offset(), out.stride(), scratch.offset(), eps, norm,
                normEps);
        ops.release(mark);
    }

    /**
     * normSkipGate(mlstm(q, k, v, ig, fg), DH, ...) in one fused launch where the device has it, else null (the
     * caller composes).
     */
    static Tensor forwardNormSkipGate(OpenCLOps ops, Tensor qt, Tensor kt, Tensor vt, Tensor it, Tensor ft,
                                      int numHeads, float eps, Tensor wt, boolean residualWeight, Tensor bt,
                                      float normEps, Tensor skipt, Tensor at, Tensor zt) {
        String op = "mlstmNormSkipGate";
        DeviceTensor[] in = DeviceMlstm.mlstmInputs(op, ops, qt, kt, vt, it, ft);
        DeviceTensor q = in[0];
        DeviceMlstm.mlstmHeadDim(q, in[1], in[2], in[3], in[4], numHeads);
        if (!ops.fusesMlstm(q.shape(), numHeads)) {
            return null;
        }
        Shape s = q.shape();
        int c = s.last();
        DeviceTensor skip = ops.check(op, skipt), a = ops.checkView(op, at), z = ops.checkView(op, zt);
        DeviceTensor w = wt == null ? null : ops.check(op, wt), bias = bt == null ? null : ops.check(op, bt);
        // normSkipGate's checks (DeviceLayerNorm): a and z of h's shape, skip, weight and bias of its width
        sameShape(op, q, a);
        sameShape(op, q, z);
        if (skip.size() != c || (w != null && w.size() != c) || (bias != null && bias.size() != c)) {
            throw new org.vil4j.api.ShapeMismatchException(op + ": h " + s + ", skip " + skip.shape()
                    + (w == null ? "" : ", weight " + w.shape()) + (bias == null ? "" : ", bias " + bias.shape())
                    + " do not fit");
        }
        DeviceTensor out = ops.allocate(s);
        fused(ops, q, in[1], in[2], in[3], in[4], numHeads, eps, out, new int[]{w == null ? -1 : w.offset(),
                residualWeight ? 1 : 0, bias == null ? -1 : bias.offset(), skip.offset(), a.offset(), a.stride(),
                z.offset(), z.stride()}, normEps);
        return out;
    }

    /**
     * The parallel form's gradients into dq, dk, dv, di, df (B, S and DH above 0): S x S scratch (P, G, L) for as many
     * samples at a time as {@code mlstmScratchFloats} and the arena allow.
     */
    static MlstmGradients backward(OpenCLOps ops, DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor ig,
                                   DeviceTensor fg, DeviceTensor dh, int numHeads, float eps, DeviceTensor dq,
                                   DeviceTensor dk, DeviceTensor dv, DeviceTensor di, DeviceTensor df) {
        Shape shape = q.shape();
        int batch = shape.dim(0), len = shape.dim(1), width = shape.last();
        int headDim = width / numHeads;
        // q, k, v (and the two gates) may be column views of one tensor each: rows `in` (`gs`) apart; dh and the
        // gradients are dense
        int in = q.stride(), gs = ig.stride();
        long perSample = 3L * numHeads * len * len;
        // the scratch shrinks to what the arena can still hold (its gate rows and alignment taken off), so memory
        // running short costs launches rather than failing the step
        long room = ops.maxArenaFloats - ops.workspace.topAfter(0) - 4L * batch * numHeads * (len + 64) - 8L * 64;
        int chunk = (int) Math.max(1, Math.min(batch, Math.min(ops.mlstmScratchFloats, room) / perSample));
        long mark = ops.mark();
        int zMax = chunk * numHeads;
        DeviceTensor fHi = ops.allocate(Shape.of(zMax, len)), fLo = ops.allocate(Shape.of(zMax, len));
        DeviceTensor m = ops.allocate(Shape.of(zMax, len)), argmax = ops.allocate(Shape.of(zMax, len));
        DeviceTensor p = ops.allocate(Shape.of(zMax, len, len)), g = ops.allocate(Shape.of(zMax, len, len));
        DeviceTensor l = ops.allocate(Shape.of(zMax, len, len));
        float keyScale = (float) (1.0 / Math.sqrt(headDim));
        int seqStride = len * width, inSeq = len * in;
        int matrix = len * len;
        for (int b0 = 0; b0 < batch; b0 += chunk) {
            int z = Math.min(chunk, batch - b0) * numHeads;
            int feat = b0 * seqStride, gate = b0 * len * numHeads;
            int qo = q.offset() + b0 * inSeq, ko = k.offset() + b0 * inSeq, vo = v.offset() + b0 * inSeq;
            int dho = dh.offset() + feat;
            int io = ig.offset() + b0 * len * gs, fo = fg.offset() + b0 * len * gs;
            // cumulative log forget gates (hi + lo), row maxima m_t and their first argmax, as in the forward
            ops.args(z, len, numHeads, io, fo, fHi.offset(), fLo.offset(), m.offset(), argmax.offset(), -1, gs);
            ops.launch1D(OP_MLSTM_PREFIX, z);
            // P[t][s] = q_t . k_s / sqrt(DH) and G[t][s] = dh_t . v_s for s <= t
            ops.gemm(len, len, headDim, qo, in, 1, ko, 1, in, p.offset(), len, numHeads, inSeq, headDim,
                    inSeq, headDim, numHeads * matrix, matrix, EPI_CAUSAL, 0, 0, 0, keyScale, false, z);
            ops.gemm(len, len, headDim, dho, width, 1, vo, 1, in, g.offset(), len, numHeads, seqStride, headDim,
                    inSeq, headDim, numHeads * matrix, matrix, EPI_CAUSAL, 0, 0, 0, 1f, false, z);
            // per row: P becomes dP / sqrt(DH), G becomes C / den, L the gradient of log D
            ops.args(z * len, len, numHeads, p.offset(), g.offset(), l.offset(), fHi.offset(), fLo.offset(),
                    m.offset(), argmax.offset(), io, gs);
            ops.program.f0 = eps;
            ops.program.f1 = keyScale;
            ops.launch1D(OP_MLSTM_BACKWARD_ROWS, z * len);
            // dq = dP k (dP is causal), dk = dP^T q, dv = (C / den)^T dh
            ops.gemm(len, headDim, len, p.offset(), len, 1, ko, in, 1, dq.offset() + feat, width, numHeads,
                    numHeads * matrix, matrix, inSeq, headDim, seqStride, headDim, EPI_STORE, 0, 0, 0, 1f,
                    true, z);
            // dP^T and (C / den)^T are zero left of their diagonals: each row tile's products start at its first row
            ops.gemm(len, headDim, len, p.offset(), 1, len, qo, in, 1, dk.offset() + feat, width, numHeads,
                    numHeads * matrix, matrix, inSeq, headDim, seqStride, headDim, EPI_STORE, 0, 0, 0, 1f,
                    A_UPPER, z);
            ops.gemm(len, headDim, len, g.offset(), 1, len, dho, width, 1, dv.offset() + feat, width, numHeads,
                    numHeads * matrix, matrix, seqStride, headDim, seqStride, headDim, EPI_STORE, 0, 0, 0, 1f,
                    A_UPPER, z);
            // digate_s = sum_{t>=s} dL[t,s]; dfgate_u = sigmoid(-f_u) sum_{t>=u} sum_{s<u} dL[t,s]
            ops.args(z * len, len, numHeads, l.offset(), di.offset() + gate, -1, gs);
            ops.launch1D(OP_MLSTM_GATE_GRADIENTS, z * len);
            ops.args(z * len, len, l.offset());
            ops.launch1D(OP_MLSTM_ROW_SCAN, z * len);
            ops.args(z * len, len, numHeads, l.offset(), df.offset() + gate, fo, gs);
            ops.launch1D(OP_MLSTM_GATE_GRADIENTS, z * len);
        }
        ops.release(mark);
        return new MlstmGradients(dq, dk, dv, di, df);
    }
}
