package org.vil4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.HostTensor;
import org.vil4j.formats.json.JsonNumber;
import org.vil4j.formats.json.StrictJsonParser;
import org.vil4j.formats.safetensors.SafetensorsFile;
import org.vil4j.formats.torch.TorchCheckpoint;
import org.vil4j.formats.torch.TorchTensor;
import org.vil4j.training.model.WeightsFiles;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vil export}: our weights in the official layout, read back bit for bit, key for key as the golden .th. */
class ExportCommandTest {
    private static final Path MICRO = CliRun.GOLDEN.resolve("vil2-micro-th.safetensors");
    private static final Path MICRO_TH = CliRun.GOLDEN.resolve("vil2-micro-official-layout.th");

    @TempDir
    Path dir;

    @Test
    void theOfficialThMatchesThePublishedLayoutKeyForKeyAndBitForBit() {
        Path out = dir.resolve("micro.th");
        CliRun r = CliRun.of("export", MICRO.toString(), out.toString(), "--format", "official");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Map<String, TorchTensor> ours = TorchCheckpoint.open(out).stateDict();
        Map<String, TorchTensor> golden = TorchCheckpoint.open(MICRO_TH).stateDict();
        // the golden .th holds exactly the weights of vil2-micro-th.safetensors, in the training code's names
        assertThat(new ArrayList<>(ours.keySet())).isEqualTo(new ArrayList<>(golden.keySet()));
        golden.forEach((name, t) -> {
            assertThat(ours.get(name).shape()).as(name).isEqualTo(t.shape());
            assertThat(ours.get(name).toFloats()).as(name).containsExactly(t.toFloats());
        });
    }

    @Test
    void oursToOfficialToOursIsExact() {
        // from a model file (convert's output of the golden .th)
        Path model = dir.resolve("model.safetensors");
        assertThat(CliRun.of("convert", MICRO_TH.toString(), model.toString()).exitCode()).isZero();
        Map<String, HostTensor> original = WeightsFiles.load(model, null, null).weights();
        for (String format : new String[]{"official", "safetensors-official"}) {
            Path out = dir.resolve(format.equals("official") ? "back.th" : "back.safetensors");
            CliRun r = CliRun.of("export", model.toString(), out.toString(), "--format", format);
            assertThat(r.exitCode()).as(r.err()).isZero();
            WeightsFiles.Loaded back = WeightsFiles.load(out, null, null);
            assertThat(back.layout().name()).isEqualTo("OFFICIAL_V2");
            assertThat(back.weights().keySet()).isEqualTo(original.keySet());
            original.forEach((name, t) -> {
                float[] a = t.data(), b = back.weights().get(name).data();
                assertThat(b).as(name).hasSameSizeAs(a);
                for (int i = 0; i < a.length; i++) {
                    assertThat(Float.floatToRawIntBits(b[i])).as(name).isEqualTo(Float.floatToRawIntBits(a[i]));
                }
            });
        }
        assertThat(SafetensorsFile.open(dir.resolve("back.safetensors")).names()).contains("head.0.weight",
                "blocks.3.xlstm.conv1d.weight", "post_blocks_norm.weight");
    }

    @Test
    void predictWritesTheInputsAndLogitsTheGpuCheckCompares() throws Exception {
        Path image = dir.resolve("img.png");
        CheckpointCommandsTest.writeImage(image, 20, 18, 4);
        CliRun r = CliRun.of("predict", "--weights", MICRO_TH.toString(), "--backend", "java", "--json", "--logits",
                "--top", "1", image.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        Map<?, ?> doc = (Map<?, ?>) StrictJsonParser.parse(r.out());
        assertThat(((Map<?, ?>) doc.get("config")).keySet().stream().map(Object::toString).toList())
                .contains("dim", "depth", "traversals", "legacyNorm");
        Map<?, ?> p = (Map<?, ?>) ((List<?>) doc.get("predictions")).get(0);
        List<?> logits = (List<?>) p.get("logits");
        assertThat((List<?>) p.get("input")).hasSize(3 * 16 * 16);
        assertThat(logits).hasSize(10);
        int best = 0;
        for (int i = 1; i < logits.size(); i++) {
            if (number(logits.get(i)) > number(logits.get(best))) {
                best = i;
            }
        }
        Map<?, ?> top = (Map<?, ?>) ((List<?>) p.get("top")).get(0);
        assertThat(number(top.get("index"))).isEqualTo(best);
    }

    private static double number(Object json) {
        return Double.parseDouble(((JsonNumber) json).literal());
    }

    @Test
    void anUnknownFormatIsRefusedByName() {
        CliRun r = CliRun.of("export", MICRO.toString(), dir.resolve("x.th").toString(), "--format", "onnx");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("vil: --format must be official or safetensors-official, got onnx");
    }
}
