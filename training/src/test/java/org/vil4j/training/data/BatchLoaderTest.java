package org.vil4j.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class BatchLoaderTest {
    private static final Dataset NUMBERED = new NumberedDataset(103, 1, 6, 6);
    private static final Augmentation TRAINING = Augmentation.cropAndFlip(2, Normalisation.FASHION_MNIST);

    private static List<Batch> epoch(Dataset dataset, int batchSize, boolean shuffle, boolean dropLast, long seed,
                                     int epoch, int startBatch, int workers) {
        List<Batch> batches = new ArrayList<>();
        try (BatchLoader loader = new BatchLoader(dataset, batchSize, shuffle, dropLast, TRAINING, seed, epoch,
                startBatch, workers)) {
            loader.forEachRemaining(batches::add);
        }
        return batches;
    }

    private static int[] labels(List<Batch> batches) {
        return batches.stream().flatMapToInt(batch -> Arrays.stream(batch.labels())).toArray();
    }

    @Test
    void everySampleComesExactlyOncePerEpoch() {
        for (boolean shuffle : new boolean[] {false, true}) {
            List<Batch> batches = epoch(NUMBERED, 10, shuffle, false, 1, 0, 0, 2);

            assertThat(batches).hasSize(11);
            assertThat(labels(batches)).hasSize(103).containsExactlyInAnyOrder(IntStream.range(0, 103).toArray());
            assertThat(batches.get(10).size()).isEqualTo(3);
            assertThat(batches.get(10).images()).hasSize(3 * 36);
            for (int i = 0; i < batches.size(); i++) {
                assertThat(batches.get(i).index()).isEqualTo(i);
                assertThat(batches.get(i).epoch()).isEqualTo(0);
            }
        }
        assertThat(labels(epoch(NUMBERED, 10, false, false, 1, 0, 0, 2))).isSorted();
    }

    @Test
    void theShuffledOrderDependsOnSeedAndEpochOnly() {
        int[] order = labels(epoch(NUMBERED, 16, true, false, 5, 2, 0, 1));

        assertThat(labels(epoch(NUMBERED, 16, true, false, 5, 2, 0, 3))).isEqualTo(order);
        assertThat(labels(epoch(NUMBERED, 7, true, false, 5, 2, 0, 2))).isEqualTo(order);
        assertThat(labels(epoch(NUMBERED, 16, true, false, 5, 3, 0, 1))).isNotEqualTo(order);
        assertThat(labels(epoch(NUMBERED, 16, true, false, 6, 2, 0, 1))).isNotEqualTo(order);
        assertThat(order).isNotEqualTo(IntStream.range(0, 103).toArray());
    }

    @Test
    void batchesAreIdenticalWithOneOrThreeWorkers() {
        List<Batch> one = epoch(NUMBERED, 8, true, false, 11, 4, 0, 1);
        List<Batch> three = epoch(NUMBERED, 8, true, false, 11, 4, 0, 3);

        assertThat(three).hasSameSizeAs(one);
        for (int i = 0; i < one.size(); i++) {
            assertThat(three.get(i).labels()).isEqualTo(one.get(i).labels());
            assertThat(three.get(i).images()).isEqualTo(one.get(i).images());
        }
    }

    @Test
    void augmentationFollowsTheSampleNotItsBatch() {
        List<Batch> small = epoch(NUMBERED, 4, true, false, 3, 1, 0, 2);
        List<Batch> large = epoch(NUMBERED, 50, true, false, 3, 1, 0, 2);

        assertThat(flatImages(large)).isEqualTo(flatImages(small));
        Batch first = small.get(0);
        float[] unaugmented = new float[first.images().length];
        for (int k = 0; k < first.size(); k++) {
            NUMBERED.image(first.labels()[k], unaugmented, k * 36);
            Augmentation.none(Normalisation.FASHION_MNIST).apply(unaugmented, k * 36, 1, 6, 6, 0, 0, 0);
        }
        assertThat(first.images()).isNotEqualTo(unaugmented);
        assertThat(flatImages(small)).isNotEqualTo(flatImages(epoch(NUMBERED, 4, true, false, 4, 1, 0, 2)));
    }

    private static float[] flatImages(List<Batch> batches) {
        int total = batches.stream().mapToInt(batch -> batch.images().length).sum();
        float[] all = new float[total];
        int offset = 0;
        for (Batch batch : batches) {
            System.arraycopy(batch.images(), 0, all, offset, batch.images().length);
            offset += batch.images().length;
        }
        return all;
    }

    @Test
    void startingAtABatchGivesTheBatchesThatSkippingWouldReach() {
        List<Batch> whole = epoch(NUMBERED, 10, true, false, 9, 2, 0, 2);
        List<Batch> resumed = epoch(NUMBERED, 10, true, false, 9, 2, 7, 2);

        assertThat(resumed).hasSize(4);
        for (int i = 0; i < resumed.size(); i++) {
            Batch expected = whole.get(7 + i);
            assertThat(resumed.get(i).index()).isEqualTo(expected.index());
            assertThat(resumed.get(i).labels()).isEqualTo(expected.labels());
            assertThat(resumed.get(i).images()).isEqualTo(expected.images());
        }
        assertThat(epoch(NUMBERED, 10, true, false, 9, 2, 11, 2)).isEmpty();
    }

    @Test
    void dropLastLeavesOutTheIncompleteBatch() {
        List<Batch> batches = epoch(NUMBERED, 10, false, true, 1, 0, 0, 2);

        assertThat(batches).hasSize(10).allSatisfy(batch -> assertThat(batch.size()).isEqualTo(10));
        assertThat(labels(batches)).containsExactly(IntStream.range(0, 100).toArray());
        assertThat(BatchLoader.batchesPerEpoch(103, 10, true)).isEqualTo(10);
        assertThat(BatchLoader.batchesPerEpoch(103, 10, false)).isEqualTo(11);
        assertThat(BatchLoader.batchesPerEpoch(100, 10, false)).isEqualTo(10);
        assertThat(BatchLoader.batchesPerEpoch(5, 10, true)).isZero();
    }

    @Test
    void batchesHoldShapeLabelsAndNormalisedImages() {
        Dataset rgb = new NumberedDataset(5, 3, 4, 2);
        Batch batch;
        try (BatchLoader loader = new BatchLoader(rgb, 5, false, false, Augmentation.none(Normalisation.CIFAR10), 0,
                0, 0, 1)) {
            batch = loader.next();
        }

        assertThat(new int[] {batch.size(), batch.channels(), batch.height(), batch.width()})
                .containsExactly(5, 3, 4, 2);
        assertThat(batch.labels()).containsExactly(0, 1, 2, 3, 4);
        float[] raw = new float[24];
        rgb.image(3, raw, 0);
        for (int channel = 0; channel < 3; channel++) {
            int at = channel * 8 + 5;
            assertThat(batch.images()[3 * 24 + at]).isEqualTo(
                    (raw[at] - Normalisation.CIFAR10.mean(channel)) / Normalisation.CIFAR10.std(channel));
        }
    }

    @Test
    void closingStopsTheWorkers() throws InterruptedException {
        BatchLoader loader = new BatchLoader(new NumberedDataset(2000, 1, 16, 16), 4, true, false, TRAINING, 0, 0,
                0, 3);
        loader.next();
        loader.close();

        assertThat(loader.awaitWorkersEnded(5000)).isTrue();
        assertThat(loader.hasNext()).isFalse();
        assertThatThrownBy(loader::next).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theWorkersEndOnTheirOwnAtTheEndOfTheEpoch() throws InterruptedException {
        BatchLoader loader = new BatchLoader(NUMBERED, 50, false, false, TRAINING, 0, 0, 0, 2);
        loader.forEachRemaining(batch -> { });

        assertThat(loader.awaitWorkersEnded(5000)).isTrue();
    }

    @Test
    void aFailingSampleSurfacesOnNext() {
        Dataset failing = new NumberedDataset(40, 1, 6, 6, 25);
        try (BatchLoader loader = new BatchLoader(failing, 10, false, false, TRAINING, 0, 0, 0, 2)) {
            loader.next();
            loader.next();

            assertThatThrownBy(loader::next).isInstanceOf(DatasetException.class)
                    .hasMessageContaining("sample 25 is unreadable");
        }
    }

    @Test
    void rejectsArgumentsThatCannotWork() {
        assertThatThrownBy(() -> new BatchLoader(NUMBERED, 0, false, false, TRAINING, 0, 0, 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BatchLoader(NUMBERED, 10, false, false, TRAINING, 0, 0, 12, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("start batch 12");
        assertThatThrownBy(() -> new BatchLoader(NUMBERED, 10, false, false,
                Augmentation.none(Normalisation.CIFAR10), 0, 0, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("channel");
    }
}
