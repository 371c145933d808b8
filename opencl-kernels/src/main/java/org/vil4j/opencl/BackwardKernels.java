package org.vil4j.opencl;

/**
 * Backward passes: column reductions, element-wise and layer-norm gradients, gathers, convolution and patchify
 * adjoints, the parallel mLSTM's backward rows (op codes 16-25).
 *
 * <p>One link of the device program's class chain (ProgramState ... DeviceProgram; docs/DESIGN.md): Aparapi
 * translates the methods {@link DeviceProgram#run()} reaches in any superclass of the kernel into the one OpenCL
 * program. Written in Aparapi's kernel subset (no objects, break/continue, switch or overloading).
 */
abstract class BackwardKernels extends GemmKernels {
    // ==== gradients and optimiser updates ======================================================================
    // No float atomics: every reduction is one work-item per output (or per partial) looping over the reduced axis.
    /** Rows up to which a column reduction is one work-item's loop rather than a work-group's tree. */
    static final int FEW_ROWS = 64;

    /**
     * out[map(c)] = sum over rows of x[r][c] (of its square when a4 == 1), in one launch. A block of columnBlock
     * columns of many rows is a work-group's unit: each work-item adds every (256 / columnBlock)-th row of one
     * column, then a tree in local memory (tileA). Columns of at
     * most FEW_ROWS rows (a split-K weight gradient's partial products: a few rows, m x n columns) go a work-group's
     * lanes at a time, one a work-item adding its rows in order: a tree for each such column cost nine barriers for
     * a handful of adds, and ran a ViL-T step's 293 reductions at ~0.2 ms each on the H200 at any batch (round 14).
     * a0 = columns, a1 = rows, a2 = x, a3 = out, a4 = square, a5 = column map (see mappedColumn).
     * a4 == 2 (a normalisation's scale and shift gradients): out = sum x[r][c] * y[r][c] with y at a6, and at a7
     * the plain sum of x, in a second tree (tileB); the products are summed in the order a mul and a plain column
     * sum would give.
     * A second, plain reduction may ride along in the same launch (a linear's bias gradient beside its split-K
     * weight gradient): a8 columns (0: none) of a9 rows of x at a10, sums at a11; its units come after the first's.
     */
    void reduceColumns() {
        int lane = getLocalId(0);
        int lanes = getLocalSize(0);
        int units = reductionUnits(a0, a1, lanes);
        int units2 = reductionUnits(a8, a9, lanes);
        for (int u = getGroupId(0); u < units + units2; u += getNumGroups(0)) {
            if (u < units) {
                reduceUnit(u, lane, lanes, a0, a1, a2, a3, a4, a5, a6, a7);
            } else {
                reduceUnit(u - units, lane, lanes, a8, a9, a10, a11, 0, 0, -1, -1);
            }
        }
    }

    /**
     * The columns of a many-row unit: columnBlock, or for fewer columns the largest power of two not above their
     * count (a single column keeps every work-item of its group, as a gradient norm's sum of squares needs).
     */
    int blockWidth(int cols) {
        int width = columnBlock;
        while (width > cols && width > 1) {
            width = width / 2;
        }
        return width;
    }

    /** A job's work-group units: blocks of blockWidth columns, or with few rows blocks of {@code lanes} columns. */
    int reductionUnits(int cols, int rows, int lanes) {
        int width = blockWidth(cols);
        int units = (cols + width - 1) / width;
        if (rows <= FEW_ROWS) {
            units = (cols + lanes - 1) / lanes;
        }
        return units;
    }

    /** One unit of a job (the branch is the same for the whole work-group, so the tree's barriers are uniform). */
    void reduceUnit(int unit, int lane, int lanes, int cols, int rows, int x, int out, int mode, int map, int y,
                    int plainOut) {
        if (rows <= FEW_ROWS) {
            int col = unit * lanes + lane;
            if (col < cols) {
                mem[out + mappedColumn(col, cols, map)] = columnPartial(col, 0, 1, cols, rows, x, mode, y);
                if (mode == 2) {
                    mem[plainOut + mappedColumn(col, cols, map)] = columnPartial(col, 0, 1, cols, rows, x, 0, -1);
                }
            }
        } else {
            reduceColumnBlock(unit, lane, lanes, cols, rows, x, out, mode, map, y, plainOut);
        }
    }

