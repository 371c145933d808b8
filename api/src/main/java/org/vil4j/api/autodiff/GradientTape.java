package org.vil4j.api.autodiff;

import org.vil4j.api.AdamWStep;
import org.vil4j.api.AffineGradients;
import org.vil4j.api.AttentionGradients;
import org.vil4j.api.IndexTable;
import org.vil4j.api.IndexTables;
import org.vil4j.api.LayerNormGradients;
import org.vil4j.api.LinearGradients;
import org.vil4j.api.MlstmGradients;
import org.vil4j.api.Ops;
import org.vil4j.api.SgdStep;
import org.vil4j.api.Shape;
import org.vil4j.api.SkipGateGradients;
import org.vil4j.api.Tensor;
import org.vil4j.api.TransferStats;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode differentiation over any backend: an {@link Ops} that forwards every operation to the backend and,
 * between {@link #begin()} and {@link #end()}, records how to take it back. A model built on a tape needs no change
 * to be trained: its forward is the same code, and {@link #backward} walks the records in reverse, expressing every
 * gradient in the backend's own operations, so on a device everything stays there.
 *
 * <p>Parameters made through the tape are trainable; uploads are too when {@link #trackInputs(boolean)} is on.
 * While recording, {@code keep} and {@code release} free nothing (the backward needs the activations); {@link
 * #end()} frees the whole step at once.
 *
 * <p>Memory of the backward: on a backend that frees tensors one by one ({@link Ops#free}), {@link #backward} frees
 * what is dead as soon as it is, so the backward holds the saved activations and the live gradients. Gradients are
 * counted per allocation (several gradients may share one: a reshape, the column views concat's backward hands on,
 * one dy sent to both operands of an add). After each node's backward it frees (a) the node's output gradient, once
 * no gradient still shares its allocation, (b) every temporary the node's backward made that does not back a
 * gradient ({@link Ops#releaseExcept} from a mark taken before the node), (c) the gradients an accumulation summed,
 * under the same rule as (a). It never frees what was made before the backward began (activations, the seed,
 * anything the caller made) nor the gradients it returns.
 */
public final class GradientTape implements Ops {
    /** How one recorded operation sends its output gradient to its inputs. */
    @FunctionalInterface
    interface Backward {
        void run(Tensor dy);
    }

    private record Node(Tensor output, Backward backward) {
    }

    private record InverseKey(IndexTable table, int tokens) {
    }

    private final Ops base;
    // fused ops recorded as one node that forms cheap intermediates again in the backward: where the backend prefers
    // it, or as -Dvil4j.tape.lean=true|false says (for A/B measurements)
    private final LeanNodes lean;
    private boolean leanNodes;
    private final Set<Tensor> trainable = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Tensor> tracked = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<IndexTable, int[]> hostTables = new IdentityHashMap<>();
    private final Map<InverseKey, IndexTable> inverses = new java.util.HashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private Map<Tensor, Tensor> grads = new IdentityHashMap<>();
    /**
     * Gradients made by a column view's backward ({@link #columns}) and held by no one but {@link #grads}: a later
     * view of the same tensor adds its columns into one in place.
     */
    private Set<Tensor> placed = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean trackInputs;
    // -Dvil4j.tape.freeEarly=false: the backward keeps every temporary to the step's end (for A/B measurements)
    private boolean freeEarly = !"false".equals(System.getProperty("vil4j.tape.freeEarly"));
    private final BackwardFrees frees;
    private boolean recording;
    private long stepMark;

    public GradientTape(Ops base) {
        this.base = base;
        this.frees = new BackwardFrees(base);
        this.lean = new LeanNodes(this);
        String setting = System.getProperty("vil4j.tape.lean");
        this.leanNodes = setting == null ? base.prefersLeanRecords() : Boolean.parseBoolean(setting);
    }

    /** The backend the tape runs on. */
    public Ops base() {
        return base;
    }

    /**
     * Whether {@link #backward} frees dead gradients and temporaries as it goes (the default) or keeps everything
     * until {@link #end()}; the values are the same either way.
     */
    public void freeEarly(boolean on) {
        this.freeEarly = on;
    }

    /**
     * Whether the fused ops with a lean record ({@link Ops#depthwiseConvSilu}, {@link Ops#mlstmOfProjections},
     * {@link Ops#normSkipGate}, {@link Ops#linearAdd}, {@link Ops#layerNormGather}) are recorded as one node that
     * keeps only their inputs and forms their cheap intermediates again in the backward (the default where the
     * backend {@link Ops#prefersLeanRecords prefers it}: OpenCL), or as their compositions, which keep every
     * intermediate from the forward to the backward (the java backend's default: there the recomputations cost more
     * time than the memory is worth). The gradients agree to rounding either way.
     */
    public void leanNodes(boolean on) {
        this.leanNodes = on;
    }

    /**
     * Allocations the last backward found dead but could not free, because only column views of them were at hand
     * (they are freed by {@link #end()}); 0 when every dead allocation was freed.
     */
    public long unfreedAllocations() {
        return frees.unfreed();
    }

    /** Whether uploads made while recording get gradients (d loss / d input). */
    public void trackInputs(boolean on) {
        this.trackInputs = on;
    }

    /** Starts recording a step: everything made from now on is freed by {@link #end()}. */
    public void begin() {
        if (recording) {
            throw new IllegalStateException("the tape is already recording; call end() first");
        }
        stepMark = base.mark();
        recording = true;
    }

    public boolean isRecording() {
        return recording;
    }

    /** Stops recording and frees every tensor of the step, gradients included. */
    public void end() {
        stopRecording();
        base.release(stepMark);
    }

    /**
     * Stops recording and frees every tensor of the step except the values of {@code keep} ({@link Ops#keep} from
     * the step's start: on a backend that frees one by one, {@code keep} itself when it is a whole allocation made
     * in the step): how a recomputed segment hands on its input's gradient.
     */
    public Tensor end(Tensor keep) {
        stopRecording();
        return base.keep(stepMark, keep);
    }

    private void stopRecording() {
        if (!recording) {
            throw new IllegalStateException("the tape is not recording");
        }
        recording = false;
        nodes.clear();
        tracked.clear();
        grads = new IdentityHashMap<>();
        placed = Collections.newSetFromMap(new IdentityHashMap<>());
    }

    /**
     * Makes {@code t}, made before this step began, a leaf whose gradient {@link #backward} returns: the input of a
     * recomputed segment.
     */
    public void watch(Tensor t) {
        if (!recording) {
            throw new IllegalStateException("watch needs a recording step: call begin() first");
        }
        tracked.add(t);
    }

    /**
     * Back-propagates {@code seed} = d loss / d output through everything recorded since {@link #begin()}.
     *
     * @return d loss / d leaf for every trainable tensor (parameter or tracked input) the output depends on; the
     * tensors live until {@link #end()}
     */
    public Map<Tensor, Tensor> backward(Tensor output, Tensor seed) {
        if (!recording) {
            throw new IllegalStateException("backward needs a recorded step: call begin() before the forward");
        }
        if (!output.shape().equals(seed.shape())) {
            throw new IllegalArgumentException("seed " + seed.shape() + " does not match output " + output.shape());
        }
        grads.put(output, seed);
        frees.begin(freeEarly ? base.mark() : Long.MAX_VALUE);
        try {
            for (int i = nodes.size() - 1; i >= 0; i--) {
                Node node = nodes.get(i);
                Tensor dy = grads.remove(node.output());
                if (dy == null) {
                    continue;
                }
                if (!freeEarly) {
                    node.backward().run(dy);
                    continue;
                }
                long mark = base.mark();
                node.backward().run(dy);
                frees.afterNode(mark, dy, grads);
            }
        } finally {
            frees.end();
        }
        Map<Tensor, Tensor> leaves = new IdentityHashMap<>();
        grads.forEach((tensor, grad) -> {
            if (trainable.contains(tensor) || tracked.contains(tensor)) {
                leaves.put(tensor, grad);
            }
        });
        nodes.clear();
        return leaves;
    }

    // ---- recording helpers -----------------------------------------------------------------------------------

    boolean needsGrad(Tensor t) {
        return t != null && (trainable.contains(t) || tracked.contains(t));
    }

    /** Records {@code out} if any input needs a gradient. */
    Tensor record(Tensor out, Backward backward, Tensor... inputs) {
        if (!recording) {
            return out;
        }
        for (Tensor in : inputs) {
            if (needsGrad(in)) {
                tracked.add(out);
                nodes.add(new Node(out, backward));
                return out;
            }
        }
        return out;
    }

    void accumulate(Tensor target, Tensor grad) {
        accumulateWith(target, old -> old == null ? grad : base.add(old, grad));
    }

    /**
     * Sets target's gradient to what {@code sumWith} makes of its gradient so far (null where there is none): an op
     * that adds it in its own pass, where {@link #accumulate} would add with an op of its own.
     */
    void accumulateWith(Tensor target, java.util.function.UnaryOperator<Tensor> sumWith) {
        if (needsGrad(target)) {
            setGradient(target, sumWith.apply(grads.get(target)));
        }
    }

    /** Target's gradient becomes {@code sum}, which holds its gradient so far ({@code grads.get(target)}). */
    private void setGradient(Tensor target, Tensor sum) {
        Tensor old = grads.put(target, sum);
        frees.gradientSet(target, sum, old);
    }

    /** The gradient of a broadcast operand b of shape {@code bShape} from dy of a's shape. */
    private Tensor reduceTo(Tensor dy, Shape bShape) {
        if (dy.shape().equals(bShape)) {
            return dy;
        }
        int inner = bShape.size();
        Tensor rows = base.reshape(dy, Shape.of(dy.shape().size() / inner, inner));
        return base.reshape(base.columnSums(rows), bShape);
    }

    IndexTable inverse(IndexTable table, int tokens) {
        return inverses.computeIfAbsent(new InverseKey(table, tokens), key -> {
            int[] host = hostTables.get(table);
            if (host == null) {
                throw new IllegalStateException("an index table made outside this tape cannot be differentiated "
                        + "through; build the model on the tape");
            }
            IndexTables.Table inv = IndexTables.inverse(host, table.rows(), table.cols(), tokens);
            return base.indexTable(inv.rows(), inv.cols(), inv.data());
        });
    }

    // ---- memory ----------------------------------------------------------------------------------------------

    @Override
    public String backendName() {
        return base.backendName();
    }

    @Override
    public String deviceName() {
        return base.deviceName();
    }

    @Override
    public TransferStats transfers() {
        return base.transfers();
    }

    @Override
    public long kernelLaunches() {
        return base.kernelLaunches();
    }

    @Override
    public void setProfiling(boolean on) {
        base.setProfiling(on);
    }

    @Override
    public java.util.List<org.vil4j.api.OpProfile> profile() {
        return base.profile();
    }

    @Override
    public long peakDeviceBytes() {
        return base.peakDeviceBytes();
    }

    @Override
    public boolean prefersLeanRecords() {
        return base.prefersLeanRecords();
    }

    @Override
    public long liveDeviceBytes() {
        return base.liveDeviceBytes();
    }

    @Override
    public Tensor upload(Shape shape, float[] data) {
        Tensor t = base.upload(shape, data);
        if (recording && trackInputs) {
            tracked.add(t);
        }
        return t;
    }

    @Override
    public Tensor parameter(Shape shape, float[] data) {
        Tensor t = base.parameter(shape, data);
        trainable.add(t);
        return t;
    }

    /** Makes a persistent tensor that is not trained (optimiser state, frozen weights). */
    public Tensor constant(Shape shape, float[] data) {
        return base.parameter(shape, data);
    }

    /** Whether {@code t} is a parameter made through this tape. */
    public boolean isTrainable(Tensor t) {
        return trainable.contains(t);
    }

    @Override
    public void assign(Tensor parameter, float[] data) {
        base.assign(parameter, data);
    }

    @Override
    public IndexTable indexTable(int rows, int cols, int[] data) {
        IndexTable table = base.indexTable(rows, cols, data);
        hostTables.put(table, data.clone());
        return table;
    }

    @Override
    public float[] download(Tensor tensor) {
        return base.download(tensor);
    }

    @Override
    public long mark() {
        return base.mark();
    }

    @Override
    public void release(long mark) {
        if (!recording) {
            base.release(mark);
        }
    }

    @Override
    public Tensor keep(long mark, Tensor keep) {
        return recording ? keep : base.keep(mark, keep);
    }

    @Override
    public Tensor reshape(Tensor x, Shape shape) {
        Tensor out = base.reshape(x, shape);
        return record(out, dy -> accumulate(x, base.reshape(dy, x.shape())), x);
    }

    // ---- dense algebra ---------------------------------------------------------------------------------------

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor bias) {
        Tensor out = base.linear(x, w, bias);
        return record(out, dy -> {
            if (needsGrad(x)) {
                accumulate(x, linearInputGradient(dy, w, x.shape()));
            }
            sendLinearParameterGradients(x, w, bias, dy);
        }, x, w, bias);
    }

    /** dy w: a linear's input gradient, in the input's shape. */
    Tensor linearInputGradient(Tensor dy, Tensor w, Shape inputShape) {
        Tensor rows = base.reshape(dy, Shape.of(dy.shape().rows(), dy.shape().last()));
        return base.reshape(base.matmul(rows, w), inputShape);
    }

    /** A linear's weight and bias gradients (those that are needed) from its input x and dy. */
    void sendLinearParameterGradients(Tensor x, Tensor w, Tensor bias, Tensor dy) {
        if (needsGrad(w) && needsGrad(bias)) {
            LinearGradients g = base.linearParameterGradients(x, dy);
            accumulate(w, g.weight());
            accumulate(bias, base.reshape(g.bias(), bias.shape()));
        } else if (needsGrad(w)) {
            accumulate(w, base.linearWeightGradient(x, dy));
        } else if (needsGrad(bias)) {
            accumulate(bias, base.reshape(base.columnSums(dy), bias.shape()));
        }
    }

    @Override
    public Tensor matmul(Tensor a, Tensor c) {
        Tensor out = base.matmul(a, c);
        return record(out, dy -> {
            if (needsGrad(a)) {
                accumulate(a, base.matmul(dy, base.transpose(c)));
            }
            if (needsGrad(c)) {
                if (c.shape().rank() == 2) {
                    // c is shared by every batch of a: its gradient sums a^T dy over the batches
                    Tensor aRows = base.reshape(a, Shape.of(a.shape().rows(), a.shape().last()));
                    Tensor dyRows = base.reshape(dy, Shape.of(dy.shape().rows(), dy.shape().last()));
                    accumulate(c, base.linearWeightGradient(dyRows, aRows));
                } else {
                    accumulate(c, base.matmul(base.transpose(a), dy));
                }
            }
        }, a, c);
    }

    @Override
    public Tensor headwiseLinear(Tensor x, Tensor w, Tensor bias) {
        Tensor out = base.headwiseLinear(x, w, bias);
        return record(out, dy -> sendHeadwiseLinearGradients(x, w, bias, dy), x, w, bias);
    }

    /** A head-wise linear's gradients (those that are needed) from its input x and dy. */
    void sendHeadwiseLinearGradients(Tensor x, Tensor w, Tensor bias, Tensor dy) {
        if (needsGrad(x)) {
            accumulate(x, base.headwiseLinearTransposed(dy, w));
        }
        sendHeadwiseParameterGradients(x, w, bias, dy);
    }

    /**
     * Two block-diagonal projections of one input x: its gradient from both in one op ({@link
     * Ops#headwiseLinearTransposedSum}), then each projection's parameter gradients.
     */
    void sendHeadwiseLinearGradients(Tensor x, Tensor w0, Tensor bias0, Tensor dy0, Tensor w1, Tensor bias1,
                                     Tensor dy1) {
        accumulateWith(x, old -> base.headwiseLinearTransposedSum(dy0, w0, dy1, w1, old));
        sendHeadwiseParameterGradients(x, w0, bias0, dy0);
        sendHeadwiseParameterGradients(x, w1, bias1, dy1);
    }

    private void sendHeadwiseParameterGradients(Tensor x, Tensor w, Tensor bias, Tensor dy) {
        if (needsGrad(w) && needsGrad(bias)) {
            LinearGradients g = base.headwiseParameterGradients(x, dy, w.shape().dim(0));
            accumulate(w, g.weight());
            accumulate(bias, base.reshape(g.bias(), bias.shape()));
        } else if (needsGrad(w)) {
            accumulate(w, base.headwiseWeightGradient(x, dy, w.shape().dim(0)));
        } else if (needsGrad(bias)) {
            accumulate(bias, base.reshape(base.columnSums(dy), bias.shape()));
        }
    }

    /**
     * As the base resamples (one launch where it has the op), with the same map transposed as the backward
     * ({@link Ops#resample2dTransposed}, one launch too). Trained factors take the composition instead (its products'
     * gradients).
     */
    @Override
    public Tensor resample2d(Tensor x, int height, int width, Tensor ry, Tensor rx) {
        if (needsGrad(ry) || needsGrad(rx)) {
            return Ops.super.resample2d(x, height, width, ry, rx);
        }
        Tensor out = base.resample2d(x, height, width, ry, rx);
        return record(out, dy -> accumulate(x, base.resample2dTransposed(dy, ry, rx)), x);
    }

    @Override
    public Tensor transpose(Tensor x) {
        Tensor out = base.transpose(x);
        return record(out, dy -> accumulate(x, base.transpose(dy)), x);
    }

    // ---- normalisation and element-wise -----------------------------------------------------------------------

    @Override
    public Tensor layerNorm(Tensor x, int groupSize, Tensor weight, boolean residualWeight, Tensor bias, float eps) {
        Tensor out = base.layerNorm(x, groupSize, weight, residualWeight, bias, eps);
        return record(out, dy -> sendLayerNormGradients(x, groupSize, weight, residualWeight, bias, eps, dy),
                x, weight, bias);
    }

    /** A layer norm's gradients (those that are needed) from its input x and dy. */
    void sendLayerNormGradients(Tensor x, int groupSize, Tensor weight, boolean residualWeight, Tensor bias, float eps,
                           Tensor dy) {
        if (needsGrad(x) && needsGrad(weight) && needsGrad(bias)) {
            // one pass gives dx and the normalised x the weight's gradient needs
            // x's gradient so far (the residual stream's, in a backbone) added in the same pass
            LayerNormGradients g = base.layerNormGradients(x, dy, groupSize, weight, residualWeight, eps,
                    grads.get(x));
            setGradient(x, g.dx());
            accumulate(weight, base.reshape(g.weight(), weight.shape()));
            accumulate(bias, base.reshape(g.bias(), bias.shape()));
            return;
        }
        if (needsGrad(x)) {
            accumulate(x, base.layerNormBackward(x, dy, groupSize, weight, residualWeight, eps));
        }
        if (needsGrad(weight) && needsGrad(bias)) {
            // both sums in one pass where the backend can
            Tensor normalised = base.layerNorm(x, groupSize, null, false, null, eps);
            AffineGradients g = base.affineGradients(dy, normalised);
            accumulate(weight, base.reshape(g.weight(), weight.shape()));
            accumulate(bias, base.reshape(g.bias(), bias.shape()));
        } else if (needsGrad(weight)) {
            Tensor normalised = base.layerNorm(x, groupSize, null, false, null, eps);
            accumulate(weight, base.reshape(base.columnSums(base.mul(dy, normalised)), weight.shape()));
        } else if (needsGrad(bias)) {
            accumulate(bias, base.reshape(base.columnSums(dy), bias.shape()));
        }
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        Tensor out = base.add(a, b);
        return record(out, dy -> {
            accumulate(a, dy);
            if (needsGrad(b)) {
                accumulate(b, reduceTo(dy, b.shape()));
            }
        }, a, b);
    }

    @Override
    public Tensor mul(Tensor a, Tensor b) {
        Tensor out = base.mul(a, b);
        return record(out, dy -> {
            if (needsGrad(a)) {
                accumulate(a, base.mul(dy, b));
            }
            if (needsGrad(b)) {
                accumulate(b, base.mul(dy, a));
            }
        }, a, b);
    }

    @Override
    public Tensor scale(Tensor x, float s) {
        Tensor out = base.scale(x, s);
        return record(out, dy -> accumulate(x, base.scale(dy, s)), x);
    }

    @Override
    public Tensor silu(Tensor x) {
        Tensor out = base.silu(x);
        return record(out, dy -> accumulate(x, base.siluBackward(x, dy)), x);
    }

    @Override
    public Tensor skipGate(Tensor h, Tensor skip, Tensor a, Tensor z) {
        Tensor out = base.skipGate(h, skip, a, z);
        return record(out, dy -> accumulate(h, sendSkipGateGradients(h, skip, a, z, dy)), h, skip, a, z);
    }

    /** The skip gate's gradients of skip, a and z, accumulated; returns h's. */
    Tensor sendSkipGateGradients(Tensor h, Tensor skip, Tensor a, Tensor z, Tensor dy) {
        SkipGateGradients g = base.skipGateBackward(h, skip, a, z, dy);
        accumulate(a, g.da());
        accumulate(z, g.dz());
        if (needsGrad(skip)) {
            // skip scales a column-wise (h + skip * a): an affine map's weight gradient, one pass where the
            // backend fuses it (its bias half is not needed)
            accumulate(skip, base.reshape(base.affineGradients(g.dh(), a).weight(), skip.shape()));
        }
        return g.dh();
    }

    // ---- token movement --------------------------------------------------------------------------------------

    @Override
    public Tensor gatherTokens(Tensor x, IndexTable index) {
        Tensor out = base.gatherTokens(x, index);
        return record(out, dy -> {
            int tokens = x.shape().dim(-2);
            accumulate(x, base.gatherSum(dy, inverse(index, tokens), tokens));
        }, x);
    }

    @Override
    public Tensor addGatheredTokens(Tensor residual, Tensor y, IndexTable index) {
        Tensor out = base.addGatheredTokens(residual, y, index);
        return record(out, dy -> {
            accumulate(residual, dy);
            if (needsGrad(y)) {
                int tokens = y.shape().dim(-2);
                accumulate(y, base.gatherSum(dy, inverse(index, tokens), tokens));
            }
        }, residual, y);
    }

    @Override
    public Tensor columns(Tensor x, int start, int count) {
        Tensor out = base.columns(x, start, count);
        return record(out, dy -> {
            if (!needsGrad(x)) {
                return;
            }
            Tensor old = grads.get(x);
            if (old != null && placed.contains(old)) {
                // x's gradient so far is another view's placed columns, held by nothing else: add these into it
                base.addIntoColumns(old, dy, start);
                return;
            }
            Tensor placedColumns = base.placeColumns(dy, start, x.shape().last());
            accumulate(x, placedColumns);
            if (old == null) {
                placed.add(placedColumns);
            }
        }, x);
    }

    @Override
    public Tensor concatColumns(Tensor a, Tensor b) {
        Tensor out = base.concatColumns(a, b);
        return record(out, dy -> {
            int colsA = a.shape().last();
            if (needsGrad(a)) {
                accumulate(a, base.columns(dy, 0, colsA));
            }
            if (needsGrad(b)) {
                accumulate(b, base.columns(dy, colsA, b.shape().last()));
            }
        }, a, b);
    }

    // ---- convolutions ----------------------------------------------------------------------------------------

    @Override
    public Tensor depthwiseConv(Tensor x, IndexTable neighbours, Tensor w, Tensor bias) {
        Tensor out = base.depthwiseConv(x, neighbours, w, bias);
        return record(out, dy -> sendDepthwiseConvGradients(x, neighbours, w, bias, dy), x, w, bias);
    }

    /** A depthwise convolution's gradients (those that are needed) from its input x and dy. */
    void sendDepthwiseConvGradients(Tensor x, IndexTable neighbours, Tensor w, Tensor bias, Tensor dy) {
        if (needsGrad(x)) {
            IndexTable inverse = inverse(neighbours, x.shape().dim(-2));
            accumulateWith(x, old -> base.depthwiseConvBackwardInput(dy, inverse, w, old));
        }
        if (needsGrad(w)) {
            accumulate(w, base.depthwiseConvWeightGradient(x, dy, neighbours));
        }
        if (needsGrad(bias)) {
            accumulate(bias, base.reshape(base.columnSums(dy), bias.shape()));
        }
    }

    @Override
    public Tensor patchify(Tensor x, int ph, int pw, int sh, int sw) {
        Tensor out = base.patchify(x, ph, pw, sh, sw);
        Shape s = x.shape();
        return record(out, dy -> accumulate(x, base.unpatchify(dy, s.dim(1), s.dim(2), s.dim(3), ph, pw, sh, sw)),
                x);
    }

    // ---- sequence mixing -------------------------------------------------------------------------------------

    @Override
    public Tensor mlstm(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, int numHeads, float eps) {
        return recordMlstm(base.mlstm(q, k, v, igate, fgate, numHeads, eps), q, k, v, igate, fgate, numHeads, eps,
                org.vil4j.api.MlstmForm.PARALLEL, 0);
    }

    // ---- fused forms: the backend's one-pass op while not recording, else the composition (recorded op by op) ----

    @Override
    public boolean recordsGradients() {
        return recording;
    }

    @Override
    public Tensor headwiseLinearConcat(List<Tensor> xs, List<Tensor> ws, List<Tensor> bs) {
        return recording ? Ops.super.headwiseLinearConcat(xs, ws, bs) : base.headwiseLinearConcat(xs, ws, bs);
    }

    @Override
    public Tensor linearConcat(Tensor x, List<Tensor> ws, List<Tensor> bs) {
        return recording ? Ops.super.linearConcat(x, ws, bs) : base.linearConcat(x, ws, bs);
    }

    @Override
    public Tensor depthwiseConvSilu(Tensor x, IndexTable neighbours, Tensor w, Tensor bias) {
        if (!recording) {
            return base.depthwiseConvSilu(x, neighbours, w, bias);
        }
        return leanNodes ? lean.depthwiseConvSilu(x, neighbours, w, bias)
                : Ops.super.depthwiseConvSilu(x, neighbours, w, bias);
    }

    @Override
    public Tensor mlstmOfProjections(Tensor a, Tensor xm, List<Tensor> ws, List<Tensor> bs, List<Tensor> gateWs,
                                     List<Tensor> gateBs, int numHeads, float eps, org.vil4j.api.MlstmForm form,
                                     int chunkSize) {
        if (!recording) {
            return base.mlstmOfProjections(a, xm, ws, bs, gateWs, gateBs, numHeads, eps, form, chunkSize);
        }
        return leanNodes ? lean.mlstmOfProjections(a, xm, ws, bs, gateWs, gateBs, numHeads, eps, form, chunkSize)
                : Ops.super.mlstmOfProjections(a, xm, ws, bs, gateWs, gateBs, numHeads, eps, form, chunkSize);
    }

    @Override
    public Tensor linearAddRows(Tensor x, Tensor w, Tensor bias, Tensor rows) {
        return recording ? Ops.super.linearAddRows(x, w, bias, rows) : base.linearAddRows(x, w, bias, rows);
    }

    @Override
    public Tensor convHeadwiseGates(Tensor xm, IndexTable neighbours, Tensor convW, Tensor convBias, List<Tensor> ws,
                                   List<Tensor> bs, List<Tensor> gateWs, List<Tensor> gateBs) {
        return recording ? Ops.super.convHeadwiseGates(xm, neighbours, convW, convBias, ws, bs, gateWs, gateBs)
                : base.convHeadwiseGates(xm, neighbours, convW, convBias, ws, bs, gateWs, gateBs);
    }

    @Override
    public Tensor linearAdd(Tensor x, Tensor w, Tensor bias, Tensor residual, IndexTable order, IndexTable inverse,
                            boolean intoResidual) {
        if (!recording) {
            return base.linearAdd(x, w, bias, residual, order, inverse, intoResidual);
        }
        // never in place while recording: the backward needs the block's input
        return leanNodes ? lean.linearAdd(x, w, bias, residual, order, inverse)
                : Ops.super.linearAdd(x, w, bias, residual, order, inverse, false);
    }

    @Override
    public Tensor layerNormGather(Tensor x, IndexTable index, int groupSize, Tensor weight, boolean residualWeight,
                                  Tensor bias, float eps) {
        if (!recording) {
            return base.layerNormGather(x, index, groupSize, weight, residualWeight, bias, eps);
        }
        return leanNodes ? lean.layerNormGather(x, index, groupSize, weight, residualWeight, bias, eps)
                : Ops.super.layerNormGather(x, index, groupSize, weight, residualWeight, bias, eps);
    }

    @Override
    public Tensor mlstmNormSkipGate(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, int numHeads, float eps,
                                    Tensor weight, boolean residualWeight, Tensor bias, float normEps, Tensor skip,
                                    Tensor a, Tensor z) {
        // recorded as its two ops (each its own node); fused only where nothing is recorded
        return recording ? Ops.super.mlstmNormSkipGate(q, k, v, igate, fgate, numHeads, eps, weight, residualWeight,
                bias, normEps, skip, a, z)
                : base.mlstmNormSkipGate(q, k, v, igate, fgate, numHeads, eps, weight, residualWeight, bias, normEps,
                skip, a, z);
    }

    @Override
    public Tensor normSkipGate(Tensor h, int groupSize, Tensor weight, boolean residualWeight, Tensor bias,
                               float eps, Tensor skip, Tensor a, Tensor z) {
        if (!recording) {
            return base.normSkipGate(h, groupSize, weight, residualWeight, bias, eps, skip, a, z);
        }
        return leanNodes ? lean.normSkipGate(h, groupSize, weight, residualWeight, bias, eps, skip, a, z)
                : Ops.super.normSkipGate(h, groupSize, weight, residualWeight, bias, eps, skip, a, z);
    }

    @Override
    public boolean hasMlstmForm(org.vil4j.api.MlstmForm form) {
        return base.hasMlstmForm(form);
    }

    /**
     * The backward runs in the forward's form (linear memory for chunkwise and recurrent where the backend has that
     * backward; else {@link org.vil4j.api.Ops#mlstmBackward} falls back to the parallel one, same values).
     */
    @Override
    public Tensor mlstm(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, int numHeads, float eps,
                        org.vil4j.api.MlstmForm form, int chunkSize) {
        return recordMlstm(base.mlstm(q, k, v, igate, fgate, numHeads, eps, form, chunkSize), q, k, v, igate, fgate,
                numHeads, eps, form, chunkSize);
    }

    private Tensor recordMlstm(Tensor out, Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, int numHeads,
                               float eps, org.vil4j.api.MlstmForm form, int chunkSize) {
        return record(out, dy -> {
            MlstmGradients g = form == org.vil4j.api.MlstmForm.PARALLEL
                    ? base.mlstmBackward(q, k, v, igate, fgate, dy, numHeads, eps)
                    : base.mlstmBackward(q, k, v, igate, fgate, dy, numHeads, eps, form, chunkSize);
            accumulate(q, g.dq());
            accumulate(k, g.dk());
            accumulate(v, g.dv());
            accumulate(igate, g.digate());
            accumulate(fgate, g.dfgate());
        }, q, k, v, igate, fgate);
    }

    // ---- training-time ops -----------------------------------------------------------------------------------

    @Override
    public Tensor scaleSamples(Tensor x, Tensor scales) {
        Tensor out = base.scaleSamples(x, scales);
        return record(out, dy -> accumulate(x, base.scaleSamples(dy, scales)), x);
    }

    // ---- gradients and updates: passed through, never recorded -----------------------------------------------

    @Override
    public Tensor columnSums(Tensor x) {
        return base.columnSums(x);
    }

    @Override
    public Tensor headwiseLinearTransposed(Tensor x, Tensor w) {
        // used by backward passes only: never recorded, like the other gradient ops
        return base.headwiseLinearTransposed(x, w);
    }

    @Override
    public Tensor depthwiseConvBackwardInput(Tensor dy, IndexTable inverse, Tensor w, Tensor plus) {
        return base.depthwiseConvBackwardInput(dy, inverse, w, plus);
    }

    @Override
    public Tensor headwiseLinearTransposedSum(Tensor x0, Tensor w0, Tensor x1, Tensor w1, Tensor plus) {
        return base.headwiseLinearTransposedSum(x0, w0, x1, w1, plus);
    }

    @Override
    public AffineGradients affineGradients(Tensor dy, Tensor normalised) {
        return base.affineGradients(dy, normalised);
    }

    @Override
    public LayerNormGradients layerNormGradients(Tensor x, Tensor dy, int groupSize, Tensor weight,
                                                 boolean residualWeight, float eps) {
        return base.layerNormGradients(x, dy, groupSize, weight, residualWeight, eps);
    }

    @Override
    public LayerNormGradients layerNormGradients(Tensor x, Tensor dy, int groupSize, Tensor weight,
                                                 boolean residualWeight, float eps, Tensor plus) {
        return base.layerNormGradients(x, dy, groupSize, weight, residualWeight, eps, plus);
    }

    @Override
    public Tensor linearWeightGradient(Tensor x, Tensor dy) {
        return base.linearWeightGradient(x, dy);
    }

    @Override
    public LinearGradients linearParameterGradients(Tensor x, Tensor dy) {
        return base.linearParameterGradients(x, dy);
    }

    @Override
    public LinearGradients headwiseParameterGradients(Tensor x, Tensor dy, int numHeads) {
        return base.headwiseParameterGradients(x, dy, numHeads);
    }

    @Override
    public Tensor headwiseWeightGradient(Tensor x, Tensor dy, int numHeads) {
        return base.headwiseWeightGradient(x, dy, numHeads);
    }

    @Override
    public Tensor layerNormBackward(Tensor x, Tensor dy, int groupSize, Tensor weight, boolean residualWeight,
                                    float eps) {
        return base.layerNormBackward(x, dy, groupSize, weight, residualWeight, eps);
    }

    @Override
    public Tensor siluBackward(Tensor x, Tensor dy) {
        return base.siluBackward(x, dy);
    }

    @Override
    public SkipGateGradients skipGateBackward(Tensor h, Tensor skip, Tensor a, Tensor z, Tensor dy) {
        return base.skipGateBackward(h, skip, a, z, dy);
    }

    @Override
    public Tensor gatherSum(Tensor x, IndexTable table, int tokens) {
        return base.gatherSum(x, table, tokens);
    }

    @Override
    public Tensor placeColumns(Tensor x, int start, int totalColumns) {
        return base.placeColumns(x, start, totalColumns);
    }

    @Override
    public Tensor depthwiseConvBackwardInput(Tensor dy, IndexTable inverse, Tensor w) {
        return base.depthwiseConvBackwardInput(dy, inverse, w);
    }

    @Override
    public Tensor depthwiseConvWeightGradient(Tensor x, Tensor dy, IndexTable neighbours) {
        return base.depthwiseConvWeightGradient(x, dy, neighbours);
    }

    @Override
    public Tensor unpatchify(Tensor patches, int channels, int height, int width, int ph, int pw, int sh, int sw) {
        return base.unpatchify(patches, channels, height, width, ph, pw, sh, sw);
    }

    @Override
    public MlstmGradients mlstmBackward(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, Tensor dh,
                                        int numHeads, float eps) {
        return base.mlstmBackward(q, k, v, igate, fgate, dh, numHeads, eps);
    }

    @Override
    public Tensor sumOfSquares(Tensor x) {
        return base.sumOfSquares(x);
    }

    @Override
    public void adamwUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step) {
        base.adamwUpdate(param, grad, m, v, step);
    }

    @Override
    public void adamwUpdateAll(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v,
                               float[] learningRates, float[] weightDecays, AdamWStep step) {
        base.adamwUpdateAll(params, grads, m, v, learningRates, weightDecays, step);
    }

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, SgdStep step) {
        base.sgdUpdate(param, grad, velocity, step);
    }

    @Override
    public void copyInto(Tensor target, Tensor source) {
        base.copyInto(target, source);
    }

    @Override
    public void copyAllInto(List<Tensor> targets, List<Tensor> sources) {
        base.copyAllInto(targets, sources);
    }

    @Override
    public void movingAverage(Tensor target, Tensor source, float decay) {
        base.movingAverage(target, source, decay);
    }

    /** In place, not recorded (as {@link #copyInto}). */
    @Override
    public void addIntoColumns(Tensor target, Tensor x, int start) {
        base.addIntoColumns(target, x, start);
    }

    @Override
    public void close() {
        base.close();
    }

    // ---- transformer ops -------------------------------------------------------------------------------------

    @Override
    public Tensor gelu(Tensor x) {
        Tensor out = base.gelu(x);
        return record(out, dy -> accumulate(x, base.geluBackward(x, dy)), x);
    }

    @Override
    public Tensor geluBackward(Tensor x, Tensor dy) {
        return base.geluBackward(x, dy);
    }

    @Override
    public Tensor scaleChannels(Tensor x, Tensor w) {
        Tensor out = base.scaleChannels(x, w);
        return record(out, dy -> {
            if (needsGrad(x)) {
                accumulate(x, base.scaleChannels(dy, w));
            }
            if (needsGrad(w)) {
                Tensor rows = base.reshape(base.mul(dy, x), Shape.of(dy.shape().rows(), dy.shape().last()));
                accumulate(w, base.reshape(base.columnSums(rows), w.shape()));
            }
        }, x, w);
    }

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, int numHeads, float scale) {
        Tensor out = base.attention(q, k, v, numHeads, scale);
        return record(out, dy -> {
            AttentionGradients g = base.attentionBackward(q, k, v, dy, numHeads, scale);
            accumulate(q, g.dq());
            accumulate(k, g.dk());
            accumulate(v, g.dv());
        }, q, k, v);
    }

    @Override
    public AttentionGradients attentionBackward(Tensor q, Tensor k, Tensor v, Tensor dout, int numHeads,
                                                float scale) {
        return base.attentionBackward(q, k, v, dout, numHeads, scale);
    }

    @Override
    public boolean hasMlstmBackwardForm(org.vil4j.api.MlstmForm form) {
        return base.hasMlstmBackwardForm(form);
    }

    @Override
    public MlstmGradients mlstmBackward(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, Tensor dh,
                                        int numHeads, float eps, org.vil4j.api.MlstmForm form, int chunkSize) {
        return base.mlstmBackward(q, k, v, igate, fgate, dh, numHeads, eps, form, chunkSize);
    }
}
