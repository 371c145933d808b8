package org.vil4j.opencl;

import com.aparapi.Kernel;

/**
 * The mLSTM cell's parallel form in one launch, as flash attention computes softmax attention: a work-group takes
 * 32 rows of one (batch, head) and walks the keys 64 at a time, the 32 x 64 score tile (q k^T / sqrt(DH) times the
 * stabilised decay) living only in local memory before it meets V. The S x S matrices never reach global memory, and
 * the prefix, score and value passes (three launches) become one. The row stabiliser needs no running maximum: m_t,
 * the row maximum of log D, comes from the gate prefix, which the work-group forms itself before any score. The
 * epilogue can apply the output norm (per head), the skip and the z gate (normSkipGate), since the work-group holds
 * a head's whole row: a fourth launch fewer.
 *
 * <p>A device program of its own (as {@link WideGemmProgram}, sharing the arena through the preloaded library): it
 * needs ~100 registers a work-item, which the main program's cap would spill, and in the wide GEMM's program it would
 * share that GEMM's register count and local memory. Written in Aparapi's kernel subset; the accumulator code is
 * unrolled (c{row}{column group}). Requires DH <= 256 ({@link #FM_MAX_DH}).
 */
final class FusedMlstmProgram extends Kernel {
    static final int FM_WORK_GROUP = 256;
    static final int FM_ROWS = 32;
    static final int FM_COLS = 64;
    static final int FM_KSTEP = 32;
    static final int FM_KEYS = 16;
    static final int FM_MAX_DH = 256;
    /** Padded row lengths of the local tiles: a transposed store then hits 32 banks, not one. */
    static final int FM_Q_ROW = FM_ROWS + 1;
    static final int FM_K_ROW = FM_COLS + 1;
    static final int FM_P_ROW = FM_COLS + 1;
    /** The epilogues: h itself, or normSkipGate(h). */
    static final int FM_STORE = 0;
    static final int FM_NORM_SKIP_GATE = 1;

    float[] mem;

    @Local final float[] fmQ = new float[FM_KSTEP * FM_Q_ROW];
    @Local final float[] fmK = new float[FM_KSTEP * FM_K_ROW];
    @Local final float[] fmP = new float[FM_ROWS * FM_P_ROW];
    @Local final float[] fmV = new float[FM_KEYS * FM_MAX_DH];
    @Local final float[] fmRed = new float[4 * FM_WORK_GROUP];

    // the arguments of one launch (scalar fields go over with every execute)
    int fmZ, fmS, fmNH, fmDH, fmQOff, fmKOff, fmVOff, fmIn, fmIg, fmFg, fmGs, fmOut, fmOutRow, fmScratch;
    float fmScale, fmEps;
    int fmMode, fmW, fmResidualW, fmBias, fmSkip, fmA, fmARow, fmZg, fmZRow;
    float fmNormEps;

    FusedMlstmProgram(float[] arena) {
        mem = arena;
    }

    @Override
    public void run() {
        mlstmFused();
    }

    /**
     * Every (batch x head, 32-row tile) of the launch. Each group keeps a prefix in its own 4 S floats of scratch at
     * fmScratch: F hi, F lo, the input gates, argmax r. With a sequence or more for every group, a group takes
     * whole sequences and forms each one's prefix once for all its row tiles; with fewer (small batches) it takes
     * single tiles, the ones with the most keys first (they take longest), each forming the prefix up to its rows.
     */
    void mlstmFused() {
        int lid = getLocalId(0);
        int ty = lid / 32;
        int tx = lid - ty * 32;
        int rowTiles = (fmS + FM_ROWS - 1) / FM_ROWS;
        int g = getGroupId(0);
        int groups = getNumGroups(0);
        int scratch = fmScratch + g * 4 * fmS;
        // selects, not branches, around the calls: PoCL's compiler duplicates the code between barriers under a
        // branch in this loop until its build never ends
        int whole = fmZ >= groups ? 1 : 0;
        int perGroup = (fmZ - g + groups - 1) / groups;
        int end = whole == 1 ? g + perGroup * rowTiles * groups : fmZ * rowTiles;
        for (int t = g; t < end; t += groups) {
            int k = (t - g) / groups;
            int q = k / rowTiles;
            int tr = t / fmZ;
            int z = whole == 1 ? g + q * groups : t - tr * fmZ;
            int i0 = whole == 1 ? (k - q * rowTiles) * FM_ROWS : (rowTiles - 1 - tr) * FM_ROWS;
            int prefixEnd = whole == 1 ? (i0 == 0 ? fmS : 0) : min(i0 + FM_ROWS, fmS);
            mlstmFusedTile(z, i0, prefixEnd, scratch, lid, ty, tx);
        }
    }

