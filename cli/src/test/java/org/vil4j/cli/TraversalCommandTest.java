package org.vil4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class TraversalCommandTest {
    @Test
    void showPrintsTheVisitingOrderAsAGrid() {
        CliRun run = CliRun.of("traversal", "show", "snake_rows", "--grid", "3x4");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("snake_rows on a 3x4 grid")
                .contains("  0  1  2  3\n  7  6  5  4\n  8  9 10 11\n".replace("\n", System.lineSeparator()))
                .contains("locality: mean step 1.000, unit steps 100.0%, longest step 1")
                .contains("convolution: in the image's own geometry");
    }

    @Test
    void referenceOrdersReportTheReferenceConvolution() {
        CliRun run = CliRun.of("traversal", "show", "rowwise_from_bot_right", "--grid", "2x3");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains(" 5 4 3").contains(" 2 1 0").contains("the reference's frame");
    }

    @Test
    void parameterisedNamesAndOneRowGridsWork() {
        CliRun run = CliRun.of("traversal", "show", "local_window_k3", "--grid", "1x7");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("local_window_k3 on a 1x7 grid").contains(" 0 1 2 3 4 5 6");
    }

    @Test
    void pngIsWrittenWithTheGridsSize(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("sub/hilbert.png");
        CliRun run = CliRun.of("traversal", "show", "hilbert", "--grid", "5x7", "--png", png.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("path drawn to");
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).isNotNull();
        int cell = TraversalPicture.cellSize(5, 7);
        assertThat(image.getWidth()).isEqualTo(7 * cell + 2 * TraversalPicture.MARGIN);
        assertThat(image.getHeight()).isEqualTo(5 * cell + 2 * TraversalPicture.MARGIN);
        // the path's start (blue dot) is drawn at the centre of the first cell
        int rgb = image.getRGB(TraversalPicture.MARGIN + cell / 2, TraversalPicture.MARGIN + cell / 2);
        assertThat(rgb & 0xff).as("blue channel").isGreaterThan((rgb >> 16) & 0xff);
    }

    @Test
    void unknownNamesAndBadGridsFailClearly() {
        CliRun unknown = CliRun.of("traversal", "show", "no_such_order", "--grid", "5x7");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("no traversal plugin named 'no_such_order'").contains("hilbert");
        CliRun bad = CliRun.of("traversal", "show", "hilbert", "--grid", "5by7");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--grid takes HxW");
        CliRun zero = CliRun.of("traversal", "show", "hilbert", "--grid", "0x7");
        assertThat(zero.exitCode()).isEqualTo(2);
    }

    @Test
    void scheduleListsTheTraversalOfEverySubBlock() {
        CliRun run = CliRun.of("traversal", "schedule", "four_way");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("vil2-tiny with schedule four_way (24 sub-blocks)")
                .containsPattern("\\s2  columnwise_from_top_left ").containsPattern("23  columnwise_from_bot_right ");
        CliRun list = CliRun.of("traversal", "schedule", "hilbert,local_window_k3", "--model", "vil-tiny");
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).contains("schedule hilbert,local_window_k3 (24 sub-blocks)")
                .containsPattern("\\s1  local_window_k3 ");
        CliRun missing = CliRun.of("traversal", "schedule", "hilbert,nope");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("no traversal plugin named 'nope'");
    }
}
