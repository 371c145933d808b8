package org.vil4j.cli;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PluginsCommandTest {
    @Test
    void listsAtLeastTwelveTraversalsOneALineNameFirst() {
        CliRun run = CliRun.of("plugins", "--kind", "traversal");
        assertThat(run.exitCode()).isZero();
        List<String> lines = Arrays.stream(run.out().split("\\R")).filter(l -> !l.isBlank()).toList();
        assertThat(lines).hasSizeGreaterThanOrEqualTo(12);
        assertThat(lines).allSatisfy(l -> assertThat(l).matches("[a-z][a-z0-9_]* +traversal +\\S.*"));
        assertThat(lines.stream().map(l -> l.split(" +")[0])).contains("rowwise_from_top_left",
                "rowwise_from_bot_right", "hilbert", "zorder", "spiral_outside_in", "local_window_k2", "random_seed0");
    }

    @Test
    void everyKindIsListedWithoutAFilter() {
        CliRun run = CliRun.of("plugins");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains(" traversal ").contains(" mixer ").contains(" head ").contains(" backend ")
                .contains(" backbone ");
    }

    @Test
    void theVitModuleBringsABackboneAndAMixerAndTheHeadsModuleTheTokenPoolings() {
        CliRun run = CliRun.of("plugins");
        assertThat(run.exitCode()).isZero();
        List<String> lines = Arrays.stream(run.out().split("\\R")).toList();
        assertThat(lines).anyMatch(l -> l.matches("vit +backbone +\\S.*"))
                .anyMatch(l -> l.matches("attention +mixer +\\S.*"))
                .anyMatch(l -> l.matches("mlstm +mixer +\\S.*"));
        for (String head : new String[]{"class_token", "first", "last", "middle", "mean", "bilateral_flatten",
                "bilateral_avg", "to_image", "none"}) {
            assertThat(lines).as(head).anyMatch(l -> l.matches(head + " +head +\\S.*"));
        }
    }
}