    /**
     * Rows i0 .. i0 + 31 of sequence z, after its prefix up to prefixEnd (0: the scratch has it already):
     * work-item (ty, tx) holds rows i0 + ty + 8a (a < 4), score columns tx and tx + 32 of each key tile, and output
     * columns tx + 32 c (c < 8, those below DH).
     */
    void mlstmFusedTile(int z, int i0, int prefixEnd, int scratch, int lid, int ty, int tx) {
        int b = z / fmNH;
        int h = z - b * fmNH;
        int rowEnd = min(i0 + FM_ROWS, fmS);
        int nb = (fmDH + 31) / 32;
        // always called (0 tokens: its barriers alone)
        fmPrefix(b, h, prefixEnd, scratch, lid);
        int sF = scratch;
        int sLo = scratch + fmS;
        int sI = scratch + 2 * fmS;
        int sR = scratch + 3 * fmS;
        int t0 = i0 + ty;
        int t1 = i0 + ty + 8;
        int t2 = i0 + ty + 16;
        int t3 = i0 + ty + 24;
        // each row's argmax r: the decay of column s is exp((i_s - i_r) - (F_s - F_r)) (RowKernels' scores epilogue)
        int r0 = (int) mem[sR + min(t0, rowEnd - 1)];
        int r1 = (int) mem[sR + min(t1, rowEnd - 1)];
        int r2 = (int) mem[sR + min(t2, rowEnd - 1)];
        int r3 = (int) mem[sR + min(t3, rowEnd - 1)];
        float ir0 = mem[sI + r0];
        float ir1 = mem[sI + r1];
        float ir2 = mem[sI + r2];
        float ir3 = mem[sI + r3];
        float fh0 = mem[sF + r0];
        float fh1 = mem[sF + r1];
        float fh2 = mem[sF + r2];
        float fh3 = mem[sF + r3];
        float fl0 = mem[sLo + r0];
        float fl1 = mem[sLo + r1];
        float fl2 = mem[sLo + r2];
        float fl3 = mem[sLo + r3];
        float sum0 = 0f;
        float sum1 = 0f;
        float sum2 = 0f;
        float sum3 = 0f;
        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f, c04 = 0f, c05 = 0f, c06 = 0f, c07 = 0f;
        float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f, c14 = 0f, c15 = 0f, c16 = 0f, c17 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f, c24 = 0f, c25 = 0f, c26 = 0f, c27 = 0f;
        float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f, c34 = 0f, c35 = 0f, c36 = 0f, c37 = 0f;
        int seq = b * fmS;
        int head = h * fmDH;
        for (int j0 = 0; j0 < rowEnd; j0 += FM_COLS) {
            float s00 = 0f, s01 = 0f, s10 = 0f, s11 = 0f, s20 = 0f, s21 = 0f, s30 = 0f, s31 = 0f;
            for (int d0 = 0; d0 < fmDH; d0 += FM_KSTEP) {
                // q rows and k rows, DH-slices of 32, transposed into local memory (reads coalesced along DH)
                for (int e = 0; e < FM_ROWS * FM_KSTEP / FM_WORK_GROUP; e++) {
                    int l = lid + e * FM_WORK_GROUP;
                    int row = l / FM_KSTEP;
                    int kk = l - row * FM_KSTEP;
                    float v = 0f;
                    if (i0 + row < fmS && d0 + kk < fmDH) {
                        v = mem[fmQOff + (seq + i0 + row) * fmIn + head + d0 + kk];
                    }
                    fmQ[kk * FM_Q_ROW + row] = v;
                }
                for (int e = 0; e < FM_COLS * FM_KSTEP / FM_WORK_GROUP; e++) {
                    int l = lid + e * FM_WORK_GROUP;
                    int col = l / FM_KSTEP;
                    int kk = l - col * FM_KSTEP;
                    float v = 0f;
                    if (j0 + col < rowEnd && d0 + kk < fmDH) {
                        v = mem[fmKOff + (seq + j0 + col) * fmIn + head + d0 + kk];
                    }
                    fmK[kk * FM_K_ROW + col] = v;
                }
                localBarrier();
                for (int kk = 0; kk < FM_KSTEP; kk++) {
                    int qa = kk * FM_Q_ROW + ty;
                    float x0 = fmQ[qa];
                    float x1 = fmQ[qa + 8];
                    float x2 = fmQ[qa + 16];
                    float x3 = fmQ[qa + 24];
                    int kb = kk * FM_K_ROW + tx;
                    float y0 = fmK[kb];
                    float y1 = fmK[kb + 32];
                    s00 += x0 * y0; s01 += x0 * y1;
                    s10 += x1 * y0; s11 += x1 * y1;
                    s20 += x2 * y0; s21 += x2 * y1;
                    s30 += x3 * y0; s31 += x3 * y1;
                }
                localBarrier();
            }
            // the stabilised decay and causality, into P; the row sums for the normaliser
            int ca = j0 + tx;
            int cb = j0 + tx + 32;
            int ka = min(ca, rowEnd - 1);
            int kb = min(cb, rowEnd - 1);
            float ia = mem[sI + ka];
            float ib = mem[sI + kb];
            float ha = mem[sF + ka];
            float hb = mem[sF + kb];
            float la = mem[sLo + ka];
            float lb = mem[sLo + kb];
            float p = 0f;
            p = fmDecay(s00, t0, ca, rowEnd, ia, ha, la, ir0, fh0, fl0);
            sum0 += p;
            fmP[ty * FM_P_ROW + tx] = p;
            p = fmDecay(s01, t0, cb, rowEnd, ib, hb, lb, ir0, fh0, fl0);
            sum0 += p;
            fmP[ty * FM_P_ROW + tx + 32] = p;
            p = fmDecay(s10, t1, ca, rowEnd, ia, ha, la, ir1, fh1, fl1);
            sum1 += p;
            fmP[(ty + 8) * FM_P_ROW + tx] = p;
            p = fmDecay(s11, t1, cb, rowEnd, ib, hb, lb, ir1, fh1, fl1);
            sum1 += p;
            fmP[(ty + 8) * FM_P_ROW + tx + 32] = p;
            p = fmDecay(s20, t2, ca, rowEnd, ia, ha, la, ir2, fh2, fl2);
            sum2 += p;
            fmP[(ty + 16) * FM_P_ROW + tx] = p;
            p = fmDecay(s21, t2, cb, rowEnd, ib, hb, lb, ir2, fh2, fl2);
            sum2 += p;
            fmP[(ty + 16) * FM_P_ROW + tx + 32] = p;
            p = fmDecay(s30, t3, ca, rowEnd, ia, ha, la, ir3, fh3, fl3);
            sum3 += p;
            fmP[(ty + 24) * FM_P_ROW + tx] = p;
            p = fmDecay(s31, t3, cb, rowEnd, ib, hb, lb, ir3, fh3, fl3);
            sum3 += p;
            fmP[(ty + 24) * FM_P_ROW + tx + 32] = p;
            // h += P V, V's rows 16 at a time through local memory
            int keys = min(FM_COLS, rowEnd - j0);
            for (int k0 = 0; k0 < keys; k0 += FM_KEYS) {
                localBarrier();
                for (int e = 0; e < FM_KEYS; e++) {
                    float v = 0f;
                    if (lid < fmDH && j0 + k0 + e < rowEnd) {
                        v = mem[fmVOff + (seq + j0 + k0 + e) * fmIn + head + lid];
                    }
                    fmV[e * FM_MAX_DH + lid] = v;
                }
                localBarrier();
                for (int e = 0; e < FM_KEYS; e++) {
                    int pc = k0 + e;
                float p0 = fmP[ty * FM_P_ROW + pc];
                float p1 = fmP[(ty + 8) * FM_P_ROW + pc];
                float p2 = fmP[(ty + 16) * FM_P_ROW + pc];
                float p3 = fmP[(ty + 24) * FM_P_ROW + pc];
                int vb = e * FM_MAX_DH + tx;
                float v0 = fmV[vb + 0];
                c00 += p0 * v0; c10 += p1 * v0; c20 += p2 * v0; c30 += p3 * v0;
                if (nb > 1) {
                    float v1 = fmV[vb + 32];
                    c01 += p0 * v1; c11 += p1 * v1; c21 += p2 * v1; c31 += p3 * v1;
                }
                if (nb > 2) {
                    float v2 = fmV[vb + 64];
                    c02 += p0 * v2; c12 += p1 * v2; c22 += p2 * v2; c32 += p3 * v2;
                }
                if (nb > 3) {
                    float v3 = fmV[vb + 96];
                    c03 += p0 * v3; c13 += p1 * v3; c23 += p2 * v3; c33 += p3 * v3;
                }
                if (nb > 4) {
                    float v4 = fmV[vb + 128];
                    c04 += p0 * v4; c14 += p1 * v4; c24 += p2 * v4; c34 += p3 * v4;
                }
                if (nb > 5) {
                    float v5 = fmV[vb + 160];
                    c05 += p0 * v5; c15 += p1 * v5; c25 += p2 * v5; c35 += p3 * v5;
                }
                if (nb > 6) {
                    float v6 = fmV[vb + 192];
                    c06 += p0 * v6; c16 += p1 * v6; c26 += p2 * v6; c36 += p3 * v6;
                }
                if (nb > 7) {
                    float v7 = fmV[vb + 224];
                    c07 += p0 * v7; c17 += p1 * v7; c27 += p2 * v7; c37 += p3 * v7;
                }
                }
            }
            localBarrier();
        }
        // the normaliser max(|row sum|, exp(-m_t)) + eps, m_t = i_r + (F_t - F_r); the 32 work-items of a row are
        // one tx range of one ty
        float n0 = fmNormaliser(fmRowSum(0, sum0, lid, ty), t0, rowEnd, sF, sLo, ir0, fh0, fl0);
        float n1 = fmNormaliser(fmRowSum(1, sum1, lid, ty), t1, rowEnd, sF, sLo, ir1, fh1, fl1);
        float n2 = fmNormaliser(fmRowSum(2, sum2, lid, ty), t2, rowEnd, sF, sLo, ir2, fh2, fl2);
        float n3 = fmNormaliser(fmRowSum(3, sum3, lid, ty), t3, rowEnd, sF, sLo, ir3, fh3, fl3);
        localBarrier();
        c00 = c00 / n0; c01 = c01 / n0; c02 = c02 / n0; c03 = c03 / n0;
        c04 = c04 / n0; c05 = c05 / n0; c06 = c06 / n0; c07 = c07 / n0;
        c10 = c10 / n1; c11 = c11 / n1; c12 = c12 / n1; c13 = c13 / n1;
        c14 = c14 / n1; c15 = c15 / n1; c16 = c16 / n1; c17 = c17 / n1;
        c20 = c20 / n2; c21 = c21 / n2; c22 = c22 / n2; c23 = c23 / n2;
        c24 = c24 / n2; c25 = c25 / n2; c26 = c26 / n2; c27 = c27 / n2;
        c30 = c30 / n3; c31 = c31 / n3; c32 = c32 / n3; c33 = c33 / n3;
        c34 = c34 / n3; c35 = c35 / n3; c36 = c36 / n3; c37 = c37 / n3;
        float mean0 = 0f;
        float mean1 = 0f;
        float mean2 = 0f;
        float mean3 = 0f;
        float inv0 = 1f;
        float inv1 = 1f;
        float inv2 = 1f;
        float inv3 = 1f;
        if (fmMode == FM_NORM_SKIP_GATE) {
            // the head's layer norm over its DH values (two passes: the mean, then the squares about it)
            {
                float part0 = fmCol(0, tx, c00) + fmCol(1, tx, c01)
                        + fmCol(2, tx, c02) + fmCol(3, tx, c03)
                        + fmCol(4, tx, c04) + fmCol(5, tx, c05)
                        + fmCol(6, tx, c06) + fmCol(7, tx, c07);
                float part1 = fmCol(0, tx, c10) + fmCol(1, tx, c11)
                        + fmCol(2, tx, c12) + fmCol(3, tx, c13)
                        + fmCol(4, tx, c14) + fmCol(5, tx, c15)
                        + fmCol(6, tx, c16) + fmCol(7, tx, c17);
                float part2 = fmCol(0, tx, c20) + fmCol(1, tx, c21)
                        + fmCol(2, tx, c22) + fmCol(3, tx, c23)
                        + fmCol(4, tx, c24) + fmCol(5, tx, c25)
                        + fmCol(6, tx, c26) + fmCol(7, tx, c27);
                float part3 = fmCol(0, tx, c30) + fmCol(1, tx, c31)
                        + fmCol(2, tx, c32) + fmCol(3, tx, c33)
                        + fmCol(4, tx, c34) + fmCol(5, tx, c35)
                        + fmCol(6, tx, c36) + fmCol(7, tx, c37);
                mean0 = fmRowSum(0, part0, lid, ty) / fmDH;
                mean1 = fmRowSum(1, part1, lid, ty) / fmDH;
                mean2 = fmRowSum(2, part2, lid, ty) / fmDH;
                mean3 = fmRowSum(3, part3, lid, ty) / fmDH;
                localBarrier();
            }
            {
                float part0 = fmSq(0, tx, c00 - mean0) + fmSq(1, tx, c01 - mean0)
                        + fmSq(2, tx, c02 - mean0) + fmSq(3, tx, c03 - mean0)
                        + fmSq(4, tx, c04 - mean0) + fmSq(5, tx, c05 - mean0)
                        + fmSq(6, tx, c06 - mean0) + fmSq(7, tx, c07 - mean0);
                float part1 = fmSq(0, tx, c10 - mean1) + fmSq(1, tx, c11 - mean1)
                        + fmSq(2, tx, c12 - mean1) + fmSq(3, tx, c13 - mean1)
                        + fmSq(4, tx, c14 - mean1) + fmSq(5, tx, c15 - mean1)
                        + fmSq(6, tx, c16 - mean1) + fmSq(7, tx, c17 - mean1);
                float part2 = fmSq(0, tx, c20 - mean2) + fmSq(1, tx, c21 - mean2)
                        + fmSq(2, tx, c22 - mean2) + fmSq(3, tx, c23 - mean2)
                        + fmSq(4, tx, c24 - mean2) + fmSq(5, tx, c25 - mean2)
                        + fmSq(6, tx, c26 - mean2) + fmSq(7, tx, c27 - mean2);
                float part3 = fmSq(0, tx, c30 - mean3) + fmSq(1, tx, c31 - mean3)
                        + fmSq(2, tx, c32 - mean3) + fmSq(3, tx, c33 - mean3)
                        + fmSq(4, tx, c34 - mean3) + fmSq(5, tx, c35 - mean3)
                        + fmSq(6, tx, c36 - mean3) + fmSq(7, tx, c37 - mean3);
                inv0 = 1f / sqrt(fmRowSum(0, part0, lid, ty) / fmDH + fmNormEps);
                inv1 = 1f / sqrt(fmRowSum(1, part1, lid, ty) / fmDH + fmNormEps);
                inv2 = 1f / sqrt(fmRowSum(2, part2, lid, ty) / fmDH + fmNormEps);
                inv3 = 1f / sqrt(fmRowSum(3, part3, lid, ty) / fmDH + fmNormEps);
                localBarrier();
            }
        }
        if (t0 < fmS) {
            fmStoreRow(b, h, t0, tx, nb, c00, c01, c02, c03, c04, c05, c06, c07, mean0, inv0);
        }
        if (t1 < fmS) {
            fmStoreRow(b, h, t1, tx, nb, c10, c11, c12, c13, c14, c15, c16, c17, mean1, inv1);
        }
        if (t2 < fmS) {
            fmStoreRow(b, h, t2, tx, nb, c20, c21, c22, c23, c24, c25, c26, c27, mean2, inv2);
        }
        if (t3 < fmS) {
            fmStoreRow(b, h, t3, tx, nb, c30, c31, c32, c33, c34, c35, c36, c37, mean3, inv3);
        }
    }

