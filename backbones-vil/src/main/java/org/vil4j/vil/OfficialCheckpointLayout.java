package org.vil4j.vil;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Shape;
import org.vil4j.api.Vil4jException;
import org.vil4j.api.WeightsMismatchException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The key layouts of the published checkpoints (the training code's names, which the repository's hubconf.py renames
 * under {@code preprocess="v1"} and {@code "v2"}) and our own (the reference model's state_dict names, see
 * {@link ParameterLayout}): detection from the keys, renaming, the configuration the shapes imply, and the
 * position-embedding resize when the model's token grid differs from the checkpoint's.
 */
public final class OfficialCheckpointLayout {
    /** Which names a weight map uses. */
    public enum Kind {
        /** Ours, v1 or v2: what VisionLstm and our safetensors files use. */
        OURS,
        /** The training code's names of VisionLSTM (hubconf preprocess="v1"). */
        OFFICIAL_V1,
        /** The training code's names of VisionLSTM2 (hubconf preprocess="v2"). */
        OFFICIAL_V2
    }

    /** Weights renamed to ours and the configuration they are for. */
    public record Loaded(Kind layout, VilConfig config, Map<String, HostTensor> weights) {
    }

    private static final Pattern BLOCK = Pattern.compile("^blocks\\.(\\d+)\\.");
    private static final Pattern OUR_V2_BLOCK = Pattern.compile("^blocks\\.(\\d+)\\.(rowwise_from_top_left|"
            + "rowwise_from_bot_right)\\.");

    /** A v2 sub-block key of ours under any traversal's name (v1 keys go straight to layer./norm.). */
    private static final Pattern OUR_V2_ANY_BLOCK = Pattern.compile("^blocks\\.\\d+\\.(?!layer\\.|norm\\.)"
            + "[a-z][a-z0-9_]*\\.(layer|norm)\\.");

    private OfficialCheckpointLayout() {
    }

    /** The layout the keys are in; an error when they fit none. */
    public static Kind detect(Set<String> keys) {
        boolean official = keys.stream().anyMatch(k -> k.contains(".xlstm.") || k.contains(".xlstm_norm.")
                || k.startsWith("post_blocks_norm."));
        if (official) {
            return keys.stream().anyMatch(k -> k.contains(".conv1d.conv.")) ? Kind.OFFICIAL_V1 : Kind.OFFICIAL_V2;
        }
        if (keys.contains("patch_embed.proj.weight") && keys.stream().anyMatch(k -> k.startsWith("blocks."))) {
            return Kind.OURS;
        }
        throw new Vil4jException("the weights are in no known ViL layout (expected patch_embed.proj.weight and "
                + "blocks.* keys, official or ours); first keys: " + keys.stream().limit(5).toList());
    }

    /** Our version of a layout: from the keys for OURS. */
    static VilVersion version(Kind kind, Set<String> keys) {
        return switch (kind) {
            case OFFICIAL_V1 -> VilVersion.V1;
            case OFFICIAL_V2 -> VilVersion.V2;
            case OURS -> keys.stream().anyMatch(k -> OUR_V2_ANY_BLOCK.matcher(k).find()) ? VilVersion.V2
                    : VilVersion.V1;
        };
    }

    /** The training code's name to ours, exactly as hubconf.py renames (the pops only where the key exists). */
    public static String toOurs(String key, Kind kind, boolean legacyNorm) {
        if (kind == Kind.OURS) {
            return key;
        }
        String k = key.replace(".xlstm.", ".layer.").replace("xlstm.", "").replace(".xlstm_norm.", ".norm.");
        if (kind == Kind.OFFICIAL_V1) {
            return switch (k) {
                case "post_blocks_norm.weight" -> "legacy_norm.weight";
                case "head.0.weight" -> "norm.weight";
                case "head.0.bias" -> "norm.bias";
                case "head.1.weight" -> "head.weight";
                case "head.1.bias" -> "head.bias";
                default -> k;
            };
        }
        k = k.replace(".conv1d.", ".conv.");
        Matcher m = BLOCK.matcher(k);
        if (m.find()) {
            int i = Integer.parseInt(m.group(1));
            k = "blocks." + i / 2 + "." + (i % 2 == 0 ? VilConfig.TOP_LEFT : VilConfig.BOT_RIGHT) + "."
                    + k.substring(m.end());
        }
        return switch (k) {
            case "post_blocks_norm.weight" -> "norm.weight";
            case "post_blocks_norm.bias" -> "norm.bias";
            case "head.0.weight" -> legacyNorm ? "legacy_norm.weight" : k;
            case "head.0.bias" -> legacyNorm ? "legacy_norm.bias" : k;
            case "head.1.weight" -> "head.weight";
            case "head.1.bias" -> "head.bias";
            default -> k;
        };
    }

