package org.vil4j.opencl;

import org.vil4j.api.AdamWStep;
import org.vil4j.api.SgdStep;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import java.util.List;

import static org.vil4j.opencl.DeviceProgram.*;
import static org.vil4j.api.ShapeRequirements.*;
import static org.vil4j.opencl.OperandChecks.*;

/**
 * The optimiser updates on the device: AdamW (one tensor, or every parameter in one launch from a per-step table),
 * SGD with momentum, copies and moving averages into persistent tensors, and the sum of squares (gradient norms).
 * Updates write only persistent tensors (parameters and optimiser state), never the workspace.
 */
final class DeviceOptimiser {
    private DeviceOptimiser() {
    }

    static Tensor sumOfSquares(OpenCLOps ops, Tensor xt) {
        DeviceTensor x = ops.check("sumOfSquares", xt);
        DeviceTensor out = ops.allocate(Shape.of(1));
        DeviceGradients.reduceColumns(ops, x.offset(), x.size(), 1, true, out.offset(), 0);
        return out;
    }

    static void adamwUpdate(OpenCLOps ops, Tensor paramt, Tensor gradt, Tensor mt, Tensor vt, AdamWStep step) {
        String op = "adamwUpdate";
        DeviceTensor p = persistent(ops, op, "param", paramt), grad = ops.check(op, gradt);
        DeviceTensor m = persistent(ops, op, "m", mt), v = persistent(ops, op, "v", vt);
        needSameSize(op, p, grad, m, v);
        int n = p.size();
        ops.args(n, OPT_ADAMW, p.offset(), grad.offset(), m.offset(), v.offset());
        DeviceProgram k = ops.program;
        float lr = step.learningRate();
        k.f0 = step.gradScale();
        k.f1 = 1f - lr * step.weightDecay();
        k.f2 = step.beta1();
        k.f3 = step.beta2();
        k.f4 = lr / step.biasCorrection1();
        k.f5 = (float) Math.sqrt(step.biasCorrection2());
        k.f6 = step.eps();
        ops.launch1D(OP_OPTIMISER, n);
    }

