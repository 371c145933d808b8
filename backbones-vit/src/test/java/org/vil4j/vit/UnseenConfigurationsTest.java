package org.vil4j.vit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vil4j.api.HostTensor;
import org.vil4j.api.ModelSpec;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Configurations the golden cases do not cover (no class token, no layer scale, three class tokens in feature mode,
 * another eps and MLP width, a non-square grid), against a direct transcription of the reference's forward
 * (VisionTransformer on kappamodules' blocks) in double, with weights perturbed by noise so nothing is an identity.
 */
class UnseenConfigurationsTest {
    private static final Plugins PLUGINS = Plugins.discover();

    static Stream<Map<String, Object>> configurations() {
        Map<String, Object> noTokenNoScale = new HashMap<>(Map.of("dim", 12, "depth", 2, "num_heads", 3,
                "patch_size", 4, "input_shape", List.of(2, 8, 12), "num_outputs", 4, "num_cls_tokens", 0,
                "mlp_hidden_dim", 20, "eps", 1e-5));
        noTokenNoScale.put("layerscale", null);
        Map<String, Object> threeTokensFeatures = Map.of("dim", 8, "depth", 1, "num_heads", 2, "patch_size", 2,
                "input_shape", List.of(3, 4, 6), "num_cls_tokens", 3, "mode", "features", "layerscale", 0.5);
        Map<String, Object> defaults = Map.of("dim", 16, "depth", 1, "num_heads", 4, "patch_size", 4,
                "input_shape", List.of(3, 8, 8), "num_outputs", 3);
        return Stream.of(noTokenNoScale, threeTokensFeatures, defaults);
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void forwardMatchesTheReferenceTranscription(Map<String, Object> kwargs) {
        ModelSpec spec = new ModelSpec("VisionTransformer", kwargs);
        VitConfig c = VitConfig.of(spec);
        SplittableRandom random = new SplittableRandom(kwargs.hashCode());
        Map<String, HostTensor> weights = new HashMap<>();
        new VitBackbone().initialize(spec, PLUGINS, 2).forEach((name, t) -> {
            float[] v = t.data().clone();
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) ((random.nextDouble() * 2 - 1) * 0.3);
            }
            weights.put(name, new HostTensor(t.shape(), v));
        });
        int batch = 2;
        float[] image = new float[batch * c.channels() * c.height() * c.width()];
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) (random.nextDouble() * 2 - 1);
        }
        double[] expected = reference(c, weights, image, batch);
        float[] actual;
        try (Ops ops = PLUGINS.backend("java").open(null)) {
            actual = ops.download(new VitBackbone().create(spec, PLUGINS, ops, weights, "noisy")
                    .forward(ops.upload(Shape.of(batch, c.channels(), c.height(), c.width()), image), (n, t) -> { }));
        }
        assertThat(actual).hasSize(expected.length);
        double err = 0, max = 0;
        for (int i = 0; i < expected.length; i++) {
            err = Math.max(err, Math.abs(actual[i] - expected[i]));
            max = Math.max(max, Math.abs(expected[i]));
        }
        assertThat(err / max).as("relative error of %s", kwargs).isLessThanOrEqualTo(1e-4);
    }

    /** The reference's forward, written out with plain loops in double. */
    private static double[] reference(VitConfig c, Map<String, HostTensor> w, float[] image, int batch) {
        int dim = c.dim(), p = c.patchSize(), gh = c.gridH(), gw = c.gridW(), n = c.numClsTokens();
        int s = gh * gw + n;
        double[] out = new double[batch * (c.classifier() ? c.numOutputs() : s * dim)];
        for (int b = 0; b < batch; b++) {
            double[][] x = new double[s][dim];
            float[] pw = w.get("patch_embed.proj.weight").data(), pb = w.get("patch_embed.proj.bias").data();
            float[] pos = w.get("pos_embed.embed").data();
            for (int i = 0; i < gh; i++) {
                for (int j = 0; j < gw; j++) {
                    for (int o = 0; o < dim; o++) {
                        double acc = pb[o];
                        for (int ch = 0; ch < c.channels(); ch++) {
                            for (int ky = 0; ky < p; ky++) {
                                for (int kx = 0; kx < p; kx++) {
                                    acc += pw[((o * c.channels() + ch) * p + ky) * p + kx]
                                            * image[((b * c.channels() + ch) * c.height() + i * p + ky) * c.width()
                                            + j * p + kx];
                                }
                            }
                        }
                        x[n + i * gw + j][o] = acc + pos[(i * gw + j) * dim + o];
                    }
                }
            }
            for (int t = 0; t < n; t++) {
                for (int o = 0; o < dim; o++) {
                    x[t][o] = w.get("cls_tokens.tokens").data()[t * dim + o];
                }
            }
            for (int blk = 0; blk < c.depth(); blk++) {
                String pre = "blocks." + blk + ".";
                double[][] y = attention(c, w, pre, layerNorm(x, w, pre + "norm1", c.eps()));
                add(x, y, w.get(pre + "ls1.gamma"));
                double[][] h = linear(layerNorm(x, w, pre + "norm2", c.eps()), w, pre + "mlp.fc1");
                for (double[] row : h) {
                    for (int k = 0; k < row.length; k++) {
                        row[k] = 0.5 * row[k] * (1 + erf(row[k] / Math.sqrt(2)));
                    }
                }
                add(x, linear(h, w, pre + "mlp.fc2"), w.get(pre + "ls2.gamma"));
            }
            if (c.classifier()) {
                double[][] pooled = layerNorm(new double[][]{x[0]}, w, "head.0", c.eps());
                double[][] logits = linear(pooled, w, "head.1");
                System.arraycopy(logits[0], 0, out, b * c.numOutputs(), c.numOutputs());
            } else {
                double[][] normed = layerNorm(x, w, "head.0", c.eps());
                for (int t = 0; t < s; t++) {
                    System.arraycopy(normed[t], 0, out, (b * s + t) * dim, dim);
                }
            }
        }
        return out;
    }

    private static double[][] attention(VitConfig c, Map<String, HostTensor> w, String pre, double[][] x) {
        int dim = c.dim(), heads = c.numHeads(), dh = dim / heads, s = x.length;
        double[][] qkv = linear(x, w, pre + "attn.qkv");
        double[][] mixed = new double[s][dim];
        for (int h = 0; h < heads; h++) {
            for (int t = 0; t < s; t++) {
                double[] e = new double[s];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int u = 0; u < s; u++) {
                    double dot = 0;
                    for (int d = 0; d < dh; d++) {
                        dot += qkv[t][h * dh + d] * qkv[u][dim + h * dh + d];
                    }
                    e[u] = dot / Math.sqrt(dh);
                    max = Math.max(max, e[u]);
                }
                for (int u = 0; u < s; u++) {
                    e[u] = Math.exp(e[u] - max);
                    sum += e[u];
                }
                for (int d = 0; d < dh; d++) {
                    double acc = 0;
                    for (int u = 0; u < s; u++) {
                        acc += e[u] / sum * qkv[u][2 * dim + h * dh + d];
                    }
                    mixed[t][h * dh + d] = acc;
                }
            }
        }
        return linear(mixed, w, pre + "attn.proj");
    }

    private static void add(double[][] x, double[][] y, HostTensor gamma) {
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < x[t].length; o++) {
                x[t][o] += (gamma == null ? 1 : gamma.data()[o]) * y[t][o];
            }
        }
    }

    private static double[][] linear(double[][] x, Map<String, HostTensor> w, String name) {
        HostTensor weight = w.get(name + ".weight");
        float[] wt = weight.data(), bias = w.get(name + ".bias").data();
        int out = weight.shape().dim(0), in = weight.shape().dim(1);
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double acc = bias[o];
                for (int k = 0; k < in; k++) {
                    acc += wt[o * in + k] * x[t][k];
                }
                y[t][o] = acc;
            }
        }
        return y;
    }

    private static double[][] layerNorm(double[][] x, Map<String, HostTensor> w, String name, double eps) {
        float[] g = w.get(name + ".weight").data(), bias = w.get(name + ".bias").data();
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            int d = x[t].length;
            double mean = 0, var = 0;
            for (double v : x[t]) {
                mean += v / d;
            }
            for (double v : x[t]) {
                var += (v - mean) * (v - mean) / d;
            }
            y[t] = new double[d];
            for (int o = 0; o < d; o++) {
                y[t][o] = (x[t][o] - mean) / Math.sqrt(var + eps) * g[o] + bias[o];
            }
        }
        return y;
    }

    /** erf by its series of positive terms (2/sqrt(pi)) e^(-x^2) sum 2^n x^(2n+1) / (2n+1)!!: no cancellation. */
    private static double erf(double x) {
        if (Math.abs(x) > 6) {
            return Math.signum(x);
        }
        double term = x, sum = x;
        for (int n = 1; n < 200; n++) {
            term *= 2 * x * x / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
    }
}
