package org.vil4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.JsonSyntaxException;
import org.vil4j.formats.json.StrictJsonParser;
import org.vil4j.formats.safetensors.SafetensorsFile;
import org.vil4j.formats.torch.TorchCheckpoint;
import org.vil4j.formats.torch.TorchTensor;
import org.vil4j.training.data.Cifar;
import org.vil4j.training.data.Dataset;
import org.vil4j.training.data.IdxFiles;
import org.vil4j.training.data.ImageDecoding;

/**
 * Every file reader, fed arbitrary bytes, returns or throws its typed error ({@link Vil4jException}, or
 * {@link JsonSyntaxException} for JSON): any other exception, an error (out of memory, stack overflow) or a hang is a
 * finding. In a plain build each test replays its committed corpus ({@code src/test/resources/org/vil4j/fuzz/
 * ReaderFuzzTestInputs/METHOD/}) and stops; {@code JAZZER_FUZZ=1} fuzzes one test for its {@code maxDuration}.
 */
class ReaderFuzzTest {
    private static final Path SCRATCH;

    static {
        try {
            SCRATCH = Files.createTempDirectory("vil4j-fuzz");
            SCRATCH.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path file(String name, byte[] content) {
        try {
            return Files.write(SCRATCH.resolve(name), content);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest(maxDuration = "3m")
    void safetensors(byte[] data) {
        try {
            SafetensorsFile file = SafetensorsFile.parse(data, "fuzz.safetensors");
            file.metadata();
            for (String name : file.names()) {
                file.floats(name);
            }
        } catch (Vil4jException expected) {
            // the typed error
        }
    }

    @FuzzTest(maxDuration = "3m")
    void torchCheckpoint(byte[] data) {
        try {
            TorchCheckpoint checkpoint = TorchCheckpoint.parse(data, "fuzz.th");
            for (TorchTensor tensor : checkpoint.stateDict().values()) {
                tensor.toFloats();
            }
        } catch (Vil4jException expected) {
            // the typed error
        }
    }

    @FuzzTest(maxDuration = "3m")
    void idx(byte[] data) {
        Path file = file("fuzz-idx", data);
        try {
            IdxFiles.Images images = IdxFiles.readImages(file);
            if (images.pixels().length != (long) images.count() * images.rows() * images.columns()) {
                throw new IllegalStateException("pixel count disagrees with the header");
            }
        } catch (Vil4jException expected) {
            // the typed error
        }
        try {
            IdxFiles.readLabels(file);
        } catch (Vil4jException expected) {
            // the typed error
        }
    }

    private static final byte[] CIFAR100_NAMES = IntStream.range(0, 100).mapToObj(i -> "class" + i)
            .collect(Collectors.joining("\n", "", "\n")).getBytes(StandardCharsets.UTF_8);

    @FuzzTest(maxDuration = "3m")
    void cifar(byte[] data) {
        Path dir = SCRATCH.resolve("cifar");
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve("fine_label_names.txt"), CIFAR100_NAMES);
            Files.write(dir.resolve("test.bin"), data);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            Dataset test = Cifar.cifar100(dir, false);
            float[] image = new float[3 * 32 * 32];
            for (int i = 0; i < test.size(); i++) {
                test.label(i);
                test.image(i, image, 0);
            }
        } catch (Vil4jException expected) {
            // the typed error
        }
    }

    @FuzzTest(maxDuration = "3m")
    void json(byte[] data) {
        try {
            StrictJsonParser.parse(new String(data, StandardCharsets.UTF_8));
        } catch (JsonSyntaxException expected) {
            // the typed error
        }
    }

    @FuzzTest(maxDuration = "3m")
    void image(byte[] data) {
        Path file = file("fuzz-image", data);
        try {
            ImageDecoding.read(file, 4_000_000);
        } catch (Vil4jException expected) {
            // the typed error
        }
    }
}
