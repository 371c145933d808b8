package org.vil4j.cli;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.safetensors.SafetensorsWriter;
import org.vil4j.formats.torch.TorchCheckpointWriter;
import org.vil4j.training.model.WeightsFiles;
import org.vil4j.vil.OfficialCheckpointLayout;
import org.vil4j.vil.ParameterLayout;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Writes our weights in the official training code's layout, for PyTorch (the inverse of the hubconf renames). */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a model's weights for the official PyTorch code: --format official gives a torch.save "
                + ".th ({\"state_dict\": ...} with the training code's raw key names, which hubconf.py renames under "
                + "preprocess v1/v2), --format safetensors-official the same names in safetensors. Atomic.")
final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = "a model file, training checkpoint, .safetensors or .th")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "the file to write")
    Path out;

    @Option(names = "--format", required = true, description = "official (.th) or safetensors-official")
    String format;

    @Option(names = "--model", description = "preset the weights are for (default: what the file records or "
            + "its shapes describe)")
    String model;

    @Override
    public Integer call() {
        if (!format.equals("official") && !format.equals("safetensors-official")) {
            throw new Vil4jException("--format must be official or safetensors-official, got " + format);
        }
        if (out.toAbsolutePath().normalize().equals(in.toAbsolutePath().normalize())) {
            throw new Vil4jException("export: input and output are the same file " + in);
        }
        WeightsFiles.Loaded loaded = WeightsFiles.load(in, model, null);
        if (loaded.note() != null) {
            System.err.println("vil: " + loaded.note());
        }
        VilConfig config = loaded.config();
        OfficialCheckpointLayout.Kind layout = config.version() == VilVersion.V2
                ? OfficialCheckpointLayout.Kind.OFFICIAL_V2 : OfficialCheckpointLayout.Kind.OFFICIAL_V1;
        TorchCheckpointWriter th = new TorchCheckpointWriter();
        SafetensorsWriter st = new SafetensorsWriter();
        for (String name : OfficialCheckpointLayout.officialOrder(ParameterLayout.of(config).keySet(), layout)) {
            HostTensor t = loaded.weights().get(name);
            String official = OfficialCheckpointLayout.toOfficial(name, layout);
            if (format.equals("official")) {
                th.put(official, t.shape(), t.data());
            } else {
                st.putF32(official, t.shape(), t.data());
            }
        }
        if (format.equals("official")) {
            th.write(out);
        } else {
            st.metadata("format", "pt").write(out);
        }
        System.out.printf(Locale.ROOT, "%s -> %s: %d tensors, %s layout%n", in, out, loaded.weights().size(),
                layout.name().toLowerCase(Locale.ROOT));
        return 0;
    }
}
