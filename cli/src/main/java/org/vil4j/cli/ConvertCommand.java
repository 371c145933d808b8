package org.vil4j.cli;

import org.vil4j.training.model.ImageNetClasses;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.safetensors.SafetensorsWriter;
import org.vil4j.training.model.ModelFile;
import org.vil4j.training.model.ModelInfo;
import org.vil4j.training.model.Preprocessing;
import org.vil4j.training.model.WeightsFiles;
import org.vil4j.vil.VilConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/** Converts a checkpoint (official .th layout or ours) into our safetensors, with the model's configuration. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a PyTorch checkpoint (.th/.pt/.pth, official ViL v1/v2 key layout or ours) or a "
                + "safetensors file (a model file, a training checkpoint) into a vil4j model file: our parameter "
                + "names, float32, and in the metadata the model config, plugin names, preprocessing, class names and "
                + "provenance. The output appears complete or not at all.")
final class ConvertCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = "checkpoint to read")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "safetensors file to write")
    Path out;

    @Option(names = "--model", description = "preset the weights are for (default: what their shapes describe)")
    String model;

    @Option(names = "--input", description = "input size SIZE or HxW; the position embedding is resized to it")
    String input;

    @Option(names = "--verbose", description = "stack traces on errors")
    boolean verbose;

    @Override
    public Integer call() {
        if (!out.getFileName().toString().endsWith(".safetensors")) {
            throw new Vil4jException("convert writes .safetensors files, not " + out);
        }
        if (out.toAbsolutePath().normalize().equals(in.toAbsolutePath().normalize())) {
            throw new Vil4jException("convert: input and output are the same file " + in);
        }
        long start = System.nanoTime();
        WeightsFiles.Loaded loaded = WeightsFiles.load(in, model, WeightsFiles.parseSize(input));
        if (loaded.note() != null) {
            System.err.println("vil: " + loaded.note());
        }
        VilConfig config = loaded.config();
        String preset = model != null ? model : WeightsFiles.presetOf(config);
        ModelFile.write(out, config, ModelFile.arrays(loaded.weights()), info(loaded, preset));
        System.out.printf("%s -> %s: %d tensors, %s layout, %s%s (%.2f s)%n", in, out, loaded.weights().size(),
                loaded.layout().name().toLowerCase(), config.version().name().toLowerCase() + " dim " + config.dim()
                        + " depth " + config.depth() + " input " + config.height() + "x" + config.width(),
                preset == null ? "" : ", preset " + preset, (System.nanoTime() - start) / 1e9);
        return 0;
    }

    /**
     * The file's own info when it has some (a model file converted again); else the official ImageNet evaluation
     * and, for 1000 classes, the ImageNet class names. Provenance: the source file and its layout.
     */
    private ModelInfo info(WeightsFiles.Loaded loaded, String preset) {
        VilConfig config = loaded.config();
        ModelInfo own = loaded.info();
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("converted_from", in.getFileName().toString());
        provenance.put("source_layout", loaded.layout().name().toLowerCase(Locale.ROOT));
        if (preset != null) {
            provenance.put("preset", preset);
        }
        if (own != null) {
            provenance.put("source_provenance", own.provenance());
            return new ModelInfo(own.preprocessing(), own.classNames(), provenance);
        }
        if (config.channels() != 3) {
            throw new Vil4jException("convert: " + in + " is a " + config.channels() + "-channel model without "
                    + "preprocessing metadata; only 3-channel (ImageNet) models get the official one");
        }
        List<String> names = config.numClasses() == ImageNetClasses.COUNT ? IntStream.range(0,
                ImageNetClasses.COUNT).mapToObj(ImageNetClasses::name).toList() : List.of();
        return new ModelInfo(Preprocessing.imageNet(config.height(), config.width()), names, provenance);
    }
}
