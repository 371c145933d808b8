package org.vil4j.training.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.HostTensor;
import org.vil4j.api.ModelSpec;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.safetensors.SafetensorsFile;
import org.vil4j.formats.safetensors.SafetensorsWriter;
import org.vil4j.training.Trainer;
import org.vil4j.training.TrainingSettings;
import org.vil4j.training.TwoLayerBackbone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A backbone plugin's model file and checkpoint record the plugin's stable name and spec, and are read back by
 * looking the plugin up by that name (here the test-only {@code two_layer}, registered by ServiceLoader); an absent
 * plugin, a damaged record or a tensor that does not fit is a one-line error naming the file and the culprit.
 */
class PluginModelFileTest {
    private static final Plugins PLUGINS = Plugins.discover();
    private static final TwoLayerBackbone BACKBONE = new TwoLayerBackbone();
    private static final ModelSpec SPEC = TwoLayerBackbone.spec(8, 12, 4);

    @TempDir
    Path dir;

    private static ModelInfo info() {
        return new ModelInfo(new Preprocessing(1, 8, 8, Preprocessing.STRETCH_BILINEAR, new float[] {0.25f},
                new float[] {0.5f}), java.util.List.of("a", "b", "c", "d"), Map.of("dataset", "stripes"));
    }

    private Path modelFile() {
        Path file = dir.resolve("model.safetensors");
        ModelFile.write(file, PluginModelSpec.of(BACKBONE, SPEC), PLUGINS,
                ModelFile.arrays(BACKBONE.initialize(SPEC, PLUGINS, 3)), info());
        return file;
    }

    /** The file rewritten: metadata edited by {@code meta}, tensors by {@code tensors} (null drops one). */
    private static Path rewrite(Path file, String name, UnaryOperator<Map<String, String>> meta,
                                UnaryOperator<Map<String, HostTensor>> tensors) {
        SafetensorsFile good = SafetensorsFile.open(file);
        Map<String, HostTensor> t = new LinkedHashMap<>();
        good.names().forEach(n -> t.put(n, new HostTensor(good.entry(n).shape(), good.floats(n))));
        SafetensorsWriter w = new SafetensorsWriter();
        meta.apply(new LinkedHashMap<>(good.metadata())).forEach(w::metadata);
        tensors.apply(t).forEach((n, v) -> w.putF32(n, v.shape(), v.data()));
        Path out = file.resolveSibling(name);
        w.write(out);
        return out;
    }

    private static void assertOneLine(Throwable e, String... parts) {
        assertThat(e).isInstanceOf(Vil4jException.class);
        assertThat(e.getMessage()).doesNotContain("\n");
        for (String p : parts) {
            assertThat(e.getMessage()).contains(p);
        }
    }

    @Test
    void aPluginModelFileIsReadBackThroughThePluginItsNameRecords() throws IOException {
        Path file = modelFile();
        Map<String, String> meta = SafetensorsFile.open(file).metadata();
        assertThat(meta).containsEntry("format", ModelFile.FORMAT).containsEntry("backbone", "two_layer")
                .containsEntry("spec", "{\"class\":\"TwoLayer\",\"kwargs\":" + org.vil4j.training.Json.write(
                        SPEC.kwargs()) + "}").doesNotContainKey("config");

        SavedPluginModel saved = SavedPluginModel.read(file, PLUGINS);
        assertThat(saved.backbone()).isInstanceOf(TwoLayerBackbone.class);
        assertThat(saved.model().sameModel(PluginModelSpec.of(BACKBONE, SPEC))).isTrue();
        assertThat(saved.info().classNames()).containsExactly("a", "b", "c", "d");
        assertThat(saved.info().preprocessing()).isEqualTo(info().preprocessing());
        Map<String, HostTensor> init = BACKBONE.initialize(SPEC, PLUGINS, 3);
        init.forEach((name, t) -> assertThat(saved.weights().get(name).data()).as(name).containsExactly(t.data()));
        // the same model twice: the same bytes
        Path again = dir.resolve("again.safetensors");
        ModelFile.write(again, PluginModelSpec.of(BACKBONE, SPEC), PLUGINS, ModelFile.arrays(init), info());
        assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(file));

