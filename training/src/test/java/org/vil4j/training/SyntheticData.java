package org.vil4j.training;

import org.vil4j.training.data.Batch;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A learnable toy problem made in memory: class c images are noise plus a bright c-th horizontal stripe. Batches
 * come in a seeded order per epoch, like the real loader.
 */
class SyntheticData implements BatchSource {
    final int samples;
    final int batchSize;
    final int classes;
    final int size;
    final float[][] images;
    final int[] labels;
    private final long seed;

    SyntheticData(int samples, int batchSize, int classes, int size, long seed) {
        this.samples = samples;
        this.batchSize = batchSize;
        this.classes = classes;
        this.size = size;
        this.seed = seed;
        SplittableRandom random = new SplittableRandom(seed);
        images = new float[samples][];
        labels = new int[samples];
        for (int i = 0; i < samples; i++) {
            int label = i % classes;
            float[] image = new float[size * size];
            for (int p = 0; p < image.length; p++) {
                image[p] = (float) (random.nextDouble() * 0.5);
            }
            int row = label * size / classes;
            for (int x = 0; x < size; x++) {
                image[row * size + x] += 1.5f;
            }
            images[i] = image;
            labels[i] = label;
        }
    }

    @Override
    public int batchesPerEpoch() {
        return samples / batchSize;
    }

    @Override
    public int samplesPerEpoch() {
        return batchesPerEpoch() * batchSize;
    }

    @Override
    public Iterator<Batch> open(int epoch, int startBatch) {
        int[] order = new int[samples];
        for (int i = 0; i < samples; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed * 31 + epoch);
        for (int i = samples - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        List<Batch> batches = new ArrayList<>();
        for (int b = startBatch; b < batchesPerEpoch(); b++) {
            float[] data = new float[batchSize * size * size];
            int[] y = new int[batchSize];
            for (int i = 0; i < batchSize; i++) {
                int sample = order[b * batchSize + i];
                System.arraycopy(images[sample], 0, data, i * size * size, size * size);
                y[i] = labels[sample];
            }
            batches.add(new Batch(data, y, batchSize, 1, size, size, epoch, b));
        }
        return batches.iterator();
    }
}
