package org.vil4j.opencl;

import org.vil4j.api.MlstmGradients;
import org.vil4j.api.Shape;

import static org.vil4j.opencl.DeviceProgram.*;

/**
 * The mLSTM backward chunk by chunk on the device: the parallel backward's values (the derivative of {@code
 * parallel_stabilized_simple}, paths through m_t and the floor included) with memory and time linear in the
 * sequence (L x L per chunk, no S x S matrix). The algebra is the Java backend's {@code MlstmChunkwiseBackwardKernel}
 * (docs/DESIGN.md, issue 13): with w_t = dh_t / den_t, dC[t,s] = w_t . v_s + dn_t, so every causal sum is a
 * linear-attention sum.
 *
 * <p>Passes: the chunkwise forward again (h, the row table, the carried states, the chunk scores); per row w_t, dn_t,
 * the floor's and the row's part of dm_t, the reverse-state weight tau_t; the reverse states (weighted queries, their
 * increments' GEMM, a scan from the last chunk); dP = [w, dn] [v, 1]^T weighted by the chunk scores' epilogue; dq =
 * dP k + sigma [w, dn] C_{k-1}^T, dk = dP^T q + tau R [v, 1], dv = scores^T w + tau R^T k (the read-outs through
 * the chunk-values epilogue, as the forward adds its state); column sums k . dk; df's pairs s < u <= t summed
 * directly (row sums minus column sums cancel where forget gates are closed); the gates walking each sequence once.
 * Gate arithmetic is float, every exponent <= 0.
 */
final class MlstmChunkwiseBackward {
    private MlstmChunkwiseBackward() {
    }