    /** Score (row t, key s) of q.k sum {@code dot}: scaled and decayed for s <= t inside the tile, else 0. */
    float fmDecay(float dot, int t, int s, int rowEnd, float is, float fhs, float fls, float ir, float fhr,
                  float flr) {
        float p = 0f;
        if (s <= t && t < rowEnd) {
            p = fmScale * dot * exp((is - ir) - ((fhs - fhr) + (fls - flr)));
        }
        return p;
    }

    /** The sum of {@code part} over the 32 work-items of row slot a of this ty (all work-items call it). */
    float fmRowSum(int a, float part, int lid, int ty) {
        fmRed[a * FM_WORK_GROUP + lid] = part;
        localBarrier();
        int first = a * FM_WORK_GROUP + ty * 32;
        float sum = 0f;
        for (int u = 0; u < 32; u++) {
            sum += fmRed[first + u];
        }
        return sum;
    }

    float fmNormaliser(float rowSum, int t, int rowEnd, int sF, int sLo, float ir, float fhr, float flr) {
        int tt = min(t, rowEnd - 1);
        float m = ir + ((mem[sF + tt] - fhr) + (mem[sLo + tt] - flr));
        return max(abs(rowSum), exp(-m)) + fmEps;
    }

    /** v where column group g of lane tx lies inside the head, else 0. */
    float fmCol(int g, int tx, float v) {
        float out = 0f;
        if (tx + 32 * g < fmDH) {
            out = v;
        }
        return out;
    }

