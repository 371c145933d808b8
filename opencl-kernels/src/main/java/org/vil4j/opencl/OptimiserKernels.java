package org.vil4j.opencl;

/**
 * In-place optimiser updates: AdamW (single and multi-tensor), SGD, moving averages (OP_OPTIMISER).
 *
 * <p>One link of the device program's class chain (ProgramState ... DeviceProgram; docs/DESIGN.md): Aparapi
 * translates the methods {@link DeviceProgram#run()} reaches in any superclass of the kernel into the one OpenCL
 * program. Written in Aparapi's kernel subset (no objects, break/continue, switch or overloading).
 */
abstract class OptimiserKernels extends BackwardKernels {
    /**
     * In-place updates of persistent tensors, float operations in the oracle's order. a0 = n, a1 = mode.
     * AdamW: a2 = p, a3 = grad, a4 = m, a5 = v; f0 = grad scale, f1 = 1 - lr*wd, f2 = beta1, f3 = beta2,
     * f4 = lr / bias correction 1, f5 = sqrt(bias correction 2), f6 = eps.
     * SGD: a2 = p, a3 = grad, a4 = velocity, a6 = 1 when v = g (first step or no momentum), a7 = 1 for Nesterov;
     * f0 = grad scale, f1 = weight decay, f2 = momentum, f3 = lr.
     * Moving average: a2 = target, a3 = source, f0 = decay.
     */
    /**
     * Element i of a fused AdamW: a2 = table (5 ints per tensor: param, grad, m, v offsets and the tensor's first
     * element in the flattened range), a3 = tensors, a4 = per-tensor floats (decay factor 1 - lr*wd, step size
     * lr / bias correction 1); f0 = grad scale, f2 = beta1, f3 = beta2, f5 = sqrt(bias correction 2), f6 = eps.
     */
    void adamwMulti(int i) {
        int lo = 0;
        int hi = a3 - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            if (index[a2 + mid * 5 + 4] <= i) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        int t = a2 + lo * 5;
        int j = i - index[t + 4];
        int pi = index[t] + j;
        int mi = index[t + 2] + j;
        int vi = index[t + 3] + j;
        float g = mem[index[t + 1] + j] * f0;
        float p = mem[pi] * mem[a4 + 2 * lo];
        float m = f2 * mem[mi] + (1f - f2) * g;
        float v = f3 * mem[vi] + (1f - f3) * g * g;
        mem[mi] = m;
        mem[vi] = v;
        mem[pi] = p - mem[a4 + 2 * lo + 1] * m / (sqrt(v) / f5 + f6);
    }

    void optimiser() {
        for (int i = getGlobalId(0); i < a0; i += getGlobalSize(0)) {
            if (a1 == OPT_ADAMW) {
                float g = mem[a3 + i] * f0;
                float p = mem[a2 + i] * f1;
                float m = f2 * mem[a4 + i] + (1f - f2) * g;
                float v = f3 * mem[a5 + i] + (1f - f3) * g * g;
                mem[a4 + i] = m;
                mem[a5 + i] = v;
                mem[a2 + i] = p - f4 * m / (sqrt(v) / f5 + f6);
            } else if (a1 == OPT_SGD) {
                float p = mem[a2 + i];
                float g = mem[a3 + i] * f0 + f1 * p;
                float vel = g;
                if (a6 == 0) {
                    vel = f2 * mem[a4 + i] + g;
                }
                mem[a4 + i] = vel;
                float upd = vel;
                if (a7 == 1) {
                    upd = g + f2 * vel;
                }
                mem[a2 + i] = p - f3 * upd;
            } else if (a1 == OPT_MOVING_AVERAGE) {
                mem[a2 + i] = f0 * mem[a2 + i] + (1f - f0) * mem[a3 + i];
            } else if (a1 == OPT_ADAMW_MULTI) {
                adamwMulti(i);
            }
        }
    }
}
