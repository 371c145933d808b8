package org.vil4j.api;

/**
 * Turns the backbone's final tokens into what the model hands on: pooled features for a classifier, all tokens, or a
 * feature map. Names follow the reference's {@code pooling} argument ("bilateral_flatten", "bilateral_avg",
 * "to_image", "none").
 */
public interface Head {
    /** Stable lower-case name recorded in configurations. */
    String name();

    /** One line for {@code vil plugins}. */
    String description();

    /** Whether the result is one vector per image (so a norm/classifier may follow) rather than tokens or a map. */
    boolean pools();

    /** Feature width of the result for a backbone of width {@code dim}. */
    int outputDim(int dim);

    /** tokens {@code [B, S, D]} on an h x w grid (row-major order) to {@code [B, outputDim]}, tokens or a map. */
    Tensor apply(Ops ops, Tensor tokens, int h, int w);
}
