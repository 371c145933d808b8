package org.vil4j.api;

import java.util.Map;

/**
 * What a backbone tells a mixer about its blocks: the token width and named options (the backbone's configuration
 * in the reference's argument names, e.g. {@code proj_bias}, {@code norm_bias}, {@code conv_kind},
 * {@code conv_kernel_size}, {@code num_heads}). A mixer reads the options it knows and ignores the rest.
 */
public record MixerSpec(int dim, Map<String, Object> options) {
    public MixerSpec {
        if (dim <= 0) {
            throw new IllegalArgumentException("mixer spec: dim must be positive, got " + dim);
        }
        options = Map.copyOf(options);
    }

    public boolean flag(String name, boolean otherwise) {
        Object v = options.get(name);
        return v instanceof Boolean b ? b : otherwise;
    }

    public int integer(String name, int otherwise) {
        Object v = options.get(name);
        return v instanceof Number n ? n.intValue() : otherwise;
    }

    public String string(String name, String otherwise) {
        Object v = options.get(name);
        return v == null ? otherwise : v.toString();
    }
}
