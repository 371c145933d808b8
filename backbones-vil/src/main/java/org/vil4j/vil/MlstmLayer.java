package org.vil4j.vil;

import org.vil4j.api.MixerContext;
import org.vil4j.api.MixerLayer;
import org.vil4j.api.MixerSpec;
import org.vil4j.api.MlstmOperands;
import org.vil4j.api.Ops;
import org.vil4j.api.ParameterSet;
import org.vil4j.api.Residual;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The reference's mLSTM layer ({@code ViLLayer}: up-projection, depthwise convolution, head-wise q/k/v, the mLSTM
 * cell with its gates and out-norm, the learnable skip, the output gate and the down-projection), with the
 * reference's state_dict names below the sub-block's {@code layer.}.
 *
 * <p>Options read from the {@link MixerSpec}: {@code proj_bias}, {@code norm_bias} (default true),
 * {@code conv_kind} ("2d" or "causal1d"), {@code conv_kernel_size}, {@code conv_name} ("conv" in v2, "conv1d.conv" in
 * v1). The convolution reads the context's neighbour table.
 */
final class MlstmLayer implements MixerLayer {
    private static final float NORM_EPS = 1e-5f;

    private final MlstmMixer cell;
    private final int dim;
    private final int inner;
    private final boolean projBias;
    private final boolean normBias;
    private final String convKind;
    private final int convKernel;
    private final String conv;

    MlstmLayer(MlstmMixer cell, MixerSpec spec) {
        this.cell = cell;
        this.dim = spec.dim();
        this.inner = 2 * dim;
        this.projBias = spec.flag("proj_bias", true);
        this.normBias = spec.flag("norm_bias", true);
        this.convKind = spec.string("conv_kind", "2d");
        this.convKernel = spec.integer("conv_kernel_size", "2d".equals(convKind) ? 3 : 4);
        this.conv = spec.string("conv_name", "conv") + ".";
        if (inner % VilConfig.QKV_BLOCK != 0) {
            throw new Vil4jException("mlstm: 2*dim (" + inner + ") must be a multiple of " + VilConfig.QKV_BLOCK);
        }
        if (!convKind.equals("2d") && !convKind.equals("causal1d")) {
            throw new Vil4jException("mlstm: conv_kind must be 2d or causal1d, got " + convKind);
        }
    }

    @Override
    public Map<String, Shape> parameters() {
        Map<String, Shape> p = new LinkedHashMap<>();
        int blocks = inner / VilConfig.QKV_BLOCK;
        p.put("proj_up.weight", Shape.of(2 * inner, dim));
        if (projBias) {
            p.put("proj_up.bias", Shape.of(2 * inner));
        }
        for (String proj : new String[]{"q_proj", "k_proj", "v_proj"}) {
            p.put(proj + ".weight", Shape.of(blocks, VilConfig.QKV_BLOCK, VilConfig.QKV_BLOCK));
            if (projBias) {
                p.put(proj + ".bias", Shape.of(inner));
            }
        }
        p.put(conv + "weight", convKind.equals("2d") ? Shape.of(inner, 1, convKernel, convKernel)
                : Shape.of(inner, 1, convKernel));
        p.put(conv + "bias", Shape.of(inner));
        for (String gate : new String[]{"igate", "fgate"}) {
            p.put("mlstm_cell." + gate + ".weight", Shape.of(VilConfig.QKV_BLOCK, 3 * inner));
            p.put("mlstm_cell." + gate + ".bias", Shape.of(VilConfig.QKV_BLOCK));
        }
        p.put("mlstm_cell.outnorm.weight", Shape.of(inner));
        if (normBias) {
            p.put("mlstm_cell.outnorm.bias", Shape.of(inner));
        }
        p.put("learnable_skip", Shape.of(inner));
        p.put("proj_down.weight", Shape.of(dim, inner));
        if (projBias) {
            p.put("proj_down.bias", Shape.of(dim));
        }
        return p;
    }

