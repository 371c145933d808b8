package org.vil4j.training.model;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.JsonSyntaxException;
import org.vil4j.formats.json.StrictJsonParser;
import org.vil4j.formats.safetensors.SafetensorsWriter;
import org.vil4j.training.ConfigJson;
import org.vil4j.training.Json;
import org.vil4j.vil.ParameterLayout;
import org.vil4j.vil.VilConfig;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model file: one safetensors file with the weights under our parameter names and, in the metadata, everything
 * needed to use them: the model config, the plugin names (traversal schedule, mixer, head), the preprocessing, the
 * class names and the provenance. A backbone plugin's model records the plugin's name, its spec and the plugins
 * that spec uses instead of a ViL config ({@link PluginModelSpec}). Keys are written in a fixed order (the writer sorts them, JSON values keep
 * theirs), so identical models give byte-identical files. {@link WeightsFiles} reads it back.
 */
public final class ModelFile {
    public static final String FORMAT = "vil4j-model-1";

    private ModelFile() {
    }

    /** Writes {@code weights} (every parameter of {@code config}) with {@code info}, atomically. */
    public static void write(Path file, VilConfig config, Map<String, float[]> weights, ModelInfo info) {
        toWriter(config, weights, info).write(file);
    }

    /**
     * Writes a backbone plugin's model: {@code weights} must be exactly the tensors the plugin declares for the
     * spec (buffers included), written atomically with the plugin's name, spec and plugin names and {@code info}.
     */
    public static void write(Path file, PluginModelSpec model, Plugins plugins, Map<String, float[]> weights,
                             ModelInfo info) {
        String source = "model file " + file;
        Map<String, Shape> layout = model.declaredShapes(model.lookUp(plugins, source), plugins, source);
        int[] input = model.spec().integers("input_shape", null);
        if (input != null && input.length == 3 && info.preprocessing().channels() != input[0]) {
            throw new Vil4jException(source + ": preprocessing gives " + info.preprocessing().channels()
                    + " channel(s), the model takes " + input[0]);
        }
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", FORMAT);
        model.metadata().forEach(w::metadata);
        metadata(info).forEach(w::metadata);
        putWeights(w, layout, weights, source);
        w.write(file);
    }

    /** The file's bytes (what {@link #write} puts on disk). */
    public static byte[] bytes(VilConfig config, Map<String, float[]> weights, ModelInfo info) {
        return toWriter(config, weights, info).toBytes();
    }

    private static SafetensorsWriter toWriter(VilConfig config, Map<String, float[]> weights, ModelInfo info) {
        if (info.preprocessing().channels() != config.channels()) {
            throw new Vil4jException("model file: preprocessing gives " + info.preprocessing().channels()
                    + " channel(s), the model takes " + config.channels());
        }
        if (config.isClassifier() && !info.classNames().isEmpty()
                && info.classNames().size() != config.numClasses()) {
            throw new Vil4jException("model file: " + info.classNames().size() + " class names for "
                    + config.numClasses() + " classes");
        }
        Map<String, Object> plugins = new LinkedHashMap<>(config.pluginNames());
        plugins.put("traversal_schedule", config.schedule());
        SafetensorsWriter w = new SafetensorsWriter()
                .metadata("format", FORMAT)
                .metadata("config", ConfigJson.write(config))
                .metadata("plugins", Json.write(plugins));
        metadata(info).forEach(w::metadata);
        putWeights(w, ParameterLayout.of(config), weights, "model file");
        return w;
    }

    /** Every weight of {@code layout}, in its order; one missing or of another size is an error naming it. */
    private static void putWeights(SafetensorsWriter w, Map<String, Shape> layout, Map<String, float[]> weights,
                                   String source) {
        for (Map.Entry<String, Shape> e : layout.entrySet()) {
            float[] values = weights.get(e.getKey());
            if (values == null || values.length != e.getValue().size()) {
                throw new Vil4jException(source + ": weight " + e.getKey() + " " + e.getValue() + " is "
                        + (values == null ? "missing" : "of " + values.length + " values"));
            }
            w.putF32(e.getKey(), e.getValue(), values);
        }
    }

    /** Host tensors to the plain arrays {@link #write} takes. */
    public static Map<String, float[]> arrays(Map<String, HostTensor> weights) {
        Map<String, float[]> out = new LinkedHashMap<>();
        weights.forEach((k, v) -> out.put(k, v.data()));
        return out;
    }

    /** The metadata entries of {@code info} (also what training checkpoints carry, so they are usable alone). */
    public static Map<String, String> metadata(ModelInfo info) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("preprocessing", info.preprocessing().toJson());
        m.put("class_names", Json.write(info.classNames()));
        m.put("provenance", Json.write(info.provenance()));
        return m;
    }

    /** The info recorded in a file's metadata; {@code source} names the file in errors. */
    static ModelInfo readInfo(Map<String, String> meta, String source) {
        Map<?, ?> pre = object(meta.get("preprocessing"), "preprocessing", source);
        Object names = parse(meta.get("class_names"), "class_names", source);
        if (!(names instanceof List<?> list) || !list.stream().allMatch(n -> n instanceof String)) {
            throw new Vil4jException(source + ": metadata class_names is not a list of strings");
        }
        Map<String, Object> provenance = new LinkedHashMap<>();
        object(meta.get("provenance"), "provenance", source).forEach((k, v) -> provenance.put(k.toString(), v));
        return new ModelInfo(Preprocessing.fromJson(pre, source), list.stream().map(String.class::cast).toList(),
                provenance);
    }

    private static Map<?, ?> object(String json, String key, String source) {
        if (!(parse(json, key, source) instanceof Map<?, ?> m)) {
            throw new Vil4jException(source + ": metadata " + key + " is not a JSON object");
        }
        return m;
    }

    private static Object parse(String json, String key, String source) {
        if (json == null) {
            throw new Vil4jException(source + ": a " + FORMAT + " file without metadata " + key);
        }
        try {
            return StrictJsonParser.parse(json);
        } catch (JsonSyntaxException e) {
            throw new Vil4jException(source + ": metadata " + key + " is not valid JSON: " + e.getMessage());
        }
    }
}
