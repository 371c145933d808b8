package org.vil4j.segmentation.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.training.data.ByteImageDataset;
import org.vil4j.training.data.DatasetException;
import org.vil4j.training.data.FashionMnist;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The generated scenes, the ADE20K folder reader, joint augmentation and the metrics, on data made here. */
class SegmentationDataTest {
    /** 40 toy items: a filled rectangle whose height depends on the class, on a black 28x28 box. */
    static ByteImageDataset items(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 40;
        byte[] pixels = new byte[n * 28 * 28];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int label = r.nextInt(10);
            labels[i] = (byte) label;
            for (int y = 4; y < 8 + 2 * label; y++) {
                for (int x = 6; x < 22; x++) {
                    pixels[i * 784 + y * 28 + x] = (byte) (120 + r.nextInt(130));
                }
            }
        }
        return new ByteImageDataset("toy", 1, 28, 28, pixels, labels, FashionMnist.CLASS_NAMES);
    }

    @Test
    void scenesAreSeededAndTheirLabelsFollowThePixels() {
        SceneLayout layout = new SceneLayout(40, 3, 0.75, 1.25, 0.25);
        FmnistScenes a = new FmnistScenes(items(1), "train", 12, layout, 7);
        FmnistScenes b = new FmnistScenes(items(1), "train", 12, layout, 7);
        FmnistScenes other = new FmnistScenes(items(1), "train", 12, layout, 8);
        assertThat(a.classNames()).hasSize(11).startsWith("background");
        float[] ia = new float[40 * 40], ib = new float[40 * 40], io = new float[40 * 40];
        int[] la = new int[40 * 40], lb = new int[40 * 40], lo = new int[40 * 40];
        boolean differs = false;
        int[] seen = new int[11];
        for (int i = 0; i < 12; i++) {
            a.sample(i, ia, 0, la, 0);
            b.sample(i, ib, 0, lb, 0);
            other.sample(i, io, 0, lo, 0);
            assertThat(ia).containsExactly(ib);
            assertThat(la).containsExactly(lb);
            differs |= !Arrays.equals(la, lo);
            for (int p = 0; p < la.length; p++) {
                seen[la[p]]++;
                // an item's pixel is above the threshold; the background is the canvas, untouched
                if (la[p] == 0) {
                    assertThat(ia[p]).isZero();
                } else {
                    assertThat(ia[p]).isGreaterThan(FmnistScenes.THRESHOLD);
                }
            }
        }
        assertThat(differs).as("another seed gives other scenes").isTrue();
        assertThat(seen[0]).isPositive();
        assertThat(Arrays.stream(seen).skip(1).filter(c -> c > 0).count()).as("item classes present")
                .isGreaterThan(3);
    }

    @Test
    void everyItemIsPastedAsPlacedWithinTheLayout() {
        ByteImageDataset items = items(4);
        SceneLayout layout = new SceneLayout(48, 4, 0.75, 1.25, 0.25);
        FmnistScenes scenes = new FmnistScenes(items, "train", 200, layout, 11);
        int itemsSeen = 0, smallest = Integer.MAX_VALUE, largest = 0;
        float[] picture = new float[28 * 28];
        for (int i = 0; i < scenes.size(); i++) {
            FmnistScenes.Scene scene = scenes.scene(i);
            // the scene drawn again from its placements alone: later items over earlier ones
            int[] owner = new int[48 * 48];
            Arrays.fill(owner, -1);
            float[] pixels = new float[48 * 48];
            int[] pasted = new int[scene.items().size()];
            for (int k = 0; k < scene.items().size(); k++) {
                FmnistScenes.Placement at = scene.items().get(k);
                assertThat(at.label()).isEqualTo(items.label(at.item()) + 1);
                assertThat(at.size()).isBetween(21, 35); // round(28 * 0.75) .. round(28 * 1.25)
                assertThat(at.y()).as("wholly on the canvas").isBetween(0, 48 - at.size());
                assertThat(at.x()).isBetween(0, 48 - at.size());
                smallest = Math.min(smallest, at.size());
                largest = Math.max(largest, at.size());
                items.image(at.item(), picture, 0);
                for (int y = 0; y < at.size(); y++) {
                    for (int x = 0; x < at.size(); x++) {
                        float v = picture[(y * 28 / at.size()) * 28 + x * 28 / at.size()];
                        if (v > FmnistScenes.THRESHOLD) {
                            int p = (at.y() + y) * 48 + at.x() + x;
                            owner[p] = k;
                            pixels[p] = Math.round(v * 255) / 255f;
                            pasted[k]++;
                        }
                    }
                }
            }
            int[] shown = new int[pasted.length];
            for (int p = 0; p < owner.length; p++) {
                int expected = owner[p] < 0 ? 0 : scene.items().get(owner[p]).label();
                assertThat(scene.labels()[p]).as("scene %d pixel %d", i, p).isEqualTo(expected);
                assertThat(scene.pixels()[p]).isEqualTo(pixels[p]);
                if (owner[p] >= 0) {
                    shown[owner[p]]++;
                }
            }
            for (int k = 0; k < pasted.length; k++) {
                assertThat(shown[k]).as("scene %d item %d stays mostly in view", i, k)
                        .isGreaterThanOrEqualTo((int) Math.ceil(0.75 * pasted[k]));
            }
            itemsSeen += pasted.length;
        }
        assertThat(itemsSeen).as("scenes hold several items").isGreaterThan(2 * scenes.size());
        assertThat(smallest).as("the scale range is used").isLessThan(24);
        assertThat(largest).isGreaterThan(32);
    }

    @Test
    void anItemThatFitsNowhereIsLeftOut() {
        // items as large as the canvas and none may be hidden: only the first fits
        SceneLayout layout = new SceneLayout(28, 3, 1, 1, 0);
        FmnistScenes scenes = new FmnistScenes(items(2), "train", 20, layout, 5);
        for (int i = 0; i < scenes.size(); i++) {
            assertThat(scenes.scene(i).items()).hasSize(1);
        }
        assertThatThrownBy(() -> new SceneLayout(48, 3, 1.25, 0.75, 0.25)).hasMessageContaining("0 < MIN <= MAX");
        assertThatThrownBy(() -> new SceneLayout(48, 3, 1, 1, 1.5)).hasMessageContaining("[0, 1]");
    }

    @Test
    void augmentationMovesImageAndMaskTogether() {
        int side = 32;
        // piecewise constant: label k where the image is k / 10 (blocks of 8x8)
        float[] image = new float[side * side];
        int[] labels = new int[side * side];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int k = (y / 8) * 4 + x / 8 < 10 ? (y / 8) * 4 + x / 8 : 1 + x / 8;
                labels[y * side + x] = k;
                image[y * side + x] = k / 10f;
            }
        }
        JointAugmentation aug = new JointAugmentation(0.5, 2.0, true, 3);
        int flipped = 0, padded = 0;
        for (int index = 0; index < 30; index++) {
            float[] img = image.clone();
            int[] lab = labels.clone();
            aug.apply(img, 0, lab, 0, 1, side, 0, index);
            if (lab[0] != labels[0]) {
                flipped++;
            }
            for (int y = 1; y < side - 1; y++) {
                for (int x = 1; x < side - 1; x++) {
                    int l = lab[y * side + x];
                    if (l == SegmentationDataset.IGNORE) {
                        padded++;
                        continue;
                    }
                    boolean interior = true;
                    for (int d : new int[]{-side, side, -1, 1}) {
                        interior &= lab[y * side + x + d] == l;
                    }
                    if (interior) {
                        assertThat(img[y * side + x]).as("sample %d (%d, %d)", index, x, y)
                                .isCloseTo(l / 10f, org.assertj.core.data.Offset.offset(1e-5f));
                    }
                }
            }
            float[] again = image.clone();
            int[] againLabels = labels.clone();
            aug.apply(again, 0, againLabels, 0, 1, side, 0, index);
            assertThat(againLabels).as("the same (seed, epoch, index) gives the same choice").containsExactly(lab);
        }
        assertThat(flipped).as("some samples change").isPositive();
        assertThat(padded).as("scales below 1 pad with the ignore label").isPositive();
    }

    @Test
    void metricsAreMmsegs() {
        SegmentationMetrics m = new SegmentationMetrics(3);
        // class 0: 2 right, 1 taken for 1; class 1: 1 right; class 2 never occurs; one ignored pixel
        m.add(new int[]{0, 0, 0, 1, SegmentationDataset.IGNORE}, new int[]{0, 0, 1, 1, 2});
        assertThat(m.labelledPixels()).isEqualTo(4);
        assertThat(m.pixelAccuracy()).isEqualTo(0.75);
        assertThat(m.iou(0)).isEqualTo(2.0 / 3);
        assertThat(m.iou(1)).isEqualTo(0.5);
        assertThat(m.iou(2)).isNaN();
        assertThat(m.meanIou()).isEqualTo((2.0 / 3 + 0.5) / 2);
        assertThat(m.table(List.of("a", "b", "c"))).contains("mIoU 58.33%", "pixel accuracy 75.00%");
    }

    @Test
    void ade20kFolderMapsZeroToIgnoreAndNamesBadFiles(@TempDir Path root) throws IOException {
        Path images = Files.createDirectories(root.resolve("images/validation"));
        Path annotations = Files.createDirectories(root.resolve("annotations/validation"));
        BufferedImage picture = new BufferedImage(20, 10, BufferedImage.TYPE_INT_RGB);
        picture.setRGB(0, 0, 0xFF0000);
        ImageIO.write(picture, "png", images.resolve("ADE_val_1.png").toFile());
        BufferedImage map = new BufferedImage(20, 10, BufferedImage.TYPE_BYTE_GRAY);
        for (int x = 0; x < 20; x++) {
            for (int y = 0; y < 10; y++) {
                map.getRaster().setSample(x, y, 0, x < 10 ? 0 : 5); // left: "other", right: class 5
            }
        }
        ImageIO.write(map, "png", annotations.resolve("ADE_val_1.png").toFile());
        Ade20kFolder folder = new Ade20kFolder(root, "validation", 3, 8, 1_000_000);
        assertThat(folder.size()).isEqualTo(1);
        assertThat(folder.classes()).isEqualTo(150);
        float[] image = new float[3 * 64];
        int[] labels = new int[64];
        folder.sample(0, image, 0, labels, 0);
        assertThat(labels[0]).isEqualTo(SegmentationDataset.IGNORE);
        assertThat(labels[7]).isEqualTo(4);
        assertThat(image[0]).isGreaterThan(0.2f); // red, top left
        map.getRaster().setSample(3, 3, 0, 200);
        ImageIO.write(map, "png", annotations.resolve("ADE_val_1.png").toFile());
        assertThatThrownBy(() -> folder.sample(0, image, 0, labels, 0)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("ADE_val_1.png").hasMessageContaining("value 200");
        Files.delete(annotations.resolve("ADE_val_1.png"));
        assertThatThrownBy(() -> new Ade20kFolder(root, "validation", 3, 8, 1_000_000))
                .isInstanceOf(DatasetException.class).hasMessageContaining("has no label map");
        assertThatThrownBy(() -> new Ade20kFolder(root, "training", 3, 8, 1_000_000))
                .isInstanceOf(DatasetException.class).hasMessageContaining("images/training");
    }
}
