package org.vil4j.cli;

import org.junit.jupiter.api.Test;
import org.vil4j.api.Vil4jException;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** UperNet's pyramid scales: the option, else the dataset's default. */
class SegmentationPyramidTest {
    private static SegmentationOptions parse(String... args) {
        SegmentationOptions options = new SegmentationOptions();
        new CommandLine(options).parseArgs(args);
        return options;
    }

    @Test
    void fmnistScenesDefaultsToAPixelLevelPyramidAndAde20kToAHalfScaleOne() {
        SegmentationOptions none = parse();
        assertThat(none.pyramid("fmnist-scenes")).containsExactly(4, 2, 1, 0.5);
        // train's classification default dataset name is read as fmnist-scenes
        assertThat(none.pyramid("fashion-mnist")).containsExactly(4, 2, 1, 0.5);
        assertThat(none.pyramid("ade20k")).containsExactly(2, 1, 0.5, 0.25);
    }

    @Test
    void theOptionWinsOverTheDefault() {
        assertThat(parse("--pyramid-scales", "2,1,0.5,0.25").pyramid("fmnist-scenes"))
                .containsExactly(2, 1, 0.5, 0.25);
        assertThat(parse("--pyramid-scales", "8, 4, 2, 1").pyramid("ade20k")).containsExactly(8, 4, 2, 1);
        assertThatThrownBy(() -> parse("--pyramid-scales", "3,1,0.5,0.25").pyramid("ade20k"))
                .isInstanceOf(Vil4jException.class)
                .hasMessage("--pyramid-scales must be four powers of 2 up to 16 (e.g. 4,2,1,0.5), got '3,1,0.5,0.25'");
    }
}
