package org.vil4j.training.model;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.safetensors.SafetensorsFile;
import org.vil4j.formats.torch.TorchCheckpoint;
import org.vil4j.formats.torch.TorchTensor;
import org.vil4j.training.ConfigJson;
import org.vil4j.training.TrainingCheckpoint;
import org.vil4j.vil.OfficialCheckpointLayout;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilPresets;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads any weights file we know (our model files, training checkpoints, other safetensors such as golden cases,
 * torch.save .th/.pt/.pth in the official or our layout) and fits it to a model. Model files and checkpoints carry
 * their config, so they need no preset; the others are described by their shapes or a preset.
 */
public final class WeightsFiles {
    /** What a file holds. */
    public enum Kind {
        /** Our model file ({@link ModelFile}): weights, config, preprocessing, class names. */
        MODEL_FILE,
        /** A training checkpoint: its {@code param.*} weights are the model's; optimiser state and EMA are left. */
        TRAINING_CHECKPOINT,
        /** Safetensors without our metadata (golden cases, older conversions). */
        SAFETENSORS,
        /** A torch.save archive (read without running code). */
        TORCH
    }

    /**
     * A file's weights under the names it holds, and what it says about itself.
     *
     * @param config the ViL config recorded in the file, or null
     * @param info   preprocessing, class names and provenance (model files only), or null
     * @param note   what the reader did that the user should know (null when nothing)
     * @param plugin the backbone plugin's model the file records (its name looked up by {@link SavedPluginModel}),
     *               or null
     */
    public record Contents(Kind kind, Map<String, HostTensor> weights, VilConfig config, ModelInfo info, String note,
                           PluginModelSpec plugin) {
    }

    /**
     * A file fitted to a model: our names, the config, and the file's info.
     *
     * @param info preprocessing, class names and provenance when the file records them, else null
     * @param note what the reader did that the user should know (null when nothing)
     */
    public record Loaded(Kind kind, OfficialCheckpointLayout.Kind layout, VilConfig config,
                         Map<String, HostTensor> weights, ModelInfo info, String note) {
    }

    private WeightsFiles() {
    }

