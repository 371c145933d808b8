package org.vil4j.vil;

import org.vil4j.api.Shape;

import java.util.LinkedHashMap;
import java.util.Map;

/** Every parameter a configuration has, named exactly as the reference's {@code state_dict()}, with its shape. */
public final class ParameterLayout {
    private ParameterLayout() {
    }

    public static Map<String, Shape> of(VilConfig c) {
        Map<String, Shape> p = new LinkedHashMap<>();
        int dim = c.dim(), inner = c.innerDim(), blocks = inner / VilConfig.QKV_BLOCK;
        p.put("patch_embed.proj.weight", Shape.of(dim, c.channels(), c.patchSize(), c.patchSize()));
        p.put("patch_embed.proj.bias", Shape.of(dim));
        p.put("pos_embed.embed", Shape.of(1, c.embedGridH(), c.embedGridW(), dim));
        for (int i = 0; i < c.subBlockCount(); i++) {
            String b = subBlockPrefix(c, i);
            p.put(b + "norm.weight", Shape.of(dim));
            if (c.normBias()) {
                p.put(b + "norm.bias", Shape.of(dim));
            }
            String l = b + "layer.";
            p.put(l + "proj_up.weight", Shape.of(2 * inner, dim));
            if (c.projBias()) {
                p.put(l + "proj_up.bias", Shape.of(2 * inner));
            }
            for (String proj : new String[]{"q_proj", "k_proj", "v_proj"}) {
                p.put(l + proj + ".weight", Shape.of(blocks, VilConfig.QKV_BLOCK, VilConfig.QKV_BLOCK));
                if (c.projBias()) {
                    p.put(l + proj + ".bias", Shape.of(inner));
                }
            }
            String conv = c.version() == VilVersion.V2 ? l + "conv." : l + "conv1d.conv.";
            p.put(conv + "weight", c.convKind().equals("2d")
                    ? Shape.of(inner, 1, c.convKernelSize(), c.convKernelSize())
                    : Shape.of(inner, 1, c.convKernelSize()));
            p.put(conv + "bias", Shape.of(inner));
            for (String gate : new String[]{"igate", "fgate"}) {
                p.put(l + "mlstm_cell." + gate + ".weight", Shape.of(VilConfig.QKV_BLOCK, 3 * inner));
                p.put(l + "mlstm_cell." + gate + ".bias", Shape.of(VilConfig.QKV_BLOCK));
            }
            p.put(l + "mlstm_cell.outnorm.weight", Shape.of(inner));
            if (c.normBias()) {
                p.put(l + "mlstm_cell.outnorm.bias", Shape.of(inner));
            }
            p.put(l + "learnable_skip", Shape.of(inner));
            p.put(l + "proj_down.weight", Shape.of(dim, inner));
            if (c.projBias()) {
                p.put(l + "proj_down.bias", Shape.of(dim));
            }
        }
        int headDim = headInputDim(c);
        if (c.version() == VilVersion.V2) {
            p.put("norm.weight", Shape.of(dim));
            if (c.normBias()) {
                p.put("norm.bias", Shape.of(dim));
            }
            if (c.legacyNorm()) {
                p.put("legacy_norm.weight", Shape.of(headDim));
                p.put("legacy_norm.bias", Shape.of(headDim));
            }
        } else {
            if (c.legacyNorm()) {
                p.put("legacy_norm.weight", Shape.of(dim));
            }
            p.put("norm.weight", Shape.of(dim));
            p.put("norm.bias", Shape.of(dim));
        }
        if (c.isClassifier()) {
            p.put("head.weight", Shape.of(c.numClasses(), headDim));
            p.put("head.bias", Shape.of(c.numClasses()));
        }
        return p;
    }

    /** Width after pooling: v2 concatenates two tokens for a classifier with bilateral_flatten. */
    static int headInputDim(VilConfig c) {
        return c.isClassifier() && c.pooling().equals("bilateral_flatten") ? 2 * c.dim() : c.dim();
    }

    /** "blocks.{pair}.rowwise_from_top_left." (v2) or "blocks.{i}." (v1). */
    static String subBlockPrefix(VilConfig c, int subBlock) {
        if (c.version() == VilVersion.V1) {
            return "blocks." + subBlock + ".";
        }
        return "blocks." + subBlock / 2 + "." + (subBlock % 2 == 0 ? VilConfig.TOP_LEFT : VilConfig.BOT_RIGHT) + ".";
    }
}