    /** One launch for all parameters: a per-step table of offsets in a reused int region, per-tensor rates. */
    static void adamwUpdateAll(OpenCLOps ops, List<Tensor> params, List<Tensor> grads, List<Tensor> ms, List<Tensor> vs,
                               float[] learningRates, float[] weightDecays, AdamWStep step) {
        String op = "adamwUpdateAll";
        int n = params.size();
        if (grads.size() != n || ms.size() != n || vs.size() != n || learningRates.length != n
                || weightDecays.length != n) {
            throw new IllegalArgumentException(op + ": " + n + " parameters but " + grads.size() + " gradients, "
                    + ms.size() + "/" + vs.size() + " moments, " + learningRates.length + " rates and "
                    + weightDecays.length + " decays");
        }
        if (n == 0) {
            return;
        }
        int[] table = new int[5 * n];
        float[] rates = new float[2 * n];
        long total = 0;
        for (int i = 0; i < n; i++) {
            DeviceTensor p = persistent(ops, op, "param " + i, params.get(i)), g = ops.check(op, grads.get(i));
            DeviceTensor m = persistent(ops, op, "m " + i, ms.get(i)), v = persistent(ops, op, "v " + i, vs.get(i));
            needSameSize(op, p, g, m, v);
            table[5 * i] = p.offset();
            table[5 * i + 1] = g.offset();
            table[5 * i + 2] = m.offset();
            table[5 * i + 3] = v.offset();
            table[5 * i + 4] = (int) total;
            total += p.size();
            rates[2 * i] = 1f - learningRates[i] * weightDecays[i];
            rates[2 * i + 1] = learningRates[i] / step.biasCorrection1();
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": " + total + " elements do not fit one launch");
        }
        int tableOffset = DeviceTransfers.scratchIndex(ops, table);
        long mark = ops.mark();
        try {
            DeviceTensor perTensor = ops.allocate(Shape.of(2 * n));
            DeviceTransfers.stageParameters(ops, rates, perTensor.offset());
            ops.args((int) total, OPT_ADAMW_MULTI, tableOffset, n, perTensor.offset());
            DeviceProgram k = ops.program;
            k.f0 = step.gradScale();
            k.f2 = step.beta1();
            k.f3 = step.beta2();
            k.f5 = (float) Math.sqrt(step.biasCorrection2());
            k.f6 = step.eps();
            ops.launch1D(OP_OPTIMISER, (int) total);
        } finally {
            ops.release(mark);
        }
    }

    static void sgdUpdate(OpenCLOps ops, Tensor paramt, Tensor gradt, Tensor velocityt, SgdStep step) {
        String op = "sgdUpdate";
        DeviceTensor p = persistent(ops, op, "param", paramt), grad = ops.check(op, gradt);
        DeviceTensor vel = persistent(ops, op, "velocity", velocityt);
        needSameSize(op, p, grad, vel);
        int n = p.size();
        ops.args(n, OPT_SGD, p.offset(), grad.offset(), vel.offset(), 0,
                step.firstStep() || step.momentum() == 0f ? 1 : 0, step.nesterov() ? 1 : 0);
        ops.program.f0 = step.gradScale();
        ops.program.f1 = step.weightDecay();
        ops.program.f2 = step.momentum();
        ops.program.f3 = step.learningRate();
        ops.launch1D(OP_OPTIMISER, n);
    }

    static void copyInto(OpenCLOps ops, Tensor targett, Tensor sourcet) {
        DeviceTensor target = persistent(ops, "copyInto", "target", targett);
        DeviceTensor source = ops.check("copyInto", sourcet);
        needSameSize("copyInto", target, source);
        ops.copy(source.offset(), target.offset(), target.size());
    }

    /**
     * Every {@code targets[i] = sources[i]}, COPY_MANY_PAIRS copies a launch. Every pair is checked before the first
     * copy, so a bad one copies nothing.
     */
    static void copyAllInto(OpenCLOps ops, java.util.List<Tensor> targets, java.util.List<Tensor> sources) {
        String op = "copyAllInto";
        org.vil4j.api.ShapeRequirements.requirePairs(op, targets, sources);
        int[] triples = new int[3 * targets.size()];
        int count = 0;
        for (int i = 0; i < targets.size(); i++) {
            DeviceTensor target = persistent(ops, op, "target " + i, targets.get(i));
            DeviceTensor source = ops.check(op, sources.get(i));
            needSameSize(op, target, source);
            if (target.size() > 0) {
                triples[3 * count] = target.size();
                triples[3 * count + 1] = source.offset();
                triples[3 * count + 2] = target.offset();
                count++;
            }
        }
        for (int first = 0; first < count; first += COPY_MANY_PAIRS) {
            int pairs = Math.min(COPY_MANY_PAIRS, count - first);
            int[] args = new int[1 + 3 * pairs];
            args[0] = pairs;
            long n = 0;
            for (int p = 0; p < pairs; p++) {
                System.arraycopy(triples, 3 * (first + p), args, 1 + 3 * p, 3);
                n += triples[3 * (first + p)];
            }
            ops.args(args);
            ops.queue.bytes(8L * n);
            ops.launch1D(OP_COPY_MANY, 1);
        }
    }

    static void movingAverage(OpenCLOps ops, Tensor targett, Tensor sourcet, float decay) {
        DeviceTensor target = persistent(ops, "movingAverage", "target", targett);
        DeviceTensor source = ops.check("movingAverage", sourcet);
        needSameSize("movingAverage", target, source);
        int n = target.size();
        ops.args(n, OPT_MOVING_AVERAGE, target.offset(), source.offset());
        ops.program.f0 = decay;
        ops.launch1D(OP_OPTIMISER, n);
    }

    private static DeviceTensor persistent(OpenCLOps ops, String op, String role, Tensor tensor) {
        DeviceTensor t = ops.check(op, tensor);
        if (t.slot() >= 0) {
            throw new IllegalArgumentException(op + ": " + role + " " + t.shape()
                    + " is a workspace tensor; updates write persistent tensors (parameters, optimiser state)");
        }
        return t;
    }
}
