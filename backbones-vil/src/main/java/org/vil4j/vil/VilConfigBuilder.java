package org.vil4j.vil;

/**
 * Builds a {@link VilConfig} by name instead of its 17 positional arguments; starts from the reference
 * {@code VisionLSTM2} defaults (ViL-T: dim 192, 12 block pairs, patch 16, 3x224x224, 1000 classes, bilateral_flatten,
 * biases on, the alternating schedule). {@link #build()} checks the whole configuration.
 */
public final class VilConfigBuilder {
    private VilVersion version = VilVersion.V2;
    private int dim = 192;
    private int depth = 12;
    private int patchSize = 16;
    private Integer stride;
    private int channels = 3;
    private int height = 224;
    private int width = 224;
    private int numClasses = 1000;
    private String pooling = "bilateral_flatten";
    private boolean legacyNorm;
    private String convKind = "2d";
    private Integer convKernelSize;
    private boolean projBias = true;
    private boolean normBias = true;
    private String schedule = "alternate";
    private String mixer = MlstmMixer.NAME;

    VilConfigBuilder() {
    }

    /** v1 also takes v1's structure: causal 1-D conv of 4 taps, no biases, bilateral_avg. */
    public VilConfigBuilder version(VilVersion version) {
        this.version = version;
        if (version == VilVersion.V1) {
            convKind = "causal1d";
            projBias = false;
            normBias = false;
            pooling = "bilateral_avg";
        }
        return this;
    }

    public VilConfigBuilder dim(int dim) {
        this.dim = dim;
        return this;
    }

    /** Block pairs (v2) or blocks (v1). */
    public VilConfigBuilder depth(int depth) {
        this.depth = depth;
        return this;
    }

    /** Square patches; the stride follows unless {@link #stride} is set. */
    public VilConfigBuilder patchSize(int patchSize) {
        this.patchSize = patchSize;
        return this;
    }

    public VilConfigBuilder stride(int stride) {
        this.stride = stride;
        return this;
    }

    /** Input channels, height and width (the position embedding's size). */
    public VilConfigBuilder input(int channels, int height, int width) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        return this;
    }

    /** A classifier with this many outputs; 0: feature mode. */
    public VilConfigBuilder classes(int numClasses) {
        this.numClasses = numClasses;
        return this;
    }

    /** The head plugin ("bilateral_flatten", "bilateral_avg", "to_image", "none"). */
    public VilConfigBuilder pooling(String pooling) {
        this.pooling = pooling;
        return this;
    }

    public VilConfigBuilder legacyNorm(boolean legacyNorm) {
        this.legacyNorm = legacyNorm;
        return this;
    }

    /** "2d" (3x3 depthwise) or "causal1d" (4 taps), unless {@link #convKernelSize} says otherwise. */
    public VilConfigBuilder convKind(String convKind) {
        this.convKind = convKind;
        return this;
    }

    public VilConfigBuilder convKernelSize(int convKernelSize) {
        this.convKernelSize = convKernelSize;
        return this;
    }

    public VilConfigBuilder biases(boolean projBias, boolean normBias) {
        this.projBias = projBias;
        this.normBias = normBias;
        return this;
    }

    /** A traversal schedule spec: "alternate", "four_way" or a comma list of traversal names. */
    public VilConfigBuilder schedule(String spec) {
        this.schedule = spec;
        return this;
    }

    /** The sequence mixer plugin. */
    public VilConfigBuilder mixer(String mixer) {
        this.mixer = mixer;
        return this;
    }

    public VilConfig build() {
        int subBlocks = VilConfig.subBlocks(version, Math.max(1, depth));
        int kernel = convKernelSize != null ? convKernelSize : convKind.equals("2d") ? 3 : 4;
        return new VilConfig(version, dim, depth, patchSize, stride != null ? stride : patchSize, channels, height,
                width, numClasses, pooling, legacyNorm, convKind, kernel, projBias, normBias,
                VilConfig.alternating(subBlocks), mixer).withSchedule(schedule);
    }
}
