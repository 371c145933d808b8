package org.vil4j.segmentation.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Item-level judgement on hand-drawn 4x4 scenes: majority, split items, covered pixels, the voted bound. */
class ItemReportTest {
    private static final int CLASSES = 11;

    /** Item A (class 3, a 3x3 box at the top left) shows its first column only: item B (class 7) is pasted over the rest. */
    private static FmnistScenes.Scene scene() {
        int[] labels = {
            3, 7, 7, 7,
            3, 7, 7, 7,
            3, 7, 7, 7,
            0, 0, 0, 0};
        List<FmnistScenes.Placement> items = List.of(new FmnistScenes.Placement(0, 3, 3, 0, 0),
                new FmnistScenes.Placement(1, 7, 3, 0, 1));
        return new FmnistScenes.Scene(new float[16], labels, items);
    }

    @Test
    void anItemIsJudgedByTheClassMostOfItsPixelsGet() {
        ItemReport report = new ItemReport(CLASSES);
        int[] predicted = {
            3, 7, 7, 2,
            3, 7, 7, 7,
            0, 7, 5, 7,
            0, 0, 0, 0};
        report.add(scene(), predicted, 0);
        assertThat(report.items()).isEqualTo(2);
        assertThat(report.confusion(3, 3)).isEqualTo(1); // A: two pixels 3, one background
        assertThat(report.confusion(7, 7)).isEqualTo(1); // B: seven of nine pixels 7
        assertThat(report.accuracy()).isEqualTo(1.0);
        assertThat(report.splitShare()).isEqualTo(0.5); // B's 7/9 < 90%; A's 2/2 is whole
        // voted: B's 2 and 5 become 7, A's background pixel stays background
        SegmentationMetrics asIs = new SegmentationMetrics(CLASSES);
        asIs.add(scene().labels(), predicted);
        assertThat(report.voted().pixelAccuracy()).isCloseTo(15 / 16.0, within(1e-12));
        assertThat(asIs.pixelAccuracy()).isCloseTo(13 / 16.0, within(1e-12));
        assertThat(report.voted().meanIou()).isGreaterThan(asIs.meanIou());
    }

    @Test
    void aWrongMajorityAndAnItemPredictedAsBackgroundCountAsWrong() {
        ItemReport report = new ItemReport(CLASSES);
        int[] predicted = {
            0, 4, 4, 4,
            0, 4, 4, 7,
            0, 4, 7, 7,
            0, 0, 0, 0};
        report.add(scene(), predicted, 0);
        assertThat(report.confusion(3, 0)).isEqualTo(1);
        assertThat(report.confusion(7, 4)).isEqualTo(1);
        assertThat(report.accuracy()).isZero();
        assertThat(report.splitShare()).isEqualTo(1.0);
        assertThat(report.table(FmnistScenes.classNamesList())).contains("items 2: 0.00% given their own class")
                .contains("Shirt");
    }

    @Test
    void predictionsAreReadFromTheSceneOffset() {
        ItemReport report = new ItemReport(CLASSES);
        int[] two = new int[32];
        System.arraycopy(scene().labels(), 0, two, 16, 16); // the second scene of a batch predicted perfectly
        report.add(scene(), two, 16);
        assertThat(report.accuracy()).isEqualTo(1.0);
        assertThat(report.splitShare()).isZero();
        assertThat(report.voted().meanIou()).isEqualTo(1.0);
    }
}
