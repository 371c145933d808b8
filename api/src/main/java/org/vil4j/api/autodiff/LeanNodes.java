package org.vil4j.api.autodiff;

import org.vil4j.api.IndexTable;
import org.vil4j.api.Ops;
import org.vil4j.api.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Fused ops recorded as one node that keeps less than their composition would: a tensor that is cheap to form again
 * (a concatenation, a convolution before its SiLU, a normalised tensor) is formed again in the backward instead of
 * being held from its forward to the backward, where it would sit in memory for the rest of the step. The backend
 * runs each forward as its one-pass op; the backward reuses the tape's own per-op backwards.
 */
final class LeanNodes {
    private final GradientTape tape;
    private final Ops base;

    LeanNodes(GradientTape tape) {
        this.tape = tape;
        this.base = tape.base();
    }

    /** Keeps the parts (the caller's tensors), not their concatenation. */
    Tensor linearConcatOfParts(List<Tensor> parts, List<Tensor> ws, List<Tensor> bs) {
        Tensor out = base.linearConcatOfParts(parts, ws, bs);
        List<Tensor> inputs = new ArrayList<>(parts);
        inputs.addAll(ws);
        inputs.addAll(bs);
        return tape.record(out, dy -> {
            Tensor x = concat(parts);
            boolean partsNeedGrad = parts.stream().anyMatch(tape::needsGrad);
            Tensor dx = null;
            int column = 0;
            for (int i = 0; i < ws.size(); i++) {
                Tensor w = ws.get(i);
                int width = w.shape().dim(0);
                Tensor dyPart = base.columns(dy, column, width);
                column += width;
                tape.sendLinearParameterGradients(x, w, bs.get(i), dyPart);
                if (partsNeedGrad) {
                    Tensor g = tape.linearInputGradient(dyPart, w, x.shape());
                    dx = dx == null ? g : base.add(dx, g);
                }
            }
            if (dx != null) {
                int start = 0;
                for (Tensor part : parts) {
                    int width = part.shape().last();
                    if (tape.needsGrad(part)) {
                        tape.accumulate(part, base.columns(dx, start, width));
                    }
                    start += width;
                }
            }
        }, inputs.toArray(new Tensor[0]));
    }

    /** Keeps x, not the convolution before the SiLU. */
    Tensor depthwiseConvSilu(Tensor x, IndexTable neighbours, Tensor w, Tensor bias) {
        Tensor out = base.depthwiseConvSilu(x, neighbours, w, bias);
        return tape.record(out, dy -> {
            Tensor u = base.depthwiseConv(x, neighbours, w, bias);
            tape.sendDepthwiseConvGradients(x, neighbours, w, bias, base.siluBackward(u, dy));
        }, x, w, bias);
    }

    /** Keeps h, not its normalised form. */
    Tensor normSkipGate(Tensor h, int groupSize, Tensor weight, boolean residualWeight, Tensor bias, float eps,
                        Tensor skip, Tensor a, Tensor z) {
        Tensor out = base.normSkipGate(h, groupSize, weight, residualWeight, bias, eps, skip, a, z);
        return tape.record(out, dy -> {
            Tensor normalised = base.layerNorm(h, groupSize, weight, residualWeight, bias, eps);
            Tensor dNormalised = tape.sendSkipGateGradients(normalised, skip, a, z, dy);
            tape.sendLayerNormGradients(h, groupSize, weight, residualWeight, bias, eps, dNormalised);
        }, h, weight, bias, skip, a, z);
    }

    private Tensor concat(List<Tensor> parts) {
        if (parts.size() == 3) {
            return base.concatColumns(parts.get(0), parts.get(1), parts.get(2));
        }
        Tensor out = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            out = base.concatColumns(out, parts.get(i));
        }
        return out;
    }
}