    /**
     * Unit {@code block}'s columns of many rows (blockWidth of them): work-item lane takes column lane % width of the
     * block and every (lanes / width)-th row from lane / width, then a tree over the work-items of each column in
     * local memory (tileA; tileB for mode 2's plain sums).
     */
    void reduceColumnBlock(int block, int lane, int lanes, int cols, int rows, int x, int out, int mode, int map,
                           int y, int plainOut) {
        int width = blockWidth(cols);
        int phase = lane / width;
        int col = block * width + lane - phase * width;
        float acc = 0f;
        float plain = 0f;
        if (col < cols) {
            acc = columnPartial(col, phase, lanes / width, cols, rows, x, mode, y);
            if (mode == 2) {
                plain = columnPartial(col, phase, lanes / width, cols, rows, x, 0, -1);
            }
        }
        tileA[lane] = acc;
        if (mode == 2) {
            tileB[lane] = plain;
        }
        localBarrier();
        for (int span = lanes / 2; span >= width; span = span / 2) {
            if (lane < span) {
                tileA[lane] = tileA[lane] + tileA[lane + span];
                if (mode == 2) {
                    tileB[lane] = tileB[lane] + tileB[lane + span];
                }
            }
            localBarrier();
        }
        if (lane < width && col < cols) {
            mem[out + mappedColumn(col, cols, map)] = tileA[lane];
            if (mode == 2) {
                mem[plainOut + mappedColumn(col, cols, map)] = tileB[lane];
            }
        }
        // tileA is written again by the next block
        localBarrier();
    }

