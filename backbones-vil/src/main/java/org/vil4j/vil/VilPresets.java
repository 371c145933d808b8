package org.vil4j.vil;

import org.vil4j.api.Vil4jException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/** The torch.hub names of the official repository (hubconf.py) with their exact constructor arguments. */
public final class VilPresets {
    private static final Map<String, VilConfig> PRESETS = new LinkedHashMap<>();

    static {
        v1("vil-tiny", 192, 24, null);
        v1("vil-tiny-e400", 192, 24, null);
        v1("vil-tinyplus", 192, 29, null);
        v1("vil-tinyplus-e400", 192, 29, null);
        v1("vil-tinyplus-stride8", 192, 29, 8);
        v1("vil-small", 384, 24, null);
        v1("vil-smallplus", 384, 26, null);
        v1("vil-smallplus-stride8", 384, 26, 8);
        v1("vil-base", 768, 24, null);
        v1("vil-base-stride8", 768, 24, 8);
        v2("vil2-tiny", 192);
        v2("vil2-tiny-e400", 192);
        v2("vil2-small", 384);
        v2("vil2-base", 768);
    }

    private VilPresets() {
    }

    private static void v1(String name, int dim, int depth, Integer stride) {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("dim", dim);
        kwargs.put("depth", depth);
        kwargs.put("legacy_norm", true);
        if (stride != null) {
            kwargs.put("stride", stride);
        }
        PRESETS.put(name, VilConfig.fromReference("VisionLSTM", kwargs));
    }

    private static void v2(String name, int dim) {
        PRESETS.put(name, VilConfig.fromReference("VisionLSTM2", Map.of("dim", dim, "depth", 12, "legacy_norm", true,
                "pooling", "bilateral_flatten", "conv_kind", "2d", "conv_kernel_size", 3, "norm_bias", true,
                "proj_bias", true)));
    }

    public static VilConfig get(String name) {
        VilConfig config = PRESETS.get(name);
        if (config == null) {
            throw new Vil4jException("no model preset named '" + name + "' (known: "
                    + String.join(", ", new TreeSet<>(PRESETS.keySet())) + ")");
        }
        return config;
    }

    public static Map<String, VilConfig> all() {
        return Map.copyOf(PRESETS);
    }
}
