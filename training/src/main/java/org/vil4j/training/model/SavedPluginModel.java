package org.vil4j.training.model;

import org.vil4j.api.Backbone;
import org.vil4j.api.BackboneModel;
import org.vil4j.api.HostTensor;
import org.vil4j.api.ModelSpec;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Vil4jException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A backbone plugin's model read back from a model file or a training checkpoint: the plugin found by the name the
 * file records ({@link PluginModelSpec#lookUp}), and every tensor held against the shapes that plugin declares for
 * the recorded spec, before anything is built.
 *
 * @param info preprocessing, class names and provenance when the file records them, else null
 * @param note what the reader did that the user should know (null when nothing)
 */
public record SavedPluginModel(Backbone backbone, PluginModelSpec model, Map<String, HostTensor> weights,
                               ModelInfo info, String note) {
    /** Reads {@code file}, which must hold a backbone plugin's model. */
    public static SavedPluginModel read(Path file, Plugins plugins) {
        WeightsFiles.Contents contents = WeightsFiles.read(file);
        if (contents.plugin() == null) {
            throw new Vil4jException(file + " records no backbone plugin's model (metadata backbone)");
        }
        return of(contents, file, plugins);
    }

    /** The plugin model of contents read from {@code file} (whose {@link WeightsFiles.Contents#plugin} is set). */
    public static SavedPluginModel of(WeightsFiles.Contents contents, Path file, Plugins plugins) {
        PluginModelSpec model = contents.plugin();
        String source = file.toString();
        Backbone backbone = model.lookUp(plugins, source);
        Map<String, Shape> declared = model.declaredShapes(backbone, plugins, source);
        Map<String, Shape> found = new LinkedHashMap<>();
        contents.weights().forEach((name, t) -> found.put(name, t.shape()));
        model.requireDeclaredShapes(found, declared, source);
        return new SavedPluginModel(backbone, model, contents.weights(), contents.info(), contents.note());
    }

    /**
     * The model on {@code ops}, built from {@code spec}: the recorded one, or it at another input size (the backbone
     * fits weights made for the recorded size, e.g. by resizing a position embedding).
     */
    public BackboneModel create(Plugins plugins, Ops ops, ModelSpec spec, String source) {
        return backbone.create(spec, plugins, ops, weights, source);
    }
}
