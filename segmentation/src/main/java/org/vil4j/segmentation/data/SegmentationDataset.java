package org.vil4j.segmentation.data;

import java.util.List;

/**
 * Images with a class per pixel. Images come out as float CHW planes in [0, 1] (before normalisation), labels as
 * model classes {@code 0..classes-1} or {@link #IGNORE}. Implementations must allow concurrent reads.
 */
public interface SegmentationDataset {
    /** The label of a pixel that adds nothing to loss or metrics (mmseg's 255). */
    int IGNORE = 255;

    String name();

    int size();

    int channels();

    int height();

    int width();

    /** Class names, index = class. */
    List<String> classNames();

    default int classes() {
        return classNames().size();
    }

    /**
     * The samples epoch {@code epoch} trains on: these, unless the dataset draws new ones each epoch (generated
     * sets); the size stays the same.
     */
    default SegmentationDataset forEpoch(int epoch) {
        return this;
    }

    /** Writes sample {@code index}: the image ({@code channels*height*width} floats) and its labels ({@code height*width}). */
    void sample(int index, float[] image, int imageOffset, int[] labels, int labelOffset);
}