    /**
     * The reference's {@code reset_parameters}: small_init for the projections, wang_init for the down-projection,
     * conv as torch's default, zero gate weights, input-gate bias N(0, 0.1), forget-gate bias spread over [3, 6],
     * skip at one, the residual out-norm weight and every other bias at zero.
     */
    @Override
    public float[] initialValues(String name, Shape shape, SplittableRandom random) {
        float[] v = new float[shape.size()];
        if (name.equals("proj_up.weight") || name.equals("q_proj.weight") || name.equals("k_proj.weight")
                || name.equals("v_proj.weight")) {
            Init.normal(random, v, Math.sqrt(2.0 / (5 * dim)));
        } else if (name.equals("proj_down.weight")) {
            Init.normal(random, v, 2.0 / Math.sqrt(dim));
        } else if (name.equals(conv + "weight")) {
            int fanIn = shape.size() / shape.dim(0);
            Init.uniform(random, v, 1.0 / Math.sqrt(fanIn));
        } else if (name.equals(conv + "bias")) {
            int taps = convKind.equals("2d") ? convKernel * convKernel : convKernel;
            Init.uniform(random, v, 1.0 / Math.sqrt(taps));
        } else if (name.equals("mlstm_cell.igate.bias")) {
            Init.normal(random, v, 0.1);
        } else if (name.equals("mlstm_cell.fgate.bias")) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (3.0 + 3.0 * i / Math.max(1, v.length - 1));
            }
        } else if (name.equals("learnable_skip")) {
            java.util.Arrays.fill(v, 1f);
        }
        return v;
    }

    @Override
    public Tensor forward(Ops ops, ParameterSet p, Tensor xn, MixerContext context) {
        return ops.linear(gated(ops, p, xn, context), p.get("proj_down.weight"), p.optional("proj_down.bias"));
    }

    /** The down-projection and the residual add as one op (in place where the backbone allows it). */
    @Override
    public Tensor forwardAdd(Ops ops, ParameterSet p, Tensor xn, MixerContext context, Residual residual) {
        return residual.addLinear(ops, gated(ops, p, xn, context), p.get("proj_down.weight"),
                p.optional("proj_down.bias"));
    }

    /**
     * Everything before the down-projection, with the fused ops (each the composition it names where a backend does
     * not fuse it).
     */
    private Tensor gated(Ops ops, ParameterSet p, Tensor xn, MixerContext context) {
        Tensor up = ops.linear(xn, p.get("proj_up.weight"), p.optional("proj_up.bias"));
        Tensor xm = ops.columns(up, 0, inner);
        Tensor z = ops.columns(up, inner, inner);
        if (context.convolutionNeighbours() == null) {
            throw new Vil4jException("mlstm: the backbone gave no convolution neighbour table");
        }
        Tensor convW = ops.reshape(p.get(conv + "weight"), Shape.of(inner, context.convolutionNeighbours().cols()));
        int heads = VilConfig.QKV_BLOCK;
        if (!ops.recordsGradients()) {
            // the cell over column views of one tensor [a | q | k | v | gates], and its norm and gate in one op
            Tensor all = fusedInputs(ops, p, xm, context, convW);
            MlstmOperands o = MlstmOperands.columnsOf(ops, all, inner, heads, heads);
            return cell.mixNormSkipGate(ops, o.q(), o.k(), o.v(), o.igate(), o.fgate(), heads,
                    p.get("mlstm_cell.outnorm.weight"), true, p.optional("mlstm_cell.outnorm.bias"), NORM_EPS,
                    p.get("learnable_skip"), ops.columns(all, 0, inner), z);
        }
        Tensor a = ops.depthwiseConvSilu(xm, context.convolutionNeighbours(), convW, p.get(conv + "bias"));
        Tensor h = unfusedCell(ops, p, a, xm);
        return ops.normSkipGate(h, inner / heads, p.get("mlstm_cell.outnorm.weight"), true,
                p.optional("mlstm_cell.outnorm.bias"), NORM_EPS, p.get("learnable_skip"), a, z);
    }

    /**
     * The convolution's activation a, q|k|v and both gates in one tensor [a | q | k | v | gates]
     * ({@link Ops#convHeadwiseGates}): one pass where the backend fuses it.
     */
    private Tensor fusedInputs(Ops ops, ParameterSet p, Tensor xm, MixerContext context, Tensor convW) {
        return ops.convHeadwiseGates(xm, context.convolutionNeighbours(), convW, p.get(conv + "bias"),
                List.of(p.get("q_proj.weight"), p.get("k_proj.weight"), p.get("v_proj.weight")),
                Arrays.asList(p.optional("q_proj.bias"), p.optional("k_proj.bias"), p.optional("v_proj.bias")),
                List.of(p.get("mlstm_cell.igate.weight"), p.get("mlstm_cell.fgate.weight")),
                List.of(p.get("mlstm_cell.igate.bias"), p.get("mlstm_cell.fgate.bias")));
    }

    /**
     * The cell from a and xm in one op ({@link Ops#mlstmOfProjections}), for a recorded backward: its node keeps
     * neither q, k, v nor the gates (the tape forms them again from a and xm).
     */
    private Tensor unfusedCell(Ops ops, ParameterSet p, Tensor a, Tensor xm) {
        return cell.mixProjections(ops, a, xm,
                List.of(p.get("q_proj.weight"), p.get("k_proj.weight"), p.get("v_proj.weight")),
                Arrays.asList(p.optional("q_proj.bias"), p.optional("k_proj.bias"), p.optional("v_proj.bias")),
                List.of(p.get("mlstm_cell.igate.weight"), p.get("mlstm_cell.fgate.weight")),
                List.of(p.get("mlstm_cell.igate.bias"), p.get("mlstm_cell.fgate.bias")), VilConfig.QKV_BLOCK);
    }
}
