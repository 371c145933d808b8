package org.vil4j.segmentation;

import org.junit.jupiter.api.Test;
import org.vil4j.api.Ops;
import org.vil4j.api.Vil4jException;
import org.vil4j.conformance.kit.SharedBackends;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Test-time views: which views a list names, that each maps back to the image's pixels, and flip's symmetry. */
class TestTimeViewsTest {
    private static final int SIDE = 16;

    @Test
    void theListNamesTheViews() {
        float[] black = {-0.5f};
        assertThat(TestTimeViews.parse("flip", 4, black).size()).isEqualTo(2);
        assertThat(TestTimeViews.parse("shift", 4, black).size()).isEqualTo(4);
        assertThat(TestTimeViews.parse(" flip , shift ", 4, black).size()).isEqualTo(8);
        assertThat(TestTimeViews.parse("shift,shift", 4, black).size()).isEqualTo(4);
        assertThatThrownBy(() -> TestTimeViews.parse("flip,rotate", 4, black)).isInstanceOf(Vil4jException.class)
                .hasMessage("--test-views: 'rotate' is none of flip, shift, scale=R1/R2 (e.g. flip,shift or "
                        + "flip,scale=0.75/1.25)");
        // each scale beside the image, mirrored too with flip; ratio 1 is the image itself
        assertThat(TestTimeViews.parse("flip,scale=0.75/1.25", 4, black).size()).isEqualTo(6);
        assertThat(TestTimeViews.parse("scale=1/1.5", 4, black).size()).isEqualTo(2);
        for (String bad : new String[] {"scale=0", "scale=x", "scale=1.5/", "scale=5"}) {
            assertThatThrownBy(() -> TestTimeViews.parse(bad, 4, black)).isInstanceOf(Vil4jException.class)
                    .hasMessageContaining("'" + bad + "' needs ratios in (0, 4]");
        }
        // a scaled side is the nearest multiple of the patch
        assertThat(TestTimeViews.parse("scale=1.25", 4, black).scaledSide(48, 1.25)).isEqualTo(60);
        assertThat(TestTimeViews.parse("scale=1.1", 4, black).scaledSide(48, 1.1)).isEqualTo(52);
        assertThat(TestTimeViews.parse("scale=0.01", 4, black).scaledSide(48, 0.01)).isEqualTo(4);
    }

    @Test
    void scaleViewsPredictAtTheirOwnSizeAndRatioOneIsTheImageItself() {
        SegmentationModel model = model();
        float[] images = images();
        int[] plain = SegmentationTrainer.predict(model, images, 2, SIDE, SIDE);
        assertThat(TestTimeViews.parse("scale=1", 4, new float[] {0f}).predict(model, images, 2, SIDE, SIDE))
                .containsExactly(plain);
        // 0.5 and 1.5: 8x8 and 24x24 views (grids the model is prepared for on the way), back at 16x16
        int[] scaled = TestTimeViews.parse("flip,scale=0.5/1.5", 4, new float[] {0f}).predict(model, images, 2,
                SIDE, SIDE);
        assertThat(scaled).hasSize(plain.length);
        assertThat(java.util.Arrays.stream(scaled).allMatch(k -> k >= 0 && k < model.config().classes())).isTrue();
    }

    @Test
    void eachViewHoldsTheImagesPixelsWhereItSendsThemAndBlackElsewhere() {
        float[] black = {-7f, -9f};
        TestTimeViews views = TestTimeViews.parse("flip,shift", 4, black);
        float[] images = new float[2 * 2 * SIDE * SIDE]; // two images of two channels
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) r.nextDouble();
        }
        int seen = 0;
        for (boolean mirror : new boolean[] {false, true}) {
            for (int[] s : new int[][] {{0, 0}, {0, 2}, {2, 0}, {2, 2}}) {
                TestTimeViews.View view = new TestTimeViews.View(mirror, s[0], s[1]);
                float[] rendered = views.render(view, images, 2, 2, SIDE, SIDE);
                boolean[] covered = new boolean[SIDE * SIDE];
                for (int y = 0; y < SIDE; y++) {
                    for (int x = 0; x < SIDE; x++) {
                        int q = TestTimeViews.viewPixel(view, y, x, SIDE, SIDE);
                        // moved out of frame exactly when the shift pushes it past the last row or column
                        int vx = mirror ? SIDE - 1 - x : x;
                        assertThat(q < 0).isEqualTo(y + s[0] >= SIDE || vx + s[1] >= SIDE);
                        if (q >= 0) {
                            covered[q] = true;
                            for (int plane = 0; plane < 4; plane++) {
                                assertThat(rendered[plane * SIDE * SIDE + q])
                                        .isEqualTo(images[plane * SIDE * SIDE + y * SIDE + x]);
                            }
                        }
                    }
                }
                for (int q = 0; q < SIDE * SIDE; q++) {
                    if (!covered[q]) {
                        seen++;
                        for (int plane = 0; plane < 4; plane++) {
                            assertThat(rendered[plane * SIDE * SIDE + q]).isEqualTo(black[plane % 2]);
                        }
                    }
                }
            }
        }
        assertThat(seen).isEqualTo(2 * (2 * SIDE + 2 * SIDE + (4 * SIDE - 4))); // the shifted-in rows and columns
    }

    @Test
    void flippingTheInputFlipsTheFlipViewsPrediction() {
        SegmentationModel model = model();
        float[] images = images();
        float[] mirrored = new float[images.length];
        for (int p = 0; p < images.length; p++) {
            int row = p / SIDE, x = p % SIDE;
            mirrored[row * SIDE + SIDE - 1 - x] = images[p];
        }
        TestTimeViews flip = TestTimeViews.parse("flip", 4, new float[] {0f});
        int[] direct = flip.predict(model, images, 2, SIDE, SIDE);
        int[] ofMirror = flip.predict(model, mirrored, 2, SIDE, SIDE);
        // the sum of a view and its mirror is the same sum for the mirrored input, mirrored: exactly, pixel by pixel
        for (int p = 0; p < direct.length; p++) {
            int row = p / SIDE, x = p % SIDE;
            assertThat(ofMirror[row * SIDE + SIDE - 1 - x]).as("pixel %d", p).isEqualTo(direct[p]);
        }
    }

    /** A fresh UperNet model on the java backend, prepared for SIDE x SIDE. */
    private static SegmentationModel model() {
        SegmentationConfig c = SegmentationModelTest.config("upernet", "alternate");
        Ops ops = SharedBackends.ops("java");
        SegmentationModel model = new SegmentationModel(c, SharedBackends.plugins(), ops,
                SegmentationModel.initialize(c, 4), "test");
        model.prepare(SIDE, SIDE);
        return model;
    }

    /** Two images of the test scenes. */
    private static float[] images() {
        float[] images = new float[2 * SIDE * SIDE];
        SegmentationModelTest.batch(2, 9, images, new int[images.length]);
        return images;
    }
}
