package org.vil4j.cli;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.JsonText;
import org.vil4j.formats.safetensors.SafetensorsWriter;
import org.vil4j.vil.OfficialCheckpointLayout;
import org.vil4j.vil.ParameterLayout;
import org.vil4j.vil.VilConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** Converts a checkpoint (official .th layout or ours) into our safetensors, with the model's configuration. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a PyTorch checkpoint (.th/.pt/.pth, official ViL v1/v2 key layout or ours) or a "
                + "safetensors file into vil4j safetensors: our parameter names, float32, the model configuration "
                + "and plugin names in the metadata. The output appears complete or not at all.")
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
        OfficialCheckpointLayout.Loaded loaded = WeightsFiles.load(in, model, WeightsFiles.parseSize(input));
        VilConfig config = loaded.config();
        String preset = model != null ? model : WeightsFiles.presetOf(config);
        SafetensorsWriter writer = new SafetensorsWriter()
                .metadata("format", "vil4j")
                .metadata("vil4j.config", configJson(config))
                .metadata("vil4j.plugins", pluginsJson(config.pluginNames()))
                .metadata("vil4j.source", in.getFileName().toString())
                .metadata("vil4j.source_layout", loaded.layout().name().toLowerCase());
        if (preset != null) {
            writer.metadata("vil4j.preset", preset);
        }
        for (String name : ParameterLayout.of(config).keySet()) {
            HostTensor t = loaded.weights().get(name);
            writer.putF32(name, t.shape(), t.data());
        }
        writer.write(out);
        System.out.printf("%s -> %s: %d tensors, %s layout, %s%s (%.2f s)%n", in, out, loaded.weights().size(),
                loaded.layout().name().toLowerCase(), config.version().name().toLowerCase() + " dim " + config.dim()
                        + " depth " + config.depth() + " input " + config.height() + "x" + config.width(),
                preset == null ? "" : ", preset " + preset, (System.nanoTime() - start) / 1e9);
        return 0;
    }

    static String pluginsJson(Map<String, List<String>> plugins) {
        return plugins.entrySet().stream().map(e -> JsonText.quote(e.getKey()) + ":" + e.getValue().stream()
                .map(JsonText::quote).collect(Collectors.joining(",", "[", "]")))
                .collect(Collectors.joining(",", "{", "}"));
    }

    static String configJson(VilConfig c) {
        return "{\"version\":" + JsonText.quote(c.version().name().toLowerCase()) + ",\"dim\":" + c.dim()
                + ",\"depth\":" + c.depth() + ",\"patch_size\":" + c.patchSize() + ",\"stride\":" + c.stride()
                + ",\"input_shape\":[" + c.channels() + "," + c.height() + "," + c.width() + "]"
                + ",\"num_classes\":" + c.numClasses() + ",\"pooling\":" + JsonText.quote(c.pooling())
                + ",\"legacy_norm\":" + c.legacyNorm() + ",\"conv_kind\":" + JsonText.quote(c.convKind())
                + ",\"conv_kernel_size\":" + c.convKernelSize() + ",\"proj_bias\":" + c.projBias()
                + ",\"norm_bias\":" + c.normBias() + "}";
    }
}