    /** Our name to the training code's (for messages: which key the checkpoint lacks). */
    public static String toOfficial(String ours, Kind kind) {
        if (kind == Kind.OURS) {
            return ours;
        }
        if (kind == Kind.OFFICIAL_V1) {
            switch (ours) {
                case "legacy_norm.weight": return "post_blocks_norm.weight";
                case "norm.weight": return "head.0.weight";
                case "norm.bias": return "head.0.bias";
                case "head.weight": return "head.1.weight";
                case "head.bias": return "head.1.bias";
                default:
            }
            Matcher m = BLOCK.matcher(ours);
            if (m.find()) {
                String rest = ours.substring(m.end());
                rest = rest.startsWith("norm.") ? "xlstm_norm." + rest.substring(5)
                        : rest.startsWith("layer.") ? "xlstm." + rest.substring(6) : rest;
                return m.group() + rest;
            }
            return ours;
        }
        switch (ours) {
            case "norm.weight": return "post_blocks_norm.weight";
            case "norm.bias": return "post_blocks_norm.bias";
            case "legacy_norm.weight": return "head.0.weight";
            case "legacy_norm.bias": return "head.0.bias";
            case "head.weight": return "head.1.weight";
            case "head.bias": return "head.1.bias";
            default:
        }
        Matcher m = OUR_V2_BLOCK.matcher(ours);
        if (m.find()) {
            int i = 2 * Integer.parseInt(m.group(1)) + (m.group(2).equals(VilConfig.TOP_LEFT) ? 0 : 1);
            String rest = ours.substring(m.end());
            rest = rest.startsWith("norm.") ? "xlstm_norm." + rest.substring(5)
                    : rest.startsWith("layer.conv.") ? "xlstm.conv1d." + rest.substring(11)
                    : rest.startsWith("layer.") ? "xlstm." + rest.substring(6) : rest;
            return "blocks." + i + "." + rest;
        }
        return ours;
    }

