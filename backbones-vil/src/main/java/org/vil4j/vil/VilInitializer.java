package org.vil4j.vil;

import org.vil4j.api.Head;
import org.vil4j.api.HostTensor;
import org.vil4j.api.MixerLayer;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Fresh weights following the reference's {@code reset_parameters}: xavier patch embedding, truncated-normal position
 * embedding and head, residual norm weights at zero; each sub-block's mixer layer and a head with weights initialise
 * their own (the mLSTM: {@link MlstmLayer#initialValues}). One generator in state_dict order, so deterministic for a
 * seed.
 */
public final class VilInitializer {
    private VilInitializer() {
    }

    public static Map<String, HostTensor> initialize(VilConfig config, long seed) {
        return initialize(config, DiscoveredPlugins.get(), seed);
    }

    public static Map<String, HostTensor> initialize(VilConfig config, Plugins plugins, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        MixerLayer layer = ParameterLayout.mixerLayer(config, plugins.mixer(config.mixer()));
        Head head = plugins.head(config.pooling());
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        for (var e : ParameterLayout.of(config, layer, head).entrySet()) {
            String name = e.getKey();
            Shape shape = e.getValue();
            int layerAt = name.indexOf(".layer.");
            float[] v;
            if (name.startsWith("blocks.") && layerAt >= 0) {
                v = layer.initialValues(name.substring(layerAt + ".layer.".length()), shape, random);
            } else if (name.startsWith(ParameterLayout.HEAD_PREFIX)) {
                v = head.initialValues(name.substring(ParameterLayout.HEAD_PREFIX.length()), shape, random);
            } else {
                v = backbone(config, name, shape, random);
            }
            if (v.length != shape.size()) {
                throw new IllegalStateException("initial values of " + name + ": " + v.length + " for " + shape);
            }
            weights.put(name, new HostTensor(shape, v));
        }
        return weights;
    }

    private static float[] backbone(VilConfig config, String name, Shape shape, SplittableRandom random) {
        float[] v = new float[shape.size()];
        if (name.equals("patch_embed.proj.weight")) {
            int fanIn = shape.size() / shape.dim(0);
            Init.uniform(random, v, Math.sqrt(6.0 / (fanIn + shape.dim(0))));
        } else if (name.equals("pos_embed.embed")) {
            Init.truncatedNormal(random, v, 0.02);
        } else if (name.equals("head.weight")) {
            Init.truncatedNormal(random, v, 2e-5);
        } else if (isPlainNormWeight(config, name)) {
            java.util.Arrays.fill(v, 1f); // torch.nn.LayerNorm stores the scale itself
        }
        // everything else (biases, residual norm weights) starts at zero
        return v;
    }

    private static boolean isPlainNormWeight(VilConfig config, String name) {
        return config.version() == VilVersion.V2 ? name.equals("legacy_norm.weight") : name.equals("norm.weight");
    }
}
