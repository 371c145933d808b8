package org.vil4j.vil;

import org.vil4j.api.Vil4jException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything that decides a ViL model's structure, with the names of the plugins that build it (recorded in saved
 * models). Mirrors the reference constructors' arguments.
 *
 * @param version        v1 (VisionLSTM) or v2 (VisionLSTM2)
 * @param dim            token width
 * @param depth          v2: block pairs; v1: single blocks
 * @param patchSize      square patch side
 * @param stride         patch stride (equal to patchSize for non-overlapping patches)
 * @param channels       input channels
 * @param height         input height the position embedding is made for
 * @param width          input width the position embedding is made for
 * @param numClasses     classifier outputs, or 0 for feature mode (no classifier)
 * @param pooling        head plugin name ("bilateral_flatten", "bilateral_avg", "to_image", "none")
 * @param legacyNorm     the extra norm the published checkpoints carry
 * @param convKind       "2d" (depthwise 3x3 in the traversal's frame) or "causal1d"
 * @param convKernelSize taps per side (2d) or along the sequence (causal1d)
 * @param projBias       biases in the projections
 * @param normBias       biases in the norms
 * @param traversals     traversal plugin name of each sub-block, in order
 * @param mixer          sequence mixer plugin name
 */
public record VilConfig(VilVersion version, int dim, int depth, int patchSize, int stride, int channels, int height,
                        int width, int numClasses, String pooling, boolean legacyNorm, String convKind,
                        int convKernelSize, boolean projBias, boolean normBias, List<String> traversals,
                        String mixer) {

    public static final String TOP_LEFT = "rowwise_from_top_left";
    public static final String BOT_RIGHT = "rowwise_from_bot_right";
    /** mLSTM heads: the reference uses qkv_block_size (4) as the cell's head count. */
    public static final int QKV_BLOCK = 4;

    public VilConfig {
        traversals = List.copyOf(traversals);
        require(dim > 0 && dim % 2 == 0, "dim must be positive and even, got " + dim);
        require(depth > 0, "depth must be positive, got " + depth);
        require(patchSize > 0 && stride > 0 && stride <= patchSize, "patch " + patchSize + " / stride " + stride
                + " must be positive with stride <= patch");
        require(channels > 0, "channels must be positive");
        require(height % patchSize == 0 && width % patchSize == 0, "input " + height + "x" + width
                + " is not a multiple of the patch size " + patchSize + " (as the reference requires)");
        require(numClasses >= 0, "numClasses must be >= 0");
        require(convKind.equals("2d") || convKind.equals("causal1d"), "conv kind must be 2d or causal1d, got "
                + convKind);
        require(!convKind.equals("2d") || convKernelSize % 2 == 1, "a 2d conv needs an odd kernel, got "
                + convKernelSize);
        require(traversals.size() == subBlocks(version, depth), "traversal schedule has " + traversals.size()
                + " entries, the model has " + subBlocks(version, depth) + " sub-blocks");
        require((2 * dim) % QKV_BLOCK == 0, "2*dim must be a multiple of " + QKV_BLOCK);
    }

    /** A builder starting from the reference VisionLSTM2 defaults (ViL-T), instead of the 17 arguments. */
    public static VilConfigBuilder builder() {
        return new VilConfigBuilder();
    }

    static int subBlocks(VilVersion version, int depth) {
        return version == VilVersion.V2 ? 2 * depth : depth;
    }

    /** Sub-blocks in the model: two per v2 block pair, one per v1 block. */
    public int subBlockCount() {
        return subBlocks(version, depth);
    }

    /** The reference's alternation: top-left, bottom-right, top-left, ... */
    public static List<String> alternating(int subBlocks) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < subBlocks; i++) {
            names.add(i % 2 == 0 ? TOP_LEFT : BOT_RIGHT);
        }
        return names;
    }

    /** The token grid the position embedding was made for (the reference computes it from the patch size). */
    public int embedGridH() {
        return height / patchSize;
    }

    public int embedGridW() {
        return width / patchSize;
    }

    public int innerDim() {
        return 2 * dim;
    }

    public boolean isClassifier() {
        return numClasses > 0;
    }

    /** The names of every plugin this configuration needs, by kind: what a saved model records. */
    public Map<String, List<String>> pluginNames() {
        Map<String, List<String>> names = new LinkedHashMap<>();
        names.put("traversal", List.copyOf(new java.util.LinkedHashSet<>(traversals)));
        names.put("mixer", List.of(mixer));
        names.put("head", List.of(pooling));
        return names;
    }

    /** This configuration with another per-sub-block traversal schedule (cycled to the sub-block count). */
    public VilConfig withTraversals(List<String> schedule) {
        if (schedule.isEmpty()) {
            throw new IllegalArgumentException("empty traversal schedule");
        }
        List<String> all = new ArrayList<>();
        for (int i = 0; i < subBlockCount(); i++) {
            all.add(schedule.get(i % schedule.size()));
        }
        return new VilConfig(version, dim, depth, patchSize, stride, channels, height, width, numClasses, pooling,
                legacyNorm, convKind, convKernelSize, projBias, normBias, all, mixer);
    }

    /** This configuration with a traversal schedule spec ({@link TraversalSchedule}: alternate, four_way, a,b,...). */
    public VilConfig withSchedule(String spec) {
        return TraversalSchedule.parse(spec).applyTo(this);
    }

    /** The traversal schedule as the spec a saved model records; {@link #withSchedule} reads it back. */
    public String schedule() {
        return TraversalSchedule.of(traversals).spec();
    }

    /** This configuration for another input size (the position embedding is resized at forward time). */
    public VilConfig withInput(int channels, int height, int width) {
        return new VilConfig(version, dim, depth, patchSize, stride, channels, height, width, numClasses, pooling,
                legacyNorm, convKind, convKernelSize, projBias, normBias, traversals, mixer);
    }

    /**
     * This backbone in feature mode at a square input side: no classes, no pooling, and no legacy norm (it
     * normalises the pooled tokens, which a feature backbone does not make); what a dense head reads.
     */
    public VilConfig asFeatures(int side) {
        return new VilConfig(version, dim, depth, patchSize, stride, channels, side, side, 0, "none", false, convKind,
                convKernelSize, projBias, normBias, traversals, mixer);
    }

    private static final Set<String> V2_KWARGS = Set.of("dim", "input_shape", "patch_size", "depth", "output_shape",
            "mode", "pooling", "drop_path_rate", "drop_path_decay", "stride", "legacy_norm", "conv_kind",
            "conv_kernel_size", "proj_bias", "norm_bias", "init_weights");
    private static final Set<String> V1_KWARGS = Set.of("dim", "input_shape", "patch_size", "depth", "output_shape",
            "mode", "pooling", "drop_path_rate", "stride", "alternation", "drop_path_decay", "legacy_norm");

    /**
     * The configuration the reference constructor {@code ctor(**kwargs)} builds, with the reference's defaults for
     * every argument left out.
     */
    public static VilConfig fromReference(String ctor, Map<String, ?> kwargs) {
        VilVersion version = VilVersion.ofReferenceClass(ctor);
        Set<String> known = version == VilVersion.V2 ? V2_KWARGS : V1_KWARGS;
        List<String> unknown = kwargs.keySet().stream().filter(k -> !known.contains(k)).sorted().toList();
        require(unknown.isEmpty(), ctor + " has no argument(s) " + unknown);
        Kwargs a = new Kwargs(ctor, kwargs);
        int dim = a.integer("dim", 192);
        int[] input = a.ints("input_shape", new int[]{3, 224, 224});
        require(input.length == 3, ctor + ": input_shape must be (C, H, W), got " + java.util.Arrays.toString(input));
        int patch = a.integer("patch_size", 16);
        int stride = a.has("stride") ? a.integer("stride", patch) : patch;
        String mode = a.string("mode", version == VilVersion.V2 ? "classifier" : "classifier");
        String pooling = a.string("pooling", version == VilVersion.V2 ? "bilateral_flatten" : "bilateral_avg");
        int[] output = a.ints("output_shape", new int[]{1000});
        boolean legacy = a.bool("legacy_norm", false);
        int classes;
        if (version == VilVersion.V2) {
            int depth = a.integer("depth", 12);
            if ("features".equals(mode)) {
                classes = 0;
                if (pooling != null && !pooling.equals("to_image")) {
                    pooling = null; // the reference warns and ignores any other pooling in feature mode
                }
            } else {
                require("classifier".equals(mode), ctor + ": mode must be classifier or features, got " + mode);
                require(output != null && output.length == 1, ctor + ": a classifier needs output_shape=(classes,)");
                classes = output[0];
            }
            String convKind = a.string("conv_kind", "2d");
            // VisionLSTM2 accepts conv_kernel_size but never passes it on: the 2-D conv is always 3x3
            int kernel = "2d".equals(convKind) ? 3 : 4;
            return new VilConfig(version, dim, depth, patch, stride, input[0], input[1], input[2], classes,
                    pooling == null ? "none" : pooling, legacy, convKind, kernel, a.bool("proj_bias", true),
                    a.bool("norm_bias", true), alternating(2 * depth), MlstmMixer.NAME);
        }
        int depth = a.integer("depth", 24);
        require("bidirectional".equals(a.string("alternation", "bidirectional")), ctor
                + ": only alternation='bidirectional' exists");
        if (mode == null) {
            classes = 0;
            require(pooling == null, ctor + ": mode=None needs pooling=None");
        } else {
            require("classifier".equals(mode), ctor + ": mode must be classifier or None, got " + mode);
            require(output != null && output.length == 1, ctor + ": a classifier needs output_shape=(classes,)");
            classes = output[0];
            require("bilateral_avg".equals(pooling) || pooling == null, ctor + ": pooling must be bilateral_avg "
                    + "or None, got " + pooling);
        }
        return new VilConfig(version, dim, depth, patch, stride, input[0], input[1], input[2], classes,
                pooling == null ? "none" : pooling, legacy, "causal1d", 4, false, false, alternating(depth),
                MlstmMixer.NAME);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new Vil4jException("invalid ViL configuration: " + message);
        }
    }

    /** Typed access to reference keyword arguments as they come out of JSON. */
    private record Kwargs(String ctor, Map<String, ?> map) {
        boolean has(String key) {
            return map.containsKey(key) && map.get(key) != null;
        }

        int integer(String key, int fallback) {
            Object v = map.get(key);
            if (v == null) {
                return fallback;
            }
            if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
                return n.intValue();
            }
            throw new Vil4jException("invalid ViL configuration: " + ctor + "." + key + " must be an integer, got " + v);
        }

        boolean bool(String key, boolean fallback) {
            Object v = map.get(key);
            if (v == null) {
                return fallback;
            }
            if (v instanceof Boolean b) {
                return b;
            }
            throw new Vil4jException("invalid ViL configuration: " + ctor + "." + key + " must be true/false, got " + v);
        }

        String string(String key, String fallback) {
            if (!map.containsKey(key)) {
                return fallback;
            }
            Object v = map.get(key);
            return v == null ? null : v.toString();
        }

        int[] ints(String key, int[] fallback) {
            if (!map.containsKey(key)) {
                return fallback;
            }
            Object v = map.get(key);
            if (v == null) {
                return null;
            }
            if (v instanceof List<?> list) {
                int[] out = new int[list.size()];
                for (int i = 0; i < out.length; i++) {
                    if (!(list.get(i) instanceof Number n)) {
                        throw new Vil4jException("invalid ViL configuration: " + ctor + "." + key
                                + " must hold integers, got " + list);
                    }
                    out[i] = n.intValue();
                }
                return out;
            }
            if (v instanceof Number n) {
                return new int[]{n.intValue()};
            }
            throw new Vil4jException("invalid ViL configuration: " + ctor + "." + key + " must be a list, got " + v);
        }
    }
}
