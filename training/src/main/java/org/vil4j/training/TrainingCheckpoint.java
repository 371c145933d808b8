package org.vil4j.training;

import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.safetensors.SafetensorsFile;
import org.vil4j.formats.safetensors.SafetensorsWriter;
import org.vil4j.training.model.PluginModelSpec;
import org.vil4j.vil.VilConfig;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training checkpoint as one safetensors file: the weights ({@code param.*}), the optimiser state ({@code
 * optim.*}), the EMA weights ({@code ema.*}) and, in the metadata, the model (a ViL's config and plugin names, or a
 * backbone plugin's name, spec and plugin names: {@link PluginModelSpec}), how far the run got and its random state
 * (the seed and the step: every random choice derives from them). Written atomically: a crash leaves the previous
 * checkpoint intact.
 *
 * @param config the ViL's config, or null when a backbone plugin's model was trained
 * @param plugin the backbone plugin's model, or null for a ViL
 */
public record TrainingCheckpoint(VilConfig config, PluginModelSpec plugin, Map<String, float[]> tensors,
                                 Map<String, Shape> shapes, int epochsDone, long steps, long seed,
                                 String settingsJson) {
    public static final String FORMAT = "vil4j-training-checkpoint-1";

    public static void write(Path file, VilConfig config, Map<String, Tensor> params, Map<String, float[]> values,
                             int epochsDone, long steps, long seed, String settingsJson) {
        write(file, config, params, values, epochsDone, steps, seed, settingsJson, Map.of());
    }

    /** With {@code extra} metadata entries (the model file's preprocessing, class names and provenance). */
    public static void write(Path file, VilConfig config, Map<String, Tensor> params, Map<String, float[]> values,
                             int epochsDone, long steps, long seed, String settingsJson, Map<String, String> extra) {
        Map<String, String> model = new LinkedHashMap<>();
        model.put("config", ConfigJson.write(config));
        model.put("plugins", Json.write(config.pluginNames()));
        write(file, model, params, values, epochsDone, steps, seed, settingsJson, extra);
    }

    /** A backbone plugin's model: its name, spec and plugin names are recorded instead of a ViL config. */
    public static void write(Path file, PluginModelSpec plugin, Map<String, Tensor> params,
                             Map<String, float[]> values, int epochsDone, long steps, long seed, String settingsJson,
                             Map<String, String> extra) {
        write(file, plugin.metadata(), params, values, epochsDone, steps, seed, settingsJson, extra);
    }

    private static void write(Path file, Map<String, String> model, Map<String, Tensor> params,
                              Map<String, float[]> values, int epochsDone, long steps, long seed,
                              String settingsJson, Map<String, String> extra) {
        SafetensorsWriter w = new SafetensorsWriter();
        extra.forEach(w::metadata);
        w.metadata("format", FORMAT);
        model.forEach(w::metadata);
        w.metadata("epochs_done", Integer.toString(epochsDone));
        w.metadata("steps", Long.toString(steps));
        Map<String, Object> rng = new java.util.LinkedHashMap<>();
        rng.put("seed", seed);
        rng.put("step", steps);
        w.metadata("rng", Json.write(rng));
        w.metadata("settings", settingsJson);
        for (var e : values.entrySet()) {
            Shape shape = shapeFor(e.getKey(), params, e.getValue().length);
            w.putF32(e.getKey(), shape, e.getValue());
        }
        w.write(file);
    }

    /** Shape of a checkpoint tensor: that of the parameter it belongs to. */
    private static Shape shapeFor(String name, Map<String, Tensor> params, int size) {
        String param = name.startsWith("param.") ? name.substring(6)
                : name.startsWith("ema.") ? name.substring(4)
                : name.startsWith("optim.") ? name.substring(6, name.lastIndexOf('.')) : null;
        Tensor t = param == null ? null : params.get(param);
        return t != null && t.shape().size() == size ? t.shape() : Shape.of(size);
    }

    public static TrainingCheckpoint read(Path file) {
        SafetensorsFile st = SafetensorsFile.open(file);
        Map<String, String> meta = st.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new Vil4jException(file + ": not a vil4j training checkpoint (metadata format is "
                    + meta.get("format") + ", expected " + FORMAT + ")");
        }
        PluginModelSpec plugin = PluginModelSpec.read(meta, file.toString());
        if (plugin == null && meta.get("config") == null) {
            throw new Vil4jException(file + ": the checkpoint records no model (neither metadata config nor "
                    + "backbone)");
        }
        VilConfig config = plugin != null ? null : ConfigJson.read(meta.get("config"), file.toString());
        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (String name : st.names()) {
            tensors.put(name, st.floats(name));
            shapes.put(name, st.entry(name).shape());
        }
        try {
            long seed = Long.parseLong(meta.get("rng").replaceAll(".*\"seed\":(-?\\d+).*", "$1"));
            return new TrainingCheckpoint(config, plugin, tensors, shapes, Integer.parseInt(meta.get("epochs_done")),
                    Long.parseLong(meta.get("steps")), seed, meta.get("settings"));
        } catch (RuntimeException e) {
            throw new Vil4jException(file + ": checkpoint metadata (epochs_done, steps, rng) is missing or malformed");
        }
    }

    /** The tensors under {@code prefix}, named without it. */
    public Map<String, float[]> withPrefix(String prefix) {
        Map<String, float[]> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }
}
