package org.vil4j.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A backbone plugin's preset is benchmarked by name, as the ViL presets are. */
class BackboneBenchTest {
    @Test
    void deit3TinyForwardsAreTimedByName() {
        CliRun run = CliRun.of("bench", "--model", "deit3-tiny", "--batch", "1", "--warmup", "0", "--iterations", "1",
                "--backend", "java");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"model\": \"deit3-tiny\"").contains("\"backbone\": \"vit\"")
                .contains("\"input\": \"224x224\"").contains("\"bytes_out_per_forward\": 4000");
    }

    @Test
    void trainingABackbonePresetIsAOneLineRefusal() {
        CliRun run = CliRun.of("bench", "--model", "deit3-tiny", "--train", "--backend", "java");
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.err()).contains("deit3-tiny is a vit preset");
    }
}
