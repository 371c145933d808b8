package org.vil4j.training;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vil4j.api.HostTensor;
import org.vil4j.api.ModelSpec;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Vil4jException;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The trainer on a backbone plugin's model (not a ViL): it learns, leaves the buffers alone, decays the learning rate
 * of the reference's {@code blocks.<i>}, and refuses what needs a ViL with one line.
 */
class BackboneTrainingTest {
    private static final Plugins PLUGINS = Plugins.discover();
    private static final TwoLayerBackbone BACKBONE = new TwoLayerBackbone();
    private static Ops ops;

    @BeforeAll
    static void open() {
        ops = PLUGINS.backend("java").open(null);
    }

    @AfterAll
    static void close() {
        ops.close();
    }

    private static TrainingSettings settings(double dropPath, double ema) {
        OptimizerSettings adamw = OptimizerSettings.adamw(0.05);
        OptimizerSettings layerDecay = new OptimizerSettings("adamw", 0.05, adamw.decayExclusion(), adamw.beta1(),
                adamw.beta2(), adamw.eps(), 0, false, 0, 0.5);
        return TrainingSettings.builder().epochs(3).batchSize(8).learningRate(1e-2).warmup(0).dropPath(dropPath,
                false).ema(ema).optimizer(layerDecay).seed(4).build();
    }

    @Test
    void learnsWithItsBuffersFixed() {
        ModelSpec spec = TwoLayerBackbone.spec(8, 12, 4);
        Map<String, HostTensor> init = BACKBONE.initialize(spec, PLUGINS, 1);
        Trainer trainer = new Trainer(ops, PLUGINS, BACKBONE, spec, settings(0, 0.9), init, "init");
        SyntheticData train = new SyntheticData(96, 8, 4, 8, 1);
        SyntheticData test = new SyntheticData(32, 8, 4, 8, 2);
        double before = trainer.evaluate(test)[1];
        List<EpochMetrics> history = trainer.run(train, test, null, new Trainer.Listener() { });

        assertThat(history).hasSize(3);
        assertThat(history.get(2).trainLoss()).isLessThan(history.get(0).trainLoss());
        assertThat(history.get(2).testAccuracy()).as("before training: %s", before).isGreaterThan(0.9)
                .isGreaterThan(before);
        assertThat(history.get(2).emaTestAccuracy()).isBetween(0.0, 1.0);
        Map<String, float[]> after = trainer.weights();
        assertThat(after.get(TwoLayerBackbone.OFFSET)).containsExactly(init.get(TwoLayerBackbone.OFFSET).data());
        assertThat(after.get("blocks.0.fc.weight")).isNotEqualTo(init.get("blocks.0.fc.weight").data());
        assertThat(trainer.emaWeights().get(TwoLayerBackbone.OFFSET))
                .containsExactly(init.get(TwoLayerBackbone.OFFSET).data());
        assertThat(trainer.parameterCount()).isEqualTo(64 + 12 * 64 + 12 + 4 * 12 + 4);
        // one block: the stem at 0.5^2, blocks.0 at 0.5, the head at the full rate
        assertThat(trainer.optimizer().lrScaleOf("blocks.0.fc.weight")).isEqualTo(0.5f);
        assertThat(trainer.optimizer().lrScaleOf("head.weight")).isEqualTo(1f);
    }

    @Test
    void blocksAreCountedFromTheReferenceNames() {
        assertThat(BackboneTrainedModel.countBlocks(Set.of("blocks.0.a", "blocks.11.attn.qkv.weight", "head.w")))
                .isEqualTo(12);
        assertThat(BackboneTrainedModel.countBlocks(Set.of("stem.blocks.3.w", "blocks.x.y", "head.w"))).isZero();
    }

    @Test
    void whatNeedsAViLIsAOneLineError() {
        ModelSpec spec = TwoLayerBackbone.spec(8, 12, 4);
        Map<String, HostTensor> init = BACKBONE.initialize(spec, PLUGINS, 1);
        assertThatThrownBy(() -> new Trainer(ops, PLUGINS, BACKBONE, spec, settings(0.1, 0), init, "init"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("drop-path 0.1")
                .hasMessageContaining("'two_layer'");
        Trainer trainer = new Trainer(ops, PLUGINS, BACKBONE, spec, settings(0, 0), init, "init");
        assertThatThrownBy(() -> trainer.setRecomputeActivations(true)).isInstanceOf(Vil4jException.class)
                .hasMessageContaining("backbone 'two_layer' (TwoLayer) is trained whole");
        assertThatThrownBy(() -> trainer.setMlstmForm(org.vil4j.api.MlstmForm.CHUNKWISE, 8))
                .isInstanceOf(Vil4jException.class).hasMessageContaining("has no mLSTM");
        assertThatThrownBy(trainer::model).isInstanceOf(IllegalStateException.class);

        ModelSpec features = spec.with("mode", "features");
        Trainer notAClassifier = new Trainer(ops, PLUGINS, BACKBONE, features, settings(0, 0),
                BACKBONE.initialize(features, PLUGINS, 1), "init");
        assertThatThrownBy(() -> notAClassifier.evaluate(new SyntheticData(8, 8, 4, 8, 2)))
                .isInstanceOf(Vil4jException.class).hasMessageContaining("training needs a classifier")
                .hasMessageContaining("[8,1,12]");
    }
}