    /**
     * Gradients into dq, dk, dv [B, S, NH*DH] and di, df [B, S, NH] (allocated by the caller below the scratch).
     * q, k, v, dh and the gates are dense; B, S and DH above 0.
     */
    static MlstmGradients backward(OpenCLOps ops, DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor ig,
                                   DeviceTensor fg, DeviceTensor dh, int numHeads, float eps, int chunk,
                                   DeviceTensor dq, DeviceTensor dk, DeviceTensor dv, DeviceTensor di,
                                   DeviceTensor df) {
        if (chunk < 1) {
            throw new IllegalArgumentException("mlstmBackward: chunk size " + chunk + " must be at least 1");
        }
        Shape s = q.shape();
        int batch = s.dim(0), len = s.dim(1), width = s.dim(2);
        int hd = width / numHeads;
        int zs = batch * numHeads;
        int aug = hd + 1;
        int e = hd * aug;
        float keyScale = (float) (1.0 / Math.sqrt(hd));
        DeviceProgram p = ops.program;
        long mark = ops.mark();
        DeviceTensor h = ops.allocate(s);
        MlstmChunkwise.Passes f = MlstmChunkwise.passes(ops, q, k, v, ig, fg, numHeads, eps, chunk, h);
        int l = f.l(), full = f.full(), tail = f.tail(), chunks = f.chunks();
        DeviceTensor w = ops.allocate(Shape.of(zs, len, aug));
        DeviceTensor va = ops.allocate(Shape.of(zs, len, aug));
        DeviceTensor back = ops.allocate(Shape.of(zs, len, 8));
        DeviceTensor ones = ops.allocate(Shape.of(zs, len));
        DeviceTensor dp = ops.allocate(Shape.of(zs, chunks, l, l));
        DeviceTensor rev = ops.allocate(Shape.of(zs, chunks, e));
        DeviceTensor readout = f.readout();
        DeviceTensor queries = f.keys();
        int rows = f.rows().offset();

        ops.args(zs * len, len, numHeads, l, chunks, hd, rows, f.scores().offset(), readout.offset(), h.offset(),
                dh.offset(), v.offset(), w.offset(), va.offset(), back.offset(), ones.offset());
        p.f0 = eps;
        p.f1 = keyScale;
        ops.launch1D(OP_MLSTM_BACK_ROWS, zs * len);
        ops.args(zs * len * hd, len, numHeads, l, 0, hd, rows, q.offset(), queries.offset());
        ops.launch1D(OP_MLSTM_BACK_QUERIES, zs * len * hd);
        // slot k - 1 gets chunk k's increment (weighted queries)^T [w, dn]; every z and chunk in one launch
        for (int[] part : MlstmChunkwise.parts(1, full - 1, l, full >= 1 ? tail : 0)) {
            int kBase = part[0], count = part[1], rowsLen = part[2];
            ops.gemm(hd, aug, rowsLen, queries.offset() + kBase * l * hd, 1, hd,
                    w.offset() + kBase * l * aug, aug, 1, rev.offset() + (kBase - 1) * e, aug,
                    count, len * hd, l * hd, len * aug, l * aug, chunks * e, e, EPI_STORE, 0, 0, 0, 1f, false,
                    zs * count);
        }
        ops.args(zs * e, len, 0, l, chunks, e, rows, rev.offset());
        ops.launch1D(OP_MLSTM_BACK_STATES, zs * e);
        // dP[t][s] = ([w_t, dn_t] . [v_s, 1]) exp(lambda(t, s)) / sqrt(DH), causal in each chunk
        for (int[] part : MlstmChunkwise.parts(0, full, l, tail)) {
            int kBase = part[0], count = part[1], rowsLen = part[2];
            p.a23 = len;
            p.a24 = l;
            ops.gemm(rowsLen, rowsLen, aug, w.offset() + kBase * l * aug, aug, 1,
                    va.offset() + kBase * l * aug, 1, aug, dp.offset() + kBase * l * l, l,
                    count, len * aug, l * aug, len * aug, l * aug, chunks * l * l, l * l,
                    EPI_MLSTM_CHUNK_SCORES, rows + kBase * l * 8, 0, 0, keyScale, false, zs * count);
        }
        // dq's state part: [w_t, dn_t] C_{k-1}^T (rows of chunk k >= 1), added with weight sigma_t below
        for (int[] part : MlstmChunkwise.parts(1, full - 1, l, full >= 1 ? tail : 0)) {
            int kBase = part[0], count = part[1], rowsLen = part[2];
            ops.gemm(rowsLen, hd, aug, w.offset() + kBase * l * aug, aug, 1,
                    f.states().offset() + (kBase - 1) * e, 1, aug, readout.offset() + kBase * l * aug, aug,
                    count, len * aug, l * aug, chunks * e, e, len * aug, l * aug, EPI_STORE, 0, 0, 0, 1f, false,
                    zs * count);
        }
        Heads heads = new Heads(ops, batch, numHeads, len, width, hd, chunks, f);
        heads.values(dp.offset(), l, 1, k.offset(), hd, width, len * width, l * width, dq.offset(), rows,
                readout.offset(), ones.offset(), true);
        // dv's later part: R_k^T k_s, per head (k is [B, S, NH*DH]), added with weight tau_s
        if (chunks > 1) {
            for (int head = 0; head < numHeads; head++) {
                ops.gemm(l, hd, hd, k.offset() + head * hd, width, 1, rev.offset() + head * chunks * e, aug, 1,
                        readout.offset() + head * len * aug, aug, chunks - 1, len * width, l * width,
                        numHeads * chunks * e, e, numHeads * len * aug, l * aug, EPI_STORE, 0, 0, 0, 1f, false,
                        batch * (chunks - 1));
            }
        }
        // dv = scores^T w + tau R^T k: the scores are C[t, s] of the chunk, w the rows of [Z, S, DH+1]
        heads.values(f.scores().offset(), 1, l, w.offset(), len * aug, aug, numHeads * len * aug, l * aug,
                dv.offset(), back.offset(), readout.offset(), ones.offset(), false);
        // dk's later part: R_k [v_s, 1] (every chunk but the last, all whole), added with weight tau_s
        if (chunks > 1) {
            ops.gemm(l, hd, aug, va.offset(), aug, 1, rev.offset(), 1, aug, readout.offset(), aug,
                    chunks - 1, len * aug, l * aug, chunks * e, e, len * aug, l * aug, EPI_STORE, 0, 0, 0, 1f,
                    false, zs * (chunks - 1));
        }
        heads.values(dp.offset(), 1, l, q.offset(), hd, width, len * width, l * width, dk.offset(),
                back.offset(), readout.offset(), ones.offset(), false);
        // column sums k . dk, and their later chunks' part from the read-out still there
        ops.args(zs * len, len, numHeads, 0, 0, hd, k.offset(), dk.offset(), back.offset(), readout.offset());
        ops.launch1D(OP_MLSTM_BACK_COLUMNS, zs * len);
        // df's pairs s < u <= t: dC = [w, dn] [v, 1]^T over dP's space, times C, prefix-summed along rows
        for (int[] part : MlstmChunkwise.parts(0, full, l, tail)) {
            int kBase = part[0], count = part[1], rowsLen = part[2];
            ops.gemm(rowsLen, rowsLen, aug, w.offset() + kBase * l * aug, aug, 1,
                    va.offset() + kBase * l * aug, 1, aug, dp.offset() + kBase * l * l, l,
                    count, len * aug, l * aug, len * aug, l * aug, chunks * l * l, l * l,
                    EPI_CAUSAL, 0, 0, 0, 1f, false, zs * count);
        }
        ops.args(zs * len, len, 0, l, chunks, 0, 0, f.scores().offset(), dp.offset());
        ops.launch1D(OP_MLSTM_BACK_PAIR_ROWS, zs * len);
        DeviceTensor cross = ops.allocate(Shape.of(zs, chunks));
        ops.args(zs * chunks, len, 0, l, chunks, e, rows, f.states().offset(), rev.offset(), f.mPrev().offset(),
                cross.offset());
        ops.launch1D(OP_MLSTM_BACK_CROSS, zs * chunks);
        ops.args(zs * len, len, 0, l, chunks, 0, back.offset(), 0, dp.offset(), cross.offset());
        ops.launch1D(OP_MLSTM_BACK_PAIRS, zs * len);
        // the parallel form's argmax of i - F per row: where each row's dm goes
        DeviceTensor fHi = ops.allocate(Shape.of(zs, len)), fLo = ops.allocate(Shape.of(zs, len));
        DeviceTensor m = ops.allocate(Shape.of(zs, len)), argmax = ops.allocate(Shape.of(zs, len));
        ops.args(zs, len, numHeads, ig.offset(), fg.offset(), fHi.offset(), fLo.offset(), m.offset(),
                argmax.offset(), -1, numHeads);
        ops.launch1D(OP_MLSTM_PREFIX, zs);
        ops.args(zs, len, numHeads, 0, 0, 0, back.offset(), argmax.offset(), fg.offset(), di.offset(), df.offset());
        ops.launch1D(OP_MLSTM_BACK_GATES, zs);
        ops.release(mark);
        return new MlstmGradients(dq, dk, dv, di, df);
    }

