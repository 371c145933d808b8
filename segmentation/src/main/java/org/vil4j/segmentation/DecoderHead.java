package org.vil4j.segmentation;

import org.vil4j.api.Head;
import org.vil4j.api.Ops;
import org.vil4j.api.ParameterSet;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A segmentation decoder as a {@link Head} plugin (issue 12's heads own their weights): the final tokens, as an h x w
 * grid, to per-cell class logits {@code [B, cells, classes]} (UperNet's finest level may be finer than the token
 * grid). A head sees only the last tokens, so UperNet's four levels all come from them; a {@link SegmentationModel}
 * feeds a decoder features from several depths instead. The thin adapter: declaring, initialising and applying are
 * the decoder's own.
 */
public abstract class DecoderHead implements Head {
    /** Decoders by (head, width), shared by every instance: initialValues may come to another instance. */
    private static final Map<String, Decoder> DECODERS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The decoder for a backbone of width dim. */
    protected abstract Decoder decoder(int dim);

    /** The classes the logits are over. */
    protected abstract int classes();

    private Decoder of(int dim) {
        return DECODERS.computeIfAbsent(name() + "/" + dim, k -> decoder(dim));
    }

    @Override
    public boolean pools() {
        return false;
    }

    @Override
    public int outputDim(int dim) {
        return classes();
    }

    @Override
    public Map<String, Shape> parameters(int dim) {
        return new LinkedHashMap<>(of(dim).parameterShapes());
    }

    @Override
    public float[] initialValues(String name, Shape shape, SplittableRandom random) {
        return of(guessDim(name, shape)).initialValue(name, random);
    }

    /** The decoder width a declared shape belongs to: the norms of the first feature are {@code [dim]}. */
    private int guessDim(String name, Shape shape) {
        for (var e : DECODERS.entrySet()) {
            if (e.getKey().startsWith(name() + "/") && shape.equals(e.getValue().parameterShapes().get(name))) {
                return Integer.parseInt(e.getKey().substring(name().length() + 1));
            }
        }
        throw new IllegalStateException("initialValues(" + name + ") before parameters(dim) declared it");
    }

    @Override
    public Tensor apply(Ops ops, Tensor tokens, int h, int w) {
        throw new IllegalStateException(name() + " owns weights: apply it with its parameters");
    }

    @Override
    public Tensor apply(Ops ops, ParameterSet params, Tensor tokens, int h, int w) {
        Shape s = tokens.shape();
        if (s.rank() != 3 || s.dim(1) != h * w) {
            throw new org.vil4j.api.ShapeMismatchException(name() + ": tokens " + s + " are not an " + h + "x" + w
                    + " grid (a segmentation head takes patch tokens only)");
        }
        Decoder d = of(s.last());
        Map<String, Tensor> p = new LinkedHashMap<>();
        d.parameterShapes().keySet().forEach(n -> p.put(n, params.get(n)));
        List<FeatureMap> features = new ArrayList<>();
        for (int i = 0; i < d.featureCount(); i++) {
            features.add(new FeatureMap(tokens, h, w));
        }
        return d.forward(ops, p, features).logits().tokens();
    }

    /** {@code seg_linear}: the linear decoder over 150 classes (ADE20K's). */
    public static final class Linear extends DecoderHead {
        @Override
        public String name() {
            return "seg_linear";
        }

        @Override
        public String description() {
            return "segmentation: norm + per-token linear classifier, [B, h*w, 150] logits (ADE20K's classes)";
        }

        @Override
        protected int classes() {
            return 150;
        }

        @Override
        protected Decoder decoder(int dim) {
            return new LinearDecoder(dim, classes());
        }
    }

    /**
     * {@code seg_upernet}: UperNet (16 wide, pyramid 2, 1, 1/2, 1/4) over 150 classes, without the auxiliary head
     * (a training device; train through {@link SegmentationTrainer} to have it).
     */
    public static final class UperNet extends DecoderHead {
        @Override
        public String name() {
            return "seg_upernet";
        }

        @Override
        public String description() {
            return "segmentation: UperNet (PPM + FPN + fuse, 16 wide) on the final tokens, [B, 4*h*w, 150] logits";
        }

        @Override
        protected int classes() {
            return 150;
        }

        @Override
        protected Decoder decoder(int dim) {
            return new UperNetDecoder(dim, 16, classes(), new double[]{2, 1, 0.5, 0.25}, false);
        }
    }
}
