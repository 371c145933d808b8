package org.vil4j.api;

import java.util.Map;

/**
 * A backbone family as a plugin (e.g. a vision transformer shipped in its own jar): builds models from a reference
 * constructor's keyword arguments ({@link ModelSpec}), declares their parameters under the reference's state_dict
 * names, initialises them, and names its presets. Commands and the golden runner find a backbone by its stable
 * name or by the reference class it builds, through {@link Plugins}.
 */
public interface Backbone {
    /** Stable lower-case name recorded in saved models. */
    String name();

    /** One line for {@code vil plugins}. */
    String description();

    /** Whether this backbone builds the reference class {@code referenceClass} (a golden case's {@code ctor}). */
    boolean builds(String referenceClass);

    /** Named configurations (e.g. the hub's names), in a stable order. */
    default Map<String, ModelSpec> presets() {
        return Map.of();
    }

    /** The parameter names (state_dict order) and shapes of a configuration. */
    Map<String, Shape> parameterShapes(ModelSpec spec, Plugins plugins);

    /**
     * The weights of a configuration that the reference keeps fixed (registered buffers, e.g. a sin-cos position
     * embedding): loaded and saved with the others, never updated by training.
     */
    default java.util.Set<String> buffers(ModelSpec spec) {
        return java.util.Set.of();
    }

    /**
     * The other plugins a configuration is built from, by kind ({@code traversal}, {@code mixer}, {@code head}; a
     * name or a list of names): saved models record them beside the backbone's own name, and loading a saved model
     * checks that each is on the class path before building it. Empty for a backbone that uses none.
     */
    default Map<String, Object> pluginNames(ModelSpec spec) {
        return Map.of();
    }

    /** Fresh weights as the reference's initialisation makes them; deterministic for a seed. */
    Map<String, HostTensor> initialize(ModelSpec spec, Plugins plugins, long seed);

    /**
     * The model on {@code ops} with {@code weights} uploaded.
     *
     * @param source where the weights came from, for error messages
     * @throws WeightsMismatchException listing every missing, unexpected or mis-shaped weight
     */
    BackboneModel create(ModelSpec spec, Plugins plugins, Ops ops, Map<String, HostTensor> weights, String source);
}
