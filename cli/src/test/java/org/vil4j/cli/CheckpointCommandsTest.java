package org.vil4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.conformance.GoldenFiles;
import org.vil4j.formats.safetensors.SafetensorsFile;
import org.vil4j.vil.ActivationSink;
import org.vil4j.training.model.WeightsFiles;
import org.vil4j.vil.VisionLstm;

class CheckpointCommandsTest {
    private static final Path MICRO_TH = CliRun.GOLDEN.resolve("vil2-micro-official-layout.th");

    /** A ViL-T golden file (kept outside the repository): found where GoldenFiles looks, else the test is skipped. */
    private static Path tiny(String fileName) {
        Optional<Path> file = GoldenFiles.find(fileName);
        assumeTrue(file.isPresent(), () -> GoldenFiles.missing(fileName));
        return file.get();
    }

    @TempDir
    Path dir;

    static void writeImage(Path file, int w, int h, long seed) throws IOException {
        Random r = new Random(seed);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int base = r.nextInt(0xFFFFFF);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, (base + x * 0x030201 + y * 0x010203 + r.nextInt(32)) & 0xFFFFFF);
            }
        }
        ImageIO.write(image, "png", file.toFile());
    }

    @Test
    void officialCheckpointsReproduceTheGoldenOutputs() {
        CliRun micro = CliRun.of("conformance", CliRun.GOLDEN.resolve("vil2-micro-th.safetensors").toString(),
                "--weights", MICRO_TH.toString(), "--backend", "java");
        assertThat(micro.exitCode()).as(micro.out() + micro.err()).isZero();
        assertThat(micro.out()).contains("1 passed, 0 failed");
    }

    @Test
    void theOfficialViLTCheckpointReproducesItsGoldenOutput() {
        Path tinyTh = tiny("vil2-tiny-224-official-layout.th");
        tiny("vil2-tiny-224.json");
        CliRun tiny = CliRun.of("conformance", tiny("vil2-tiny-224.safetensors").toString(),
                "--weights", tinyTh.toString(), "--backend", "java");
        assertThat(tiny.exitCode()).as(tiny.out() + tiny.err()).isZero();
        assertThat(tiny.out()).contains("1 passed, 0 failed");
    }

    @Test
    void convertWritesOurSafetensorsWithTheConfiguration() {
        Path out = dir.resolve("micro.safetensors");
        CliRun r = CliRun.of("convert", MICRO_TH.toString(), out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        SafetensorsFile st = SafetensorsFile.open(out);
        assertThat(st.metadata()).containsEntry("format", "vil4j-model-1").containsKey("config")
                .containsEntry("plugins", "{\"traversal\":[\"rowwise_from_top_left\",\"rowwise_from_bot_right\"],"
                        + "\"mixer\":[\"mlstm\"],\"head\":[\"bilateral_flatten\"],"
                        + "\"traversal_schedule\":\"alternate\"}")
                .containsEntry("provenance", "{\"converted_from\":\"vil2-micro-official-layout.th\","
                        + "\"source_layout\":\"official_v2\"}")
                .containsEntry("preprocessing", "{\"channels\":3,\"height\":16,\"width\":16,"
                        + "\"resize\":\"shorter_side_bicubic_center_crop\",\"mean\":[0.485,0.456,0.406],"
                        + "\"std\":[0.229,0.224,0.225]}");
        assertThat(st.names()).contains("blocks.1.rowwise_from_bot_right.layer.conv.weight", "legacy_norm.bias");
        CliRun again = CliRun.of("conformance", CliRun.GOLDEN.resolve("vil2-micro-th.safetensors").toString(),
                "--weights", out.toString(), "--backend", "java");
        assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).containsExactly(out);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void predictPrintsImageNetClassesAndJson() throws IOException {
        Path tinyTh = tiny("vil2-tiny-224-official-layout.th");
        Path image = dir.resolve("synthetic.png");
        writeImage(image, 300, 240, 1);
        CliRun text = CliRun.of("predict", "--model", "vil2-tiny", "--weights", tinyTh.toString(), "--backend",
                "java", image.toString());
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out().lines().filter(l -> l.matches("\\s+\\d+\\.\\d\\d%\\s+\\d+ n\\d{8} .+"))).hasSize(5);
        CliRun json = CliRun.of("predict", "--weights", tinyTh.toString(), "--backend", "java", "--json",
                image.toString());
        assertThat(json.exitCode()).as(json.err()).isZero();
        Matcher m = Pattern.compile("\"probability\":([0-9.]+)").matcher(json.out());
        double previous = 1, sum = 0;
        int count = 0;
        while (m.find()) {
            double p = Double.parseDouble(m.group(1));
            assertThat(p).isLessThanOrEqualTo(previous);
            previous = p;
            sum += p;
            count++;
        }
        assertThat(count).isEqualTo(5);
        assertThat(sum).isLessThanOrEqualTo(1.0);
        assertThat(json.out()).contains("\"wnid\":\"n");
    }

    @Test
    void predictNamesAnImageItCannotRead() throws IOException {
        Path broken = dir.resolve("broken.jpg");
        Files.writeString(broken, "not really a jpeg");
        CliRun bad = CliRun.of("predict", "--weights", MICRO_TH.toString(), "--backend", "java", broken.toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err().strip()).isEqualTo("vil: cannot read image " + broken
                + ": not a JPEG or PNG (no ImageIO reader recognises it)");
    }

    @Test
    void evalCountsTopOneAndTopFiveOverAnImageFolder() throws IOException {
        Path root = dir.resolve("data");
        int expectedTop1 = 0;
        String[] classes = {"apple", "banana", "cherry"};
        for (int c = 0; c < classes.length; c++) {
            Files.createDirectories(root.resolve(classes[c]));
            for (int i = 0; i < 2; i++) {
                Path image = root.resolve(classes[c]).resolve("img" + i + ".png");
                writeImage(image, 20 + 4 * i, 16 + c, 10L * c + i);
                CliRun p = CliRun.of("predict", "--weights", MICRO_TH.toString(), "--backend", "java", "--json",
                        "--top", "1", image.toString());
                Matcher m = Pattern.compile("\"index\":(\\d+)").matcher(p.out());
                assertThat(m.find()).as(p.out() + p.err()).isTrue();
                expectedTop1 += Integer.parseInt(m.group(1)) == c ? 1 : 0;
            }
        }
        CliRun r = CliRun.of("eval", "--weights", MICRO_TH.toString(), "--data", root.toString(), "--backend",
                "java", "--batch", "4");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("6 images").containsPattern("\\| top-1  \\| +[0-9.]+% \\| +" + expectedTop1
                + " \\|").contains("| total  |         |      6 |");
        assertThat(r.err()).contains("6/6").contains("img/s").contains("ETA");
    }

    @Test
    void aCheckpointRunsAtAnotherInputSizeAsTheReferenceWould() {
        // load-time resize (the reference's load_state_dict) equals the forward-time bicubic resize of the
        // embedding made for 16x16, for a 24x20 input: both are torch bicubic of the same 4x4 grid
        Plugins plugins = Plugins.discover();
        Map<String, HostTensor> raw = WeightsFiles.read(MICRO_TH).weights();
        WeightsFiles.Loaded original = WeightsFiles.load(MICRO_TH, null, null);
        WeightsFiles.Loaded resized = WeightsFiles.load(MICRO_TH, null, new int[]{24, 20});
        assertThat(resized.weights().get("pos_embed.embed").shape()).isEqualTo(Shape.of(1, 6, 5, 32));
        assertThat(raw).hasSize(93);
        float[] input = new float[3 * 24 * 20];
        Random r = new Random(5);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) r.nextGaussian();
        }
        try (Ops ops = plugins.backend("java").open(null)) {
            VisionLstm a = new VisionLstm(original.config(), plugins, ops, original.weights(), "original");
            a.prepare(24, 20);
            VisionLstm b = new VisionLstm(resized.config(), plugins, ops, resized.weights(), "resized");
            float[] ya = run(ops, a, input);
            float[] yb = run(ops, b, input);
            for (int i = 0; i < ya.length; i++) {
                assertThat((double) yb[i]).isCloseTo(ya[i], org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }

    private static float[] run(Ops ops, VisionLstm model, float[] input) {
        long mark = ops.mark();
        try {
            Tensor x = ops.upload(Shape.of(1, 3, 24, 20), input);
            return ops.download(model.forward(x, ActivationSink.NONE));
        } finally {
            ops.release(mark);
        }
    }

    static List<String> lines(String s) {
        return s.lines().toList();
    }
}
