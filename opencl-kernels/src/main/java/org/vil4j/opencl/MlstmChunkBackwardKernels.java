package org.vil4j.opencl;

/**
 * The chunkwise mLSTM backward (op codes 60-67; MlstmChunkwiseBackward drives them).
 *
 * <p>One link of the device program's class chain (ProgramState ... DeviceProgram; docs/DESIGN.md): Aparapi
 * translates the methods {@link DeviceProgram#run()} reaches in any superclass of the kernel into the one OpenCL
 * program. Written in Aparapi's kernel subset (no objects, break/continue, switch or overloading).
 */
abstract class MlstmChunkBackwardKernels extends MlstmChunkKernels {
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
    void mlstmBackRows() {
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
    float chunkAnchorGap(int rowA, int rowB) {
        return (mem[rowA + 3] - mem[rowB + 3]) - ((mem[rowA + 4] - mem[rowB + 4]) + (mem[rowA + 5] - mem[rowB + 5]));
    }

    /**
     * Queries weighted into their chunk's reverse-state increment: Q'[z, t, a] = exp(M_first - M_t) q[b, t, h, a]
     * (<= 1: M grows along a chunk). a0 = Z*S*DH, a1 = S, a2 = NH, a3 = L, a5 = DH, a6 = R, a7 = q (dense),
     * a8 = Q' [Z, S, DH].
     */
    void mlstmBackQueries() {
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
    void mlstmBackStates() {
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
    void mlstmBackColumns() {
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
    void mlstmBackPairRows() {
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
    void mlstmBackCross() {
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
    void mlstmBackPairs() {
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
    void mlstmBackGates() {
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

    void mlstmChunkBackward() {
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
}
