package org.vil4j.opencl;

/**
 * The tiled, batched GEMM and its fused epilogues (OP_GEMM). Below the chunkwise mLSTM in the chain because the
 * chunk-scores epilogue uses its {@code chunkLogWeight}.
 *
 * <p>One link of the device program's class chain (ProgramState ... DeviceProgram; docs/DESIGN.md): Aparapi
 * translates the methods {@link DeviceProgram#run()} reaches in any superclass of the kernel into the one OpenCL
 * program. Written in Aparapi's kernel subset (no objects, break/continue, switch or overloading).
 */
abstract class GemmKernels extends MlstmChunkBackwardKernels {
    // ---- batched GEMM with strides and fused epilogues ------------------------------------------------------

    /**
     * C[z][i][j] = epilogue(f0 * sum_k A[z][i][k] * B[z][k][j]).
     * a0 = M (rows i), a1 = N (cols j), a2 = K,
     * a3 = A offset, a4 = A row stride, a5 = A k stride,
     * a6 = B offset, a7 = B k stride, a8 = B col stride,
     * a9 = C offset, a10 = C row stride,
     * a11 = inner batch count (z = outer * a11 + inner),
     * a12/a13 = A outer/inner batch strides, a14/a15 = B's, a16/a17 = C's,
     * a18 = epilogue, a19/a20/a21 = epilogue operands, a22 = 1 when A is causal (A[i][k] = 0 for k > i), 2 when
     * A[i][k] = 0 for k < i (a causal matrix read by columns),
     * a25 = batches. A work-group (16 x 16 work-items) takes tiles t = group, group + groups, ...
     */
    void gemm() {
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
    void gemmTile(int t, int perBatch, int tilesN, int tx, int ty, int lid) {
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
        int kStart = 0;
        int kEnd = a2;
        if (a22 == 1) {
            // a causal A has only zeros right of the diagonal: this tile's rows need k < i0 + TILE
            kEnd = min(a2, i0 + TILE);
        } else if (a22 == 2) {
            // an A with zeros left of the diagonal (a causal matrix read by columns): the rows need k >= i0
            kStart = i0;
        }
        boolean skip = (a18 == EPI_MLSTM_SCORES || a18 == EPI_CAUSAL || a18 == EPI_MLSTM_CHUNK_SCORES)
                && j0 > i0 + TILE - 1;
        if (skip) {
            kEnd = 0;
        }
        // the groups of 16 rows and columns this tile has in the product: a 196-token cell's last row tile has 4
        // rows (one group), its 96-wide heads leave 32 columns (two groups) in the second column tile
        int rowGroups = min(4, (m - i0 + GROUP - 1) / GROUP);
        int colGroups = min(4, (n - j0 + GROUP - 1) / GROUP);

        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
        float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
        float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;

        // software pipelined: the next k-step's four A and four B values are loaded into registers while this one's
        // FMAs run, and stored into the other half of the double-buffered tiles (ViL-T b256 on the H200: 1-4% faster
        // despite the spills it costs under the register cap, docs/PERFORMANCE.md, round 18)
        float pa0 = 0f, pa1 = 0f, pa2 = 0f, pa3 = 0f, pb0 = 0f, pb1 = 0f, pb2 = 0f, pb3 = 0f;
        if (kStart < kEnd) {
            pa0 = gemmLoad(aBase, lid, i0, kStart, a0, a4, a5);
            pa1 = gemmLoad(aBase, lid + WORK_GROUP, i0, kStart, a0, a4, a5);
            pa2 = gemmLoad(aBase, lid + 2 * WORK_GROUP, i0, kStart, a0, a4, a5);
            pa3 = gemmLoad(aBase, lid + 3 * WORK_GROUP, i0, kStart, a0, a4, a5);
            pb0 = gemmLoad(bBase, lid, j0, kStart, a1, a8, a7);
            pb1 = gemmLoad(bBase, lid + WORK_GROUP, j0, kStart, a1, a8, a7);
            pb2 = gemmLoad(bBase, lid + 2 * WORK_GROUP, j0, kStart, a1, a8, a7);
            pb3 = gemmLoad(bBase, lid + 3 * WORK_GROUP, j0, kStart, a1, a8, a7);
        }
        int buffer = 0;
        for (int k0 = kStart; k0 < kEnd; k0 += KSTEP) {
            tileA[buffer + gemmSlot(lid, a5)] = pa0;
            tileA[buffer + gemmSlot(lid + WORK_GROUP, a5)] = pa1;
            tileA[buffer + gemmSlot(lid + 2 * WORK_GROUP, a5)] = pa2;
            tileA[buffer + gemmSlot(lid + 3 * WORK_GROUP, a5)] = pa3;
            tileB[buffer + gemmSlot(lid, a7)] = pb0;
            tileB[buffer + gemmSlot(lid + WORK_GROUP, a7)] = pb1;
            tileB[buffer + gemmSlot(lid + 2 * WORK_GROUP, a7)] = pb2;
            tileB[buffer + gemmSlot(lid + 3 * WORK_GROUP, a7)] = pb3;
            localBarrier();
            int next = k0 + KSTEP;
            if (next < kEnd) {
                pa0 = gemmLoad(aBase, lid, i0, next, a0, a4, a5);
                pa1 = gemmLoad(aBase, lid + WORK_GROUP, i0, next, a0, a4, a5);
                pa2 = gemmLoad(aBase, lid + 2 * WORK_GROUP, i0, next, a0, a4, a5);
                pa3 = gemmLoad(aBase, lid + 3 * WORK_GROUP, i0, next, a0, a4, a5);
                pb0 = gemmLoad(bBase, lid, j0, next, a1, a8, a7);
                pb1 = gemmLoad(bBase, lid + WORK_GROUP, j0, next, a1, a8, a7);
                pb2 = gemmLoad(bBase, lid + 2 * WORK_GROUP, j0, next, a1, a8, a7);
                pb3 = gemmLoad(bBase, lid + 3 * WORK_GROUP, j0, next, a1, a8, a7);
            }
            // the work-group takes one branch (its tile's groups): products with rows or columns past the end are
            // not computed (a 196-row cell computed 256 rows). On the H200 this alone moved little while the tile
            // stores' bank conflicts (TILE_STRIDE) dominated a tile's time (docs/PERFORMANCE.md, round 16)
            if (rowGroups == 1) {
                for (int kk = 0; kk < KSTEP; kk++) {
                    float x0 = tileA[buffer + kk * TILE_STRIDE + ty];
                    int rb = buffer + kk * TILE_STRIDE + tx;
                    c00 += x0 * tileB[rb]; c01 += x0 * tileB[rb + 16];
                    c02 += x0 * tileB[rb + 32]; c03 += x0 * tileB[rb + 48];
                }
            } else if (colGroups <= 2) {
                for (int kk = 0; kk < KSTEP; kk++) {
                    int ra = buffer + kk * TILE_STRIDE + ty;
                    float x0 = tileA[ra];
                    float x1 = tileA[ra + 16];
                    float x2 = tileA[ra + 32];
                    float x3 = tileA[ra + 48];
                    int rb = buffer + kk * TILE_STRIDE + tx;
                    float y0 = tileB[rb];
                    float y1 = tileB[rb + 16];
                    c00 += x0 * y0; c01 += x0 * y1;
                    c10 += x1 * y0; c11 += x1 * y1;
                    c20 += x2 * y0; c21 += x2 * y1;
                    c30 += x3 * y0; c31 += x3 * y1;
                }
            } else {
                for (int kk = 0; kk < KSTEP; kk++) {
                    int ra = buffer + kk * TILE_STRIDE + ty;
                    float x0 = tileA[ra];
                    float x1 = tileA[ra + 16];
                    float x2 = tileA[ra + 32];
                    float x3 = tileA[ra + 48];
                    int rb = buffer + kk * TILE_STRIDE + tx;
                    float y0 = tileB[rb];
                    float y1 = tileB[rb + 16];
                    float y2 = tileB[rb + 32];
                    float y3 = tileB[rb + 48];
                    c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
                    c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
                    c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
                    c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
                }
            }
            // the next k-step stores into the other buffer; this one is rewritten only after the next barrier
            buffer = TILE_BUFFER - buffer;
        }
        // the epilogue's row sums and the next tile's first k-step write tileA's first buffer
        localBarrier();
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
     * Where load l (0 .. KSTEP * TILE - 1 of a k-step) of an operand goes in its tile buffer, the operand's K stride
     * being kStride (a5 for A, a7 for B): as gemmLoad takes it.
     */
    int gemmSlot(int l, int kStride) {
        int kk = l / TILE;
        int line = l - kk * TILE;
        if (kStride == 1) {
            line = l / KSTEP;
            kk = l - line * KSTEP;
        }
        return kk * TILE_STRIDE + line;
    }

    /**
     * Load l of an operand's k-step from k0: A's rows first.. (lines = a0, lineStride = a4, kStride = a5) or B's
     * columns first.. (a1, a8, a7); consecutive work-items read consecutive addresses of whichever stride is 1, and
     * past the ends a zero.
     */
    float gemmLoad(int base, int l, int first, int k0, int lines, int lineStride, int kStride) {
        int kk = l / TILE;
        int line = l - kk * TILE;
        if (kStride == 1) {
            line = l / KSTEP;
            kk = l - line * KSTEP;
        }
        int g = first + line;
        int gk = k0 + kk;
        float v = 0f;
        if (g < lines && gk < a2) {
            v = mem[base + g * lineStride + gk * kStride];
        }
        return v;
    }

    /**
     * max(|sum_{s <= i} A[i][s]|, exp(-m_i)) + eps for row i of this tile's A: the 16 work-items of a tile row sum a
     * strided share each and meet in tileA (free after the K loop's last barrier). Every work-item of the group
     * calls it (it has barriers); rows past the end give 1.
     */
    float rowNormaliser(int aBase, int z, int i, int tx, int lid) {
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

    void store(int cBase, int z, int i, int j, float acc) {
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
                    // a residual of a23 rows repeats down the product (a23 = M when they are the same shape)
                    v = v + mem[a20 + (i % a23) * a1 + j];
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
}