    /** The per-head GEMM launches over a chunk matrix, with the forward's chunking. */
    private record Heads(OpenCLOps ops, int batch, int numHeads, int len, int width, int hd, int chunks,
                         MlstmChunkwise.Passes f) {
        /**
         * out [B, S, NH*DH] = A B + weight_t * read-out_t (the chunk-values epilogue with norms 1): A the [Z, K, L, L]
         * chunk matrices read with strides (aRow, aK) ((1, L) for their transposes), B's rows from {@code b} (head
         * h at b + h * bHead, tokens bK apart, batches bOuter and chunks bInner apart); the row weight is column 6
         * of the 8-wide table {@code weights}, the read-out [Z, S, DH+1].
         */
        void values(int a, int aRow, int aK, int b, int bHead, int bK, int bOuter, int bInner, int out,
                    int weights, int readout, int ones, boolean causal) {
            int l = f.l();
            for (int head = 0; head < numHeads; head++) {
                for (int[] part : MlstmChunkwise.parts(0, f.full(), l, f.tail())) {
                    int kBase = part[0], count = part[1], rowsLen = part[2];
                    int firstRow = head * len + kBase * l;
                    ops.program.a23 = numHeads * len;
                    ops.program.a24 = l;
                    ops.gemm(rowsLen, hd, rowsLen, a + (head * chunks + kBase) * l * l, aRow, aK,
                            b + head * bHead + kBase * bInner, bK, 1, out + head * hd + kBase * l * width, width,
                            count, numHeads * chunks * l * l, l * l, bOuter, bInner, len * width, l * width,
                            EPI_MLSTM_CHUNK_VALUES, weights + firstRow * 8, readout + firstRow * (hd + 1),
                            ones + firstRow, 1f, causal, batch * count);
                }
            }
        }
    }
}
