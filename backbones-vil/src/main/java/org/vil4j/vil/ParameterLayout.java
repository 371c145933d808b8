package org.vil4j.vil;

import org.vil4j.api.Head;
import org.vil4j.api.MixerLayer;
import org.vil4j.api.MixerSpec;
import org.vil4j.api.Plugins;
import org.vil4j.api.SequenceMixer;
import org.vil4j.api.Shape;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every parameter a configuration has, named exactly as the reference's {@code state_dict()}, with its shape. The
 * backbone's own (patch and position embedding, block norms, final norms, classifier) are listed here; each
 * sub-block's {@code layer.*} are what its mixer plugin declares, a head plugin's weights sit under {@code pooling.},
 * and the classifier's width is the head's {@link Head#outputDim}.
 */
public final class ParameterLayout {
    /** Where a head plugin's own weights live in the state_dict. */
    public static final String HEAD_PREFIX = "pooling.";

    private ParameterLayout() {
    }

    /** The layout with the plugins found by {@link Plugins#discover()}. */
    public static Map<String, Shape> of(VilConfig c) {
        return of(c, DiscoveredPlugins.get());
    }

    public static Map<String, Shape> of(VilConfig c, Plugins plugins) {
        return of(c, mixerLayer(c, plugins.mixer(c.mixer())), plugins.head(c.pooling()));
    }

    static Map<String, Shape> of(VilConfig c, MixerLayer layer, Head head) {
        Map<String, Shape> p = new LinkedHashMap<>();
        int dim = c.dim();
        p.put("patch_embed.proj.weight", Shape.of(dim, c.channels(), c.patchSize(), c.patchSize()));
        p.put("patch_embed.proj.bias", Shape.of(dim));
        p.put("pos_embed.embed", Shape.of(1, c.embedGridH(), c.embedGridW(), dim));
        Map<String, Shape> layerParams = layer.parameters();
        for (int i = 0; i < c.subBlockCount(); i++) {
            String b = subBlockPrefix(c, i);
            p.put(b + "norm.weight", Shape.of(dim));
            if (c.normBias()) {
                p.put(b + "norm.bias", Shape.of(dim));
            }
            layerParams.forEach((name, shape) -> p.put(b + "layer." + name, shape));
        }
        int headDim = headInputDim(c, head);
        if (c.version() == VilVersion.V2) {
            p.put("norm.weight", Shape.of(dim));
            if (c.normBias()) {
                p.put("norm.bias", Shape.of(dim));
            }
            head.parameters(dim).forEach((name, shape) -> p.put(HEAD_PREFIX + name, shape));
            if (c.legacyNorm()) {
                p.put("legacy_norm.weight", Shape.of(headDim));
                p.put("legacy_norm.bias", Shape.of(headDim));
            }
        } else {
            if (c.legacyNorm()) {
                p.put("legacy_norm.weight", Shape.of(dim));
            }
            head.parameters(dim).forEach((name, shape) -> p.put(HEAD_PREFIX + name, shape));
            p.put("norm.weight", Shape.of(dim));
            p.put("norm.bias", Shape.of(dim));
        }
        if (c.isClassifier()) {
            p.put("head.weight", Shape.of(c.numClasses(), headDim));
            p.put("head.bias", Shape.of(c.numClasses()));
        }
        return p;
    }

    /** The mixer layer of this configuration's sub-blocks. */
    static MixerLayer mixerLayer(VilConfig c, SequenceMixer mixer) {
        return mixer.layer(mixerSpec(c));
    }

    /** What a ViL tells its mixer, in the reference's argument names. */
    public static MixerSpec mixerSpec(VilConfig c) {
        return new MixerSpec(c.dim(), Map.of("proj_bias", c.projBias(), "norm_bias", c.normBias(),
                "conv_kind", c.convKind(), "conv_kernel_size", c.convKernelSize(),
                "conv_name", c.version() == VilVersion.V2 ? "conv" : "conv1d.conv",
                "num_heads", VilConfig.QKV_BLOCK));
    }

    /**
     * Width after pooling, as the head declares it (bilateral_flatten: 2 x dim); in feature mode the legacy norm
     * sees tokens, so dim.
     */
    static int headInputDim(VilConfig c, Head head) {
        return c.isClassifier() || head.pools() ? head.outputDim(c.dim()) : c.dim();
    }

    /** "blocks.{pair}.rowwise_from_top_left." (v2) or "blocks.{i}." (v1). */
    static String subBlockPrefix(VilConfig c, int subBlock) {
        if (c.version() == VilVersion.V1) {
            return "blocks." + subBlock + ".";
        }
        return "blocks." + subBlock / 2 + "." + (subBlock % 2 == 0 ? VilConfig.TOP_LEFT : VilConfig.BOT_RIGHT) + ".";
    }
}
