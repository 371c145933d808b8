package org.vil4j.opencl;

/**
 * Head-wise (block-diagonal) projections (OP_HEADWISE, OP_HEADWISE_CONCAT).
 *
 * <p>One link of the device program's class chain (ProgramState ... DeviceProgram; docs/DESIGN.md): Aparapi
 * translates the methods {@link DeviceProgram#run()} reaches in any superclass of the kernel into the one OpenCL
 * program. Written in Aparapi's kernel subset (no objects, break/continue, switch or overloading).
 */
abstract class HeadwiseKernels extends ConvolutionKernels {
    // ---- block-diagonal projection ---------------------------------------------------------------------------

    /**
     * a0 = rows*NH*D, a1 = NH, a2 = D, a3 = x, a4 = w [NH,D,D], a5 = bias or -1, a6 = out, a7 = x row stride;
     * a8 = 1 reads w[h] transposed (the input gradient, without a transpose launch); a9 = a second x (or -1), a10 =
     * its w, a11 = its row stride, a12 = a dense tensor of out's shape added (or -1): with a8 = 1 the sum of both
     * transposed projections and the input's gradient so far (Ops.headwiseLinearTransposedSum).
     */
    void headwise() {
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
    void headwiseConcat() {
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

    float headwiseAt(int gid) {
        float acc = 0f;
        int width = a1 * a2;
        int row = gid / width;
        int col = gid - row * width;
        int h = col / a2;
        int o = col - h * a2;
        int xb = a3 + row * a7 + h * a2;
        int wb = a4 + (h * a2 + o) * a2;
        int wStep = 1;
        if (a8 == 1) {
            wb = a4 + h * a2 * a2 + o;
            wStep = a2;
        }
        for (int d = 0; d < a2; d++) {
            acc += mem[xb + d] * mem[wb + d * wStep];
        }
        if (a9 >= 0) {
            int xb1 = a9 + row * a11 + h * a2;
            int wb1 = a10 + h * a2 * a2 + o;
            for (int d = 0; d < a2; d++) {
                acc += mem[xb1 + d] * mem[wb1 + d * a2];
            }
            if (a12 >= 0) {
                acc = mem[a12 + gid] + acc;
            }
        }
        if (a5 >= 0) {
            acc += mem[a5 + col];
        }
        return acc;
    }
}
