package org.vil4j.opencl;

/**
 * Host transfers through the staging arrays and arena-to-arena copies (OP_COPY_IN, OP_COPY_OUT, OP_COPY_INDEX_IN,
 * OP_COPY, OP_COPY_MANY).
 *
 * <p>One link of the device program's class chain (ProgramState ... DeviceProgram; docs/DESIGN.md): Aparapi
 * translates the methods {@link DeviceProgram#run()} reaches in any superclass of the kernel into the one OpenCL
 * program. Written in Aparapi's kernel subset (no objects, break/continue, switch or overloading).
 */
abstract class TransferKernels extends ProgramState {
    // ---- transfers: a0 = n, a1 = arena offset ----------------------------------------------------------------

    /** a2 = 1: from stageSmall, 2: from stageChunk, else from stageIn. */
    void copyIn() {
        for (int i = getGlobalId(0); i < a0; i += getGlobalSize(0)) {
            float v = 0f;
            if (a2 == 1) {
                v = stageSmall[i];
            } else if (a2 == 2) {
                v = stageChunk[i];
            } else {
                v = stageIn[i];
            }
            mem[a1 + i] = v;
        }
    }

    void copyOut() {
        for (int i = getGlobalId(0); i < a0; i += getGlobalSize(0)) {
            stageOut[i] = mem[a1 + i];
        }
    }

    void copyIndexIn() {
        for (int i = getGlobalId(0); i < a0; i += getGlobalSize(0)) {
            index[a1 + i] = stageIndex[i];
        }
    }

    /** a0 = n, a1 = source offset, a2 = destination offset (ranges must not overlap). */
    void copy() {
        int g = getGlobalSize(0);
        for (int i0 = getGlobalId(0); i0 < a0; i0 += 4 * g) {
            int i1 = min(i0 + g, a0 - 1);
            int i2 = min(i0 + 2 * g, a0 - 1);
            int i3 = min(i0 + 3 * g, a0 - 1);
            float v0 = mem[a1 + i0];
            float v1 = mem[a1 + i1];
            float v2 = mem[a1 + i2];
            float v3 = mem[a1 + i3];
            mem[a2 + i0] = v0;
            if (i0 + g < a0) {
                mem[a2 + i1] = v1;
            }
            if (i0 + 2 * g < a0) {
                mem[a2 + i2] = v2;
            }
            if (i0 + 3 * g < a0) {
                mem[a2 + i3] = v3;
            }
        }
    }

    /**
     * a0 = count (at most COPY_MANY_PAIRS), then (n, source, destination) triples in a1..a3, a4..a6, ...: several
     * copies (ranges must not overlap) in one pass instead of one launch each.
     */
    void copyMany() {
        for (int p = 0; p < a0; p++) {
            int n = copyManyField(3 * p);
            int from = copyManyField(3 * p + 1);
            int to = copyManyField(3 * p + 2);
            for (int i = getGlobalId(0); i < n; i += getGlobalSize(0)) {
                mem[to + i] = mem[from + i];
            }
        }
    }

    /** Field a(1 + f) of the command (f < 3 * COPY_MANY_PAIRS): the triples of copyMany. */
    int copyManyField(int f) {
        int v = a21;
        if (f == 0) {
            v = a1;
        } else if (f == 1) {
            v = a2;
        } else if (f == 2) {
            v = a3;
        } else if (f == 3) {
            v = a4;
        } else if (f == 4) {
            v = a5;
        } else if (f == 5) {
            v = a6;
        } else if (f == 6) {
            v = a7;
        } else if (f == 7) {
            v = a8;
        } else if (f == 8) {
            v = a9;
        } else if (f == 9) {
            v = a10;
        } else if (f == 10) {
            v = a11;
        } else if (f == 11) {
            v = a12;
        } else if (f == 12) {
            v = a13;
        } else if (f == 13) {
            v = a14;
        } else if (f == 14) {
            v = a15;
        } else if (f == 15) {
            v = a16;
        } else if (f == 16) {
            v = a17;
        } else if (f == 17) {
            v = a18;
        } else if (f == 18) {
            v = a19;
        } else if (f == 19) {
            v = a20;
        }
        return v;
    }
}
