package org.vil4j.training;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainingSettingsBuilderTest {
    @Test
    void everyFieldIsSetByNameAndTheEvalBatchFollowsTheBatch() {
        OptimizerSettings sgd = OptimizerSettings.adamw(0.1).withClipGradNorm(2);
        TrainingSettings built = TrainingSettings.builder().epochs(3).batchSize(32).learningRate(2e-3, 1e-5)
                .warmup(0.1).labelSmoothing(0.1).optimizer(sgd).dropPath(0.2, true).ema(0.999).seed(7)
                .loaderThreads(2).logEverySteps(5).build();
        assertThat(built).isEqualTo(new TrainingSettings(3, 32, 2e-3, 1e-5, 0.1, 0.1, sgd, 0.2, true, 0.999, 7, 2,
                32, 5));
        assertThat(TrainingSettings.builder().batchSize(8).evalBatchSize(100).build().evalBatchSize()).isEqualTo(100);
    }

    @Test
    void theRecordStillChecksTheValues() {
        assertThatThrownBy(() -> TrainingSettings.builder().epochs(0).build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
