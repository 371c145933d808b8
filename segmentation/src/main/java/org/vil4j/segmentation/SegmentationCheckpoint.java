package org.vil4j.segmentation;

import org.vil4j.api.Shape;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.StrictJsonParser;
import org.vil4j.formats.safetensors.SafetensorsFile;
import org.vil4j.formats.safetensors.SafetensorsWriter;
import org.vil4j.training.ConfigJson;
import org.vil4j.training.Json;
import org.vil4j.vil.VilConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A segmentation run's checkpoint (format {@code vil4j-segmentation-checkpoint-1}), written atomically after every
 * epoch: the weights ({@code param.*}, named as in the model file), the optimiser state ({@code optim.*}, as {@link
 * org.vil4j.training.Optimizer#state()} names it) and, in the metadata, the backbone and segmentation configs, the
 * class names, how far the run got (epochs done, steps), its seed and the recipe (a JSON object of the options that
 * decide the trajectory, checked on resume). Every random choice of a run derives from the seed, the epoch and the
 * sample index, so these are all a resumed run needs to continue exactly.
 *
 * @param recipeJson the recipe as recorded (a JSON object), or null
 */
public record SegmentationCheckpoint(SegmentationConfig config, Map<String, float[]> params,
                                     Map<String, float[]> optimizerState, int epochsDone, long steps, long seed,
                                     String recipeJson) {
    public static final String FORMAT = "vil4j-segmentation-checkpoint-1";

    public static void write(Path file, SegmentationConfig config, Map<String, float[]> params,
                             Map<String, Shape> shapes, Map<String, float[]> optimizerState, int epochsDone,
                             long steps, long seed, String recipeJson) {
        SafetensorsWriter w = new SafetensorsWriter();
        // keys in a fixed order: identical runs give byte-identical checkpoints
        w.metadata("format", FORMAT);
        w.metadata("config", ConfigJson.write(config.backbone()));
        w.metadata("segmentation", config.toJson());
        w.metadata("class_names", Json.write(config.classNames()));
        w.metadata("epochs_done", Integer.toString(epochsDone));
        w.metadata("steps", Long.toString(steps));
        w.metadata("seed", Long.toString(seed));
        if (recipeJson != null) {
            w.metadata("recipe", recipeJson);
        }
        params.forEach((name, data) -> w.putF32("param." + name, shapes.get(name), data));
        optimizerState.forEach((name, data) -> {
            // optim.<param>.<m|v|velocity>: the parameter's shape
            String param = name.substring("optim.".length(), name.lastIndexOf('.'));
            Shape shape = shapes.get(param);
            w.putF32(name, shape != null && shape.size() == data.length ? shape : Shape.of(data.length), data);
        });
        w.write(file);
    }

    /** Reads a checkpoint; anything missing or damaged is a one-line error naming the file. */
    public static SegmentationCheckpoint read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new Vil4jException(file + ": no such segmentation checkpoint");
        }
        Map<String, String> meta;
        SafetensorsFile st;
        try {
            st = SafetensorsFile.open(file);
            meta = st.metadata();
        } catch (RuntimeException e) {
            throw new Vil4jException(file + ": not a readable segmentation checkpoint (" + oneLine(e) + ")");
        }
        if (!FORMAT.equals(meta.get("format"))) {
            throw new Vil4jException(file + ": not a vil4j segmentation checkpoint (metadata format is "
                    + meta.get("format") + ", expected " + FORMAT + ")");
        }
        try {
            VilConfig backbone = ConfigJson.read(meta.get("config"), file.toString());
            List<String> names = ((List<?>) StrictJsonParser.parse(meta.get("class_names"))).stream()
                    .map(o -> (String) o).toList();
            SegmentationConfig config = SegmentationConfig.fromJson(meta.get("segmentation"), backbone, names,
                    file.toString());
            Map<String, float[]> params = new LinkedHashMap<>();
            Map<String, float[]> optim = new LinkedHashMap<>();
            for (String name : st.names()) {
                if (name.startsWith("param.")) {
                    params.put(name.substring(6), st.floats(name));
                } else if (name.startsWith("optim.")) {
                    optim.put(name, st.floats(name));
                }
            }
            return new SegmentationCheckpoint(config, params, optim, Integer.parseInt(meta.get("epochs_done")),
                    Long.parseLong(meta.get("steps")), Long.parseLong(meta.get("seed")), meta.get("recipe"));
        } catch (Vil4jException e) {
            throw new Vil4jException(file + ": damaged segmentation checkpoint (" + oneLine(e) + ")");
        } catch (org.vil4j.formats.json.JsonSyntaxException | RuntimeException e) {
            throw new Vil4jException(file + ": damaged segmentation checkpoint (metadata or tensors: "
                    + oneLine(e) + ")");
        }
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s*\\R\\s*", " ");
    }
}
