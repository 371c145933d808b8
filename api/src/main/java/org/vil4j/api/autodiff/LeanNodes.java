package org.vil4j.api.autodiff;

import org.vil4j.api.IndexTable;
import org.vil4j.api.MlstmForm;
import org.vil4j.api.MlstmGradients;
import org.vil4j.api.MlstmOperands;
import org.vil4j.api.Ops;
import org.vil4j.api.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Fused ops recorded as one node that keeps less than their composition would: a tensor that is cheap to form again
 * (q, k, v and the gates from the cell's inputs, a convolution before its SiLU, a normalised tensor, a projection
 * before its residual add) is formed again in the backward, or never kept, instead of being held from its forward to
 * the backward, where it would sit in memory for the rest of the step. The backend runs each forward as its one-pass
 * op; the backward reuses the tape's own per-op backwards.
 */
final class LeanNodes {
    private final GradientTape tape;
    private final Ops base;

    LeanNodes(GradientTape tape) {
        this.tape = tape;
        this.base = tape.base();
    }

    /**
     * Keeps a and xm (which other nodes keep anyway), not q, k, v and the gates: the backward forms them again (three
     * head-wise projections, the concatenation and two narrow linears) before the cell's own backward, which forms
     * its S x S matrices again from them in any case.
     */
    Tensor mlstmOfProjections(Tensor a, Tensor xm, List<Tensor> ws, List<Tensor> bs, List<Tensor> gateWs,
                              List<Tensor> gateBs, int numHeads, float eps, MlstmForm form, int chunkSize) {
        Tensor out = base.mlstmOfProjections(a, xm, ws, bs, gateWs, gateBs, numHeads, eps, form, chunkSize);
        List<Tensor> inputs = new ArrayList<>(List.of(a, xm));
        inputs.addAll(ws);
        inputs.addAll(bs);
        inputs.addAll(gateWs);
        inputs.addAll(gateBs);
        return tape.record(out, dy -> {
            // q | k | v | gates in one op (one pass where the backend fuses it), read through column views
            Tensor all = base.headwiseLinearConcatGates(List.of(a, a, xm), ws, bs, gateWs, gateBs);
            MlstmOperands o = MlstmOperands.columnsOf(base, all, 0, gateWs.get(0).shape().dim(0),
                    gateWs.get(1).shape().dim(0));
            Tensor qkv = base.columns(all, 0, 3 * o.q().shape().last());
            MlstmGradients g = form == MlstmForm.PARALLEL
                    ? base.mlstmBackward(o.q(), o.k(), o.v(), o.igate(), o.fgate(), dy, numHeads, eps)
                    : base.mlstmBackward(o.q(), o.k(), o.v(), o.igate(), o.fgate(), dy, numHeads, eps, form,
                    chunkSize);
            // the gates read q | k | v: their input gradient joins the cell's (one launch where the backend fuses it)
            tape.sendLinearParameterGradients(qkv, gateWs.get(0), gateBs.get(0), g.digate());
            tape.sendLinearParameterGradients(qkv, gateWs.get(1), gateBs.get(1), g.dfgate());
            MlstmGradients d = base.withGateInputGradients(g, gateWs.get(0), gateWs.get(1));
            // q and k both read a: its gradient from both in one op
            tape.sendHeadwiseLinearGradients(a, ws.get(0), bs.get(0), d.dq(), ws.get(1), bs.get(1), d.dk());
            tape.sendHeadwiseLinearGradients(xm, ws.get(2), bs.get(2), d.dv());
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

    /** Keeps x and the residual, not the projection before its add (which no backward reads). */
    Tensor linearAdd(Tensor x, Tensor w, Tensor bias, Tensor residual, IndexTable order, IndexTable inverse) {
        Tensor out = base.linearAdd(x, w, bias, residual, order, inverse, false);
        return tape.record(out, dy -> {
            tape.accumulate(residual, dy);
            // row t of the projection went to row order[t]: its gradient is dy gathered back
            Tensor dProjection = order == null ? dy : gatheredBack(dy, inverse, x.shape().dim(-2));
            if (tape.needsGrad(x)) {
                tape.accumulate(x, tape.linearInputGradient(dProjection, w, x.shape()));
            }
            tape.sendLinearParameterGradients(x, w, bias, dProjection);
        }, x, w, bias, residual);
    }

    /** Keeps x, not its normalised form before the gather. */
    Tensor layerNormGather(Tensor x, IndexTable index, int groupSize, Tensor weight, boolean residualWeight,
                           Tensor bias, float eps) {
        Tensor out = base.layerNormGather(x, index, groupSize, weight, residualWeight, bias, eps);
        return tape.record(out, dy -> tape.sendLayerNormGradients(x, groupSize, weight, residualWeight, bias, eps,
                gatheredBack(dy, index, x.shape().dim(-2))), x, weight, bias);
    }

    /** The gradient of gatherTokens(t, index)'s input t from its output's dy. */
    private Tensor gatheredBack(Tensor dy, IndexTable index, int tokens) {
        return base.gatherSum(dy, tape.inverse(index, tokens), tokens);
    }
}
