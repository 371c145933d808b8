package org.vil4j.opencl;

import com.aparapi.Kernel;

/**
 * A second device program with one op: a GEMM of 128x128 tiles, 8x8 outputs a work-item, for the large
 * projections. It exists apart from {@link DeviceProgram} because a program runs at the register count of its
 * largest branch: this GEMM wants ~128 registers, which in the one program would halve every other op's occupancy
 * (docs/DESIGN.md: the 8x8 branch made every op slower even when never taken). It reads and writes the same float
 * arena: the preloaded library (tools/gpu/native/cl_shared_arena.c) gives every Kernel of a device one context, one
 * queue and, for the same array, one buffer, so results pass between the programs without copies, in queue order.
 *
 * <p>C[z][i][j] = epilogue(alpha * sum_k A[z][i][k] * B[z][k][j]) with any strides; z = outer * inner + inn.
 * Epilogues: store, + bias[j], + bias[j] (where given) + residual[i % residualRows][j], or the residual's row picked
 * through a row table, as the main program's EPI_LINEAR_RESIDUAL; the mLSTM's stabilised scores (tiles right of the
 * diagonal skip their products); zeros right of the diagonal (the mLSTM backward's score products). A may be causal
 * (zero right of its diagonal: the products stop at the tile's last row). Written in Aparapi's kernel subset.
 */
final class WideGemmProgram extends Kernel {
    static final int WORK_GROUP = 256;
    static final int GROUP = 16;
    static final int TILE = 128;
    static final int KSTEP = 8;
    /** A K row's stride in the tiles: 4 more than TILE, so that 8 K values of 4 rows stored by one warp hit 32 banks. */
    static final int TILE_STRIDE = TILE + 4;
    static final int EPI_STORE = 0;
    static final int EPI_BIAS = 1;
    static final int EPI_BIAS_RESIDUAL = 2;
    /** The mLSTM's scores: q.k times the stabilised decay for s <= t, else 0 (the main program's EPI_MLSTM_SCORES). */
    static final int EPI_MLSTM_SCORES = 3;
    /** Zeros right of the diagonal (j > i), as the main program's EPI_CAUSAL: the mLSTM backward's score products. */
    static final int EPI_CAUSAL = 4;

    float[] mem;
    /** The main program's int arena: the row tables of a gathered residual. */
    int[] index;
    @Local final float[] tileA = new float[KSTEP * TILE_STRIDE];
    @Local final float[] tileB = new float[KSTEP * TILE_STRIDE];

    // the arguments of one launch: scalar fields go over with every execute
    int wgM, wgN, wgK;
    int wgA, wgARow, wgAK, wgB, wgBK, wgBCol, wgC, wgCRow;
    int wgInner, wgAOuter, wgAInner, wgBOuter, wgBInner, wgCOuter, wgCInner, wgBatches;
    int wgEpilogue, wgBias, wgResidual, wgResidualRows, wgTable, wgTableStride;
    /** 1 when A is causal (A[i][k] = 0 for k > i): a tile's rows need k < i0 + TILE only. */
    int wgCausalA;
    /** The scores epilogue's prefix rows [Z, S]: F hi, F lo, argmax r, the input gates. */
    int wgFHi, wgFLo, wgArgmax, wgGates;
    float wgAlpha;

    WideGemmProgram(float[] arena, int[] indexArena) {
        mem = arena;
        index = indexArena;
    }

    @Override
    public void run() {
        int lid = getLocalId(0);
        int ty = lid / GROUP;
        int tx = lid - ty * GROUP;
        int tilesN = (wgN + TILE - 1) / TILE;
        int perBatch = tilesN * ((wgM + TILE - 1) / TILE);
        for (int t = getGroupId(0); t < perBatch * wgBatches; t += getNumGroups(0)) {
            tile(t, perBatch, tilesN, tx, ty, lid);
        }
    }

