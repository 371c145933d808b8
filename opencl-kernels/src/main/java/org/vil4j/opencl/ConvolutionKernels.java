package org.vil4j.opencl;

/**
 * The depthwise convolution and patch embedding's patchify (OP_DEPTHWISE_CONV, OP_PATCHIFY).
 *
 * <p>One link of the device program's class chain (ProgramState ... DeviceProgram; docs/DESIGN.md): Aparapi
 * translates the methods {@link DeviceProgram#run()} reaches in any superclass of the kernel into the one OpenCL
 * program. Written in Aparapi's kernel subset (no objects, break/continue, switch or overloading).
 */
abstract class ConvolutionKernels extends TokenKernels {
    // ---- convolutions -----------------------------------------------------------------------------------------

    /**
     * a0 = B*S*C, a1 = S, a2 = C, a3 = taps K, a4 = x, a5 = neighbour table [S,K], a6 = w [C,K], a7 = bias or -1,
     * a8 = out, a9 = x row stride, a10 = 1 to apply SiLU (the convolution's activation in the same pass).
     */
    void depthwiseConv() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int c = gid % a2;
            int t = gid / a2;
            int s = t % a1;
            int b = t / a1;
            float acc = 0f;
            if (a7 >= 0) {
                acc = mem[a7 + c];
            }
            for (int k = 0; k < a3; k++) {
                int src = index[a5 + s * a3 + k];
                if (src >= 0) {
                    acc += mem[a6 + c * a3 + k] * mem[a4 + (b * a1 + src) * a9 + c];
                }
            }
            if (a10 == 1) {
                acc = acc / (1f + exp(-acc));
            }
            mem[a8 + gid] = acc;
        }
    }

    /**
     * depthwiseConv with SiLU for the rows of this work-group's segments (the row-wise ops' layout: a segment of
     * ROW_LANES work-items a row, rows first + segment for first = group * 8, group * 8 + 8 * groups, ...), into
     * {@code out} with rows {@code outStride} apart: the first phase of OP_CONV_HEADWISE_GATES, whose second phase
     * reads these rows. x [rows, width] rows xStride apart, a table [tokens, taps] of the token a tap reads within
     * the row's batch (-1: zero), w [width, taps], bias or -1. The same sums in the same order as depthwiseConv, so
     * the values are its own. A segment past the last row writes nothing; no barrier inside (the caller's follows).
     */
    void convolveRows(int rows, int width, int x, int xStride, int out, int outStride, int table, int taps,
                      int tokens, int w, int bias) {
        int lid = getLocalId(0);
        int segment = lid / ROW_LANES;
        int lane = lid - segment * ROW_LANES;
        for (int first = getGroupId(0) * ROWS_PER_GROUP; first < rows; first += getNumGroups(0) * ROWS_PER_GROUP) {
            int row = first + segment;
            if (row < rows) {
                int s = row % tokens;
                int batchRow = row - s;
                for (int c = lane; c < width; c += ROW_LANES) {
                    float acc = 0f;
                    if (bias >= 0) {
                        acc = mem[bias + c];
                    }
                    for (int k = 0; k < taps; k++) {
                        int src = index[table + s * taps + k];
                        if (src >= 0) {
                            acc += mem[w + c * taps + k] * mem[x + (batchRow + src) * xStride + c];
                        }
                    }
                    mem[out + row * outStride + c] = acc / (1f + exp(-acc));
                }
            }
        }
    }

    /**
     * im2col: a0 = B*P*CK, a1 = C, a2 = H, a3 = W, a4 = ph, a5 = pw, a6 = sh, a7 = sw, a8 = grid h, a9 = grid w,
     * a10 = x [B,C,H,W], a11 = out [B, P, C*ph*pw].
     */
    void patchify() {
        for (int gid = getGlobalId(0); gid < a0; gid += getGlobalSize(0)) {
            int ck = a1 * a4 * a5;
            int col = gid % ck;
            int t = gid / ck;
            int p = t % (a8 * a9);
            int b = t / (a8 * a9);
            int c = col / (a4 * a5);
            int rem = col - c * a4 * a5;
            int ky = rem / a5;
            int kx = rem - ky * a5;
            int py = p / a9;
            int px = p - py * a9;
            int y = py * a6 + ky;
            int x = px * a7 + kx;
            mem[a11 + gid] = mem[a10 + ((b * a1 + c) * a2 + y) * a3 + x];
        }
    }
}
