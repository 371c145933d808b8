package org.vil4j.opencl;

/**
 * The parallel (quadratic) mLSTM's gate prefix pass (OP_MLSTM_PREFIX).
 *
 * <p>One link of the device program's class chain (ProgramState ... DeviceProgram; docs/DESIGN.md): Aparapi
 * translates the methods {@link DeviceProgram#run()} reaches in any superclass of the kernel into the one OpenCL
 * program. Written in Aparapi's kernel subset (no objects, break/continue, switch or overloading).
 */
abstract class MlstmParallelKernels extends RowKernels {
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
    void mlstmPrefix() {
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
}
