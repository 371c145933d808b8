package org.vil4j.opencl;

/**
 * Row-wise reductions: layer norm, the skinny row-wise linears and the fused q|k|v + gates pass (OP_LAYER_NORM,
 * OP_LINEAR_ROWS, OP_HEADWISE_GATES), with the segment sums they share.
 *
 * <p>One link of the device program's class chain (ProgramState ... DeviceProgram; docs/DESIGN.md): Aparapi
 * translates the methods {@link DeviceProgram#run()} reaches in any superclass of the kernel into the one OpenCL
 * program. Written in Aparapi's kernel subset (no objects, break/continue, switch or overloading).
 */
abstract class RowKernels extends HeadwiseKernels {
    // ---- normalisation ----------------------------------------------------------------------------------------

    /**
     * A segment of ROW_LANES work-items per (row, group), reading the row coalesced: a0 = rows*groups, a1 = group
     * size, a2 = row width, a3 = x, a4 = out, a5 = weight or -1, a6 = 1 for a residual weight (scale 1 + w),
     * a7 = bias or -1, f0 = eps; a8 = a row index table or -1 (then output row (b, t) is input row (b, index[t]):
     * gatherTokens fused in, a9 = output rows a batch, a10 = input rows a batch); a11 = skip [C] or -1 (then the
     * mLSTM's skip gate follows: a12 = a, rows a15 apart, a13 = z, rows a14 apart; both may be column views). Mean,
     * then the variance of the deviations (two passes, as the reference).
     */
    void layerNorm() {
        int lid = getLocalId(0);
        int segment = lid / ROW_LANES;
        int lane = lid - segment * ROW_LANES;
        int groups = a2 / a1;
        for (int first = getGroupId(0) * ROWS_PER_GROUP; first < a0; first += getNumGroups(0) * ROWS_PER_GROUP) {
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
            // one pass and one tree for both moments (two passes waited at two trees' barriers)
            float shift = segmentMoments(base, lid, lane);
            float meanShifted = tileA[lid - lane] / a1;
            float variance = max(tileA[WORK_GROUP + lid - lane] / a1 - meanShifted * meanShifted, 0f);
            // tileA is written again by the next sums
            localBarrier();
            float mean = shift + meanShifted;
            float inv = 1f / sqrt(variance + f0);
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
                        // the mLSTM's skip gate: (y + skip[c] * a) * silu(z), a rows a15 and z rows a14 apart
                        float zz = mem[a13 + row * a14 + c];
                        y = (y + mem[a11 + c] * mem[a12 + row * a15 + c]) * (zz / (1f + exp(-zz)));
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
    void linearRows() {
        int lid = getLocalId(0);
        int segment = lid / ROW_LANES;
        int lane = lid - segment * ROW_LANES;
        for (int first = getGroupId(0) * ROWS_PER_GROUP; first < a0; first += getNumGroups(0) * ROWS_PER_GROUP) {
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
    void headwiseGates() {
        int lid = getLocalId(0);
        int segment = lid / ROW_LANES;
        int lane = lid - segment * ROW_LANES;
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
        for (int first = getGroupId(0) * ROWS_PER_GROUP; first < a0; first += getNumGroups(0) * ROWS_PER_GROUP) {
            boolean active = first + segment < a0;
            // a segment past the last row computes its group's first row again (stored by nobody): a row this
            // group's convolveRows wrote when OP_CONV_HEADWISE_GATES runs this pass
            int row = first;
            if (active) {
                row = first + segment;
            }
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

    /**
     * The mLSTM's depthwise convolution + SiLU and the q|k|v + gates pass over it, one pass ({@code
     * Ops.convHeadwiseGates}; out = [a | q | k | v | gates], rows a22 apart): headwiseGates' operands with q and k
     * reading a (a5 = a9 = out, a6 = a10 = a22) and v reading xm (a13, rows a14 apart), a4 = out + W; the
     * convolution's a23 = neighbour table [S, K], a24 = w [W, K], a25 = bias or -1, a26 = S tokens a batch, a27 = K.
     * Phase 1 (convolveRows) writes each row's a; phase 2 reads it, written by other lanes of the same segment: a
     * barrier with a global fence between them, reached by every work-item (neither phase returns early).
     */
    void convHeadwiseGates() {
        convolveRows(a0, a1 * a2, a13, a14, a5, a6, a23, a27, a26, a24, a25);
        globalBarrier();
        headwiseGates();
    }

    /** segmentSums4 of v0..v3 in tileA's quarters and of v4..v7 in tileB's, with one barrier a level. */
    void segmentSums8(int lid, int lane, float v0, float v1, float v2, float v3, float v4, float v5,
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
    int gateWeight(int j, int k3) {
        int base = a17 + j * k3;
        if (j >= a19) {
            base = a20 + (j - a19) * k3;
        }
        return base;
    }

    /** Where output j's weight row starts: the first weight's rows below a7, the second's from a7 on. */
    int linearRowsWeight(int j) {
        int base = a4 + j * a2;
        if (j >= a7) {
            base = a8 + (j - a7) * a2;
        }
        return base;
    }

    /**
     * The first two moments of the a1 values from mem[base], shifted by the first of them, which it returns: their sum
     * ends at tileA[lid - lane] and the sum of their squares at tileA[WORK_GROUP + lid - lane] (segmentSums4). One
     * pass and one tree for both: |mean - shift| is a few standard deviations at most where the values are spread and
     * 0 where they are equal, so E[d^2] - E[d]^2 cancels little. The caller reads them, then waits at a barrier.
     */
    float segmentMoments(int base, int lid, int lane) {
        float shift = mem[base];
        float sum = 0f;
        float squares = 0f;
        for (int e = lane; e < a1; e += ROW_LANES) {
            float d = mem[base + e] - shift;
            sum += d;
            squares += d * d;
        }
        segmentSums4(lid, lane, sum, squares, 0f, 0f);
        return shift;
    }

    /**
     * Four sums over this work-item's segment of ROW_LANES at once, in tileA's four WORK_GROUP-long quarters: sum q
     * of the segment ends at tileA[q * WORK_GROUP + lid - lane]. The caller reads them, then waits at a barrier.
     */
    void segmentSums4(int lid, int lane, float v0, float v1, float v2, float v3) {
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
}
