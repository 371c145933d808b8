package org.vil4j.api;

import java.util.Map;
import java.util.SplittableRandom;

/**
 * A plugin part with weights: declares them (names relative to where the backbone places the part, as in the
 * reference's {@code state_dict()}, in its order) and initialises them as the reference's {@code reset_parameters}.
 */
public interface ParameterOwner {
    /** Parameter names (relative) and shapes, in state_dict order; empty for a part without weights. */
    Map<String, Shape> parameters();

    /**
     * Fresh values of the declared parameter {@code name} (a relative name from {@link #parameters()}).
     * Deterministic for the random generator's state.
     */
    float[] initialValues(String name, Shape shape, SplittableRandom random);
}
