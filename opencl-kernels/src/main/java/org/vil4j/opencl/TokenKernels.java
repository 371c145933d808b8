package org.vil4j.opencl;

/**
 * Token movement: gathers, column copies, concatenation, transposes and resampling (OP_GATHER_TOKENS,
 * OP_COPY_COLUMNS, OP_CONCAT, OP_TRANSPOSE, OP_RESAMPLE_2D).
 *
 * <p>One link of the device program's class chain (ProgramState ... DeviceProgram; docs/DESIGN.md): Aparapi
 * translates the methods {@link DeviceProgram#run()} reaches in any superclass of the kernel into the one OpenCL
 * program. Written in Aparapi's kernel subset (no objects, break/continue, switch or overloading).
 */
abstract class TokenKernels extends ElementwiseKernels {
    // ---- token movement ---------------------------------------------------------------------------------------

    /**
     * out[b,i,c] = x[b, index[i], c] (+ residual[b,i,c]): a0 = B*S'*C, a1 = S', a2 = C, a3 = S, a4 = x,
     * a5 = index table, a6 = out, a7 = residual or -1.
     */
    void gatherTokens() {
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
    void copyColumns() {
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
    void concat() {
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

    float concatAt(int gid) {
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

    /**
     * A separable resampling in one pass (Ops.resample2d, and its transpose): a0 = B*OH*OW*C, a1 = H, a2 = W, a3 = OH,
     * a4 = OW, a5 = C, a6 = x [B, H*W, C], a7 = ry, a8 = rx, a9 = out [B, OH*OW, C]; the factor of output row oy and
     * input row y at ry[oy * a10 + y * a11], of ox and x at rx[ox * a12 + x * a13] (the transpose reads them by
     * column). Along x first, then y, as the composition of transposes and products sums; zero weights are skipped (a
     * bilinear row has two).
     */
    void resample2d() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int c = gid % a5;
            int t = gid / a5;
            int ox = t % a4;
            t = t / a4;
            int oy = t % a3;
            int b = t / a3;
            float sum = 0f;
            for (int y = 0; y < a1; y++) {
                float wy = mem[a7 + oy * a10 + y * a11];
                if (wy != 0f) {
                    float row = 0f;
                    int in = a6 + (b * a1 + y) * a2 * a5 + c;
                    for (int x = 0; x < a2; x++) {
                        float wx = mem[a8 + ox * a12 + x * a13];
                        if (wx != 0f) {
                            row += wx * mem[in + x * a5];
                        }
                    }
                    sum += wy * row;
                }
            }
            mem[a9 + gid] = sum;
        }
    }

    /** out[b,r... ] transposed: a0 = B*R*C, a1 = R, a2 = C, a3 = x, a4 = out; out[b, c, r] = x[b, r, c]. */
    void transpose() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int r = gid % a1;
            int t = gid / a1;
            int c = t % a2;
            int b = t / a2;
            mem[a4 + gid] = mem[a3 + (b * a1 + r) * a2 + c];
        }
    }
}
