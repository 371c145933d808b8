package org.vil4j.opencl;

import com.aparapi.Kernel;

/**
 * The whole device program: one Aparapi kernel whose {@code run()} dispatches on {@link #op} to one operation.
 *
 * <p>Why one kernel: Aparapi always builds the entry point {@code run}, and device buffers belong to one Kernel
 * instance (shared/docs/APARAPI.md). Tensors stay on the device only if every operation runs in the same instance,
 * reading and writing offsets into the same never-reassigned arena arrays. Scalar arguments travel in int/float
 * fields, which Aparapi passes as kernel arguments on every launch.
 *
 * <p>This class is written in Aparapi's kernel subset: no objects, no break/continue, no switch, no overloading.
 */
final class DeviceProgram extends Kernel {
    // Op codes. Compile-time constants: javac inlines them, so the kernel sees literals.
    static final int OP_COPY_IN = 1;
    static final int OP_COPY_OUT = 2;
    static final int OP_COPY_INDEX_IN = 3;
    static final int OP_GEMM = 4;
    static final int OP_HEADWISE = 5;
    static final int OP_LAYER_NORM = 6;
    static final int OP_ELEMENTWISE = 7;
    static final int OP_GATHER_TOKENS = 8;
    static final int OP_COPY_COLUMNS = 9;
    static final int OP_DEPTHWISE_CONV = 10;
    static final int OP_PATCHIFY = 11;
    static final int OP_TRANSPOSE = 12;
    static final int OP_MLSTM_PREFIX = 13;
    // 14: the mLSTM row normaliser, now the value GEMM's epilogue (EPI_MLSTM_VALUES_NORM)
    static final int OP_COPY = 15;
    // Backward and optimiser ops (dispatched by gradients()).
    static final int OP_REDUCE_COLUMNS = 16;
    static final int OP_GRAD_ELEMENTWISE = 17;
    static final int OP_LAYER_NORM_BACKWARD = 18;
    static final int OP_GATHER_SUM = 19;
    static final int OP_DEPTHWISE_BACKWARD_INPUT = 20;
    static final int OP_DEPTHWISE_WEIGHT_PARTIALS = 21;
    static final int OP_UNPATCHIFY = 22;
    static final int OP_MLSTM_BACKWARD_ROWS = 23;
    static final int OP_MLSTM_ROW_SCAN = 24;
    static final int OP_MLSTM_GATE_GRADIENTS = 25;
    static final int OP_OPTIMISER = 26;
    static final int OP_LINEAR_ROWS = 27;
    static final int OP_CONCAT = 28;
    // The chunkwise mLSTM (op codes 30-35).
    static final int OP_MLSTM_CHUNK_PREP = 30;
    static final int OP_MLSTM_CHUNK_SCAN = 31;
    static final int OP_MLSTM_CHUNK_ANCHORS = 32;
    static final int OP_MLSTM_CHUNK_KEYS = 33;
    static final int OP_MLSTM_CHUNK_STATES = 34;
    static final int OP_MLSTM_CHUNK_NORM = 35;
    static final int OP_HEADWISE_CONCAT = 36;
    static final int OP_HEADWISE_GATES = 37;
    // Transformer ops (40-59; dispatched by transformerOps()).
    static final int OP_TRANSFORMER_ELEMENTWISE = 40;
    static final int OP_ATTENTION_ROWS = 41;
    static final int OP_ATTENTION_STATS = 42;
    static final int OP_ATTENTION_DQ = 43;
    static final int OP_ATTENTION_DKV = 44;
    // The chunkwise mLSTM backward (60-69; dispatched by mlstmChunkBackward()).
    static final int OP_MLSTM_BACK_ROWS = 60;
    static final int OP_MLSTM_BACK_QUERIES = 61;
    static final int OP_MLSTM_BACK_STATES = 62;
    static final int OP_MLSTM_BACK_COLUMNS = 63;
    static final int OP_MLSTM_BACK_GATES = 64;
    static final int OP_MLSTM_BACK_PAIR_ROWS = 65;
    static final int OP_MLSTM_BACK_PAIRS = 66;
    static final int OP_MLSTM_BACK_CROSS = 67;
    static final int OP_MLSTM_BACK_LAST = 69;

    // Transformer element-wise modes.
    static final int TW_GELU = 0;
    static final int TW_GELU_BACKWARD = 1;
    static final int TW_SCALE_CHANNELS = 2;

    // Backward element-wise modes.
    static final int GW_SILU = 0;
    static final int GW_SKIP_GATE = 1;
    static final int GW_SCALE_SAMPLES = 2;
    static final int GW_PLACE_COLUMNS = 3;

    // Optimiser modes.
    static final int OPT_ADAMW = 0;
    static final int OPT_SGD = 1;
    static final int OPT_MOVING_AVERAGE = 2;
    /** AdamW over many tensors: a table of (param, grad, m, v, first element) per tensor in the int arena. */
    static final int OPT_ADAMW_MULTI = 3;

    // Element-wise modes.
    static final int EW_ADD = 0;
    static final int EW_MUL = 1;
    static final int EW_SCALE = 2;
    static final int EW_SILU = 3;
    static final int EW_SKIP_GATE = 4;

    // GEMM epilogues.
    static final int EPI_STORE = 0;
    static final int EPI_BIAS = 1;
    static final int EPI_MLSTM_SCORES = 2;
    // 3: the mLSTM value division by a stored normaliser, replaced by EPI_MLSTM_VALUES_NORM
    /** Store C[i][j] for j <= i and 0 above the diagonal (tiles entirely above it are skipped). */
    static final int EPI_CAUSAL = 4;
    /** Chunk scores: C[t][s] * exp(lambda(t, s)) for s <= t; a19 = R at the launch's first row, a23/a24 = rows
     *  between batches (outer) and chunks (inner). */
    static final int EPI_MLSTM_CHUNK_SCORES = 5;
    /** Chunk outputs: (C + sigma_t * readout[t][j]) / norm_t; a19 = R, a20 = read-out, a21 = norm, as above. */
    static final int EPI_MLSTM_CHUNK_VALUES = 6;
    /**
     * x W^T (+ bias a19, or -1) + residual (a20, dense [M, N]): a block's down-projection and residual add. With a
     * row index table at a21 (else -1), row (b, t) of the product goes to row (b, index[t]) of the residual and of C
     * (a23 = product rows a batch, a24 = residual rows a batch; -1 entries are dropped): C may be the residual itself.
     */
    static final int EPI_LINEAR_RESIDUAL = 7;
    /**
     * The mLSTM's h = (C v) / norm with the normaliser taken from A's own rows (A = the masked scores): norm_t =
     * max(|sum_s C[t,s]|, exp(-m_t)) + eps, a19 = m per (z, row), f1 = eps. One pass instead of a row-norm pass and
     * a value GEMM.
     */
    static final int EPI_MLSTM_VALUES_NORM = 8;

    /** GEMM tile: 16x16 work-items, each computing 4x4 outputs of a 64x64 block; K advances by 16. */
    static final int TILE = 64;
    static final int GROUP = 16;
    static final int KSTEP = 16;
    /**
     * Every launch runs over one fixed range: work-groups of WORK_GROUP work-items (the GEMM's 16 x 16), as many
     * groups as fill the device; each op loops over its elements (grid-stride), GEMM tiles and reduced columns by
     * group. So consecutive ops can run as passes of one execute.
     */
    static final int WORK_GROUP = GROUP * GROUP;
    /** Work-items that share one row in the row-wise ops (layer norm, skinny linear): a group holds 8 such rows. */
    static final int ROW_LANES = 32;
    /** Gate outputs the q|k|v + gates pass sums at once (two trees of four); more go the unfused way. */
    static final int GATE_OUTPUTS = 8;
    /** Ints of one recorded command: the op code and a0..a25. */
    static final int CMD_INTS = 27;
    /** Floats of one recorded command: f0..f6. */
    static final int CMD_FLOATS = 7;

    /** Float arena: parameters at the bottom, the workspace stack above. Never reassigned except to grow. */
    float[] mem;
    /** Int arena: index tables. */
    int[] index;
    /** Staging arrays for host transfers: exactly the size of one transfer, so only that many bytes move. */
    float[] stageIn;
    float[] stageOut;
    int[] stageIndex;

    /**
     * Recorded commands, one per pass of a launch: op code and int arguments ({@link #CMD_INTS} each), float
     * arguments ({@link #CMD_FLOATS} each). Each work-item copies its pass's command into the fields below.
     */
    int[] commands;
    float[] commandFloats;

    // The current command: written only by run() from the command arrays (Aparapi's PUTFIELD switch; the
    // generated code keeps these in each work-item's private copy of the kernel struct).
    int op;
    int a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24, a25;
    float f0, f1, f2, f3, f4, f5, f6;

    @Local final float[] tileA = new float[KSTEP * TILE];
    @Local final float[] tileB = new float[KSTEP * TILE];

    DeviceProgram(int memFloats, int indexInts, int commandCapacity) {
        commands = new int[commandCapacity * CMD_INTS];
        commandFloats = new float[commandCapacity * CMD_FLOATS];
        mem = new float[memFloats];
        index = new int[indexInts];
        stageIn = new float[1];
        stageOut = new float[1];
        stageIndex = new int[1];
    }

    @Override
    public void run() {
        int c = getPassId() * CMD_INTS;
        op = commands[c];
        a0 = commands[c + 1]; a1 = commands[c + 2]; a2 = commands[c + 3]; a3 = commands[c + 4];
        a4 = commands[c + 5]; a5 = commands[c + 6]; a6 = commands[c + 7]; a7 = commands[c + 8];
        a8 = commands[c + 9]; a9 = commands[c + 10]; a10 = commands[c + 11]; a11 = commands[c + 12];
        a12 = commands[c + 13]; a13 = commands[c + 14]; a14 = commands[c + 15]; a15 = commands[c + 16];
        a16 = commands[c + 17]; a17 = commands[c + 18]; a18 = commands[c + 19]; a19 = commands[c + 20];
        a20 = commands[c + 21]; a21 = commands[c + 22]; a22 = commands[c + 23]; a23 = commands[c + 24];
        a24 = commands[c + 25]; a25 = commands[c + 26];
        int cf = getPassId() * CMD_FLOATS;
        f0 = commandFloats[cf]; f1 = commandFloats[cf + 1]; f2 = commandFloats[cf + 2];
        f3 = commandFloats[cf + 3]; f4 = commandFloats[cf + 4]; f5 = commandFloats[cf + 5];
        f6 = commandFloats[cf + 6];
        dispatch();
    }

    private void dispatch() {
        if (op == OP_GEMM) {
            gemm();
        } else if (op == OP_ELEMENTWISE) {
            elementwise();
        } else if (op == OP_LAYER_NORM) {
            layerNorm();
        } else if (op == OP_HEADWISE) {
            headwise();
        } else if (op == OP_GATHER_TOKENS) {
            gatherTokens();
        } else if (op == OP_COPY_COLUMNS) {
            copyColumns();
        } else if (op == OP_DEPTHWISE_CONV) {
            depthwiseConv();
        } else if (op == OP_MLSTM_PREFIX) {
            mlstmPrefix();
        } else if (op == OP_PATCHIFY) {
            patchify();
        } else if (op == OP_TRANSPOSE) {
            transpose();
        } else if (op == OP_COPY) {
            copy();
        } else if (op == OP_COPY_IN) {
            copyIn();
        } else if (op == OP_COPY_OUT) {
            copyOut();
        } else if (op == OP_COPY_INDEX_IN) {
            copyIndexIn();
        } else if (op == OP_LINEAR_ROWS) {
            linearRows();
        } else if (op == OP_CONCAT) {
            concat();
        } else if (op >= OP_MLSTM_CHUNK_PREP && op <= OP_MLSTM_CHUNK_NORM) {
            mlstmChunks();
        } else if (op == OP_HEADWISE_CONCAT) {
            headwiseConcat();
        } else if (op == OP_HEADWISE_GATES) {
            headwiseGates();
        } else if (op >= OP_MLSTM_BACK_ROWS && op <= OP_MLSTM_BACK_LAST) {
            mlstmChunkBackward();
        } else if (op >= OP_TRANSFORMER_ELEMENTWISE) {
            transformerOps();
        } else if (op >= OP_REDUCE_COLUMNS) {
            gradients();
        }
    }