    public static boolean isTorch(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".th") || name.endsWith(".pt") || name.endsWith(".pth");
    }

    /** The weights of a file ("param." of golden files and checkpoints dropped) with its config and info. */
    public static Contents read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new Vil4jException("no such weights file: " + file);
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        if (isTorch(file)) {
            for (Map.Entry<String, TorchTensor> e : TorchCheckpoint.open(file).stateDict().entrySet()) {
                out.put(e.getKey(), new HostTensor(e.getValue().shape(), e.getValue().toFloats()));
            }
            return new Contents(Kind.TORCH, out, null, null, null, null);
        }
        if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            throw new Vil4jException("weights " + file + ": expected .safetensors, .th, .pt or .pth");
        }
        SafetensorsFile st = SafetensorsFile.open(file);
        Map<String, String> meta = st.metadata();
        String format = meta.get("format");
        if (ModelFile.FORMAT.equals(format)) {
            for (String tensor : st.names()) {
                out.put(tensor, new HostTensor(st.entry(tensor).shape(), st.floats(tensor)));
            }
            PluginModelSpec plugin = PluginModelSpec.read(meta, file.toString());
            VilConfig config = plugin != null ? null
                    : ConfigJson.read(required(meta, "config", file), file.toString());
            return new Contents(Kind.MODEL_FILE, out, config, ModelFile.readInfo(meta, file.toString()), null,
                    plugin);
        }
        boolean checkpoint = TrainingCheckpoint.FORMAT.equals(format) || st.names().stream()
                .anyMatch(n -> n.startsWith("optim."));
        if (checkpoint) {
            int left = 0;
            for (String tensor : st.names()) {
                if (tensor.startsWith("param.")) {
                    out.put(tensor.substring("param.".length()), new HostTensor(st.entry(tensor).shape(),
                            st.floats(tensor)));
                } else {
                    left++;
                }
            }
            PluginModelSpec plugin = PluginModelSpec.read(meta, file.toString());
            VilConfig config = plugin == null && meta.containsKey("config")
                    ? ConfigJson.read(meta.get("config"), file.toString()) : null;
            String epochs = meta.get("epochs_done");
            ModelInfo info = meta.containsKey("preprocessing") ? ModelFile.readInfo(meta, file.toString()) : null;
            return new Contents(Kind.TRAINING_CHECKPOINT, out, config, info, file + " is a training checkpoint"
                    + (epochs == null ? "" : " (after epoch " + epochs + ")") + ": using its model weights (param.*), "
                    + "not its " + left + " optimiser/EMA tensors", plugin);
        }
        for (String tensor : st.names()) {
            boolean golden = tensor.equals("input") || tensor.equals("output") || tensor.equals("labels")
                    || tensor.equals("loss") || tensor.startsWith("act.") || tensor.startsWith("grad.");
            if (!golden) {
                String key = tensor.startsWith("param.") ? tensor.substring("param.".length()) : tensor;
                out.put(key, new HostTensor(st.entry(tensor).shape(), st.floats(tensor)));
            }
        }
        return new Contents(Kind.SAFETENSORS, out, null, null, null, null);
    }

    private static String required(Map<String, String> meta, String key, Path file) {
        String value = meta.get(key);
        if (value == null) {
            throw new Vil4jException(file + ": a " + ModelFile.FORMAT + " file without metadata " + key);
        }
        return value;
    }

    /**
     * Reads {@code file} and fits it to a model: the preset {@code model} when given, else the config the file
     * records, else the one its weights describe; at {@code input} ([H, W]) when given, with the position
     * embedding resized.
     */
    public static Loaded load(Path file, String model, int[] input) {
        return load(read(file), file, model, input);
    }

    /**
     * {@link #load(Path, String, int[])} of contents already read; a backbone plugin's model is refused (it is not
     * fitted to a ViL: {@link SavedPluginModel} loads it).
     */
    public static Loaded load(Contents contents, Path file, String model, int[] input) {
        if (contents.plugin() != null) {
            throw new Vil4jException(file + " holds a model of backbone plugin '" + contents.plugin().backbone()
                    + "' (" + contents.plugin().spec().referenceClass() + "), not a ViL's weights, which this needs "
                    + "(vil predict and vil eval take it)");
        }
        VilConfig config = model != null ? VilPresets.get(model) : contents.config() != null ? contents.config()
                : OfficialCheckpointLayout.describe(contents.weights(), file.toString());
        if (input != null) {
            config = config.withInput(config.channels(), input[0], input[1]);
        }
        OfficialCheckpointLayout.Loaded fitted = OfficialCheckpointLayout.load(contents.weights(), config,
                file.toString());
        ModelInfo info = contents.info();
        if (info != null && input != null) {
            Preprocessing p = info.preprocessing();
            info = new ModelInfo(new Preprocessing(p.channels(), input[0], input[1], p.resize(), p.mean(), p.std()),
                    info.classNames(), info.provenance());
        }
        return new Loaded(contents.kind(), fitted.layout(), fitted.config(), fitted.weights(), info,
                contents.note());
    }

    /** "224" or "192x256" (height x width); null for null. */
    public static int[] parseSize(String text) {
        if (text == null) {
            return null;
        }
        try {
            String[] parts = text.toLowerCase(Locale.ROOT).split("x");
            if (parts.length == 1) {
                int s = Integer.parseInt(parts[0].trim());
                return new int[]{s, s};
            }
            if (parts.length == 2) {
                return new int[]{Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new Vil4jException("--input " + text + ": expected SIZE or HEIGHTxWIDTH, e.g. 224 or 192x256");
    }

    /** The first preset whose configuration equals {@code config}, or null. */
    public static String presetOf(VilConfig config) {
        return VilPresets.all().entrySet().stream().filter(e -> e.getValue().equals(config))
                .map(Map.Entry::getKey).sorted().findFirst().orElse(null);
    }
}
