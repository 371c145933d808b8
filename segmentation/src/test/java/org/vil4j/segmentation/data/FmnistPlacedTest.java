package org.vil4j.segmentation.data;

import org.junit.jupiter.api.Test;
import org.vil4j.training.data.ByteImageDataset;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** fmnist-placed: one item an image, where its placement says, labelled with its class; and fresh scenes. */
class FmnistPlacedTest {
    private static final SceneLayout LAYOUT = new SceneLayout(48, 1, 0.75, 1.25, 0);

    @Test
    void eachSampleIsItsItemPastedWhereItsPlacementSays() {
        ByteImageDataset items = SegmentationDataTest.items(5);
        FmnistPlaced placed = new FmnistPlaced(items, "train", LAYOUT, 3, 9);
        assertThat(placed.size()).isEqualTo(3 * items.size());
        assertThat(placed.height()).isEqualTo(48);
        assertThat(placed.classNames()).hasSize(10);
        float[] item = new float[28 * 28];
        float[] image = new float[1 + 48 * 48];
        Set<Integer> sizes = new HashSet<>();
        Set<Integer> corners = new HashSet<>();
        for (int i = 0; i < placed.size(); i++) {
            FmnistScenes.Placement p = placed.placement(i);
            assertThat(p.item()).isEqualTo(i % items.size());
            assertThat(placed.label(i)).isEqualTo(items.label(p.item())).isEqualTo(p.label() - 1);
            assertThat(p.size()).isBetween(21, 35);
            assertThat(p.y()).isBetween(0, 48 - p.size());
            assertThat(p.x()).isBetween(0, 48 - p.size());
            sizes.add(p.size());
            corners.add(p.y() * 48 + p.x());
            image[0] = 7; // the offset is honoured: what lies before it stays
            placed.image(i, image, 1);
            assertThat(image[0]).isEqualTo(7);
            items.image(p.item(), item, 0);
            for (int y = 0; y < 48; y++) {
                for (int x = 0; x < 48; x++) {
                    int iy = y - p.y(), ix = x - p.x();
                    boolean inBox = iy >= 0 && iy < p.size() && ix >= 0 && ix < p.size();
                    // the scenes' nearest-neighbour scaling, cut at their threshold, quantised to bytes
                    float v = inBox ? item[Math.min(27, iy * 28 / p.size()) * 28 + Math.min(27, ix * 28 / p.size())]
                            : 0;
                    float expected = v > FmnistScenes.THRESHOLD ? Math.round(v * 255) / 255f : 0;
                    assertThat(image[1 + y * 48 + x]).as("sample %d pixel (%d, %d)", i, y, x).isEqualTo(expected);
                }
            }
        }
        assertThat(sizes).as("scales drawn across the range").hasSizeGreaterThan(5);
        assertThat(corners).as("places drawn across the canvas").hasSizeGreaterThan(60);
    }

    @Test
    void copiesOfAnItemArePlacedAnewAndTheDrawsAreSeeded() {
        ByteImageDataset items = SegmentationDataTest.items(5);
        FmnistPlaced a = new FmnistPlaced(items, "train", LAYOUT, 2, 9);
        FmnistPlaced same = new FmnistPlaced(items, "train", LAYOUT, 2, 9);
        FmnistPlaced other = new FmnistPlaced(items, "train", LAYOUT, 2, 10);
        int n = items.size(), moved = 0, otherSeed = 0;
        for (int i = 0; i < n; i++) {
            assertThat(a.placement(i)).isEqualTo(same.placement(i));
            moved += a.placement(i).equals(a.placement(i + n)) ? 0 : 1;
            otherSeed += a.placement(i).equals(other.placement(i)) ? 0 : 1;
        }
        assertThat(moved).as("an item's second copy is drawn anew").isGreaterThan(n * 3 / 4);
        assertThat(otherSeed).as("another seed draws other places").isGreaterThan(n * 3 / 4);
    }

    @Test
    void badArgumentsAreRefused() {
        ByteImageDataset items = SegmentationDataTest.items(5);
        assertThatThrownBy(() -> new FmnistPlaced(items, "train", LAYOUT, 0, 1))
                .hasMessageContaining("fmnist-placed: 0 copies");
        FmnistPlaced placed = new FmnistPlaced(items, "train", LAYOUT, 1, 1);
        assertThatThrownBy(() -> placed.image(items.size(), new float[48 * 48], 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void freshScenesAreNewEachEpochAndEpochZerosAreTheFixedOnes() {
        ByteImageDataset items = SegmentationDataTest.items(6);
        SceneLayout layout = new SceneLayout(40, 3, 0.75, 1.25, 0.25);
        FmnistScenes fixed = new FmnistScenes(items, "train", 20, layout, 4);
        FmnistScenes fresh = fixed.freshEachEpoch();
        assertThat(fixed.isFreshEachEpoch()).isFalse();
        assertThat(fresh.isFreshEachEpoch()).isTrue();
        assertThat(fixed.forEpoch(3)).as("fixed scenes are the same every epoch").isSameAs(fixed);
        SegmentationDataset epoch0 = fresh.forEpoch(0), epoch1 = fresh.forEpoch(1), again = fresh.forEpoch(1);
        assertThat(epoch1.size()).isEqualTo(20);
        assertThat(epoch1.name()).isEqualTo(fixed.name());
        int differ = 0;
        for (int i = 0; i < 20; i++) {
            assertThat(scene(epoch0, i)).isEqualTo(scene(fixed, i));
            assertThat(scene(epoch1, i)).isEqualTo(scene(again, i));
            differ += scene(epoch1, i).equals(scene(fixed, i)) ? 0 : 1;
        }
        assertThat(differ).as("epoch 1 draws other scenes").isGreaterThan(15);
        // epoch 1's scene i is scene 20 + i of the sequence epoch 0 starts
        FmnistScenes longer = new FmnistScenes(items, "train", 40, layout, 4);
        assertThat(scene(epoch1, 5)).isEqualTo(scene(longer, 25));
    }

    private static String scene(SegmentationDataset d, int i) {
        float[] image = new float[d.height() * d.width()];
        int[] labels = new int[image.length];
        d.sample(i, image, 0, labels, 0);
        return java.util.Arrays.toString(image) + java.util.Arrays.toString(labels);
    }
}