    void tile(int t, int perBatch, int tilesN, int tx, int ty, int lid) {
        int z = t / perBatch;
        int r = t - z * perBatch;
        int tm = r / tilesN;
        int j0 = (r - tm * tilesN) * TILE;
        int i0 = tm * TILE;
        int outer = z / wgInner;
        int inn = z - outer * wgInner;
        int aBase = wgA + outer * wgAOuter + inn * wgAInner;
        int bBase = wgB + outer * wgBOuter + inn * wgBInner;
        int cBase = wgC + outer * wgCOuter + inn * wgCInner;
        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f, c04 = 0f, c05 = 0f, c06 = 0f, c07 = 0f;
        float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f, c14 = 0f, c15 = 0f, c16 = 0f, c17 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f, c24 = 0f, c25 = 0f, c26 = 0f, c27 = 0f;
        float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f, c34 = 0f, c35 = 0f, c36 = 0f, c37 = 0f;
        float c40 = 0f, c41 = 0f, c42 = 0f, c43 = 0f, c44 = 0f, c45 = 0f, c46 = 0f, c47 = 0f;
        float c50 = 0f, c51 = 0f, c52 = 0f, c53 = 0f, c54 = 0f, c55 = 0f, c56 = 0f, c57 = 0f;
        float c60 = 0f, c61 = 0f, c62 = 0f, c63 = 0f, c64 = 0f, c65 = 0f, c66 = 0f, c67 = 0f;
        float c70 = 0f, c71 = 0f, c72 = 0f, c73 = 0f, c74 = 0f, c75 = 0f, c76 = 0f, c77 = 0f;

        int kEnd = wgK;
        if (wgCausalA == 1) {
            kEnd = min(wgK, i0 + TILE);
        }
        if ((wgEpilogue == EPI_MLSTM_SCORES || wgEpilogue == EPI_CAUSAL) && j0 > i0 + TILE - 1) {
            kEnd = 0; // a tile right of the diagonal: zeros only
        }
        for (int k0 = 0; k0 < kEnd; k0 += KSTEP) {
            for (int e = 0; e < KSTEP * TILE / WORK_GROUP; e++) {
                int l = lid + e * WORK_GROUP;
                // consecutive work-items read consecutive addresses of whichever stride is 1
                int kk = l / TILE;
                int rr = l - kk * TILE;
                if (wgAK == 1) {
                    rr = l / KSTEP;
                    kk = l - rr * KSTEP;
                }
                int gi = i0 + rr;
                int gk = k0 + kk;
                float va = 0f;
                if (gi < wgM && gk < wgK) {
                    va = mem[aBase + gi * wgARow + gk * wgAK];
                }
                tileA[kk * TILE_STRIDE + rr] = va;
                int kb = l / TILE;
                int cc = l - kb * TILE;
                if (wgBCol != 1 && wgBK == 1) {
                    cc = l / KSTEP;
                    kb = l - cc * KSTEP;
                }
                int gj = j0 + cc;
                int gkb = k0 + kb;
                float vb = 0f;
                if (gj < wgN && gkb < wgK) {
                    vb = mem[bBase + gkb * wgBK + gj * wgBCol];
                }
                tileB[kb * TILE_STRIDE + cc] = vb;
            }
            localBarrier();
            for (int kk = 0; kk < KSTEP; kk++) {
                // rows 4ty..4ty+3 and 64+4ty..: runs of four floats at 16-byte offsets (TILE_STRIDE and 4ty are
                // multiples of 4), the layout a vector load needs; NVIDIA's compiler still loads them one by one, as
                // it cannot see the local array's alignment (docs/DESIGN.md, round 18). 2% faster on the H200 anyway
                int ra = kk * TILE_STRIDE + 4 * ty;
                float x0 = tileA[ra + 0];
                float x1 = tileA[ra + 1];
                float x2 = tileA[ra + 2];
                float x3 = tileA[ra + 3];
                float x4 = tileA[ra + 64];
                float x5 = tileA[ra + 65];
                float x6 = tileA[ra + 66];
                float x7 = tileA[ra + 67];
                int rb = kk * TILE_STRIDE + 4 * tx;
                float y0 = tileB[rb + 0];
                float y1 = tileB[rb + 1];
                float y2 = tileB[rb + 2];
                float y3 = tileB[rb + 3];
                float y4 = tileB[rb + 64];
                float y5 = tileB[rb + 65];
                float y6 = tileB[rb + 66];
                float y7 = tileB[rb + 67];
                c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3; c04 += x0 * y4; c05 += x0 * y5; c06 += x0 * y6; c07 += x0 * y7;
                c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3; c14 += x1 * y4; c15 += x1 * y5; c16 += x1 * y6; c17 += x1 * y7;
                c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3; c24 += x2 * y4; c25 += x2 * y5; c26 += x2 * y6; c27 += x2 * y7;
                c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3; c34 += x3 * y4; c35 += x3 * y5; c36 += x3 * y6; c37 += x3 * y7;
                c40 += x4 * y0; c41 += x4 * y1; c42 += x4 * y2; c43 += x4 * y3; c44 += x4 * y4; c45 += x4 * y5; c46 += x4 * y6; c47 += x4 * y7;
                c50 += x5 * y0; c51 += x5 * y1; c52 += x5 * y2; c53 += x5 * y3; c54 += x5 * y4; c55 += x5 * y5; c56 += x5 * y6; c57 += x5 * y7;
                c60 += x6 * y0; c61 += x6 * y1; c62 += x6 * y2; c63 += x6 * y3; c64 += x6 * y4; c65 += x6 * y5; c66 += x6 * y6; c67 += x6 * y7;
                c70 += x7 * y0; c71 += x7 * y1; c72 += x7 * y2; c73 += x7 * y3; c74 += x7 * y4; c75 += x7 * y5; c76 += x7 * y6; c77 += x7 * y7;
            }
            localBarrier();
        }
        int ia = i0 + 4 * ty;
        int jb = j0 + 4 * tx;
        put(cBase, z, ia + 0, jb + 0, c00); put(cBase, z, ia + 0, jb + 1, c01); put(cBase, z, ia + 0, jb + 2, c02); put(cBase, z, ia + 0, jb + 3, c03);
        put(cBase, z, ia + 0, jb + 64, c04); put(cBase, z, ia + 0, jb + 65, c05); put(cBase, z, ia + 0, jb + 66, c06); put(cBase, z, ia + 0, jb + 67, c07);
        put(cBase, z, ia + 1, jb + 0, c10); put(cBase, z, ia + 1, jb + 1, c11); put(cBase, z, ia + 1, jb + 2, c12); put(cBase, z, ia + 1, jb + 3, c13);
        put(cBase, z, ia + 1, jb + 64, c14); put(cBase, z, ia + 1, jb + 65, c15); put(cBase, z, ia + 1, jb + 66, c16); put(cBase, z, ia + 1, jb + 67, c17);
        put(cBase, z, ia + 2, jb + 0, c20); put(cBase, z, ia + 2, jb + 1, c21); put(cBase, z, ia + 2, jb + 2, c22); put(cBase, z, ia + 2, jb + 3, c23);
        put(cBase, z, ia + 2, jb + 64, c24); put(cBase, z, ia + 2, jb + 65, c25); put(cBase, z, ia + 2, jb + 66, c26); put(cBase, z, ia + 2, jb + 67, c27);
        put(cBase, z, ia + 3, jb + 0, c30); put(cBase, z, ia + 3, jb + 1, c31); put(cBase, z, ia + 3, jb + 2, c32); put(cBase, z, ia + 3, jb + 3, c33);
        put(cBase, z, ia + 3, jb + 64, c34); put(cBase, z, ia + 3, jb + 65, c35); put(cBase, z, ia + 3, jb + 66, c36); put(cBase, z, ia + 3, jb + 67, c37);
        put(cBase, z, ia + 64, jb + 0, c40); put(cBase, z, ia + 64, jb + 1, c41); put(cBase, z, ia + 64, jb + 2, c42); put(cBase, z, ia + 64, jb + 3, c43);
        put(cBase, z, ia + 64, jb + 64, c44); put(cBase, z, ia + 64, jb + 65, c45); put(cBase, z, ia + 64, jb + 66, c46); put(cBase, z, ia + 64, jb + 67, c47);
        put(cBase, z, ia + 65, jb + 0, c50); put(cBase, z, ia + 65, jb + 1, c51); put(cBase, z, ia + 65, jb + 2, c52); put(cBase, z, ia + 65, jb + 3, c53);
        put(cBase, z, ia + 65, jb + 64, c54); put(cBase, z, ia + 65, jb + 65, c55); put(cBase, z, ia + 65, jb + 66, c56); put(cBase, z, ia + 65, jb + 67, c57);
        put(cBase, z, ia + 66, jb + 0, c60); put(cBase, z, ia + 66, jb + 1, c61); put(cBase, z, ia + 66, jb + 2, c62); put(cBase, z, ia + 66, jb + 3, c63);
        put(cBase, z, ia + 66, jb + 64, c64); put(cBase, z, ia + 66, jb + 65, c65); put(cBase, z, ia + 66, jb + 66, c66); put(cBase, z, ia + 66, jb + 67, c67);
        put(cBase, z, ia + 67, jb + 0, c70); put(cBase, z, ia + 67, jb + 1, c71); put(cBase, z, ia + 67, jb + 2, c72); put(cBase, z, ia + 67, jb + 3, c73);
        put(cBase, z, ia + 67, jb + 64, c74); put(cBase, z, ia + 67, jb + 65, c75); put(cBase, z, ia + 67, jb + 66, c76); put(cBase, z, ia + 67, jb + 67, c77);
    }

