package org.vil4j.cli;

import org.vil4j.api.Backbone;
import org.vil4j.api.ModelSpec;
import org.vil4j.api.Plugins;
import org.vil4j.api.Vil4jException;

import java.util.Optional;

/** Model names that a backbone plugin (not the ViL presets) answers, e.g. the ViT's {@code deit3-tiny}. */
final class BackbonePresets {
    private BackbonePresets() {
    }

    /** A backbone plugin's preset. */
    record Found(Backbone backbone, String name, ModelSpec spec) {
        /** The reference's {@code input_shape} (C, H, W), 3x224x224 when the preset leaves it out. */
        int[] input() {
            int[] in = spec.integers("input_shape", new int[]{3, 224, 224});
            if (in.length != 3) {
                throw new Vil4jException("model " + name + ": input_shape must be (C, H, W)");
            }
            return in;
        }
    }

    static Optional<Found> find(Plugins plugins, String name) {
        for (Backbone b : plugins.backbones().values()) {
            ModelSpec spec = b.presets().get(name);
            if (spec != null) {
                return Optional.of(new Found(b, name, spec));
            }
        }
        return Optional.empty();
    }
}
