package org.vil4j.vit;

import org.vil4j.api.ModelSpec;
import org.vil4j.api.Vil4jException;

import java.util.List;
import java.util.Set;

/**
 * A VisionTransformer configuration: the reference constructor's arguments with its defaults, and the two plugin
 * names this implementation adds ({@code pooling}: the head that pools for the classifier, {@code class_token} as
 * the reference's {@code x[:, 0]}; {@code mixer}: the token mixer of each block, {@code attention}).
 *
 * @param layerScale the layer-scale initial value, or null for none (no {@code ls*.gamma})
 */
public record VitConfig(int dim, int depth, int numHeads, int patchSize, int channels, int height, int width,
                        int mlpHiddenDim, int numClsTokens, Double layerScale, int numOutputs, boolean classifier,
                        double eps, double dropPathRate, boolean dropPathDecay, String pooling, String mixer) {
    public static final String REFERENCE_CLASS = "VisionTransformer";

    private static final Set<String> KWARGS = Set.of("dim", "depth", "num_heads", "patch_size", "input_shape",
            "mlp_hidden_dim", "drop_path_rate", "drop_path_decay", "num_cls_tokens", "layerscale", "num_outputs",
            "mode", "eps", "pooling", "mixer");

    public VitConfig {
        require(dim > 0 && depth > 0, "dim and depth must be positive, got " + dim + ", " + depth);
        require(numHeads > 0 && dim % numHeads == 0, "dim " + dim + " does not split into " + numHeads + " heads");
        require(patchSize > 0 && height % patchSize == 0 && width % patchSize == 0, "input " + height + "x" + width
                + " is not a multiple of the patch size " + patchSize + " (as the reference requires)");
        require(channels > 0 && mlpHiddenDim > 0 && numClsTokens >= 0, "channels, mlp_hidden_dim and "
                + "num_cls_tokens must be positive (num_cls_tokens may be 0)");
        require(!classifier || numOutputs > 0, "a classifier needs num_outputs > 0");
    }

    /** The configuration {@code VisionTransformer(**kwargs)} builds. */
    public static VitConfig of(ModelSpec spec) {
        require(REFERENCE_CLASS.equals(spec.referenceClass()), "not a " + REFERENCE_CLASS + ": "
                + spec.referenceClass());
        List<String> unknown = spec.kwargs().keySet().stream().filter(k -> !KWARGS.contains(k)).sorted().toList();
        require(unknown.isEmpty(), REFERENCE_CLASS + " has no argument(s) " + unknown);
        int dim = spec.integer("dim", -1);
        require(dim > 0, "dim is required");
        int[] input = spec.integers("input_shape", new int[]{3, 224, 224});
        require(input.length == 3, "input_shape must be (C, H, W), got " + java.util.Arrays.toString(input));
        String mode = spec.string("mode", "classifier");
        require(mode.equals("classifier") || mode.equals("features"), "mode must be classifier or features, got "
                + mode);
        Double mlp = spec.number("mlp_hidden_dim", null);
        Object dpd = spec.kwargs().get("drop_path_decay");
        return new VitConfig(dim, spec.integer("depth", -1), spec.integer("num_heads", -1),
                spec.integer("patch_size", 16), input[0], input[1], input[2],
                mlp == null ? 4 * dim : mlp.intValue(), spec.integer("num_cls_tokens", 1),
                spec.number("layerscale", 1e-4), spec.integer("num_outputs", 1000), mode.equals("classifier"),
                spec.number("eps", 1e-6), spec.number("drop_path_rate", 0.0),
                !(dpd instanceof Boolean b) || b, spec.string("pooling", "class_token"),
                spec.string("mixer", AttentionMixer.NAME));
    }

    public int gridH() {
        return height / patchSize;
    }

    public int gridW() {
        return width / patchSize;
    }

    public int tokens() {
        return gridH() * gridW() + numClsTokens;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new Vil4jException("invalid VisionTransformer configuration: " + message);
        }
    }
}
