package org.vil4j.cli;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.safetensors.SafetensorsFile;
import org.vil4j.formats.torch.TorchCheckpoint;
import org.vil4j.formats.torch.TorchTensor;
import org.vil4j.vil.OfficialCheckpointLayout;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilPresets;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Reads weight files (.safetensors, or torch.save .th/.pt/.pth) into name -> tensor maps and fits them to a model. */
final class WeightsFiles {
    private WeightsFiles() {
    }

    static boolean isTorch(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".th") || name.endsWith(".pt") || name.endsWith(".pth");
    }

    /** The tensors of a weight file under the names it holds ("param." of golden files dropped). */
    static Map<String, HostTensor> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new Vil4jException("no such weights file: " + file);
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        if (isTorch(file)) {
            for (Map.Entry<String, TorchTensor> e : TorchCheckpoint.open(file).stateDict().entrySet()) {
                out.put(e.getKey(), new HostTensor(e.getValue().shape(), e.getValue().toFloats()));
            }
            return out;
        }
        if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            throw new Vil4jException("weights " + file + ": expected .safetensors, .th, .pt or .pth");
        }
        SafetensorsFile st = SafetensorsFile.open(file);
        for (String tensor : st.names()) {
            boolean golden = tensor.equals("input") || tensor.equals("output") || tensor.equals("labels")
                    || tensor.equals("loss") || tensor.startsWith("act.") || tensor.startsWith("grad.");
            if (!golden) {
                String key = tensor.startsWith("param.") ? tensor.substring("param.".length()) : tensor;
                out.put(key, new HostTensor(st.entry(tensor).shape(), st.floats(tensor)));
            }
        }
        return out;
    }

    /**
     * Reads {@code file} and fits it to a model: the preset {@code model} when given, else the configuration the
     * weights describe; at {@code input} ([H, W]) when given, with the position embedding resized.
     */
    static OfficialCheckpointLayout.Loaded load(Path file, String model, int[] input) {
        Map<String, HostTensor> raw = read(file);
        VilConfig config = model != null ? VilPresets.get(model) : OfficialCheckpointLayout.describe(raw,
                file.toString());
        if (input != null) {
            config = config.withInput(config.channels(), input[0], input[1]);
        }
        return OfficialCheckpointLayout.load(raw, config, file.toString());
    }

    /** "224" or "192x256" (height x width). */
    static int[] parseSize(String text) {
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
    static String presetOf(VilConfig config) {
        return VilPresets.all().entrySet().stream().filter(e -> e.getValue().equals(config))
                .map(Map.Entry::getKey).sorted().findFirst().orElse(null);
    }
}