    /** The backward passes and optimiser updates (op codes from OP_REDUCE_COLUMNS on). */
    private void gradients() {
        if (op == OP_REDUCE_COLUMNS) {
            reduceColumns();
        } else if (op == OP_GRAD_ELEMENTWISE) {
            gradElementwise();
        } else if (op == OP_LAYER_NORM_BACKWARD) {
            layerNormBackward();
        } else if (op == OP_GATHER_SUM) {
            gatherSum();
        } else if (op == OP_DEPTHWISE_BACKWARD_INPUT) {
            depthwiseBackwardInput();
        } else if (op == OP_DEPTHWISE_WEIGHT_PARTIALS) {
            depthwiseWeightPartials();
        } else if (op == OP_UNPATCHIFY) {
            unpatchify();
        } else if (op == OP_MLSTM_BACKWARD_ROWS) {
            mlstmBackwardRows();
        } else if (op == OP_MLSTM_ROW_SCAN) {
            mlstmRowScan();
        } else if (op == OP_MLSTM_GATE_GRADIENTS) {
            mlstmGateGradients();
        } else if (op == OP_OPTIMISER) {
            optimiser();
        }
    }

    // ---- transfers: a0 = n, a1 = arena offset ----------------------------------------------------------------

    private void copyIn() {
        for (int i = getGlobalId(0); i < a0; i += getGlobalSize(0)) {
            mem[a1 + i] = stageIn[i];
        }
    }

    private void copyOut() {
        for (int i = getGlobalId(0); i < a0; i += getGlobalSize(0)) {
            stageOut[i] = mem[a1 + i];
        }
    }

    private void copyIndexIn() {
        for (int i = getGlobalId(0); i < a0; i += getGlobalSize(0)) {
            index[a1 + i] = stageIndex[i];
        }
    }

    /** a0 = n, a1 = source offset, a2 = destination offset (ranges must not overlap). */
    private void copy() {
        int g = getGlobalSize(0);
        for (int i0 = getGlobalId(0); i0 < a0; i0 += 4 * g) {
            int i1 = min(i0 + g, a0 - 1);
            int i2 = min(i0 + 2 * g, a0 - 1);
            int i3 = min(i0 + 3 * g, a0 - 1);
            float v0 = mem[a1 + i0];
            float v1 = mem[a1 + i1];
            float v2 = mem[a1 + i2];
            float v3 = mem[a1 + i3];
            mem[a2 + i0] = v0;
            if (i0 + g < a0) {
                mem[a2 + i1] = v1;
            }
            if (i0 + 2 * g < a0) {
                mem[a2 + i2] = v2;
            }
            if (i0 + 3 * g < a0) {
                mem[a2 + i3] = v3;
            }
        }
    }

    // ---- batched GEMM with strides and fused epilogues ------------------------------------------------------

    /**
     * C[z][i][j] = epilogue(f0 * sum_k A[z][i][k] * B[z][k][j]).
     * a0 = M (rows i), a1 = N (cols j), a2 = K,
     * a3 = A offset, a4 = A row stride, a5 = A k stride,
     * a6 = B offset, a7 = B k stride, a8 = B col stride,
     * a9 = C offset, a10 = C row stride,
     * a11 = inner batch count (z = outer * a11 + inner),
     * a12/a13 = A outer/inner batch strides, a14/a15 = B's, a16/a17 = C's,
     * a18 = epilogue, a19/a20/a21 = epilogue operands, a22 = 1 when A is causal (A[i][k] = 0 for k > i),
     * a25 = batches. A work-group (16 x 16 work-items) takes tiles t = group, group + groups, ...
     */
    private void gemm() {
        int lid = getLocalId(0);
        int ty = lid / GROUP;
        int tx = lid - ty * GROUP;
        int tilesN = (a1 + TILE - 1) / TILE;
        int perBatch = tilesN * ((a0 + TILE - 1) / TILE);
        for (int t = getGroupId(0); t < perBatch * a25; t += getNumGroups(0)) {
            gemmTile(t, perBatch, tilesN, tx, ty, lid);
        }
    }

    /** One 64x64 output tile t (batch-major, then tile rows, then tile columns) of the GEMM. */
    private void gemmTile(int t, int perBatch, int tilesN, int tx, int ty, int lid) {
        int z = t / perBatch;
        int r = t - z * perBatch;
        int tm = r / tilesN;
        int j0 = (r - tm * tilesN) * TILE;
        int i0 = tm * TILE;
        int outer = z / a11;
        int inner = z - outer * a11;
        int aBase = a3 + outer * a12 + inner * a13;
        int bBase = a6 + outer * a14 + inner * a15;
        int cBase = a9 + outer * a16 + inner * a17;
        int m = a0;
        int n = a1;
        int kEnd = a2;
        if (a22 == 1) {
            // a causal A has only zeros right of the diagonal: this tile's rows need k < i0 + TILE
            kEnd = min(a2, i0 + TILE);
        }
        boolean skip = (a18 == EPI_MLSTM_SCORES || a18 == EPI_CAUSAL || a18 == EPI_MLSTM_CHUNK_SCORES)
                && j0 > i0 + TILE - 1;
        if (skip) {
            kEnd = 0;
        }

        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
        float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
        float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;

        for (int k0 = 0; k0 < kEnd; k0 += KSTEP) {
            for (int e = 0; e < KSTEP * TILE / WORK_GROUP; e++) {
                int l = lid + e * GROUP * GROUP;
                // map consecutive work-items to consecutive addresses of whichever stride is 1
                int kk = l / TILE;
                int rr = l - kk * TILE;
                if (a5 == 1) {
                    rr = l / KSTEP;
                    kk = l - rr * KSTEP;
                }
                int gi = i0 + rr;
                int gk = k0 + kk;
                float va = 0f;
                if (gi < m && gk < a2) {
                    va = mem[aBase + gi * a4 + gk * a5];
                }
                tileA[kk * TILE + rr] = va;

                int kb = l / TILE;
                int cc = l - kb * TILE;
                if (a7 == 1) {
                    cc = l / KSTEP;
                    kb = l - cc * KSTEP;
                }
                int gj = j0 + cc;
                int gkb = k0 + kb;
                float vb = 0f;
                if (gj < n && gkb < a2) {
                    vb = mem[bBase + gkb * a7 + gj * a8];
                }
                tileB[kb * TILE + cc] = vb;
            }
            localBarrier();
            for (int kk = 0; kk < KSTEP; kk++) {
                int ra = kk * TILE + ty;
                float x0 = tileA[ra];
                float x1 = tileA[ra + 16];
                float x2 = tileA[ra + 32];
                float x3 = tileA[ra + 48];
                int rb = kk * TILE + tx;
                float y0 = tileB[rb];
                float y1 = tileB[rb + 16];
                float y2 = tileB[rb + 32];
                float y3 = tileB[rb + 48];
                c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
                c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
                c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
                c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
            }
            localBarrier();
        }
        int ia = i0 + ty;
        int jb = j0 + tx;
        if (a18 == EPI_MLSTM_VALUES_NORM) {
            float n0 = rowNormaliser(aBase, z, ia, tx, lid);
            float n1 = rowNormaliser(aBase, z, ia + 16, tx, lid);
            float n2 = rowNormaliser(aBase, z, ia + 32, tx, lid);
            float n3 = rowNormaliser(aBase, z, ia + 48, tx, lid);
            c00 = c00 / n0; c01 = c01 / n0; c02 = c02 / n0; c03 = c03 / n0;
            c10 = c10 / n1; c11 = c11 / n1; c12 = c12 / n1; c13 = c13 / n1;
            c20 = c20 / n2; c21 = c21 / n2; c22 = c22 / n2; c23 = c23 / n2;
            c30 = c30 / n3; c31 = c31 / n3; c32 = c32 / n3; c33 = c33 / n3;
        }
        store(cBase, z, ia, jb, c00); store(cBase, z, ia, jb + 16, c01); store(cBase, z, ia, jb + 32, c02); store(cBase, z, ia, jb + 48, c03);
        store(cBase, z, ia + 16, jb, c10); store(cBase, z, ia + 16, jb + 16, c11); store(cBase, z, ia + 16, jb + 32, c12); store(cBase, z, ia + 16, jb + 48, c13);
        store(cBase, z, ia + 32, jb, c20); store(cBase, z, ia + 32, jb + 16, c21); store(cBase, z, ia + 32, jb + 32, c22); store(cBase, z, ia + 32, jb + 48, c23);
        store(cBase, z, ia + 48, jb, c30); store(cBase, z, ia + 48, jb + 16, c31); store(cBase, z, ia + 48, jb + 32, c32); store(cBase, z, ia + 48, jb + 48, c33);
    }

    /**
     * max(|sum_{s <= i} A[i][s]|, exp(-m_i)) + eps for row i of this tile's A: the 16 work-items of a tile row sum a
     * strided share each and meet in tileA (free after the K loop's last barrier). Every work-item of the group
     * calls it (it has barriers); rows past the end give 1.
     */
    private float rowNormaliser(int aBase, int z, int i, int tx, int lid) {
        float part = 0f;
        if (i < a0) {
            int end = min(i + 1, a2);
            for (int s = tx; s < end; s += GROUP) {
                part += mem[aBase + i * a4 + s * a5];
            }
        }
        tileA[lid] = part;
        localBarrier();
        int first = lid - tx;
        float sum = 0f;
        for (int u = 0; u < GROUP; u++) {
            sum += tileA[first + u];
        }
        localBarrier();
        float norm = 1f;
        if (i < a0) {
            norm = max(abs(sum), exp(-mem[a19 + z * a0 + i])) + f1;
        }
        return norm;
    }

    private void store(int cBase, int z, int i, int j, float acc) {
        if (i < a0 && j < a1) {
            float v = f0 * acc;
            int dest = i;
            if (a18 == EPI_BIAS) {
                v = v + mem[a19 + j];
            } else if (a18 == EPI_MLSTM_SCORES) {
                // log D[t,s] - m_t = (i_s - i_r) - (F_s - F_r), r = argmax of i - F up to t; F kept as hi + lo
                // floats so the difference stays exact where the cumulative sums are large (S = a0 = a1)
                if (j <= i) {
                    int row = z * a0;
                    int r = (int) mem[a21 + row + i];
                    float is = mem[a23 + row + j];
                    float ir = mem[a23 + row + r];
                    float df = (mem[a19 + row + j] - mem[a19 + row + r]) + (mem[a20 + row + j] - mem[a20 + row + r]);
                    v = v * exp((is - ir) - df);
                } else {
                    v = 0f;
                }
            } else if (a18 == EPI_MLSTM_CHUNK_SCORES) {
                if (j <= i) {
                    int outer = z / a11;
                    int first = outer * a23 + (z - outer * a11) * a24;
                    v = v * exp(chunkLogWeight(a19 + (first + i) * 8, a19 + (first + j) * 8));
                } else {
                    v = 0f;
                }
            } else if (a18 == EPI_MLSTM_CHUNK_VALUES) {
                int outer = z / a11;
                int row = outer * a23 + (z - outer * a11) * a24 + i;
                float sigma = mem[a19 + row * 8 + 6];
                if (sigma != 0f) {
                    v = v + sigma * mem[a20 + row * (a1 + 1) + j];
                }
                v = v / mem[a21 + row];
            } else if (a18 == EPI_LINEAR_RESIDUAL) {
                if (a19 >= 0) {
                    v = v + mem[a19 + j];
                }
                if (a21 >= 0) {
                    // row i (batch b, token t) belongs to residual row (b, index[t]), which C shares
                    int b = i / a23;
                    int picked = index[a21 + i - b * a23];
                    dest = -1;
                    if (picked >= 0) {
                        dest = b * a24 + picked;
                        v = v + mem[a20 + dest * a1 + j];
                    }
                } else {
                    v = v + mem[a20 + i * a1 + j];
                }
            } else if (a18 == EPI_CAUSAL) {
                if (j > i) {
                    v = 0f;
                }
            }
            if (dest >= 0) {
                mem[cBase + dest * a10 + j] = v;
            }
        }
    }

    // ---- block-diagonal projection ---------------------------------------------------------------------------

    /** a0 = rows*NH*D, a1 = NH, a2 = D, a3 = x, a4 = w [NH,D,D], a5 = bias or -1, a6 = out, a7 = x row stride. */
    private void headwise() {
        int g = getGlobalSize(0);
        for (int i0 = getGlobalId(0); i0 < a0; i0 += 4 * g) {
            int i1 = min(i0 + g, a0 - 1);
            int i2 = min(i0 + 2 * g, a0 - 1);
            int i3 = min(i0 + 3 * g, a0 - 1);
            float r0 = headwiseAt(i0);
            float r1 = headwiseAt(i1);
            float r2 = headwiseAt(i2);
            float r3 = headwiseAt(i3);
            mem[a6 + i0] = r0;
            if (i0 + g < a0) {
                mem[a6 + i1] = r1;
            }
            if (i0 + 2 * g < a0) {
                mem[a6 + i2] = r2;
            }
            if (i0 + 3 * g < a0) {
                mem[a6 + i3] = r3;
            }
        }
    }

