package org.vil4j.segmentation;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Shape;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.JsonSyntaxException;
import org.vil4j.formats.json.StrictJsonParser;
import org.vil4j.formats.safetensors.SafetensorsFile;
import org.vil4j.formats.safetensors.SafetensorsWriter;
import org.vil4j.formats.safetensors.TensorEntry;
import org.vil4j.training.ConfigJson;
import org.vil4j.training.Json;
import org.vil4j.training.data.Normalisation;
import org.vil4j.vil.VilConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A segmentation model file (format {@code vil4j-segmentation-1}): the weights (backbone under its state_dict names,
 * decoder under {@code decode.}), and in the metadata the backbone config, the segmentation config, the class names,
 * the preprocessing (channels, square input side, mean/std) and the provenance. Written atomically.
 */
public final class SegmentationModelFile {
    public static final String FORMAT = "vil4j-segmentation-1";

    private SegmentationModelFile() {
    }

    /** What a file holds. */
    public record Loaded(SegmentationConfig config, Map<String, HostTensor> weights, Normalisation normalisation,
                         int side, Map<String, String> provenance) {
    }

    public static void write(Path file, SegmentationConfig config, Map<String, float[]> weights,
                             Map<String, Shape> shapes, Normalisation normalisation, int side,
                             Map<String, String> provenance) {
        SafetensorsWriter w = new SafetensorsWriter();
        w.metadata("format", FORMAT);
        w.metadata("config", ConfigJson.write(config.backbone()));
        w.metadata("segmentation", config.toJson());
        w.metadata("class_names", Json.write(config.classNames()));
        List<Double> mean = new ArrayList<>(), std = new ArrayList<>();
        for (int c = 0; c < normalisation.channels(); c++) {
            mean.add((double) normalisation.mean(c));
            std.add((double) normalisation.std(c));
        }
        Map<String, Object> pre = new LinkedHashMap<>();
        pre.put("channels", config.backbone().channels());
        pre.put("size", side);
        pre.put("mean", mean);
        pre.put("std", std);
        w.metadata("preprocessing", Json.write(pre));
        w.metadata("provenance", Json.write(new java.util.TreeMap<>(provenance)));
        weights.forEach((name, data) -> w.putF32(name, shapes.get(name), data));
        w.write(file);
    }

    public static Loaded read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new Vil4jException("--weights " + file + ": no such file");
        }
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, String> meta = f.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new Vil4jException("--weights " + file + ": not a segmentation model file (format "
                    + meta.get("format") + ", expected " + FORMAT + "; made by vil train --task segmentation)");
        }
        try {
            VilConfig backbone = ConfigJson.read(meta.get("config"), file.toString());
            List<String> names = ((List<?>) StrictJsonParser.parse(meta.get("class_names"))).stream()
                    .map(o -> (String) o).toList();
            SegmentationConfig config = SegmentationConfig.fromJson(meta.get("segmentation"), backbone, names,
                    file.toString());
            Map<?, ?> pre = (Map<?, ?>) StrictJsonParser.parse(meta.get("preprocessing"));
            float[] mean = floats((List<?>) pre.get("mean")), std = floats((List<?>) pre.get("std"));
            int side = (int) Double.parseDouble(pre.get("size").toString());
            Map<String, String> provenance = new LinkedHashMap<>();
            ((Map<?, ?>) StrictJsonParser.parse(meta.getOrDefault("provenance", "{}")))
                    .forEach((k, v) -> provenance.put(k.toString(), v.toString()));
            Map<String, HostTensor> weights = new LinkedHashMap<>();
            for (TensorEntry e : f.entries()) {
                weights.put(e.name(), new HostTensor(e.shape(), f.floats(e.name())));
            }
            return new Loaded(config, weights, new Normalisation(mean, std), side, provenance);
        } catch (JsonSyntaxException | ClassCastException | NullPointerException | NumberFormatException e) {
            throw new Vil4jException("--weights " + file + ": damaged metadata (" + e.getMessage() + ")");
        }
    }

    private static float[] floats(List<?> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.parseFloat(values.get(i).toString());
        }
        return out;
    }
}
