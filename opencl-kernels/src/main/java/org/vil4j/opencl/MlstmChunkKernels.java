package org.vil4j.opencl;

/**
 * The chunkwise mLSTM forward (op codes 30-35; MlstmChunkwise drives them).
 *
 * <p>One link of the device program's class chain (ProgramState ... DeviceProgram; docs/DESIGN.md): Aparapi
 * translates the methods {@link DeviceProgram#run()} reaches in any superclass of the kernel into the one OpenCL
 * program. Written in Aparapi's kernel subset (no objects, break/continue, switch or overloading).
 */
abstract class MlstmChunkKernels extends MlstmParallelKernels {
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
    void mlstmChunkPrep() {
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
    void mlstmChunkScan() {
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
    void mlstmChunkAnchors() {
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
    float chunkLogWeight(int rowT, int rowS) {
        return (mem[rowS] - mem[rowT + 3]) - ((mem[rowS + 1] - mem[rowT + 4]) + (mem[rowS + 2] - mem[rowT + 5]));
    }

    /**
     * Keys weighted into their chunk's end state, and the state's normaliser increment: items (z, k, a < DH).
     * a0 = Z*K*DH, a1 = S, a2 = NH, a3 = L, a4 = K, a5 = DH, a6 = k [B,S,NH*DH], a7 = R, a8 = K' [Z, S, DH],
     * a9 = states [Z, K, DH, DH+1] (column DH gets n), a10 = k's row stride, f0 = 1/sqrt(DH).
     */
    void mlstmChunkKeys() {
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
    void mlstmChunkStates() {
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
    void mlstmChunkNorm() {
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

    void mlstmChunks() {
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
}