    /**
     * Several block-diagonal projections written side by side (q, k and v of a sub-block in one pass): a0 = rows *
     * parts * W, a1 = NH, a2 = D (W = NH*D), a3 = parts (1..3), a4 = out; part p reads x at a5 + 4p (row stride at
     * a6 + 4p), w [NH, D, D] at a7 + 4p, bias at a8 + 4p (or -1).
     */
    private void headwiseConcat() {
        int width = a1 * a2;
        int outWidth = a3 * width;
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int row = gid / outWidth;
            int col = gid - row * outWidth;
            int part = col / width;
            int cc = col - part * width;
            int x = a5;
            int stride = a6;
            int w = a7;
            int bias = a8;
            if (part == 1) {
                x = a9;
                stride = a10;
                w = a11;
                bias = a12;
            } else if (part == 2) {
                x = a13;
                stride = a14;
                w = a15;
                bias = a16;
            }
            int h = cc / a2;
            int o = cc - h * a2;
            int xb = x + row * stride + h * a2;
            int wb = w + (h * a2 + o) * a2;
            float acc = 0f;
            for (int d = 0; d < a2; d++) {
                acc += mem[xb + d] * mem[wb + d];
            }
            if (bias >= 0) {
                acc += mem[bias + cc];
            }
            mem[a4 + gid] = acc;
        }
    }

    private float headwiseAt(int gid) {
        float acc = 0f;
        int width = a1 * a2;
        int row = gid / width;
        int col = gid - row * width;
        int h = col / a2;
        int o = col - h * a2;
        int xb = a3 + row * a7 + h * a2;
        int wb = a4 + (h * a2 + o) * a2;
        for (int d = 0; d < a2; d++) {
            acc += mem[xb + d] * mem[wb + d];
        }
        if (a5 >= 0) {
            acc += mem[a5 + col];
        }
        return acc;
    }

    // ---- normalisation ----------------------------------------------------------------------------------------

    /**
     * A segment of ROW_LANES work-items per (row, group), reading the row coalesced: a0 = rows*groups, a1 = group
     * size, a2 = row width, a3 = x, a4 = out, a5 = weight or -1, a6 = 1 for a residual weight (scale 1 + w),
     * a7 = bias or -1, f0 = eps; a8 = a row index table or -1 (then output row (b, t) is input row (b, index[t]):
     * gatherTokens fused in, a9 = output rows a batch, a10 = input rows a batch); a11 = skip [C] or -1 (then the
     * mLSTM's skip gate follows: a12 = a, dense, a13 = z, rows a14 apart). Mean, then the variance of the
     * deviations (two passes, as the reference).
     */
    private void layerNorm() {
        int lid = getLocalId(0);
        int segment = lid / ROW_LANES;
        int lane = lid - segment * ROW_LANES;
        int perGroup = WORK_GROUP / ROW_LANES;
        int groups = a2 / a1;
        for (int first = getGroupId(0) * perGroup; first < a0; first += getNumGroups(0) * perGroup) {
            int item = min(first + segment, a0 - 1);
            boolean active = first + segment < a0;
            int row = item / groups;
            int g = item - row * groups;
            int source = row;
            if (a8 >= 0) {
                // gathered: output row (b, t) normalises input row (b, index[t]); -1 gives a row of zeros
                int b = row / a9;
                int picked = index[a8 + row - b * a9];
                source = b * a10 + max(picked, 0);
                if (picked < 0) {
                    active = false;
                    if (first + segment < a0) {
                        for (int e = lane; e < a1; e += ROW_LANES) {
                            mem[a4 + row * a2 + g * a1 + e] = 0f;
                        }
                    }
                }
            }
            int base = a3 + source * a2 + g * a1;
            float sum = 0f;
            for (int e = lane; e < a1; e += ROW_LANES) {
                sum += mem[base + e];
            }
            float mean = segmentSum(lid, lane, sum) / a1;
            float squares = 0f;
            for (int e = lane; e < a1; e += ROW_LANES) {
                float d = mem[base + e] - mean;
                squares += d * d;
            }
            float inv = 1f / sqrt(segmentSum(lid, lane, squares) / a1 + f0);
            if (active) {
                int outBase = a4 + row * a2 + g * a1;
                for (int e = lane; e < a1; e += ROW_LANES) {
                    int c = g * a1 + e;
                    float y = (mem[base + e] - mean) * inv;
                    if (a5 >= 0) {
                        float w = mem[a5 + c];
                        if (a6 == 1) {
                            w = w + 1f;
                        }
                        y = y * w;
                    }
                    if (a7 >= 0) {
                        y = y + mem[a7 + c];
                    }
                    if (a11 >= 0) {
                        // the mLSTM's skip gate: (y + skip[c] * a) * silu(z), z rows a14 apart
                        float zz = mem[a13 + row * a14 + c];
                        y = (y + mem[a11 + c] * mem[a12 + row * a2 + c]) * (zz / (1f + exp(-zz)));
                    }
                    mem[outBase + e] = y;
                }
            }
        }
    }

    /**
     * out[r, j] = sum_k x[r, k] * w[j, k] (+ b[j]) for few outputs per row (j < a1), a segment of ROW_LANES
     * work-items per row reading it coalesced: a0 = rows, a1 = outputs, a2 = K, a3 = x, a4 = w [outputs, K],
     * a5 = bias or -1, a6 = out; outputs from a7 on come from a second weight a8 [a1 - a7, K] and bias a9 (or -1),
     * so two gates' linears are one op. A 64x64 GEMM tile would compute 16x too much for the mLSTM's 4 gates.
     */
    private void linearRows() {
        int lid = getLocalId(0);
        int segment = lid / ROW_LANES;
        int lane = lid - segment * ROW_LANES;
        int perGroup = WORK_GROUP / ROW_LANES;
        for (int first = getGroupId(0) * perGroup; first < a0; first += getNumGroups(0) * perGroup) {
            int row = min(first + segment, a0 - 1);
            int xBase = a3 + row * a2;
            // four outputs a pass over the row and one tree for their four sums: one output a pass re-read the row
            // and waited at a tree's barriers once per output
            for (int j0 = 0; j0 < a1; j0 += 4) {
                int w0 = linearRowsWeight(j0);
                int w1 = linearRowsWeight(min(j0 + 1, a1 - 1));
                int w2 = linearRowsWeight(min(j0 + 2, a1 - 1));
                int w3 = linearRowsWeight(min(j0 + 3, a1 - 1));
                float acc0 = 0f;
                float acc1 = 0f;
                float acc2 = 0f;
                float acc3 = 0f;
                for (int k = lane; k < a2; k += ROW_LANES) {
                    float x = mem[xBase + k];
                    acc0 += x * mem[w0 + k];
                    acc1 += x * mem[w1 + k];
                    acc2 += x * mem[w2 + k];
                    acc3 += x * mem[w3 + k];
                }
                segmentSums4(lid, lane, acc0, acc1, acc2, acc3);
                if (lane < 4 && j0 + lane < a1 && first + segment < a0) {
                    int j = j0 + lane;
                    float total = tileA[lane * WORK_GROUP + lid - lane];
                    if (j < a7 && a5 >= 0) {
                        total = total + mem[a5 + j];
                    } else if (j >= a7 && a9 >= 0) {
                        total = total + mem[a9 + j - a7];
                    }
                    mem[a6 + row * a1 + j] = total;
                }
                // tileA is written again by the next sums
                localBarrier();
            }
        }
    }

    /**
     * q|k|v and the gates over them, a segment of ROW_LANES work-items per row: a0 = rows, a1 = blocks, a2 = block
     * size (W = a1 * a2 columns a part, K = 3W), a3 = gate outputs (at most 8), a4 = out [rows, a22], a5..a16 = the
     * three parts' (x, x row stride, w, bias or -1) as in headwiseConcat, a17/a18 = the first gate weight [a19, K]
     * and bias (or -1), a20/a21 = the second's [a3 - a19, K]. One pass over the row: each q|k|v value is computed
     * once, stored to columns 0..K-1 and taken into all eight gate sums (two trees, in tileA and tileB); the gates
     * go to columns K..K+a3-1.
     */
    private void headwiseGates() {
        int lid = getLocalId(0);
        int segment = lid / ROW_LANES;
        int lane = lid - segment * ROW_LANES;
        int perGroup = WORK_GROUP / ROW_LANES;
        int width = a1 * a2;
        int k3 = 3 * width;
        int last = a3 - 1;
        int w0 = gateWeight(0, k3);
        int w1 = gateWeight(min(1, last), k3);
        int w2 = gateWeight(min(2, last), k3);
        int w3 = gateWeight(min(3, last), k3);
        int w4 = gateWeight(min(4, last), k3);
        int w5 = gateWeight(min(5, last), k3);
        int w6 = gateWeight(min(6, last), k3);
        int w7 = gateWeight(min(7, last), k3);
        for (int first = getGroupId(0) * perGroup; first < a0; first += getNumGroups(0) * perGroup) {
            int row = min(first + segment, a0 - 1);
            boolean active = first + segment < a0;
            int outBase = a4 + row * a22;
            float acc0 = 0f;
            float acc1 = 0f;
            float acc2 = 0f;
            float acc3 = 0f;
            float acc4 = 0f;
            float acc5 = 0f;
            float acc6 = 0f;
            float acc7 = 0f;
            for (int part = 0; part < 3; part++) {
                int x = a5;
                int stride = a6;
                int w = a7;
                int bias = a8;
                if (part == 1) {
                    x = a9;
                    stride = a10;
                    w = a11;
                    bias = a12;
                } else if (part == 2) {
                    x = a13;
                    stride = a14;
                    w = a15;
                    bias = a16;
                }
                int xRow = x + row * stride;
                for (int cc = lane; cc < width; cc += ROW_LANES) {
                    int h = cc / a2;
                    int xb = xRow + h * a2;
                    int wb = w + cc * a2;
                    float v = 0f;
                    for (int d = 0; d < a2; d++) {
                        v += mem[xb + d] * mem[wb + d];
                    }
                    if (bias >= 0) {
                        v += mem[bias + cc];
                    }
                    int k = part * width + cc;
                    if (active) {
                        mem[outBase + k] = v;
                    }
                    acc0 += v * mem[w0 + k];
                    acc1 += v * mem[w1 + k];
                    acc2 += v * mem[w2 + k];
                    acc3 += v * mem[w3 + k];
                    acc4 += v * mem[w4 + k];
                    acc5 += v * mem[w5 + k];
                    acc6 += v * mem[w6 + k];
                    acc7 += v * mem[w7 + k];
                }
            }
            segmentSums8(lid, lane, acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7);
            if (lane < 8 && lane < a3 && active) {
                float total = tileA[lane * WORK_GROUP + lid - lane];
                if (lane >= 4) {
                    total = tileB[(lane - 4) * WORK_GROUP + lid - lane];
                }
                if (lane < a19 && a18 >= 0) {
                    total = total + mem[a18 + lane];
                } else if (lane >= a19 && a21 >= 0) {
                    total = total + mem[a21 + lane - a19];
                }
                mem[outBase + k3 + lane] = total;
            }
            // tileA and tileB are written again by the next row's sums
            localBarrier();
        }
    }

    /** segmentSums4 of v0..v3 in tileA's quarters and of v4..v7 in tileB's, with one barrier a level. */
    private void segmentSums8(int lid, int lane, float v0, float v1, float v2, float v3, float v4, float v5,
                              float v6, float v7) {
        tileA[lid] = v0;
        tileA[WORK_GROUP + lid] = v1;
        tileA[2 * WORK_GROUP + lid] = v2;
        tileA[3 * WORK_GROUP + lid] = v3;
        tileB[lid] = v4;
        tileB[WORK_GROUP + lid] = v5;
        tileB[2 * WORK_GROUP + lid] = v6;
        tileB[3 * WORK_GROUP + lid] = v7;
        localBarrier();
        for (int span = ROW_LANES / 2; span > 0; span = span / 2) {
            if (lane < span) {
                tileA[lid] = tileA[lid] + tileA[lid + span];
                tileA[WORK_GROUP + lid] = tileA[WORK_GROUP + lid] + tileA[WORK_GROUP + lid + span];
                tileA[2 * WORK_GROUP + lid] = tileA[2 * WORK_GROUP + lid] + tileA[2 * WORK_GROUP + lid + span];
                tileA[3 * WORK_GROUP + lid] = tileA[3 * WORK_GROUP + lid] + tileA[3 * WORK_GROUP + lid + span];
                tileB[lid] = tileB[lid] + tileB[lid + span];
                tileB[WORK_GROUP + lid] = tileB[WORK_GROUP + lid] + tileB[WORK_GROUP + lid + span];
                tileB[2 * WORK_GROUP + lid] = tileB[2 * WORK_GROUP + lid] + tileB[2 * WORK_GROUP + lid + span];
                tileB[3 * WORK_GROUP + lid] = tileB[3 * WORK_GROUP + lid] + tileB[3 * WORK_GROUP + lid + span];
            }
            localBarrier();
        }
    }

    /** Where gate output j's weight row (K = k3 long) starts: the first weight's below a19, the second's after. */
    private int gateWeight(int j, int k3) {
        int base = a17 + j * k3;
        if (j >= a19) {
            base = a20 + (j - a19) * k3;
        }
        return base;
    }

    /** Where output j's weight row starts: the first weight's rows below a7, the second's from a7 on. */
    private int linearRowsWeight(int j) {
        int base = a4 + j * a2;
        if (j >= a7) {
            base = a8 + (j - a7) * a2;
        }
        return base;
    }

    /**
     * Four sums over this work-item's segment of ROW_LANES at once, in tileA's four WORK_GROUP-long quarters: sum q
     * of the segment ends at tileA[q * WORK_GROUP + lid - lane]. The caller reads them, then waits at a barrier.
     */
    private void segmentSums4(int lid, int lane, float v0, float v1, float v2, float v3) {
        tileA[lid] = v0;
        tileA[WORK_GROUP + lid] = v1;
        tileA[2 * WORK_GROUP + lid] = v2;
        tileA[3 * WORK_GROUP + lid] = v3;
        localBarrier();
        for (int span = ROW_LANES / 2; span > 0; span = span / 2) {
            if (lane < span) {
                tileA[lid] = tileA[lid] + tileA[lid + span];
                tileA[WORK_GROUP + lid] = tileA[WORK_GROUP + lid] + tileA[WORK_GROUP + lid + span];
                tileA[2 * WORK_GROUP + lid] = tileA[2 * WORK_GROUP + lid] + tileA[2 * WORK_GROUP + lid + span];
                tileA[3 * WORK_GROUP + lid] = tileA[3 * WORK_GROUP + lid] + tileA[3 * WORK_GROUP + lid + span];
            }
            localBarrier();
        }
    }

    /** The sum of value over this work-item's segment of ROW_LANES, given to all of them (a tree in tileA). */
    private float segmentSum(int lid, int lane, float value) {
        tileA[lid] = value;
        localBarrier();
        for (int span = ROW_LANES / 2; span > 0; span = span / 2) {
            if (lane < span) {
                tileA[lid] = tileA[lid] + tileA[lid + span];
            }
            localBarrier();
        }
        float total = tileA[lid - lane];
        // tileA is written again by the next sum
        localBarrier();
        return total;
    }

    // ---- element-wise -----------------------------------------------------------------------------------------

    /**
     * a0 = n, a1 = mode, a2 = out, a3 = x, a4 = y, a5 = z, a6 = w, a7 = period of the broadcast operand, f0 = scalar,
     * a8 = row stride of z (skip gate: z may be a column view).
     * add: x + y[i % a7]; mul: x * y; scale: x * f0; silu: x * sigmoid(x); skip gate: (x + w[i % a7] * y) * silu(z).
     */
    private void elementwise() {
        // four elements a round, all loads before any store: with the occupancy a kernel of every op leaves, one
        // load in flight per work-item does not fill the memory system
        int g = getGlobalSize(0);
        for (int i0 = getGlobalId(0); i0 < a0; i0 += 4 * g) {
            int i1 = min(i0 + g, a0 - 1);
            int i2 = min(i0 + 2 * g, a0 - 1);
            int i3 = min(i0 + 3 * g, a0 - 1);
            float r0 = elementwiseAt(i0);
            float r1 = elementwiseAt(i1);
            float r2 = elementwiseAt(i2);
            float r3 = elementwiseAt(i3);
            mem[a2 + i0] = r0;
            if (i0 + g < a0) {
                mem[a2 + i1] = r1;
            }
            if (i0 + 2 * g < a0) {
                mem[a2 + i2] = r2;
            }
            if (i0 + 3 * g < a0) {
                mem[a2 + i3] = r3;
            }
        }
    }

    private float elementwiseAt(int i) {
        float x = mem[a3 + i];
        float r = 0f;
        if (a1 == EW_ADD) {
            r = x + mem[a4 + i % a7];
        } else if (a1 == EW_MUL) {
            r = x * mem[a4 + i];
        } else if (a1 == EW_SCALE) {
            r = x * f0;
        } else if (a1 == EW_SILU) {
            r = x / (1f + exp(-x));
        } else if (a1 == EW_SKIP_GATE) {
            float zz = mem[a5 + (i / a7) * a8 + i % a7];
            r = (x + mem[a6 + i % a7] * mem[a4 + i]) * (zz / (1f + exp(-zz)));
        }
        return r;
    }

    // ---- token movement ---------------------------------------------------------------------------------------

    /**
     * out[b,i,c] = x[b, index[i], c] (+ residual[b,i,c]): a0 = B*S'*C, a1 = S', a2 = C, a3 = S, a4 = x,
     * a5 = index table, a6 = out, a7 = residual or -1.
     */
    private void gatherTokens() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int c = gid % a2;
            int t = gid / a2;
            int i = t % a1;
            int b = t / a1;
            int source = index[a5 + i];
            float v = 0f;
            if (source >= 0) {
                v = mem[a4 + (b * a3 + source) * a2 + c];
            }
            if (a7 >= 0) {
                v = v + mem[a7 + gid];
            }
            mem[a6 + gid] = v;
        }
    }

    /**
     * out[r, a7 + c] = x[r, a4 + c] for c < count: a0 = rows*count, a1 = count, a2 = x, a3 = x row width,
     * a4 = first source column, a5 = out, a6 = out row width, a7 = first destination column.
     */
    private void copyColumns() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int r = gid / a1;
            int c = gid - r * a1;
            mem[a5 + r * a6 + a7 + c] = mem[a2 + r * a3 + a4 + c];
        }
    }

    /**
     * [a | b | c] along the last dimension, in one pass (each part may be a column view): a0 = rows*total,
     * a1 = total columns, a2/a3 = columns of a/b (c has the rest), a4/a5 = a and its row stride, a6/a7 = b's,
     * a8/a9 = c's, a10 = out.
     */
    private void concat() {
        int g = getGlobalSize(0);
        for (int i0 = getGlobalId(0); i0 < a0; i0 += 4 * g) {
            int i1 = min(i0 + g, a0 - 1);
            int i2 = min(i0 + 2 * g, a0 - 1);
            int i3 = min(i0 + 3 * g, a0 - 1);
            float v0 = concatAt(i0);
            float v1 = concatAt(i1);
            float v2 = concatAt(i2);
            float v3 = concatAt(i3);
            mem[a10 + i0] = v0;
            if (i0 + g < a0) {
                mem[a10 + i1] = v1;
            }
            if (i0 + 2 * g < a0) {
                mem[a10 + i2] = v2;
            }
            if (i0 + 3 * g < a0) {
                mem[a10 + i3] = v3;
            }
        }
    }

    private float concatAt(int gid) {
        int r = gid / a1;
        int col = gid - r * a1;
        float v = 0f;
        if (col < a2) {
            v = mem[a4 + r * a5 + col];
        } else if (col < a2 + a3) {
            v = mem[a6 + r * a7 + col - a2];
        } else {
            v = mem[a8 + r * a9 + col - a2 - a3];
        }
        return v;
    }

    /** out[b,r... ] transposed: a0 = B*R*C, a1 = R, a2 = C, a3 = x, a4 = out; out[b, c, r] = x[b, r, c]. */
    private void transpose() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int r = gid % a1;
            int t = gid / a1;
            int c = t % a2;
            int b = t / a2;
            mem[a4 + gid] = mem[a3 + (b * a1 + r) * a2 + c];
        }
    }

    // ---- convolutions -----------------------------------------------------------------------------------------

    /**
     * a0 = B*S*C, a1 = S, a2 = C, a3 = taps K, a4 = x, a5 = neighbour table [S,K], a6 = w [C,K], a7 = bias or -1,
     * a8 = out, a9 = x row stride, a10 = 1 to apply SiLU (the convolution's activation in the same pass).
     */
    private void depthwiseConv() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int c = gid % a2;
            int t = gid / a2;
            int s = t % a1;
            int b = t / a1;
            float acc = 0f;
            if (a7 >= 0) {
                acc = mem[a7 + c];
            }
            for (int k = 0; k < a3; k++) {
                int src = index[a5 + s * a3 + k];
                if (src >= 0) {
                    acc += mem[a6 + c * a3 + k] * mem[a4 + (b * a1 + src) * a9 + c];
                }
            }
            if (a10 == 1) {
                acc = acc / (1f + exp(-acc));
            }
            mem[a8 + gid] = acc;
        }
    }

    /**
     * im2col: a0 = B*P*CK, a1 = C, a2 = H, a3 = W, a4 = ph, a5 = pw, a6 = sh, a7 = sw, a8 = grid h, a9 = grid w,
     * a10 = x [B,C,H,W], a11 = out [B, P, C*ph*pw].
     */
    private void patchify() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int ck = a1 * a4 * a5;
            int col = gid % ck;
            int t = gid / ck;
            int p = t % (a8 * a9);
            int b = t / (a8 * a9);
            int c = col / (a4 * a5);
            int rem = col - c * a4 * a5;
            int ky = rem / a5;
            int kx = rem - ky * a5;
            int py = p / a9;
            int px = p - py * a9;
            int y = py * a6 + ky;
            int x = px * a7 + kx;
            mem[a11 + gid] = mem[a10 + ((b * a1 + c) * a2 + y) * a3 + x];
        }
    }

    // ---- mLSTM ------------------------------------------------------------------------------------------------

    /**
     * One work-group per (batch, head), a tile of WORK_GROUP tokens at a time (scans in local memory; at batch 1
     * a work-item per (batch, head) walking 196 tokens took ~0.1 ms a block): a0 = B*NH, a1 = S, a2 = NH, a3 = igate
     * [B,S,NH], a4 = fgate [B,S,NH], a5 = F hi, a6 = F lo, a7 = m, a8 = argmax index r (each [B*NH, S]),
     * a9 = the input gates again as [B*NH, S] (or -1), a10 = the gates' row stride (NH, or more for column views).
     * F_t = sum_{u<=t} logsigmoid(f_u) is scanned in double-float sums and kept as hi + lo: with nearly closed
     * forget gates it reaches hundreds, where one float's rounding would already cost 1e-4 of every gate.
     * r_t = argmax_{s<=t} (i_s - F_s); m_t = i_r + (F_t - F_r), the row max of log D.
     */
    private void mlstmPrefix() {
        int lid = getLocalId(0);
        for (int z = getGroupId(0); z < a0; z += getNumGroups(0)) {
            int b = z / a2;
            int h = z - b * a2;
            int row = z * a1;
            // what the tiles before this one left: F at their end (hi + lo), the best i - F and where it was
            float carryHi = 0f;
            float carryLo = 0f;
            float carryBest = -3.0e38f;
            int carryR = 0;
            for (int t0 = 0; t0 < a1; t0 += WORK_GROUP) {
                int t = min(t0 + lid, a1 - 1);
                boolean valid = t0 + lid < a1;
                int src = (b * a1 + t) * a10 + h;
                float x = mem[a4 + src];
                // logsigmoid(x) = min(x, 0) - log(1 + exp(-|x|))
                float y = 0f;
                if (valid) {
                    y = min(x, 0f) - log(1f + exp(-abs(x)));
                }
                // inclusive scan of y as double-float sums (hi in tileA, lo in tileB): no rounding builds up
                tileA[lid] = y;
                tileB[lid] = 0f;
                localBarrier();
                for (int off = 1; off < WORK_GROUP; off = off * 2) {
                    float ah = tileA[lid];
                    float al = tileB[lid];
                    float bh = 0f;
                    float bl = 0f;
                    if (lid >= off) {
                        bh = tileA[lid - off];
                        bl = tileB[lid - off];
                    }
                    localBarrier();
                    float sum = ah + bh;
                    float bv = sum - ah;
                    float err = (ah - (sum - bv)) + (bh - bv) + al + bl;
                    float hi = sum + err;
                    tileA[lid] = hi;
                    tileB[lid] = err - (hi - sum);
                    localBarrier();
                }
                float sh = tileA[lid];
                float sl = tileB[lid];
                float sum = carryHi + sh;
                float bv = sum - carryHi;
                float err = (carryHi - (sum - bv)) + (sh - bv) + carryLo + sl;
                float fHi = sum + err;
                float fLo = err - (fHi - sum);
                float ig = mem[a3 + src];
                float g = (ig - fHi) - fLo;
                if (valid) {
                    mem[a5 + row + t] = fHi;
                    mem[a6 + row + t] = fLo;
                    if (a9 >= 0) {
                        mem[a9 + row + t] = ig;
                    }
                }
                localBarrier();
                // running argmax of i - F, the earliest on ties (value in tileA, index in tileB)
                tileA[lid] = valid ? g : -3.0e38f;
                tileB[lid] = t;
                localBarrier();
                for (int off = 1; off < WORK_GROUP; off = off * 2) {
                    float av = tileA[lid];
                    float ai = tileB[lid];
                    float bvv = -3.0e38f;
                    float bi = 0f;
                    if (lid >= off) {
                        bvv = tileA[lid - off];
                        bi = tileB[lid - off];
                    }
                    localBarrier();
                    if (bvv >= av) {
                        av = bvv;
                        ai = bi;
                    }
                    tileA[lid] = av;
                    tileB[lid] = ai;
                    localBarrier();
                }
                float best = tileA[lid];
                int r = (int) tileB[lid];
                if (carryBest >= best) {
                    best = carryBest;
                    r = carryR;
                }
                // every F of this tile is in global memory before rows read F at their argmax
                globalBarrier();
                if (valid) {
                    mem[a8 + row + t] = r;
                    float ir = mem[a3 + (b * a1 + r) * a10 + h];
                    mem[a7 + row + t] = ir + ((fHi - mem[a5 + row + r]) + (fLo - mem[a6 + row + r]));
                }
                int last = min(WORK_GROUP, a1 - t0) - 1;
                localBarrier();
                // the tile's last row hands its F and running best on
                if (lid == last) {
                    tileA[0] = fHi;
                    tileA[1] = fLo;
                    tileA[2] = best;
                    tileB[0] = r;
                }
                localBarrier();
                carryHi = tileA[0];
                carryLo = tileA[1];
                carryBest = tileA[2];
                carryR = (int) tileB[0];
                localBarrier();
            }
        }
    }

    // ---- the mLSTM in chunks (linear in the sequence) ----------------------------------------------------------
    // Per (batch, head) z and chunk k of L tokens. Row table R [Z, S, 8] per token t: 0 = i_t, 1/2 = g_t as hi + lo
    // (the forget gates' log-sigmoid summed from the chunk's start, Kahan), 3..5 = the row's anchor (i, g hi, g lo)
    // (before the anchors pass: the argmax r_t of i_s - g_s over the chunk up to t), 6 = sigma_t (the weight of the
    // carried state in row t), 7 = m_t - (its stabiliser, relative to the chunk's start). Row t's stabiliser is
    // g_t + M_t with M_t = max(mPrev_k, i_r - g_r); token s of the chunk enters row t with log weight
    // lambda(t, s) = (i_s - g_s) - M_t, written as (i_s - anchor_i) - ((g_s - anchor_g)) so that large cumulative
    // gates cancel before rounding.

    /**
     * a0 = Z*K (z, chunk) items, a1 = S, a2 = NH, a3 = L, a4 = K, a5 = igate [B,S,NH], a6 = fgate, a7 = R,
     * a8 = the gates' row stride.
     */
    private void mlstmChunkPrep() {
        for (int zk = getGlobalId(0); zk < a0; zk += getGlobalSize(0)) {
            int z = zk / a4;
            int k = zk - z * a4;
            int b = z / a2;
            int h = z - b * a2;
            int c0 = k * a3;
            int end = min(c0 + a3, a1);
            float hi = 0f;
            float comp = 0f;
            float best = -3.0e38f;
            int r = c0;
            for (int t = c0; t < end; t++) {
                int src = (b * a1 + t) * a8 + h;
                float x = mem[a6 + src];
                float y = (min(x, 0f) - log(1f + exp(-abs(x)))) - comp;
                float sum = hi + y;
                comp = (sum - hi) - y;
                hi = sum;
                float ig = mem[a5 + src];
                float u = ig - (hi - comp);
                if (u > best) {
                    best = u;
                    r = t;
                }
                int row = a7 + (z * a1 + t) * 8;
                mem[row] = ig;
                mem[row + 1] = hi;
                mem[row + 2] = -comp;
                mem[row + 3] = r;
            }
        }
    }

    /**
     * The stabiliser carried between chunks, one work-item per z: a0 = Z, a1 = S, a3 = L, a4 = K, a7 = R,
     * a8 = mPrev [Z, K] (m before chunk k, -3e38 before the first). m after chunk k is its last row's stabiliser.
     */
    private void mlstmChunkScan() {
        for (int z = getGlobalId(0); z < a0; z += getGlobalSize(0)) {
            float m = -3.0e38f;
            for (int k = 0; k < a4; k++) {
                mem[a8 + z * a4 + k] = m;
                int e = a7 + (z * a1 + min((k + 1) * a3, a1) - 1) * 8;
                int r = a7 + (z * a1 + (int) mem[e + 3]) * 8;
                float u = (mem[r] - mem[r + 1]) - mem[r + 2];
                if (u >= m) {
                    m = mem[r] + ((mem[e + 1] - mem[r + 1]) + (mem[e + 2] - mem[r + 2]));
                } else {
                    m = m + (mem[e + 1] + mem[e + 2]);
                }
            }
        }
    }

    /** a0 = Z*S rows, a1 = S, a3 = L, a4 = K, a7 = R, a8 = mPrev: each row's anchor, sigma and m. */
    private void mlstmChunkAnchors() {
        for (int zt = getGlobalId(0); zt < a0; zt += getGlobalSize(0)) {
            int z = zt / a1;
            int t = zt - z * a1;
            int k = t / a3;
            float mp = mem[a8 + z * a4 + k];
            int row = a7 + zt * 8;
            int r = a7 + (z * a1 + (int) mem[row + 3]) * 8;
            float ir = mem[r];
            float hr = mem[r + 1];
            float lr = mem[r + 2];
            float u = (ir - hr) - lr;
            float sigma = 1f;
            float m = mp + (mem[row + 1] + mem[row + 2]);
            if (u >= mp) {
                sigma = exp(mp - u);
                m = ir + ((mem[row + 1] - hr) + (mem[row + 2] - lr));
            } else {
                ir = mp;
                hr = 0f;
                lr = 0f;
            }
            if (k == 0) {
                sigma = 0f;
            }
            mem[row + 3] = ir;
            mem[row + 4] = hr;
            mem[row + 5] = lr;
            mem[row + 6] = sigma;
            mem[row + 7] = m;
        }
    }

    /** lambda(t, s): the log weight of token s in row t (both rows of R at the given offsets). */
    private float chunkLogWeight(int rowT, int rowS) {
        return (mem[rowS] - mem[rowT + 3]) - ((mem[rowS + 1] - mem[rowT + 4]) + (mem[rowS + 2] - mem[rowT + 5]));
    }

    /**
     * Keys weighted into their chunk's end state, and the state's normaliser increment: items (z, k, a < DH).
     * a0 = Z*K*DH, a1 = S, a2 = NH, a3 = L, a4 = K, a5 = DH, a6 = k [B,S,NH*DH], a7 = R, a8 = K' [Z, S, DH],
     * a9 = states [Z, K, DH, DH+1] (column DH gets n), a10 = k's row stride, f0 = 1/sqrt(DH).
     */
    private void mlstmChunkKeys() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int zk = gid / a5;
            int a = gid - zk * a5;
            int z = zk / a4;
            int k = zk - z * a4;
            int b = z / a2;
            int h = z - b * a2;
            int c0 = k * a3;
            int end = min(c0 + a3, a1);
            int rowE = a7 + (z * a1 + end - 1) * 8;
            float sum = 0f;
            for (int s = c0; s < end; s++) {
                float w = exp(chunkLogWeight(rowE, a7 + (z * a1 + s) * 8)) * f0;
                float kv = w * mem[a6 + (b * a1 + s) * a10 + h * a5 + a];
                mem[a8 + (z * a1 + s) * a5 + a] = kv;
                sum += kv;
            }
            mem[a9 + (zk * a5 + a) * (a5 + 1) + a5] = sum;
        }
    }

    /**
     * The states carried to each chunk's end, in place: items (z, e < DH*(DH+1)), sequential over chunks:
     * state_k = sigma(end of k) * state_{k-1} + increment_k. a0 = Z*E, a1 = S, a3 = L, a4 = K, a5 = E, a7 = R,
     * a9 = states.
     */
    private void mlstmChunkStates() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int z = gid / a5;
            int e = gid - z * a5;
            float acc = 0f;
            for (int k = 0; k < a4; k++) {
                float sigma = mem[a7 + (z * a1 + min((k + 1) * a3, a1) - 1) * 8 + 6];
                int at = a9 + (z * a4 + k) * a5 + e;
                acc = sigma * acc + mem[at];
                mem[at] = acc;
            }
        }
    }

    /**
     * Each row's normaliser: a0 = Z*S, a1 = S, a3 = L, a4 = K, a5 = DH, a7 = R, a8 = masked chunk scores
     * [Z, K, L, L], a9 = state read-out [Z, S, DH+1] (column DH: q . n), a10 = out, f0 = eps.
     */
    private void mlstmChunkNorm() {
        for (int zt = getGlobalId(0); zt < a0; zt += getGlobalSize(0)) {
            int z = zt / a1;
            int t = zt - z * a1;
            int k = t / a3;
            int tt = t - k * a3;
            int base = a8 + ((z * a4 + k) * a3 + tt) * a3;
            float sum = 0f;
            for (int s = 0; s <= tt; s++) {
                sum += mem[base + s];
            }
            int row = a7 + zt * 8;
            float sigma = mem[row + 6];
            if (sigma != 0f) {
                sum += sigma * mem[a9 + zt * (a5 + 1) + a5];
            }
            mem[a10 + zt] = max(abs(sum), exp(-mem[row + 7])) + f0;
        }
    }

    private void mlstmChunks() {
        if (op == OP_MLSTM_CHUNK_PREP) {
            mlstmChunkPrep();
        } else if (op == OP_MLSTM_CHUNK_SCAN) {
            mlstmChunkScan();
        } else if (op == OP_MLSTM_CHUNK_ANCHORS) {
            mlstmChunkAnchors();
        } else if (op == OP_MLSTM_CHUNK_KEYS) {
            mlstmChunkKeys();
        } else if (op == OP_MLSTM_CHUNK_STATES) {
            mlstmChunkStates();
        } else {
            mlstmChunkNorm();
        }
    }

    // ---- the mLSTM backward in chunks (op codes 60-69; MlstmChunkwiseBackward drives them) --------------------
    // Reads the forward's row table R (above). Backward table T [Z, S, 8] per token: 0 = dmFloor_t (the gradient of
    // m_t through the floor exp(-m_t)), 1 = dm_t = dmFloor_t - (row sum of dL), 2 = the column sum of dL (k_s . dk_s,
    // then di_s), 3 = the sum of dL[t, s] over the pairs s < u <= t (u = this token: df's part without m), 4 = the
    // row sum of dL over earlier chunks, 5 = the column sum over later chunks (4, 5 then hold the prefix sums of dm),
    // 6 = tau_s (the weight of the reverse state in dk_s and dv_s, 1/sqrt(DH) included; column 6 because the
    // chunk-values epilogue reads its row weight there). M_t = m_t - g_t is a row's anchor, i - (g hi + g lo).
    // df sums pairs directly rather than as (row sums - column sums): with closed forget gates those cancel to
    // nearly nothing and a float difference would keep only rounding.

    /**
     * Per row (z, t): n_t and den_t as the forward's norm pass, then w_t = dh_t / den_t and dn_t into W [Z, S, DH+1],
     * [v_t, 1] into V [Z, S, DH+1], 1 into ones [Z, S], and T's 0, 1, 6. a0 = Z*S, a1 = S, a2 = NH, a3 = L, a4 = K,
     * a5 = DH, a6 = R, a7 = chunk scores [Z, K, L, L], a8 = read-out [Z, S, DH+1], a9 = h, a10 = dh, a11 = v (dense
     * [B, S, NH*DH]), a12 = W, a13 = V, a14 = T, a15 = ones; f0 = eps, f1 = 1/sqrt(DH).
     */
    private void mlstmBackRows() {
        int width = a2 * a5;
        for (int zt = getGlobalId(0); zt < a0; zt += getGlobalSize(0)) {
            int z = zt / a1;
            int t = zt - z * a1;
            int k = t / a3;
            int tt = t - k * a3;
            int b = z / a2;
            int h = z - b * a2;
            int base = a7 + ((z * a4 + k) * a3 + tt) * a3;
            float n = 0f;
            for (int s = 0; s <= tt; s++) {
                n += mem[base + s];
            }
            int row = a6 + zt * 8;
            float sigma = mem[row + 6];
            if (sigma != 0f) {
                n += sigma * mem[a8 + zt * (a5 + 1) + a5];
            }
            float lower = exp(-mem[row + 7]);
            float absN = abs(n);
            float den = max(absN, lower) + f0;
            int feat = (b * a1 + t) * width + h * a5;
            // dh_t . h_t = (dh_t . numerator_t) / den_t
            float hd = 0f;
            for (int x = 0; x < a5; x++) {
                hd += mem[a10 + feat + x] * mem[a9 + feat + x];
            }
            float dDen = -hd / den;
            float sgn = 0f;
            if (n > 0f) {
                sgn = 1f;
            } else if (n < 0f) {
                sgn = -1f;
            }
            float dn = 0f;
            float dFloor = 0f;
            if (absN > lower) {
                dn = dDen * sgn;
            } else if (absN < lower) {
                dFloor = dDen;
            } else {
                dn = 0.5f * dDen * sgn;
                dFloor = 0.5f * dDen;
            }
            float dmFloor = -lower * dFloor;
            int aug = zt * (a5 + 1);
            for (int x = 0; x < a5; x++) {
                mem[a12 + aug + x] = mem[a10 + feat + x] / den;
                mem[a13 + aug + x] = mem[a11 + feat + x];
            }
            // the row's dL over earlier chunks: sigma_t [w_t, dn_t] . (q_t [C, n]), the forward's read-out
            float earlier = 0f;
            if (sigma != 0f) {
                float dot = 0f;
                for (int x = 0; x < a5; x++) {
                    dot += mem[a10 + feat + x] * mem[a8 + zt * (a5 + 1) + x];
                }
                earlier = sigma * (dot / den + dn * mem[a8 + zt * (a5 + 1) + a5]);
            }
            mem[a12 + aug + a5] = dn;
            mem[a13 + aug + a5] = 1f;
            mem[a15 + zt] = 1f;
            // tau_t = exp(i_t + g_e - g_t - M_first(k+1)) / sqrt(DH), e = the chunk's end; M_first(k+1) = max(g_e +
            // M_e, u_f) (f the next chunk's first token, u = i - g), so the exponent is min(lambda(e, t), .) <= 0
            float tau = 0f;
            if (k < a4 - 1) {
                int e = a6 + (z * a1 + (k + 1) * a3 - 1) * 8;
                int f = e + 8;
                float alt = (mem[row] + ((mem[e + 1] - mem[row + 1]) + (mem[e + 2] - mem[row + 2])))
                        - ((mem[f] - mem[f + 1]) - mem[f + 2]);
                tau = exp(min(chunkLogWeight(e, row), alt)) * f1;
            }
            int back = a14 + zt * 8;
            mem[back] = dmFloor;
            mem[back + 1] = dmFloor - (hd + dn * n);
            mem[back + 4] = earlier;
            mem[back + 6] = tau;
        }
    }

    /** M_A - M_B for rows A and B of R: their anchors' difference, large cumulative gates cancelled first. */
    private float chunkAnchorGap(int rowA, int rowB) {
        return (mem[rowA + 3] - mem[rowB + 3]) - ((mem[rowA + 4] - mem[rowB + 4]) + (mem[rowA + 5] - mem[rowB + 5]));
    }

    /**
     * Queries weighted into their chunk's reverse-state increment: Q'[z, t, a] = exp(M_first - M_t) q[b, t, h, a]
     * (<= 1: M grows along a chunk). a0 = Z*S*DH, a1 = S, a2 = NH, a3 = L, a5 = DH, a6 = R, a7 = q (dense),
     * a8 = Q' [Z, S, DH].
     */
    private void mlstmBackQueries() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int zt = gid / a5;
            int a = gid - zt * a5;
            int z = zt / a1;
            int t = zt - z * a1;
            int b = z / a2;
            int h = z - b * a2;
            int first = a6 + (z * a1 + (t / a3) * a3) * 8;
            float w = exp(chunkAnchorGap(first, a6 + zt * 8));
            mem[a8 + gid] = w * mem[a7 + (b * a1 + t) * a2 * a5 + h * a5 + a];
        }
    }

    /**
     * The reverse states in place, items (z, e < E), sequential over chunks from the last: slot k holds the increment
     * of chunk k+1 (weighted queries' transposes times [w, dn]) and becomes R_k = increment + rho R_{k+1}, the sum
     * over every later token under the stabiliser M_first(k+1); the last slot becomes 0. rho = exp(g_e + M_first(k+1)
     * - M_first(k+2)) <= 1 (e the end of chunk k+1), written min(M_first - M_e, g_e + M_first - u_f) with f the
     * first token of chunk k+2. a0 = Z*E, a1 = S, a3 = L, a4 = K, a5 = E = DH*(DH+1), a6 = R, a7 = states [Z, K, E].
     */
    private void mlstmBackStates() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int z = gid / a5;
            int e = gid - z * a5;
            float acc = 0f;
            for (int k = a4 - 1; k >= 0; k--) {
                int at = a7 + (z * a4 + k) * a5 + e;
                if (k < a4 - 1) {
                    float rho = 0f;
                    if (k < a4 - 2) {
                        int first = a6 + (z * a1 + (k + 1) * a3) * 8;
                        int end = first + (a3 - 1) * 8;
                        int next = end + 8;
                        float mFirst = mem[first + 3] - (mem[first + 4] + mem[first + 5]);
                        float alt = ((mem[end + 1] + mem[end + 2]) + mFirst)
                                - ((mem[next] - mem[next + 1]) - mem[next + 2]);
                        rho = exp(min(chunkAnchorGap(first, end), alt));
                    }
                    acc = rho * acc + mem[at];
                }
                mem[at] = acc;
            }
        }
    }

    /**
     * T's column sums of dL: T[z, s, 2] = k_s . dk_s, T[z, s, 5] = tau_s k_s . (R [v_s, 1]) (later chunks only).
     * a0 = Z*S, a1 = S, a2 = NH, a5 = DH, a6 = k, a7 = dk, a8 = T, a9 = the read-out R [v, 1] [Z, S, DH+1].
     */
    private void mlstmBackColumns() {
        for (int zt = getGlobalId(0); zt < a0; zt += getGlobalSize(0)) {
            int z = zt / a1;
            int t = zt - z * a1;
            int b = z / a2;
            int h = z - b * a2;
            int feat = (b * a1 + t) * a2 * a5 + h * a5;
            float acc = 0f;
            for (int x = 0; x < a5; x++) {
                acc += mem[a6 + feat + x] * mem[a7 + feat + x];
            }
            mem[a8 + zt * 8 + 2] = acc;
            float tau = mem[a8 + zt * 8 + 6];
            float later = 0f;
            if (tau != 0f) {
                for (int x = 0; x < a5; x++) {
                    later += mem[a6 + feat + x] * mem[a9 + zt * (a5 + 1) + x];
                }
                later = tau * later;
            }
            mem[a8 + zt * 8 + 5] = later;
        }
    }

    /**
     * Each chunk row's dL (dC from the GEMM times the chunk scores C) turned into exclusive prefix sums in place:
     * P[t][u] = sum_{s < u} dL[t, s] for u <= t. a0 = Z*S, a1 = S, a3 = L, a4 = K, a7 = scores, a8 = dC [Z, K, L, L].
     */
    private void mlstmBackPairRows() {
        for (int zt = getGlobalId(0); zt < a0; zt += getGlobalSize(0)) {
            int z = zt / a1;
            int t = zt - z * a1;
            int k = t / a3;
            int tt = t - k * a3;
            int base = ((z * a4 + k) * a3 + tt) * a3;
            float prefix = 0f;
            for (int s = 0; s <= tt; s++) {
                float d = mem[a8 + base + s] * mem[a7 + base + s];
                mem[a8 + base + s] = prefix;
                prefix += d;
            }
        }
    }

    /**
     * The pairs s < u <= t whose s lies before chunk k's start and t after its end, one sum per (z, k) for the chunk's
     * tokens u: bridge * <C_{k-1}, R_k> (forward state times reverse state, both over DH x (DH+1)), bridge =
     * exp(g_e + mPrev_k - M_first(k+1)) <= 1 written min(mPrev_k - M_e, g_e + mPrev_k - u_f); 0 for the first and
     * last chunks. a0 = Z*K, a1 = S, a3 = L, a4 = K, a5 = E, a6 = R, a7 = states, a8 = reverse states, a9 = mPrev
     * [Z, K], a10 = out [Z, K].
     */
    private void mlstmBackCross() {
        for (int zk = getGlobalId(0); zk < a0; zk += getGlobalSize(0)) {
            int z = zk / a4;
            int k = zk - z * a4;
            float y = 0f;
            if (k >= 1 && k <= a4 - 2) {
                int c = a7 + (zk - 1) * a5;
                int r = a8 + zk * a5;
                for (int e = 0; e < a5; e++) {
                    y += mem[c + e] * mem[r + e];
                }
                int end = a6 + (z * a1 + (k + 1) * a3 - 1) * 8;
                int f = end + 8;
                float mp = mem[a9 + zk];
                float mEnd = mem[end + 3] - (mem[end + 4] + mem[end + 5]);
                float uf = (mem[f] - mem[f + 1]) - mem[f + 2];
                y = y * exp(min(mp - mEnd, ((mem[end + 1] + mem[end + 2]) + mp) - uf));
            }
            mem[a10 + zk] = y;
        }
    }

    /**
     * T[z, u, 3] = sum of dL[t, s] over s < u <= t: pairs inside u's chunk (column u of P, t >= u), s earlier in the
     * chunk with t in later chunks (T's 5), s in earlier chunks with t >= u in the chunk (T's 4), both outside (the
     * chunk's cross sum). a0 = Z*S, a1 = S, a3 = L, a4 = K, a6 = T, a8 = P [Z, K, L, L], a9 = cross [Z, K].
     */
    private void mlstmBackPairs() {
        for (int zu = getGlobalId(0); zu < a0; zu += getGlobalSize(0)) {
            int z = zu / a1;
            int u = zu - z * a1;
            int k = u / a3;
            int uu = u - k * a3;
            int c0 = k * a3;
            int n = min(a3, a1 - c0);
            int rows = a6 + (z * a1 + c0) * 8;
            float acc = mem[a9 + z * a4 + k];
            for (int t = uu; t < n; t++) {
                acc += mem[a8 + ((z * a4 + k) * a3 + t) * a3 + uu] + mem[rows + t * 8 + 4];
            }
            for (int s = 0; s < uu; s++) {
                acc += mem[rows + s * 8 + 5];
            }
            mem[a6 + zu * 8 + 3] = acc;
        }
    }

    /**
     * Gate gradients, a work-item per z walking its tokens (no float atomics): each row's dm_t joins the column of
     * its argmax r_t (the parallel form's, a7 [Z, S]; runs of equal argmax summed first), di_s = that column's sum;
     * df_u = sigmoid(-f_u) (T's pair sum + sum of dm_t over u <= t with r_t < u), 0 at u = 0. r never decreases, so
     * those t are [u, first t with r_t >= u): a difference of prefix sums of dm kept as hi + lo floats (T's 4, 5).
     * a0 = Z, a1 = S, a2 = NH, a6 = T, a7 = argmax, a8 = fgate, a9 = di, a10 = df (dense [B, S, NH]).
     */
    private void mlstmBackGates() {
        for (int z = getGlobalId(0); z < a0; z += getGlobalSize(0)) {
            int b = z / a2;
            int h = z - b * a2;
            int base = a6 + z * a1 * 8;
            int arg = a7 + z * a1;
            int current = (int) mem[arg];
            float run = 0f;
            float comp = 0f;
            float hi = 0f;
            float lo = 0f;
            for (int t = 0; t < a1; t++) {
                int r = (int) mem[arg + t];
                if (r != current) {
                    mem[base + current * 8 + 2] += run;
                    current = r;
                    run = 0f;
                    comp = 0f;
                }
                float dm = mem[base + t * 8 + 1];
                float y = dm - comp;
                float sum = run + y;
                comp = (sum - run) - y;
                run = sum;
                // the prefix before t, then dm_t added as a double-float sum
                mem[base + t * 8 + 4] = hi;
                mem[base + t * 8 + 5] = lo;
                float s = hi + dm;
                float bv = s - hi;
                float err = (hi - (s - bv)) + (dm - bv) + lo;
                hi = s + err;
                lo = err - (hi - s);
            }
            mem[base + current * 8 + 2] += run;
            int first = a1;
            for (int u = a1 - 1; u >= 0; u--) {
                while (first > 0 && (int) mem[arg + first - 1] >= u) {
                    first--;
                }
                float endHi = hi;
                float endLo = lo;
                if (first < a1) {
                    endHi = mem[base + first * 8 + 4];
                    endLo = mem[base + first * 8 + 5];
                }
                float m = (endHi - mem[base + u * 8 + 4]) + (endLo - mem[base + u * 8 + 5]);
                int gate = (b * a1 + u) * a2 + h;
                mem[a9 + gate] = mem[base + u * 8 + 2];
                float d = 0f;
                if (u > 0) {
                    d = (mem[base + u * 8 + 3] + m) / (1f + exp(mem[a8 + gate]));
                }
                mem[a10 + gate] = d;
            }
        }
    }

    private void mlstmChunkBackward() {
        if (op == OP_MLSTM_BACK_ROWS) {
            mlstmBackRows();
        } else if (op == OP_MLSTM_BACK_QUERIES) {
            mlstmBackQueries();
        } else if (op == OP_MLSTM_BACK_STATES) {
            mlstmBackStates();
        } else if (op == OP_MLSTM_BACK_COLUMNS) {
            mlstmBackColumns();
        } else if (op == OP_MLSTM_BACK_GATES) {
            mlstmBackGates();
        } else if (op == OP_MLSTM_BACK_PAIR_ROWS) {
            mlstmBackPairRows();
        } else if (op == OP_MLSTM_BACK_PAIRS) {
            mlstmBackPairs();
        } else if (op == OP_MLSTM_BACK_CROSS) {
            mlstmBackCross();
        }
    }

    // ==== gradients and optimiser updates ======================================================================
    // No float atomics: every reduction is one work-item per output (or per partial) looping over the reduced axis.

    /**
     * Partial column sums: work-item (chunk, col) sums rows [chunk*a3, (chunk+1)*a3) of column col.
     * a0 = chunks*cols, a1 = cols, a2 = rows, a3 = chunk length, a4 = x [rows, cols], a5 = out [chunks, cols],
     * a6 = 1 to sum squares, a7 = 0 or C: the output column of col is then (col % C) * (cols / C) + col / C
     * (a [K, C] row stored as [C, K]).
     */
    /**
     * out[map(c)] = sum over rows of x[r][c] (of its square when a4 == 1), in one launch: a work-group per column
     * (its size a power of two), each work-item adding every lanes-th row, then a tree in local memory (tileA).
     * a0 = columns, a1 = rows, a2 = x, a3 = out, a4 = square, a5 = column map (see mappedColumn).
     */
    private void reduceColumns() {
        int lane = getLocalId(0);
        int lanes = getLocalSize(0);
        for (int col = getGroupId(0); col < a0; col += getNumGroups(0)) {
            reduceColumn(col, lane, lanes);
        }
    }

    private void reduceColumn(int col, int lane, int lanes) {
        float acc = 0f;
        for (int r = lane; r < a1; r += lanes) {
            float v = mem[a2 + r * a0 + col];
            if (a4 == 1) {
                v = v * v;
            }
            acc += v;
        }
        tileA[lane] = acc;
        localBarrier();
        for (int span = lanes / 2; span > 0; span = span / 2) {
            if (lane < span) {
                tileA[lane] = tileA[lane] + tileA[lane + span];
            }
            localBarrier();
        }
        if (lane == 0) {
            mem[a3 + mappedColumn(col, a0, a5)] = tileA[0];
        }
        // tileA is written again by the next column
        localBarrier();
    }

    private int mappedColumn(int col, int cols, int c) {
        int result = col;
        if (c > 0) {
            result = (col % c) * (cols / c) + col / c;
        }
        return result;
    }

    /**
     * a0 = n, a1 = mode, a2 = out.
     * silu: a3 = x, a4 = dy; out = dy * silu'(x).
     * skip gate (out = dh): a3 = h, a4 = skip, a5 = a, a6 = z, a7 = dy, a8 = da, a9 = dz, a10 = columns.
     * scale samples: a3 = x, a4 = scales, a5 = elements per sample.
     * place columns (n = rows * total): a3 = x, a4 = count, a5 = start, a6 = total.
     */
    private void gradElementwise() {
        for (int i = getGlobalId(0); i < a0; i += getGlobalSize(0)) {
            if (a1 == GW_SILU) {
                mem[a2 + i] = mem[a4 + i] * siluDerivative(mem[a3 + i]);
            } else if (a1 == GW_SKIP_GATE) {
                float z = mem[a6 + i];
                float dy = mem[a7 + i];
                float s = mem[a4 + i % a10];
                float dh = dy * (z / (1f + exp(-z)));
                mem[a2 + i] = dh;
                mem[a8 + i] = dh * s;
                mem[a9 + i] = dy * (mem[a3 + i] + s * mem[a5 + i]) * siluDerivative(z);
            } else if (a1 == GW_SCALE_SAMPLES) {
                mem[a2 + i] = mem[a3 + i] * mem[a4 + i / a5];
            } else if (a1 == GW_PLACE_COLUMNS) {
                int r = i / a6;
                int c = i - r * a6 - a5;
                float v = 0f;
                if (c >= 0 && c < a4) {
                    v = mem[a3 + r * a4 + c];
                }
                mem[a2 + i] = v;
            }
        }
    }

    /** d/dx of x * sigmoid(x) = s * (1 + x * (1 - s)). */
    private float siluDerivative(float x) {
        float s = 1f / (1f + exp(-x));
        return s * (1f + x * (1f - s));
    }

    /**
     * One work-item per (row, group): a0 = rows*groups, a1 = group size, a2 = row width, a3 = x, a4 = dy, a5 = out,
     * a6 = weight or -1, a7 = 1 for a residual weight, f0 = eps.
     * dx = istd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * scale.
     */
    private void layerNormBackward() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int groups = a2 / a1;
            int row = gid / groups;
            int g = gid - row * groups;
            int base = row * a2 + g * a1;
            float mean = 0f;
            for (int e = 0; e < a1; e++) {
                mean += mem[a3 + base + e];
            }
            mean = mean / a1;
            float var = 0f;
            for (int e = 0; e < a1; e++) {
                float d = mem[a3 + base + e] - mean;
                var += d * d;
            }
            float inv = 1f / sqrt(var / a1 + f0);
            float meanG = 0f;
            float meanGX = 0f;
            for (int e = 0; e < a1; e++) {
                float gg = mem[a4 + base + e] * layerNormScale(g * a1 + e);
                meanG += gg;
                meanGX += gg * ((mem[a3 + base + e] - mean) * inv);
            }
            meanG = meanG / a1;
            meanGX = meanGX / a1;
            for (int e = 0; e < a1; e++) {
                float gg = mem[a4 + base + e] * layerNormScale(g * a1 + e);
                float xhat = (mem[a3 + base + e] - mean) * inv;
                mem[a5 + base + e] = inv * (gg - meanG - xhat * meanGX);
            }
        }
    }

    private float layerNormScale(int c) {
        float w = 1f;
        if (a6 >= 0) {
            w = mem[a6 + c];
            if (a7 == 1) {
                w = w + 1f;
            }
        }
        return w;
    }

    /**
     * out[b, j, c] = sum_e x[b, table[j, e], c] over non-negative entries, zero for j >= table rows:
     * a0 = B*tokens*C, a1 = tokens, a2 = C, a3 = S of x, a4 = x, a5 = table, a6 = table rows, a7 = table cols,
     * a8 = out.
     */
    private void gatherSum() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int c = gid % a2;
            int t = gid / a2;
            int j = t % a1;
            int b = t / a1;
            float acc = 0f;
            if (j < a6) {
                for (int e = 0; e < a7; e++) {
                    int src = index[a5 + j * a7 + e];
                    if (src >= 0) {
                        acc += mem[a4 + (b * a3 + src) * a2 + c];
                    }
                }
            }
            mem[a8 + gid] = acc;
        }
    }

    /**
     * dx of the depthwise convolution through the inverse neighbour table (entries s*K + k):
     * a0 = B*S*C, a1 = S, a2 = C, a3 = taps K, a4 = dy, a5 = inverse table, a6 = its columns, a7 = w [C,K], a8 = out.
     */
    private void depthwiseBackwardInput() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int c = gid % a2;
            int t = gid / a2;
            int j = t % a1;
            int b = t / a1;
            float acc = 0f;
            for (int e = 0; e < a6; e++) {
                int flat = index[a5 + j * a6 + e];
                if (flat >= 0) {
                    int s = flat / a3;
                    int k = flat - s * a3;
                    acc += mem[a7 + c * a3 + k] * mem[a4 + (b * a1 + s) * a2 + c];
                }
            }
            mem[a8 + gid] = acc;
        }
    }

    /**
     * Partials of the depthwise weight gradient: work-item (chunk, k, c) sums dy[b,s,c] * x[b, nb[s,k], c] over the
     * (b, s) items [chunk*a3, (chunk+1)*a3). a0 = chunks*K*C, a1 = K*C, a2 = items B*S, a3 = chunk length, a4 = x,
     * a5 = dy, a6 = neighbour table [S,K], a7 = 0 or C (output column mapping, see reduceColumns), a8 = S,
     * a9 = K, a10 = out [chunks, K*C].
     */
    private void depthwiseWeightPartials() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int chunk = gid / a1;
            int col = gid - chunk * a1;
            int channels = a1 / a9;
            int k = col / channels;
            int c = col - k * channels;
            int i0 = chunk * a3;
            int i1 = min(a2, i0 + a3);
            float acc = 0f;
            for (int item = i0; item < i1; item++) {
                int b = item / a8;
                int s = item - b * a8;
                int src = index[a6 + s * a9 + k];
                if (src >= 0) {
                    acc += mem[a5 + item * channels + c] * mem[a4 + (b * a8 + src) * channels + c];
                }
            }
            mem[a10 + chunk * a1 + mappedColumn(col, a1, a7)] = acc;
        }
    }

    /**
     * col2im, one work-item per image element summing the patches that cover it (patch order, like the oracle):
     * a0 = B*C*H*W, a1 = C, a2 = H, a3 = W, a4 = ph, a5 = pw, a6 = sh, a7 = sw, a8 = grid h, a9 = grid w,
     * a10 = patches [B, gh*gw, C*ph*pw], a11 = out [B,C,H,W].
     */
    private void unpatchify() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int x = gid % a3;
            int t = gid / a3;
            int y = t % a2;
            t = t / a2;
            int c = t % a1;
            int b = t / a1;
            int pyLo = 0;
            if (y >= a4) {
                pyLo = (y - a4) / a6 + 1;
            }
            int pyHi = min(a8 - 1, y / a6);
            int pxLo = 0;
            if (x >= a5) {
                pxLo = (x - a5) / a7 + 1;
            }
            int pxHi = min(a9 - 1, x / a7);
            int rowLength = a1 * a4 * a5;
            float acc = 0f;
            for (int py = pyLo; py <= pyHi; py++) {
                int ky = y - py * a6;
                for (int px = pxLo; px <= pxHi; px++) {
                    int kx = x - px * a7;
                    acc += mem[a10 + (b * a8 * a9 + py * a9 + px) * rowLength + (c * a4 + ky) * a5 + kx];
                }
            }
            mem[a11 + gid] = acc;
        }
    }

    /**
     * The per-row part of the mLSTM backward, one work-item per (z = b*NH + h, t). a0 = Z*S, a1 = S, a2 = NH,
     * a3 = P [Z,S,S] (q.k / sqrt(DH), causal), a4 = G [Z,S,S] (dh_t . v_s, causal), a5 = L [Z,S,S] (scratch),
     * a6 = F hi, a7 = F lo, a8 = m, a9 = argmax r (each [Z,S], from mlstmPrefix), a10 = igate [B,S,NH],
     * f0 = eps, f1 = 1/sqrt(DH). Row t of P becomes dP (the score gradient times 1/sqrt(DH), for dq and dk), of G
     * C/den (for dv), of L dL (the gradient of log D, including dm at the argmax); zero right of the diagonal.
     */
    private void mlstmBackwardRows() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int z = gid / a1;
            int t = gid - z * a1;
            int b = z / a2;
            int h = z - b * a2;
            int row = z * a1;
            int base = gid * a1;
            int r = (int) mem[a9 + row + t];
            float ir = mem[a10 + (b * a1 + r) * a2 + h];
            float hr = mem[a6 + row + r];
            float lr = mem[a7 + row + r];
            // D_s = exp(log D[t,s] - m_t) = exp((i_s - i_r) - (F_s - F_r)), kept in L for the passes below
            float n = 0f;
            float nc = 0f;
            for (int s = 0; s <= t; s++) {
                float is = mem[a10 + (b * a1 + s) * a2 + h];
                float d = exp((is - ir) - ((mem[a6 + row + s] - hr) + (mem[a7 + row + s] - lr)));
                mem[a5 + base + s] = d;
                float y = mem[a3 + base + s] * d - nc;
                float sum = n + y;
                nc = (sum - n) - y;
                n = sum;
            }
            float lower = exp(-mem[a8 + row + t]);
            float absN = abs(n);
            float den = max(absN, lower) + f0;
            float g = 0f;
            float gc = 0f;
            for (int s = 0; s <= t; s++) {
                float y = mem[a4 + base + s] * mem[a3 + base + s] * mem[a5 + base + s] - gc;
                float sum = g + y;
                gc = (sum - g) - y;
                g = sum;
            }
            float dDen = -g / (den * den);
            float sgn = 0f;
            if (n > 0f) {
                sgn = 1f;
            } else if (n < 0f) {
                sgn = -1f;
            }
            float dn = 0f;
            float dFloor = 0f;
            if (absN > lower) {
                dn = dDen * sgn;
            } else if (absN < lower) {
                dFloor = dDen;
            } else {
                dn = 0.5f * dDen * sgn;
                dFloor = 0.5f * dDen;
            }
            float dm = -lower * dFloor;
            for (int s = 0; s < a1; s++) {
                float dP = 0f;
                float cn = 0f;
                float dL = 0f;
                if (s <= t) {
                    float p = mem[a3 + base + s];
                    float d = mem[a5 + base + s];
                    float dC = mem[a4 + base + s] / den + dn;
                    cn = p * d / den;
                    dP = dC * d * f1;
                    dL = dC * p * d;
                    dm -= dL;
                }
                mem[a3 + base + s] = dP;
                mem[a4 + base + s] = cn;
                mem[a5 + base + s] = dL;
            }
            mem[a5 + base + r] += dm;
        }
    }

    /** Exclusive prefix sums of each row's dL in place: L[t,u] = sum_{s<u} dL[t,s] for u <= t. a0 = Z*S, a1 = S, a2 = L. */
    private void mlstmRowScan() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int t = gid % a1;
            int base = a2 + gid * a1;
            float prefix = 0f;
            for (int s = 0; s <= t; s++) {
                float v = mem[base + s];
                mem[base + s] = prefix;
                prefix += v;
            }
        }
    }

    /**
     * Causal column sums of L into a gate-shaped gradient: out[b, s, h] = sum_{t>=s} L[z, t, s] (times
     * sigmoid(-f[b,s,h]) when a5 >= 0). a0 = Z*S, a1 = S, a2 = NH, a3 = L, a4 = out [B,S,NH], a5 = fgate or -1.
     */
    private void mlstmGateGradients() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int z = gid / a1;
            int s = gid - z * a1;
            int b = z / a2;
            int h = z - b * a2;
            int base = a3 + z * a1 * a1 + s;
            float acc = 0f;
            for (int t = s; t < a1; t++) {
                acc += mem[base + t * a1];
            }
            int gate = (b * a1 + s) * a2 + h;
            if (a5 >= 0) {
                acc = acc / (1f + exp(mem[a5 + gate]));
            }
            mem[a4 + gate] = acc;
        }
    }

    /**
     * In-place updates of persistent tensors, float operations in the oracle's order. a0 = n, a1 = mode.
     * AdamW: a2 = p, a3 = grad, a4 = m, a5 = v; f0 = grad scale, f1 = 1 - lr*wd, f2 = beta1, f3 = beta2,
     * f4 = lr / bias correction 1, f5 = sqrt(bias correction 2), f6 = eps.
     * SGD: a2 = p, a3 = grad, a4 = velocity, a6 = 1 when v = g (first step or no momentum), a7 = 1 for Nesterov;
     * f0 = grad scale, f1 = weight decay, f2 = momentum, f3 = lr.
     * Moving average: a2 = target, a3 = source, f0 = decay.
     */
    /**
     * Element i of a fused AdamW: a2 = table (5 ints per tensor: param, grad, m, v offsets and the tensor's first
     * element in the flattened range), a3 = tensors, a4 = per-tensor floats (decay factor 1 - lr*wd, step size
     * lr / bias correction 1); f0 = grad scale, f2 = beta1, f3 = beta2, f5 = sqrt(bias correction 2), f6 = eps.
     */
    private void adamwMulti(int i) {
        int lo = 0;
        int hi = a3 - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            if (index[a2 + mid * 5 + 4] <= i) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        int t = a2 + lo * 5;
        int j = i - index[t + 4];
        int pi = index[t] + j;
        int mi = index[t + 2] + j;
        int vi = index[t + 3] + j;
        float g = mem[index[t + 1] + j] * f0;
        float p = mem[pi] * mem[a4 + 2 * lo];
        float m = f2 * mem[mi] + (1f - f2) * g;
        float v = f3 * mem[vi] + (1f - f3) * g * g;
        mem[mi] = m;
        mem[vi] = v;
        mem[pi] = p - mem[a4 + 2 * lo + 1] * m / (sqrt(v) / f5 + f6);
    }

    private void optimiser() {
        for (int i = getGlobalId(0); i < a0; i += getGlobalSize(0)) {
            if (a1 == OPT_ADAMW) {
                float g = mem[a3 + i] * f0;
                float p = mem[a2 + i] * f1;
                float m = f2 * mem[a4 + i] + (1f - f2) * g;
                float v = f3 * mem[a5 + i] + (1f - f3) * g * g;
                mem[a4 + i] = m;
                mem[a5 + i] = v;
                mem[a2 + i] = p - f4 * m / (sqrt(v) / f5 + f6);
            } else if (a1 == OPT_SGD) {
                float p = mem[a2 + i];
                float g = mem[a3 + i] * f0 + f1 * p;
                float vel = g;
                if (a6 == 0) {
                    vel = f2 * mem[a4 + i] + g;
                }
                mem[a4 + i] = vel;
                float upd = vel;
                if (a7 == 1) {
                    upd = g + f2 * vel;
                }
                mem[a2 + i] = p - f3 * upd;
            } else if (a1 == OPT_MOVING_AVERAGE) {
                mem[a2 + i] = f0 * mem[a2 + i] + (1f - f0) * mem[a3 + i];
            } else if (a1 == OPT_ADAMW_MULTI) {
                adamwMulti(i);
            }
        }
    }

    // ---- transformer ops (op codes 40-59) ---------------------------------------------------------------------

    private void transformerOps() {
        if (op == OP_TRANSFORMER_ELEMENTWISE) {
            transformerElementwise();
        } else if (op == OP_ATTENTION_ROWS) {
            attentionRows();
        } else if (op == OP_ATTENTION_STATS) {
            attentionStats();
        } else if (op == OP_ATTENTION_DQ) {
            attentionDq();
        } else if (op == OP_ATTENTION_DKV) {
            attentionDkv();
        }
    }

    /**
     * a0 = n, a1 = mode, a2 = out, a3 = x, a4 = dy (gelu backward) or w (scale channels), a5 = channels.
     * gelu: x Phi(x); gelu backward: dy (Phi(x) + x phi(x)); scale channels: x * w[i % a5].
     */
    private void transformerElementwise() {
        for (int i = getGlobalId(0); i < a0; i += getGlobalSize(0)) {
            float x = mem[a3 + i];
            float r = 0f;
            if (a1 == TW_GELU) {
                r = x * normalCdf(x);
            } else if (a1 == TW_GELU_BACKWARD) {
                r = mem[a4 + i] * (normalCdf(x) + x * 0.3989422804014327f * exp(-0.5f * x * x));
            } else if (a1 == TW_SCALE_CHANNELS) {
                r = x * mem[a4 + i % a5];
            }
            mem[a2 + i] = r;
        }
    }

    /** Phi(x) = 0.5 erfc(-x / sqrt 2), erfc by the Chebyshev fit the Java backend uses (relative error < 1.2e-7). */
    private float normalCdf(float x) {
        float u = -x * 0.7071067811865476f;
        float z = abs(u);
        float t = 1f / (1f + 0.5f * z);
        float r = t * exp(-z * z - 1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f
                + t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f
                + t * 0.17087277f)))))))));
        if (u < 0f) {
            r = 2f - r;
        }
        return 0.5f * r;
    }

    /** scale * q[qRow] . k[kRow] over a3 = DH features. */
    private float attentionScore(int qRow, int kRow) {
        float dot = 0f;
        for (int d = 0; d < a3; d++) {
            dot += mem[qRow + d] * mem[kRow + d];
        }
        return dot * f0;
    }

    /**
     * One work-item per (batch, head, row t); no S x S matrix exists: a0 = B*NH*S rows, a1 = S, a2 = NH, a3 = DH,
     * a4 = q, a5 = k, a6 = v, a7 = out, f0 = scale. One pass over the keys with the online softmax: the row of out
     * (which only this work-item writes) and the running sum are rescaled whenever the running max grows, then
     * divided by the sum.
     */
    private void attentionRows() {
        int width = a2 * a3;
        for (int item = getGlobalId(0); item < a0; item += getGlobalSize(0)) {
            int t = item % a1;
            int bh = item / a1;
            int base = (bh / a2) * a1 * width + (bh % a2) * a3;
            int qRow = a4 + base + t * width;
            int outRow = a7 + base + t * width;
            for (int d = 0; d < a3; d++) {
                mem[outRow + d] = 0f;
            }
            float m = -3.0e38f;
            float sum = 0f;
            for (int s = 0; s < a1; s++) {
                float score = attentionScore(qRow, a5 + base + s * width);
                if (score > m) {
                    float shrink = exp(m - score);
                    sum = sum * shrink;
                    for (int d = 0; d < a3; d++) {
                        mem[outRow + d] = mem[outRow + d] * shrink;
                    }
                    m = score;
                }
                float p = exp(score - m);
                sum += p;
                int vRow = a6 + base + s * width;
                for (int d = 0; d < a3; d++) {
                    mem[outRow + d] = mem[outRow + d] + p * mem[vRow + d];
                }
            }
            float inv = 1f / sum;
            for (int d = 0; d < a3; d++) {
                mem[outRow + d] = mem[outRow + d] * inv;
            }
        }
    }

    /**
     * Backward statistics per row t (same layout as attentionRows, a6 = v, a7 = dout, a8 = lse out, a9 = delta out):
     * lse_t = log sum_s exp(score_ts), delta_t = sum_s P_ts (dout_t . v_s); one online pass, as the forward.
     */
    private void attentionStats() {
        int width = a2 * a3;
        for (int item = getGlobalId(0); item < a0; item += getGlobalSize(0)) {
            int t = item % a1;
            int bh = item / a1;
            int base = (bh / a2) * a1 * width + (bh % a2) * a3;
            int qRow = a4 + base + t * width;
            int dRow = a7 + base + t * width;
            float m = -3.0e38f;
            float sum = 0f;
            float weighted = 0f;
            for (int s = 0; s < a1; s++) {
                float score = attentionScore(qRow, a5 + base + s * width);
                if (score > m) {
                    float shrink = exp(m - score);
                    sum = sum * shrink;
                    weighted = weighted * shrink;
                    m = score;
                }
                float e = exp(score - m);
                int vRow = a6 + base + s * width;
                float dp = 0f;
                for (int d = 0; d < a3; d++) {
                    dp += mem[dRow + d] * mem[vRow + d];
                }
                sum += e;
                weighted += e * dp;
            }
            mem[a8 + item] = m + log(sum);
            mem[a9 + item] = weighted / sum;
        }
    }

    /** dq_t = scale sum_s P_ts (dP_ts - delta_t) k_s per row t; a10 = dq (layout as attentionStats). */
    private void attentionDq() {
        int width = a2 * a3;
        for (int item = getGlobalId(0); item < a0; item += getGlobalSize(0)) {
            int t = item % a1;
            int bh = item / a1;
            int base = (bh / a2) * a1 * width + (bh % a2) * a3;
            int qRow = a4 + base + t * width;
            int dRow = a7 + base + t * width;
            int outRow = a10 + base + t * width;
            float lse = mem[a8 + item];
            float delta = mem[a9 + item];
            for (int d = 0; d < a3; d++) {
                mem[outRow + d] = 0f;
            }
            for (int s = 0; s < a1; s++) {
                int kRow = a5 + base + s * width;
                int vRow = a6 + base + s * width;
                float p = exp(attentionScore(qRow, kRow) - lse);
                float dp = 0f;
                for (int d = 0; d < a3; d++) {
                    dp += mem[dRow + d] * mem[vRow + d];
                }
                float ds = p * (dp - delta) * f0;
                for (int d = 0; d < a3; d++) {
                    mem[outRow + d] = mem[outRow + d] + ds * mem[kRow + d];
                }
            }
        }
    }

    /**
     * Per key row s: dk_s = scale sum_t P_ts (dP_ts - delta_t) q_t and dv_s = sum_t P_ts dout_t; a10 = dk,
     * a11 = dv (layout as attentionStats). Each work-item owns its rows of dk and dv: no atomics.
     */
    private void attentionDkv() {
        int width = a2 * a3;
        for (int item = getGlobalId(0); item < a0; item += getGlobalSize(0)) {
            int s = item % a1;
            int bh = item / a1;
            int base = (bh / a2) * a1 * width + (bh % a2) * a3;
            int kRow = a5 + base + s * width;
            int vRow = a6 + base + s * width;
            int dkRow = a10 + base + s * width;
            int dvRow = a11 + base + s * width;
            for (int d = 0; d < a3; d++) {
                mem[dkRow + d] = 0f;
                mem[dvRow + d] = 0f;
            }
            for (int t = 0; t < a1; t++) {
                int qRow = a4 + base + t * width;
                int dRow = a7 + base + t * width;
                int stat = bh * a1 + t;
                float p = exp(attentionScore(qRow, kRow) - mem[a8 + stat]);
                float dp = 0f;
                for (int d = 0; d < a3; d++) {
                    dp += mem[dRow + d] * mem[vRow + d];
                }
                float ds = p * (dp - mem[a9 + stat]) * f0;
                for (int d = 0; d < a3; d++) {
                    mem[dkRow + d] = mem[dkRow + d] + ds * mem[qRow + d];
                    mem[dvRow + d] = mem[dvRow + d] + p * mem[dRow + d];
                }
            }
        }
    }
}
