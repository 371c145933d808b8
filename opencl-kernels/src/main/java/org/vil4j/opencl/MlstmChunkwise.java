package org.vil4j.opencl;

import org.vil4j.api.Shape;

import static org.vil4j.opencl.DeviceProgram.*;

/**
 * The mLSTM cell chunk by chunk on the device: inside a chunk of L tokens the parallel form (an L x L score block),
 * across chunks the carried state C [DH, DH] and n [DH] (kept as one [DH, DH+1] matrix) with its stabiliser m. Time
 * and memory grow linearly with the sequence (the parallel form's grow with its square), so 12,544 tokens take a
 * few MB of scratch instead of GBs. The same function as {@code Ops.mlstm}; see DeviceProgram's chunk ops for the
 * stabiliser algebra.
 *
 * <p>Passes: prep (per chunk: gate sums, running argmax), scan (per z: m between chunks), anchors (per row), keys
 * (keys weighted into the chunk's end state, n's increments), per head the increments' GEMM, the state scan, per head
 * the state read-out GEMM q C_{k-1}, per head the chunk scores GEMM, the row normalisers, per head the value GEMM.
 * A GEMM launch covers every batch and every whole chunk of one head; a shorter last chunk takes one more.
 */
final class MlstmChunkwise {
    private MlstmChunkwise() {
    }

    /**
     * What the forward leaves for the backward ({@link MlstmChunkwiseBackward}): the row table, m before each chunk,
     * the carried states,
     * the state read-out, the masked chunk scores, the normalisers and the keys' scratch [Z, S, DH]; chunks of
     * {@code l} tokens, {@code full} whole ones and a last one of {@code tail} tokens (0: none), {@code chunks} in all.
     */
    record Passes(DeviceTensor rows, DeviceTensor mPrev, DeviceTensor states, DeviceTensor readout, DeviceTensor scores,
                  DeviceTensor norm, DeviceTensor keys, int l, int full, int tail, int chunks) {
    }

    static DeviceTensor forward(OpenCLOps ops, DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor ig,
                                DeviceTensor fg, int numHeads, float eps, int chunk) {
        if (chunk < 1) {
            throw new IllegalArgumentException("mlstm: chunk size " + chunk + " must be at least 1");
        }
        int dh = DeviceMlstm.mlstmHeadDim(q, k, v, ig, fg, numHeads);
        Shape s = q.shape();
        // the output first, so that releasing the scratch above it leaves it in place
        DeviceTensor h = ops.allocate(s);
        if (s.dim(0) == 0 || s.dim(1) == 0 || dh == 0) {
            return h;
        }
        long mark = ops.mark();
        passes(ops, q, k, v, ig, fg, numHeads, eps, chunk, h);
        ops.release(mark);
        return h;
    }