    /**
     * The sum of x[r][col] for r = first, first + step, ... below rows: of its square with mode 1, of x * y with
     * mode 2 (the plain sum of mode 2 is a second call with mode 0). Four rows a round into four sums, so that four
     * loads are in flight rather than one: a block of columns has few work-groups, each work-item a long column
     * (a single sum left ViL-T's 25,088-row bias sums 3x slower than a group per column, round 15).
     */
    float columnPartial(int col, int first, int step, int cols, int rows, int x, int mode, int y) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int r = first;
        while (r + 3 * step < rows) {
            s0 += columnValue(r, col, cols, x, mode, y);
            s1 += columnValue(r + step, col, cols, x, mode, y);
            s2 += columnValue(r + 2 * step, col, cols, x, mode, y);
            s3 += columnValue(r + 3 * step, col, cols, x, mode, y);
            r += 4 * step;
        }
        while (r < rows) {
            s0 += columnValue(r, col, cols, x, mode, y);
            r += step;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** x[r][col], squared with mode 1, times y[r][col] with mode 2. */
    float columnValue(int r, int col, int cols, int x, int mode, int y) {
        float v = mem[x + r * cols + col];
        if (mode == 1) {
            v = v * v;
        } else if (mode == 2) {
            v = v * mem[y + r * cols + col];
        }
        return v;
    }

    /** Where column col's sum goes: col itself, or with c > 0 (col % c) * (cols / c) + col / c (a [K, c] row as [c, K]). */
    int mappedColumn(int col, int cols, int c) {
        int result = col;
        if (c > 0) {
            result = (col % c) * (cols / c) + col / c;
        }
        return result;
    }

    /**
     * a0 = n, a1 = mode, a2 = out.
     * silu: a3 = x, a4 = dy; out = dy * silu'(x).
     * skip gate (out = dh): a3 = h, a4 = skip, a5 = a, a6 = z, a7 = dy, a8 = da, a9 = dz, a10 = columns, a11/a12 =
     * a's and z's row strides.
     * scale samples: a3 = x, a4 = scales, a5 = elements per sample.
     * place columns (n = rows * total): a3 = x, a4 = count, a5 = start, a6 = total.
     */
    void gradElementwise() {
        for (int i = getGlobalId(0); i < a0; i += getGlobalSize(0)) {
            if (a1 == GW_SILU) {
                mem[a2 + i] = mem[a4 + i] * siluDerivative(mem[a3 + i]);
            } else if (a1 == GW_SKIP_GATE) {
                // a and z through their row strides (column views of the up-projection)
                int r = i / a10;
                int c = i - r * a10;
                float z = mem[a6 + r * a12 + c];
                float dy = mem[a7 + i];
                float s = mem[a4 + c];
                float dh = dy * (z / (1f + exp(-z)));
                mem[a2 + i] = dh;
                mem[a8 + i] = dh * s;
                mem[a9 + i] = dy * (mem[a3 + i] + s * mem[a5 + r * a11 + c]) * siluDerivative(z);
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
            } else if (a1 == GW_ADD_INTO_COLUMNS) {
                int r = i / a4;
                int dest = a2 + r * a6 + a5 + i - r * a4;
                mem[dest] = mem[dest] + mem[a3 + i];
            }
        }
    }

    /** d/dx of x * sigmoid(x) = s * (1 + x * (1 - s)). */
    float siluDerivative(float x) {
        float s = 1f / (1f + exp(-x));
        return s * (1f + x * (1f - s));
    }

    /**
     * A segment of ROW_LANES work-items per (row, group), reading the row coalesced (a work-item per row read its
     * row alone, 0.8 ms a launch at ViL-T's 25,088 x 384 on the H200, round 15): a0 = rows*groups, a1 = group size,
     * a2 = row width, a3 = x, a4 = dy, a5 = out, a6 = weight or -1, a7 = 1 for a residual weight, f0 = eps; a8 = 1
     * also writes xhat at a9 (same layout as x); a10 = a dense tensor of x's shape added to dx (or -1). dx = istd *
     * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * scale; mean and variance as the forward (layerNorm) takes
     * them, from shifted sums.
     */
    void layerNormBackward() {
        int lid = getLocalId(0);
        int segment = lid / ROW_LANES;
        int lane = lid - segment * ROW_LANES;
        int groups = a2 / a1;
        for (int first = getGroupId(0) * ROWS_PER_GROUP; first < a0; first += getNumGroups(0) * ROWS_PER_GROUP) {
            int item = min(first + segment, a0 - 1);
            int row = item / groups;
            int g = item - row * groups;
            int base = row * a2 + g * a1;
            float shift = segmentMoments(a3 + base, lid, lane);
            float meanShifted = tileA[lid - lane] / a1;
            float variance = max(tileA[WORK_GROUP + lid - lane] / a1 - meanShifted * meanShifted, 0f);
            localBarrier();
            float mean = shift + meanShifted;
            float inv = 1f / sqrt(variance + f0);
            float sumG = 0f;
            float sumGX = 0f;
            for (int e = lane; e < a1; e += ROW_LANES) {
                float gg = mem[a4 + base + e] * layerNormScale(g * a1 + e);
                sumG += gg;
                sumGX += gg * ((mem[a3 + base + e] - mean) * inv);
            }
            segmentSums4(lid, lane, sumG, sumGX, 0f, 0f);
            float meanG = tileA[lid - lane] / a1;
            float meanGX = tileA[WORK_GROUP + lid - lane] / a1;
            localBarrier();
            if (first + segment < a0) {
                for (int e = lane; e < a1; e += ROW_LANES) {
                    float gg = mem[a4 + base + e] * layerNormScale(g * a1 + e);
                    float xhat = (mem[a3 + base + e] - mean) * inv;
                    float dx = inv * (gg - meanG - xhat * meanGX);
                    if (a10 >= 0) {
                        // the input's gradient so far (layerNormGradients with plus)
                        dx = mem[a10 + base + e] + dx;
                    }
                    mem[a5 + base + e] = dx;
                    if (a8 == 1) {
                        // the normalised input, for the weight's gradient (layerNormGradients)
                        mem[a9 + base + e] = xhat;
                    }
                }
            }
        }
    }

    float layerNormScale(int c) {
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
    void gatherSum() {
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
     * a0 = B*S*C, a1 = S, a2 = C, a3 = taps K, a4 = dy, a5 = inverse table, a6 = its columns, a7 = w [C,K], a8 = out,
     * a9 = a dense tensor of dy's shape added to it (or -1).
     */
    void depthwiseBackwardInput() {
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
            if (a9 >= 0) {
                // the input's gradient so far (Ops.depthwiseConvBackwardInput with plus)
                acc = mem[a9 + gid] + acc;
            }
            mem[a8 + gid] = acc;
        }
    }

    /**
     * Partials of the depthwise weight gradient: work-item (chunk, k, c) sums dy[b,s,c] * x[b, nb[s,k], c] over the
     * (b, s) items [chunk*a3, (chunk+1)*a3). a0 = chunks*K*C, a1 = K*C, a2 = items B*S, a3 = chunk length, a4 = x,
     * a5 = dy, a6 = neighbour table [S,K], a7 = 0 or C (output column mapping, see reduceColumns), a8 = S,
     * a9 = K, a10 = out [chunks, K*C], a11 = x's row stride (C, or more for a column view).
     */
    void depthwiseWeightPartials() {
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
                    acc += mem[a5 + item * channels + c] * mem[a4 + (b * a8 + src) * a11 + c];
                }
            }
            mem[a10 + chunk * a1 + mappedColumn(col, a1, a7)] = acc;
        }
    }

    /**
     * The partial sums of a weight gradient with few output rows (DeviceGradients.weightGradient), a work-item per
     * chunk of rows and output: partial[chunk][h][o][e] = sum over the chunk's rows r of dy[r*a4 + h*a5 + o] *
     * x[r*a7 + h*a8 + e]. A GEMM's 64 x 64 tile would leave most of its work-items idle on so few output rows
     * (DeviceGradients.fewOutputRows: ViL's 4 x 4 head-wise blocks, the 4 gate rows). a0 = chunks * heads * m * n,
     * a1 = m, a2 = n, a3 = rows, a4 = dy's row stride, a5 = dy's head stride, a6 = dy, a7 = x's row stride, a8 = x's
     * head stride, a9 = x, a10 = rows a chunk, a11 = partial (or the gradient itself for one chunk), a12 = heads.
     */
    void weightPartials() {
        int outputs = a1 * a2;
        int per = a12 * outputs;
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int chunk = gid / per;
            int q = gid - chunk * per;
            int h = q / outputs;
            int oe = q - h * outputs;
            int o = oe / a2;
            int e = oe - o * a2;
            int r0 = chunk * a10;
            int r1 = min(a3, r0 + a10);
            int dyAt = a6 + h * a5 + o;
            int xAt = a9 + h * a8 + e;
            float acc = 0f;
            for (int r = r0; r < r1; r++) {
                acc += mem[dyAt + r * a4] * mem[xAt + r * a7];
            }
            mem[a11 + gid] = acc;
        }
    }

    /**
     * col2im, one work-item per image element summing the patches that cover it (patch order, like the oracle):
     * a0 = B*C*H*W, a1 = C, a2 = H, a3 = W, a4 = ph, a5 = pw, a6 = sh, a7 = sw, a8 = grid h, a9 = grid w,
     * a10 = patches [B, gh*gw, C*ph*pw], a11 = out [B,C,H,W].
     */
    void unpatchify() {
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
     * The per-row part of the mLSTM backward, a segment of ROW_LANES work-items per row (z = b*NH + h, t), reading
     * the row coalesced (a work-item per row: 1.5 ms a launch at ViL-T's batch 128 on the H200, round 15). a0 = Z*S,
     * a1 = S, a2 = NH, a3 = P [Z,S,S] (q.k / sqrt(DH), causal), a4 = G [Z,S,S] (dh_t . v_s, causal), a5 = L [Z,S,S]
     * (scratch), a6 = F hi, a7 = F lo, a8 = m, a9 = argmax r (each [Z,S], from mlstmPrefix), a10 = igate [B,S,NH] with
     * rows a11 apart (NH, or more for a column view), f0 = eps, f1 = 1/sqrt(DH). Row t of P becomes dP (the score
     * gradient times 1/sqrt(DH), for dq and dk), of G C/den (for dv), of L dL (the gradient of log D, including dm at
     * the argmax); zero right of the diagonal. Column r's dm is added by the work-item that wrote it.
     */
    void mlstmBackwardRows() {
        int lid = getLocalId(0);
        int segment = lid / ROW_LANES;
        int lane = lid - segment * ROW_LANES;
        for (int first = getGroupId(0) * ROWS_PER_GROUP; first < a0; first += getNumGroups(0) * ROWS_PER_GROUP) {
            int gid = min(first + segment, a0 - 1);
            boolean active = first + segment < a0;
            int z = gid / a1;
            int t = gid - z * a1;
            int b = z / a2;
            int h = z - b * a2;
            int row = z * a1;
            int base = gid * a1;
            int r = (int) mem[a9 + row + t];
            float ir = mem[a10 + (b * a1 + r) * a11 + h];
            float hr = mem[a6 + row + r];
            float lr = mem[a7 + row + r];
            // D_s = exp(log D[t,s] - m_t) = exp((i_s - i_r) - (F_s - F_r)), from per-row values that stay in cache:
            // computed again below rather than kept in L (a whole matrix written and read back); each work-item's
            // share of n and g summed with compensation, as the one-work-item form did
            float n = 0f;
            float nc = 0f;
            float g = 0f;
            float gc = 0f;
            for (int s = lane; s <= t; s += ROW_LANES) {
                float d = stabilisedDecay(b, h, row, s, ir, hr, lr);
                float p = mem[a3 + base + s];
                float y = p * d - nc;
                float sum = n + y;
                nc = (sum - n) - y;
                n = sum;
                float yg = mem[a4 + base + s] * p * d - gc;
                float sumG = g + yg;
                gc = (sumG - g) - yg;
                g = sumG;
            }
            segmentSums4(lid, lane, n, g, 0f, 0f);
            n = tileA[lid - lane];
            g = tileA[WORK_GROUP + lid - lane];
            localBarrier();
            float lower = exp(-mem[a8 + row + t]);
            float absN = abs(n);
            float den = max(absN, lower) + f0;
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
            float dLSum = 0f;
            for (int s = lane; s < a1; s += ROW_LANES) {
                float dP = 0f;
                float cn = 0f;
                float dL = 0f;
                if (s <= t) {
                    float p = mem[a3 + base + s];
                    float d = stabilisedDecay(b, h, row, s, ir, hr, lr);
                    float dC = mem[a4 + base + s] / den + dn;
                    cn = p * d / den;
                    dP = dC * d * f1;
                    dL = dC * p * d;
                    dLSum += dL;
                }
                if (active) {
                    mem[a3 + base + s] = dP;
                    mem[a4 + base + s] = cn;
                    mem[a5 + base + s] = dL;
                }
            }
            segmentSums4(lid, lane, dLSum, 0f, 0f, 0f);
            float dm = -lower * dFloor - tileA[lid - lane];
            localBarrier();
            if (active && lane == r - (r / ROW_LANES) * ROW_LANES) {
                // column r is this work-item's own: its write above is visible to it
                mem[a5 + base + r] += dm;
            }
        }
    }

    /**
     * D_s of mlstmBackwardRows' row: exp((i_s - i_r) - (F_s - F_r)), F as hi (a6) and lo (a7) rows of [Z,S] from
     * {@code row}, the input gates at a10 (rows a11 apart); ir, hr, lr the argmax r's. One expression for both of the
     * row's passes, which must agree to the bit.
     */
    float stabilisedDecay(int b, int h, int row, int s, float ir, float hr, float lr) {
        return exp((mem[a10 + (b * a1 + s) * a11 + h] - ir) - ((mem[a6 + row + s] - hr) + (mem[a7 + row + s] - lr)));
    }

    /**
     * Exclusive prefix sums of each row's dL in place: L[t,u] = sum_{s<u} dL[t,s] for u <= t. a0 = Z*S, a1 = S,
     * a2 = L. A segment of ROW_LANES work-items per row, each taking a run of the row: its run's sum, the sums of the
     * runs before it, then its run rewritten (a work-item per row: 0.5 ms a launch at ViL-T's batch 128, round 15).
     */
    void mlstmRowScan() {
        int lid = getLocalId(0);
        int segment = lid / ROW_LANES;
        int lane = lid - segment * ROW_LANES;
        for (int first = getGroupId(0) * ROWS_PER_GROUP; first < a0; first += getNumGroups(0) * ROWS_PER_GROUP) {
            int gid = min(first + segment, a0 - 1);
            int t = gid % a1;
            int base = a2 + gid * a1;
            int run = (t + ROW_LANES) / ROW_LANES; // ceil((t + 1) / ROW_LANES)
            int from = min(lane * run, t + 1);
            int to = min(from + run, t + 1);
            float own = 0f;
            for (int s = from; s < to; s++) {
                own += mem[base + s];
            }
            tileA[lid] = own;
            localBarrier();
            float prefix = 0f;
            for (int u = lid - lane; u < lid; u++) {
                prefix += tileA[u];
            }
            localBarrier();
            if (first + segment < a0) {
                for (int s = from; s < to; s++) {
                    float v = mem[base + s];
                    mem[base + s] = prefix;
                    prefix += v;
                }
            }
        }
    }

    /**
     * Ops.withGateInputGradients: out_t[r, c] = d_t[r, c] + (sum_h di[r, h] wI[h, j] + sum_h df[r, h] wF[h, j]) for
     * j = t*W + c, t = q, k, v. a0 = R*3W, a1 = W, a2 = G, a3/a4 dq and its row stride, a5/a6 dk, a7/a8 dv, a9/a10
     * digate, a11 wI [G, 3W], a12/a13 dfgate, a14 wF, a15..a17 the dense outputs [R, W] for q, k, v.
     */
    void gateInputGradients() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int j = gid % (3 * a1);
            int r = gid / (3 * a1);
            int part = j / a1;
            int c = j - part * a1;
            float si = 0f;
            float sf = 0f;
            for (int h = 0; h < a2; h++) {
                si += mem[a9 + r * a10 + h] * mem[a11 + h * 3 * a1 + j];
                sf += mem[a12 + r * a13 + h] * mem[a14 + h * 3 * a1 + j];
            }
            float s = si + sf;
            if (part == 0) {
                mem[a15 + r * a1 + c] = mem[a3 + r * a4 + c] + s;
            } else if (part == 1) {
                mem[a16 + r * a1 + c] = mem[a5 + r * a6 + c] + s;
            } else {
                mem[a17 + r * a1 + c] = mem[a7 + r * a8 + c] + s;
            }
        }
    }

    /**
     * Causal column sums of L into a gate-shaped gradient: out[b, s, h] = sum_{t>=s} L[z, t, s] (times
     * sigmoid(-f[b,s,h]) when a5 >= 0). a0 = Z*S, a1 = S, a2 = NH, a3 = L, a4 = out [B,S,NH], a5 = fgate or -1, its
     * rows a6 apart (NH, or more for a column view).
     */
    void mlstmGateGradients() {
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
            if (a5 >= 0) {
                acc = acc / (1f + exp(mem[a5 + (b * a1 + s) * a6 + h]));
            }
            mem[a4 + (b * a1 + s) * a2 + h] = acc;
        }
    }
}
