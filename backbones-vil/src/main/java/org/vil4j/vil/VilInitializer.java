package org.vil4j.vil;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Shape;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Fresh weights following the reference's {@code reset_parameters}: xavier patch embedding, truncated-normal position
 * embedding and head, small_init for projections, wang_init for the down-projection, zero gate weights with the
 * forget-gate bias spread over [3, 6], residual norm weights at zero. Deterministic for a seed.
 */
public final class VilInitializer {
    private VilInitializer() {
    }

    public static Map<String, HostTensor> initialize(VilConfig config, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        int dim = config.dim();
        for (var e : ParameterLayout.of(config).entrySet()) {
            String name = e.getKey();
            Shape shape = e.getValue();
            float[] v = new float[shape.size()];
            if (name.equals("patch_embed.proj.weight")) {
                int fanIn = shape.size() / shape.dim(0);
                uniform(random, v, Math.sqrt(6.0 / (fanIn + shape.dim(0))));
            } else if (name.equals("pos_embed.embed")) {
                truncatedNormal(random, v, 0.02);
            } else if (name.equals("head.weight")) {
                truncatedNormal(random, v, 2e-5);
            } else if (name.endsWith("proj_up.weight") || name.endsWith("q_proj.weight")
                    || name.endsWith("k_proj.weight") || name.endsWith("v_proj.weight")) {
                normal(random, v, Math.sqrt(2.0 / (5 * dim)));
            } else if (name.endsWith("proj_down.weight")) {
                normal(random, v, 2.0 / Math.sqrt(dim));
            } else if (name.endsWith("conv.weight")) {
                int fanIn = shape.size() / shape.dim(0);
                uniform(random, v, 1.0 / Math.sqrt(fanIn));
            } else if (name.endsWith("conv.bias")) {
                int taps = config.convKind().equals("2d") ? config.convKernelSize() * config.convKernelSize()
                        : config.convKernelSize();
                uniform(random, v, 1.0 / Math.sqrt(taps));
            } else if (name.endsWith("igate.bias")) {
                normal(random, v, 0.1);
            } else if (name.endsWith("fgate.bias")) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (3.0 + 3.0 * i / Math.max(1, v.length - 1));
                }
            } else if (name.endsWith("learnable_skip")) {
                java.util.Arrays.fill(v, 1f);
            } else if (isPlainNormWeight(config, name)) {
                java.util.Arrays.fill(v, 1f); // torch.nn.LayerNorm stores the scale itself
            }
            // everything else (biases, gate weights, residual norm weights) starts at zero
            weights.put(name, new HostTensor(shape, v));
        }
        return weights;
    }

    private static boolean isPlainNormWeight(VilConfig config, String name) {
        return config.version() == VilVersion.V2 ? name.equals("legacy_norm.weight") : name.equals("norm.weight");
    }

    private static void uniform(SplittableRandom r, float[] v, double bound) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        }
    }

    private static void normal(SplittableRandom r, float[] v, double std) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (gaussian(r) * std);
        }
    }

    /** Normal values redrawn outside two standard deviations, as timm's trunc_normal_ with default bounds does. */
    private static void truncatedNormal(SplittableRandom r, float[] v, double std) {
        for (int i = 0; i < v.length; i++) {
            double g;
            do {
                g = gaussian(r);
            } while (Math.abs(g * std) > 2.0);
            v[i] = (float) (g * std);
        }
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = 1.0 - r.nextDouble(), u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
