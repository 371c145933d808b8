package org.vil4j.training.data;

import java.util.List;

/**
 * A labelled image dataset held or indexed on the host. Images come out as float CHW planes in [0, 1] (before
 * normalisation); implementations must be safe for concurrent reads of different indices (the loader reads on
 * background threads).
 */
public interface Dataset {
    /** Short name for logs ("fashion-mnist/train"). */
    String name();

    int size();

    int channels();

    int height();

    int width();

    /** Class names, index = label. */
    List<String> classNames();

    default int classes() {
        return classNames().size();
    }

    int label(int index);

    /** Writes image {@code index} as {@code channels * height * width} floats in [0, 1] at {@code offset}. */
    void image(int index, float[] target, int offset);
}