    /**
     * The forward's passes, writing h (dense [B, S, NH*DH]) and leaving their scratch allocated (the caller
     * releases it). Needs B, S and DH above 0 and chunk at least 1.
     */
    static Passes passes(OpenCLOps ops, DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor ig,
                         DeviceTensor fg, int numHeads, float eps, int chunk, DeviceTensor h) {
        int dh = DeviceMlstm.mlstmHeadDim(q, k, v, ig, fg, numHeads);
        Shape s = q.shape();
        int batch = s.dim(0), len = s.dim(1), width = s.dim(2);
        // q, k, v rows lie `in` floats apart (column views of one tensor, or dense); h is dense
        int in = q.stride();
        int zs = batch * numHeads;
        int l = Math.min(chunk, len);
        int full = len / l;
        int tail = len - full * l;
        int chunks = full + (tail > 0 ? 1 : 0);
        int stateSize = dh * (dh + 1);
        DeviceTensor rows = ops.allocate(Shape.of(zs, len, 8));
        DeviceTensor mPrev = ops.allocate(Shape.of(zs, chunks));
        DeviceTensor keys = ops.allocate(Shape.of(zs, len, dh));
        DeviceTensor states = ops.allocate(Shape.of(zs, chunks, dh, dh + 1));
        DeviceTensor readout = ops.allocate(Shape.of(zs, len, dh + 1));
        DeviceTensor scores = ops.allocate(Shape.of(zs, chunks, l, l));
        DeviceTensor norm = ops.allocate(Shape.of(zs, len));
        float keyScale = (float) (1.0 / Math.sqrt(dh));
        DeviceProgram p = ops.program;

        ops.args(zs * chunks, len, numHeads, l, chunks, ig.offset(), fg.offset(), rows.offset(), ig.stride());
        ops.launch1D(OP_MLSTM_CHUNK_PREP, zs * chunks);
        ops.args(zs, len, 0, l, chunks, 0, 0, rows.offset(), mPrev.offset());
        ops.launch1D(OP_MLSTM_CHUNK_SCAN, zs);
        ops.args(zs * len, len, 0, l, chunks, 0, 0, rows.offset(), mPrev.offset());
        ops.launch1D(OP_MLSTM_CHUNK_ANCHORS, zs * len);
        ops.args(zs * chunks * dh, len, numHeads, l, chunks, dh, k.offset(), rows.offset(), keys.offset(),
                states.offset(), in);
        p.f0 = keyScale;
        ops.launch1D(OP_MLSTM_CHUNK_KEYS, zs * chunks * dh);

        int headRows = numHeads * len;
        for (int head = 0; head < numHeads; head++) {
            // the chunks' own increments of C: keys' weighted transposes times values
            for (int[] part : parts(0, full, l, tail)) {
                int kBase = part[0], count = part[1], rowsLen = part[2];
                ops.gemm(dh, dh, rowsLen,
                        keys.offset() + (head * len + kBase * l) * dh, 1, dh,
                        v.offset() + head * dh + kBase * l * in, in, 1,
                        states.offset() + (head * chunks + kBase) * stateSize, dh + 1,
                        count, headRows * dh, l * dh, len * in, l * in, numHeads * chunks * stateSize,
                        stateSize, EPI_STORE, 0, 0, 0, 1f, false, batch * count);
            }
        }
        ops.args(zs * stateSize, len, 0, l, chunks, stateSize, 0, rows.offset(), 0, states.offset());
        ops.launch1D(OP_MLSTM_CHUNK_STATES, zs * stateSize);

        for (int head = 0; head < numHeads; head++) {
            // rows of chunk k >= 1 read the state left by chunk k-1: q C_{k-1} and q . n_{k-1}
            for (int[] part : parts(1, full - 1, l, full >= 1 ? tail : 0)) {
                int kBase = part[0], count = part[1], rowsLen = part[2];
                ops.gemm(rowsLen, dh + 1, dh,
                        q.offset() + head * dh + kBase * l * in, in, 1,
                        states.offset() + (head * chunks + kBase - 1) * stateSize, dh + 1, 1,
                        readout.offset() + (head * len + kBase * l) * (dh + 1), dh + 1,
                        count, len * in, l * in, numHeads * chunks * stateSize, stateSize,
                        headRows * (dh + 1), l * (dh + 1), EPI_STORE, 0, 0, 0, 1f, false, batch * count);
            }
            // each chunk's masked, gate-weighted scores
            for (int[] part : parts(0, full, l, tail)) {
                int kBase = part[0], count = part[1], rowsLen = part[2];
                p.a23 = headRows;
                p.a24 = l;
                ops.gemm(rowsLen, rowsLen, dh,
                        q.offset() + head * dh + kBase * l * in, in, 1,
                        k.offset() + head * dh + kBase * l * in, 1, in,
                        scores.offset() + (head * chunks + kBase) * l * l, l,
                        count, len * in, l * in, len * in, l * in, numHeads * chunks * l * l, l * l,
                        EPI_MLSTM_CHUNK_SCORES, rows.offset() + (head * len + kBase * l) * 8, 0, 0, keyScale, false,
                        batch * count);
            }
        }
        ops.args(zs * len, len, 0, l, chunks, dh, 0, rows.offset(), scores.offset(), readout.offset(),
                norm.offset());
        p.f0 = eps;
        ops.launch1D(OP_MLSTM_CHUNK_NORM, zs * len);

        for (int head = 0; head < numHeads; head++) {
            for (int[] part : parts(0, full, l, tail)) {
                int kBase = part[0], count = part[1], rowsLen = part[2];
                int firstRow = head * len + kBase * l;
                p.a23 = headRows;
                p.a24 = l;
                ops.gemm(rowsLen, dh, rowsLen,
                        scores.offset() + (head * chunks + kBase) * l * l, l, 1,
                        v.offset() + head * dh + kBase * l * in, in, 1,
                        h.offset() + head * dh + kBase * l * width, width,
                        count, numHeads * chunks * l * l, l * l, len * in, l * in, len * width, l * width,
                        EPI_MLSTM_CHUNK_VALUES, rows.offset() + firstRow * 8, readout.offset() + firstRow * (dh + 1),
                        norm.offset() + firstRow, 1f, true, batch * count);
            }
        }
        return new Passes(rows, mPrev, states, readout, scores, norm, keys, l, full, tail, chunks);
    }

    /**
     * The GEMM launches over chunks from {@code first}: {@code whole} chunks of {@code l} rows in one launch, then
     * a last chunk of {@code tail} rows (each entry: first chunk, chunk count, rows a chunk).
     */
    static int[][] parts(int first, int whole, int l, int tail) {
        int[][] out = new int[2][];
        int n = 0;
        if (whole > 0) {
            out[n++] = new int[]{first, whole, l};
        }
        if (tail > 0) {
            out[n++] = new int[]{first + Math.max(whole, 0), 1, tail};
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
