package org.vil4j.api;

import java.util.Map;
import java.util.SplittableRandom;

/**
 * Turns the backbone's final tokens into what the model hands on: pooled features for a classifier, all tokens, or a
 * feature map. Names follow the reference's {@code pooling} argument ("bilateral_flatten", "bilateral_avg",
 * "to_image", "none") and the poolings of other backbones ("class_token", "first", "last", "middle", "mean").
 *
 * <p>A head may own weights: it declares them ({@link #parameters}, names relative to the place the backbone puts
 * the head, e.g. {@code pooling.}), initialises them ({@link #initialValues}) and reads them in
 * {@link #apply(Ops, ParameterSet, Tensor, int, int)}. The backbone sizes what follows (norm, classifier) by
 * {@link #outputDim}.
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

    /**
     * tokens {@code [B, S, D]} to {@code [B, outputDim]}, tokens or a map. The last h x w tokens are the patch tokens
     * in row-major grid order; any {@code S - h*w} before them are extra (class) tokens.
     */
    Tensor apply(Ops ops, Tensor tokens, int h, int w);

    /** The weights this head owns for a backbone of width {@code dim} (relative names, in order); none by default. */
    default Map<String, Shape> parameters(int dim) {
        return Map.of();
    }

    /** Fresh values of a declared weight (deterministic for the generator's state); zeros by default. */
    default float[] initialValues(String name, Shape shape, SplittableRandom random) {
        return new float[shape.size()];
    }

    /** {@link #apply(Ops, Tensor, int, int)} for a head with weights, given them by their declared names. */
    default Tensor apply(Ops ops, ParameterSet params, Tensor tokens, int h, int w) {
        return apply(ops, tokens, h, w);
    }
}