    float fmSq(int g, int tx, float d) {
        float out = 0f;
        if (tx + 32 * g < fmDH) {
            out = d * d;
        }
        return out;
    }

    void fmStoreRow(int b, int h, int t, int tx, int nb, float v0, float v1, float v2, float v3, float v4, float v5,
                    float v6, float v7, float mean, float inv) {
        fmStore(b, h, t, tx, v0, mean, inv);
        if (nb > 1) {
            fmStore(b, h, t, tx + 32, v1, mean, inv);
        }
        if (nb > 2) {
            fmStore(b, h, t, tx + 64, v2, mean, inv);
        }
        if (nb > 3) {
            fmStore(b, h, t, tx + 96, v3, mean, inv);
        }
        if (nb > 4) {
            fmStore(b, h, t, tx + 128, v4, mean, inv);
        }
        if (nb > 5) {
            fmStore(b, h, t, tx + 160, v5, mean, inv);
        }
        if (nb > 6) {
            fmStore(b, h, t, tx + 192, v6, mean, inv);
        }
        if (nb > 7) {
            fmStore(b, h, t, tx + 224, v7, mean, inv);
        }
    }

    /** h[t, head column d], or its norm, skip and gate (RowKernels.layerNorm's skip-gate branch), into the output. */
    void fmStore(int b, int h, int t, int d, float v, float mean, float inv) {
        if (d < fmDH) {
            int c = h * fmDH + d;
            int row = b * fmS + t;
            float y = v;
            if (fmMode == FM_NORM_SKIP_GATE) {
                y = (v - mean) * inv;
                if (fmW >= 0) {
                    float w = mem[fmW + c];
                    if (fmResidualW == 1) {
                        w = w + 1f;
                    }
                    y = y * w;
                }
                if (fmBias >= 0) {
                    y = y + mem[fmBias + c];
                }
                float zz = mem[fmZg + row * fmZRow + c];
                y = (y + mem[fmSkip + c] * mem[fmA + row * fmARow + c]) * (zz / (1f + exp(-zz)));
            }
            mem[fmOut + row * fmOutRow + c] = y;
        }
    }

