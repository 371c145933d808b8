package org.vil4j.api;

import java.util.Map;
import java.util.function.BiConsumer;

/** A model a {@link Backbone} built on one backend: its parameters live there. */
public interface BackboneModel {
    /** The configuration it was built from. */
    ModelSpec spec();

    /**
     * Runs one batch {@code [B, C, H, W]}; {@code activations} sees named intermediate tensors (the golden cases'
     * {@code act.*} names, e.g. {@code patch_embed}, {@code blocks.0}). The output is left in the workspace.
     */
    Tensor forward(Tensor images, BiConsumer<String, Tensor> activations);

    /** The parameters on the backend, by state_dict name. */
    Map<String, Tensor> parameters();
}