    /**
     * Our parameter names ({@link ParameterLayout} order) in the order the training code's {@code state_dict()} lists
     * them: within a sub-block the norm, then the layer's own {@code learnable_skip}, then its sub-modules (a module's
     * direct parameters come before its children's). Other names keep their order.
     */
    public static List<String> officialOrder(java.util.Collection<String> ours, Kind kind) {
        List<String> names = new ArrayList<>(ours);
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < names.size()) {
            String block = subBlockPrefix(names.get(i));
            if (block == null) {
                out.add(names.get(i++));
                continue;
            }
            List<String> group = new ArrayList<>();
            while (i < names.size() && block.equals(subBlockPrefix(names.get(i)))) {
                group.add(names.get(i++));
            }
            String skip = block + "layer.learnable_skip";
            int lastNorm = -1;
            for (int g = 0; g < group.size(); g++) {
                if (group.get(g).startsWith(block + "norm.")) {
                    lastNorm = g;
                }
            }
            if (kind != Kind.OURS && group.remove(skip)) {
                group.add(lastNorm + 1, skip);
            }
            out.addAll(group);
        }
        return out;
    }

    /** "blocks.3.rowwise_from_top_left." / "blocks.3." for a sub-block's key, else null. */
    private static String subBlockPrefix(String name) {
        Matcher v2 = OUR_V2_BLOCK.matcher(name);
        if (v2.find()) {
            return v2.group();
        }
        Matcher v1 = BLOCK.matcher(name);
        return v1.find() ? v1.group() : null;
    }

    /**
     * Renames {@code raw} to our names, works out the configuration the shapes describe, and fits it to
     * {@code target} when one is given (same structure; the position embedding resized to the target's grid).
     *
     * @param target the model to load into, or null to build the one the checkpoint describes
     * @throws WeightsMismatchException listing every missing, unexpected and mis-shaped key at once
     */
    public static Loaded load(Map<String, HostTensor> raw, VilConfig target, String source) {
        Kind kind = detect(raw.keySet());
        VilVersion version = version(kind, raw.keySet());
        boolean legacy = target != null ? target.legacyNorm()
                : raw.containsKey(kind == Kind.OFFICIAL_V2 ? "head.0.weight" : "legacy_norm.weight")
                || (kind == Kind.OFFICIAL_V1 && raw.containsKey("post_blocks_norm.weight"));
        Map<String, HostTensor> ours = new LinkedHashMap<>();
        Map<String, String> officialName = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (var e : raw.entrySet()) {
            String name = toOurs(e.getKey(), kind, legacy);
            if (ours.put(name, e.getValue()) != null) {
                problems.add("duplicate " + name + " (from " + e.getKey() + ")");
            }
            officialName.put(name, e.getKey());
        }
        if (target != null && target.version() != version) {
            throw new Vil4jException("weights from " + source + " are for ViL " + version.name().toLowerCase()
                    + " but the model is " + target.version().name().toLowerCase());
        }
        VilConfig config = target != null ? target : infer(version, ours, source);
        HostTensor pos = ours.get("pos_embed.embed");
        Shape posShape = ParameterLayout.of(config).get("pos_embed.embed");
        if (pos != null && pos.shape().rank() == 4 && pos.shape().dim(0) == 1 && pos.shape().dim(3) == config.dim()
                && !pos.shape().equals(posShape)) {
            ours.put("pos_embed.embed", PositionEmbeddingResize.resize(pos, posShape.dim(1), posShape.dim(2)));
        }
        Map<String, Shape> layout = ParameterLayout.of(config);
        for (var e : layout.entrySet()) {
            HostTensor t = ours.get(e.getKey());
            String hint = kind == Kind.OURS ? "" : " (checkpoint key " + toOfficial(e.getKey(), kind) + ")";
            if (t == null) {
                problems.add("missing " + e.getKey() + " " + e.getValue() + hint);
            } else if (!t.shape().equals(e.getValue())) {
                problems.add("mis-shaped " + e.getKey() + hint + ": expected " + e.getValue() + ", found "
                        + t.shape());
            }
        }
        for (var e : ours.entrySet()) {
            if (!layout.containsKey(e.getKey())) {
                String from = officialName.get(e.getKey());
                problems.add("unexpected " + from + " " + e.getValue().shape()
                        + (from.equals(e.getKey()) ? "" : " (renamed " + e.getKey() + ")"));
            }
        }
        if (!problems.isEmpty()) {
            throw new WeightsMismatchException(source, problems);
        }
        return new Loaded(kind, config, ours);
    }

    /** The configuration a weight map (official names or ours) describes, input size from the embedding's grid. */
    public static VilConfig describe(Map<String, HostTensor> raw, String source) {
        Kind kind = detect(raw.keySet());
        boolean legacy = raw.containsKey("head.0.weight") && raw.containsKey("head.1.weight");
        Map<String, HostTensor> ours = new LinkedHashMap<>();
        raw.forEach((k, v) -> ours.put(toOurs(k, kind, legacy), v));
        return infer(version(kind, raw.keySet()), ours, source);
    }

    /** The configuration our-named weights describe (input size from the position embedding's grid). */
    static VilConfig infer(VilVersion version, Map<String, HostTensor> ours, String source) {
        Shape patch = shape(ours, "patch_embed.proj.weight", 4, source);
        Shape pos = shape(ours, "pos_embed.embed", 4, source);
        int dim = patch.dim(0), channels = patch.dim(1), p = patch.dim(2);
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("dim", dim);
        kwargs.put("patch_size", p);
        kwargs.put("input_shape", List.of(channels, pos.dim(1) * p, pos.dim(2) * p));
        String first = version == VilVersion.V2 ? "blocks.0." + VilConfig.TOP_LEFT + "." : "blocks.0.";
        int depth = 0;
        while (ours.containsKey((version == VilVersion.V2 ? "blocks." + depth + "." + VilConfig.TOP_LEFT + "."
                : "blocks." + depth + ".") + "norm.weight")) {
            depth++;
        }
        if (depth == 0) {
            throw new Vil4jException("weights from " + source + " hold no block (no " + first + "norm.weight)");
        }
        kwargs.put("depth", depth);
        kwargs.put("legacy_norm", ours.containsKey("legacy_norm.weight"));
        HostTensor head = ours.get("head.weight");
        if (version == VilVersion.V2) {
            if (head != null && head.shape().rank() == 2) {
                kwargs.put("output_shape", List.of(head.shape().dim(0)));
                kwargs.put("pooling", head.shape().dim(1) == 2 * dim ? "bilateral_flatten" : "bilateral_avg");
            } else {
                kwargs.put("mode", "features");
                kwargs.put("pooling", null);
            }
            HostTensor conv = ours.get(first + "layer.conv.weight");
            kwargs.put("conv_kind", conv != null && conv.shape().rank() == 3 ? "causal1d" : "2d");
            kwargs.put("proj_bias", ours.containsKey(first + "layer.proj_up.bias"));
            kwargs.put("norm_bias", ours.containsKey(first + "norm.bias"));
            return VilConfig.fromReference("VisionLSTM2", kwargs);
        }
        if (head != null && head.shape().rank() == 2) {
            kwargs.put("output_shape", List.of(head.shape().dim(0)));
        } else {
            kwargs.put("mode", null);
            kwargs.put("pooling", null);
        }
        return VilConfig.fromReference("VisionLSTM", kwargs);
    }

    private static Shape shape(Map<String, HostTensor> ours, String name, int rank, String source) {
        HostTensor t = ours.get(name);
        if (t == null || t.shape().rank() != rank) {
            throw new Vil4jException("weights from " + source + " have no " + name + " of rank " + rank
                    + ": cannot tell the model's configuration");
        }
        return t.shape();
    }
}