    /**
     * The gate prefix of sequence (b, h) up to rowEnd into this group's scratch (MlstmParallelKernels.mlstmPrefix's
     * scans, double-float sums of logsigmoid(f) and the first argmax of i - F), then a global barrier.
     */
    void fmPrefix(int b, int h, int rowEnd, int scratch, int lid) {
        // the previous tile's reads of the scratch are done
        localBarrier();
        float carryHi = 0f;
        float carryLo = 0f;
        float carryBest = -3.0e38f;
        int carryR = 0;
        int lo = FM_WORK_GROUP;
        for (int t0 = 0; t0 < rowEnd; t0 += FM_WORK_GROUP) {
            int t = min(t0 + lid, rowEnd - 1);
            boolean valid = t0 + lid < rowEnd;
            int src = (b * fmS + t) * fmGs + h;
            float x = mem[fmFg + src];
            float y = 0f;
            if (valid) {
                y = min(x, 0f) - log(1f + exp(-abs(x)));
            }
            fmRed[lid] = y;
            fmRed[lo + lid] = 0f;
            localBarrier();
            for (int off = 1; off < FM_WORK_GROUP; off = off * 2) {
                float ah = fmRed[lid];
                float al = fmRed[lo + lid];
                float bh = 0f;
                float bl = 0f;
                if (lid >= off) {
                    bh = fmRed[lid - off];
                    bl = fmRed[lo + lid - off];
                }
                localBarrier();
                float sum = ah + bh;
                float bv = sum - ah;
                float err = (ah - (sum - bv)) + (bh - bv) + al + bl;
                float hi = sum + err;
                fmRed[lid] = hi;
                fmRed[lo + lid] = err - (hi - sum);
                localBarrier();
            }
            float sh = fmRed[lid];
            float sl = fmRed[lo + lid];
            float sum = carryHi + sh;
            float bv = sum - carryHi;
            float err = (carryHi - (sum - bv)) + (sh - bv) + carryLo + sl;
            float fHi = sum + err;
            float fLo = err - (fHi - sum);
            float ig = mem[fmIg + src];
            float g = (ig - fHi) - fLo;
            if (valid) {
                mem[scratch + t] = fHi;
                mem[scratch + fmS + t] = fLo;
                mem[scratch + 2 * fmS + t] = ig;
            }
            localBarrier();
            fmRed[lid] = valid ? g : -3.0e38f;
            fmRed[lo + lid] = t;
            localBarrier();
            for (int off = 1; off < FM_WORK_GROUP; off = off * 2) {
                float av = fmRed[lid];
                float ai = fmRed[lo + lid];
                float bvv = -3.0e38f;
                float bi = 0f;
                if (lid >= off) {
                    bvv = fmRed[lid - off];
                    bi = fmRed[lo + lid - off];
                }
                localBarrier();
                if (bvv >= av) {
                    av = bvv;
                    ai = bi;
                }
                fmRed[lid] = av;
                fmRed[lo + lid] = ai;
                localBarrier();
            }
            float best = fmRed[lid];
            int r = (int) fmRed[lo + lid];
            if (carryBest >= best) {
                best = carryBest;
                r = carryR;
            }
            if (valid) {
                mem[scratch + 3 * fmS + t] = r;
            }
            int last = min(FM_WORK_GROUP, rowEnd - t0) - 1;
            localBarrier();
            if (lid == last) {
                fmRed[0] = fHi;
                fmRed[1] = fLo;
                fmRed[2] = best;
                fmRed[lo] = r;
            }
            localBarrier();
            carryHi = fmRed[0];
            carryLo = fmRed[1];
            carryBest = fmRed[2];
            carryR = (int) fmRed[lo];
            localBarrier();
        }
        globalBarrier();
    }
}