    void put(int cBase, int z, int i, int j, float acc) {
        if (i < wgM && j < wgN) {
            float v = wgAlpha * acc;
            int dest = i;
            if (wgEpilogue == EPI_MLSTM_SCORES) {
                // log D[t,s] - m_t = (i_s - i_r) - (F_s - F_r), F kept as hi + lo floats (S = M = N)
                v = 0f;
                if (j <= i) {
                    int row = z * wgM;
                    int r = (int) mem[wgArgmax + row + i];
                    float df = (mem[wgFHi + row + j] - mem[wgFHi + row + r])
                            + (mem[wgFLo + row + j] - mem[wgFLo + row + r]);
                    v = wgAlpha * acc * exp((mem[wgGates + row + j] - mem[wgGates + row + r]) - df);
                }
            }
            if (wgEpilogue == EPI_CAUSAL && j > i) {
                v = 0f;
            }
            if (wgEpilogue != EPI_STORE && wgEpilogue != EPI_CAUSAL && wgBias >= 0) {
                v = v + mem[wgBias + j];
            }
            if (wgEpilogue == EPI_BIAS_RESIDUAL) {
                if (wgTable >= 0) {
                    // row i (batch b, token t) belongs to residual row (b, index[t]), which C shares
                    int b = i / wgResidualRows;
                    int picked = index[wgTable + i - b * wgResidualRows];
                    dest = -1;
                    if (picked >= 0) {
                        dest = b * wgTableStride + picked;
                        v = v + mem[wgResidual + dest * wgN + j];
                    }
                } else {
                    v = v + mem[wgResidual + (i % wgResidualRows) * wgN + j];
                }
            }
            if (dest >= 0) {
                mem[cBase + dest * wgCRow + j] = v;
            }
        }
    }
}
