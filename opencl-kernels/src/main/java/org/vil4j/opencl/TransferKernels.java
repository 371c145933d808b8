package org.vil4j.opencl;

/**
 * Host transfers through the staging arrays and arena-to-arena copies (OP_COPY_IN, OP_COPY_OUT, OP_COPY_INDEX_IN,
 * OP_COPY).
 *
 * <p>One link of the device program's class chain (ProgramState ... DeviceProgram; docs/DESIGN.md): Aparapi
 * translates the methods {@link DeviceProgram#run()} reaches in any superclass of the kernel into the one OpenCL
 * program. Written in Aparapi's kernel subset (no objects, break/continue, switch or overloading).
 */
abstract class TransferKernels extends ProgramState {
    // ---- transfers: a0 = n, a1 = arena offset ----------------------------------------------------------------

    void copyIn() {
        for (int i = getGlobalId(0); i < a0; i += getGlobalSize(0)) {
            mem[a1 + i] = stageIn[i];
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
}
