package org.vil4j.vil;

import org.vil4j.api.Tensor;

/**
 * Receives intermediate activations during a forward, named as the golden files name them ("patch_embed",
 * "pos_embed", "blocks.{i}", "norm"). The tensor is only valid during the call: download it there if needed.
 */
@FunctionalInterface
public interface ActivationSink {
    ActivationSink NONE = (name, tensor) -> { };

    void accept(String name, Tensor tensor);
}
