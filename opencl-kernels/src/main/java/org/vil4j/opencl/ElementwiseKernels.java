package org.vil4j.opencl;

/**
 * Element-wise arithmetic and activations over arena ranges (OP_ELEMENTWISE).
 *
 * <p>One link of the device program's class chain (ProgramState ... DeviceProgram; docs/DESIGN.md): Aparapi
 * translates the methods {@link DeviceProgram#run()} reaches in any superclass of the kernel into the one OpenCL
 * program. Written in Aparapi's kernel subset (no objects, break/continue, switch or overloading).
 */
abstract class ElementwiseKernels extends TransferKernels {
    // ---- element-wise -----------------------------------------------------------------------------------------

    /**
     * a0 = n, a1 = mode, a2 = out, a3 = x, a4 = y, a5 = z, a6 = w, a7 = period of the broadcast operand, f0 = scalar,
     * a8 = row stride of z (skip gate: z may be a column view).
     * add: x + y[i % a7]; mul: x * y; scale: x * f0; silu: x * sigmoid(x); skip gate: (x + w[i % a7] * y) * silu(z).
     */
    void elementwise() {
        // four elements a round, all loads before any store: with the occupancy a kernel of every op leaves, one
        // load in flight per work-item does not fill the memory system
        int g = getGlobalSize(0);
        for (int i0 = getGlobalId(0); i0 < a0; i0 += 4 * g) {
            int i1 = min(i0 + g, a0 - 1);
            int i2 = min(i0 + 2 * g, a0 - 1);
            int i3 = min(i0 + 3 * g, a0 - 1);
            float r0 = elementwiseAt(i0);
            float r1 = elementwiseAt(i1);
            float r2 = elementwiseAt(i2);
            float r3 = elementwiseAt(i3);
            mem[a2 + i0] = r0;
            if (i0 + g < a0) {
                mem[a2 + i1] = r1;
            }
            if (i0 + 2 * g < a0) {
                mem[a2 + i2] = r2;
            }
            if (i0 + 3 * g < a0) {
                mem[a2 + i3] = r3;
            }
        }
    }

    float elementwiseAt(int i) {
        float x = mem[a3 + i];
        float r = 0f;
        if (a1 == EW_ADD) {
            // a broadcast operand repeats every a7 elements; a plain add (a7 = n) skips the integer division
            int j = i;
            if (a7 < a0) {
                j = i % a7;
            }
            r = x + mem[a4 + j];
        } else if (a1 == EW_MUL) {
            r = x * mem[a4 + i];
        } else if (a1 == EW_SCALE) {
            r = x * f0;
        } else if (a1 == EW_SILU) {
            r = x / (1f + exp(-x));
        } else if (a1 == EW_SKIP_GATE) {
            float zz = mem[a5 + (i / a7) * a8 + i % a7];
            r = (x + mem[a6 + i % a7] * mem[a4 + i]) * (zz / (1f + exp(-zz)));
        }
        return r;
    }
}