        try (Ops ops = PLUGINS.backend("java").open(null)) {
            Tensor logits = saved.create(PLUGINS, ops, saved.model().spec(), file.toString())
                    .forward(ops.upload(Shape.of(2, 1, 8, 8), new float[128]), (n, t) -> { });
            assertThat(logits.shape()).isEqualTo(Shape.of(2, 4));
        }
    }

    @Test
    void aCheckpointOfAPluginModelLoadsItsWeightsTheSameWay() {
        TrainingSettings settings = TrainingSettings.builder().epochs(1).batchSize(8).ema(0.5).build();
        Path checkpoint = dir.resolve("checkpoint.safetensors");
        Map<String, float[]> trained;
        try (Ops ops = PLUGINS.backend("java").open(null)) {
            Trainer trainer = new Trainer(ops, PLUGINS, BACKBONE, SPEC, settings, BACKBONE.initialize(SPEC, PLUGINS,
                    3), "init");
            trainer.setModelInfo(info());
            trainer.writeCheckpoint(checkpoint);
            trained = trainer.weights();
        }

        WeightsFiles.Contents contents = WeightsFiles.read(checkpoint);
        assertThat(contents.kind()).isEqualTo(WeightsFiles.Kind.TRAINING_CHECKPOINT);
        SavedPluginModel saved = SavedPluginModel.of(contents, checkpoint, PLUGINS);
        assertThat(saved.weights().keySet()).isEqualTo(trained.keySet());
        assertThat(saved.info().classNames()).hasSize(4);
        assertThat(saved.note()).contains("training checkpoint");
    }

    @Test
    void anAbsentBackbonePluginIsNamedWithTheFile() {
        Path file = rewrite(modelFile(), "elsewhere.safetensors", m -> {
            m.put("backbone", "not_here");
            return m;
        }, t -> t);
        assertThatThrownBy(() -> SavedPluginModel.read(file, PLUGINS)).isInstanceOf(Vil4jException.class)
                .hasMessage(file + " was saved by backbone plugin 'not_here', which is not on the class path; "
                        + "bin/vil plugins lists those found");
    }

    @Test
    void anAbsentPluginTheSpecUsesIsNamedToo() {
        Path file = rewrite(modelFile(), "headless.safetensors", m -> {
            m.put("plugins", "{\"head\":\"no_such_head\"}");
            return m;
        }, t -> t);
        assertThatThrownBy(() -> SavedPluginModel.read(file, PLUGINS)).isInstanceOf(Vil4jException.class)
                .hasMessage(file + " was saved by head plugin 'no_such_head', which is not on the class path; "
                        + "bin/vil plugins lists those found");
    }

    @Test
    void everyTensorIsHeldToTheShapesThePluginDeclares() {
        Path file = modelFile();
        Path reshaped = rewrite(file, "reshaped.safetensors", m -> m, t -> {
            t.put("blocks.0.fc.weight", new HostTensor(Shape.of(64, 12), t.get("blocks.0.fc.weight").data()));
            return t;
        });
        assertThatThrownBy(() -> SavedPluginModel.read(reshaped, PLUGINS)).isInstanceOf(Vil4jException.class)
                .hasMessage(reshaped + ": tensor blocks.0.fc.weight is [64,12], but backbone plugin 'two_layer' "
                        + "declares [12,64] for the recorded spec");
        Path missing = rewrite(file, "missing.safetensors", m -> m, t -> {
            t.remove("head.bias");
            return t;
        });
        assertOneLine(catchIt(() -> SavedPluginModel.read(missing, PLUGINS)), missing.toString(),
                "tensor head.bias [4] is missing");
        Path extra = rewrite(file, "extra.safetensors", m -> m, t -> {
            t.put("blocks.1.fc.bias", new HostTensor(Shape.of(3), new float[3]));
            t.remove("head.weight");
            return t;
        });
        assertOneLine(catchIt(() -> SavedPluginModel.read(extra, PLUGINS)), "tensor head.weight [4,12] is missing",
                "(and 1 more problem)");
        // a spec of another size: every tensor is then of the wrong shape, the first is named
        Path wider = rewrite(file, "wider.safetensors", m -> {
            m.put("spec", m.get("spec").replace("\"hidden\":12", "\"hidden\":13"));
            return m;
        }, t -> t);
        assertOneLine(catchIt(() -> SavedPluginModel.read(wider, PLUGINS)), "tensor blocks.0.fc.weight is [12,64]",
                "declares [13,64]", "more problems");
    }

    @Test
    void aDamagedRecordIsAOneLineErrorNamingTheFileAndTheEntry() {
        Path file = modelFile();
        Path notJson = rewrite(file, "not-json.safetensors", m -> {
            m.put("spec", "{\"class\": \"TwoLayer\", ");
            return m;
        }, t -> t);
        assertOneLine(catchIt(() -> SavedPluginModel.read(notJson, PLUGINS)), notJson.toString(),
                "metadata spec is not valid JSON");
        Path noClass = rewrite(file, "no-class.safetensors", m -> {
            m.put("spec", "{\"kwargs\":{}}");
            return m;
        }, t -> t);
        assertOneLine(catchIt(() -> SavedPluginModel.read(noClass, PLUGINS)), "metadata spec has no \"class\"");
        Path noSpec = rewrite(file, "no-spec.safetensors", m -> {
            m.remove("spec");
            return m;
        }, t -> t);
        assertOneLine(catchIt(() -> SavedPluginModel.read(noSpec, PLUGINS)),
                "saved by backbone plugin 'two_layer' without metadata spec");
        Path refused = rewrite(file, "refused.safetensors", m -> {
            m.put("spec", m.get("spec").replace("\"hidden\":12", "\"hidden\":\"twelve\""));
            return m;
        }, t -> t);
        assertOneLine(catchIt(() -> SavedPluginModel.read(refused, PLUGINS)),
                "backbone plugin 'two_layer' refuses the recorded spec", "hidden must be an integer");
        Path badPlugins = rewrite(file, "bad-plugins.safetensors", m -> {
            m.put("plugins", "{\"head\": 3}");
            return m;
        }, t -> t);
        assertOneLine(catchIt(() -> SavedPluginModel.read(badPlugins, PLUGINS)),
                "metadata plugins: head must be a name or a list of names");
    }

    @Test
    void whatNeedsAViLRefusesAPluginModelByName() {
        Path file = modelFile();
        assertOneLine(catchIt(() -> WeightsFiles.load(file, null, null)), file.toString(),
                "holds a model of backbone plugin 'two_layer' (TwoLayer), not a ViL's weights");
        assertOneLine(catchIt(() -> VilModel.load(file, "java")), "backbone plugin 'two_layer'");
    }

    private static Throwable catchIt(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        return org.assertj.core.api.Assertions.catchThrowable(call);
    }
}
