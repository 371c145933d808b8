package org.vil4j.training.data;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A synthetic dataset whose label is the sample index (so batches show which samples they hold) and whose pixels
 * are distinct functions of index, channel and position; it can be told to fail on one index.
 */
final class NumberedDataset implements Dataset {
    private final int size;
    private final int channels;
    private final int height;
    private final int width;
    private final int failingIndex;

    NumberedDataset(int size, int channels, int height, int width) {
        this(size, channels, height, width, -1);
    }

    NumberedDataset(int size, int channels, int height, int width, int failingIndex) {
        this.size = size;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.failingIndex = failingIndex;
    }

    @Override
    public String name() {
        return "numbered";
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public List<String> classNames() {
        return IntStream.range(0, size).mapToObj(Integer::toString).collect(Collectors.toList());
    }

    @Override
    public int label(int index) {
        return index;
    }

    @Override
    public void image(int index, float[] target, int offset) {
        if (index == failingIndex) {
            throw new DatasetException("sample " + index + " is unreadable");
        }
        int length = channels * height * width;
        for (int i = 0; i < length; i++) {
            target[offset + i] = ((index * 131 + i * 7) % 251 + 1) / 255f;
        }
    }
}
