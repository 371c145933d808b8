package org.vil4j.api;

/**
 * The operation set a {@link Backend} implements, bound to one device. Models only compose these operations; they
 * never see device memory. All tensors are float32, row-major. "Rows" of a tensor are its elements grouped by the
 * last dimension ({@code shape.rows() x shape.last()}).
 *
 * <p>Memory: parameters and index tables are persistent. Every other result is allocated in a workspace that
 * {@link #mark()} / {@link #release(long)} reset in stack order, so a forward pass reuses the same device memory each
 * time and nothing is copied between host and device but what {@link #upload} and {@link #download} move. A backend
 * may also free workspace tensors one by one ({@link #free}, {@link #releaseExcept}): the gradient tape does, so a
 * backward holds the saved activations and the live gradients, not every temporary of the step.
 *
 * <p>Every backend must give the same results as the plain-Java one within float32 rounding.
 */
public interface Ops extends AutoCloseable {

    /** Stable name of the backend ("java", "opencl"). */
    String backendName();

    /** The device that runs the operations, in words (e.g. "NVIDIA H100 80GB HBM3 (OpenCL GPU)"). */
    String deviceName();

    /** Host/device traffic so far. */
    TransferStats transfers();

    /**
     * Device programs launched so far: where each launch has a fixed cost (a GPU driven from the host, one op at a
     * time), this count, not the arithmetic, can set the time of a small model's step. 0 for a backend that launches
     * none (java).
     */
    default long kernelLaunches() {
        return 0;
    }

    /**
     * Starts (and clears) or stops recording what each kind of operation costs, for {@link #profile()}. A backend
     * that launches nothing records nothing.
     */
    default void setProfiling(boolean on) {
    }

    /** Per operation kind: launches, time, and counted work since profiling was last switched on; most costly first. */
    default java.util.List<OpProfile> profile() {
        return java.util.List.of();
    }

    /** The most device memory this instance's tensors have taken at once, in bytes (0 where not tracked). */
    default long peakDeviceBytes() {
        return 0;
    }

    /**
     * Whether a recorded forward on this backend should keep as little as it can, forming cheap intermediates again in
     * the backward ({@link org.vil4j.api.autodiff.GradientTape#leanNodes}): true where memory bounds the batch (a
     * device arena), false (the default) where compute is what a step waits for.
     */
    default boolean prefersLeanRecords() {
        return false;
    }

    /**
     * Device memory the workspace tensors alive now take, in bytes, persistent ones not counted (0 where not
     * tracked).
     */
    default long liveDeviceBytes() {
        return 0;
    }

    // ---- memory ----------------------------------------------------------------------------------------------

    /** Copies an activation (an input batch) to the device; counted in {@link TransferStats#bytesIn()}. */
    Tensor upload(Shape shape, float[] data);

    /** Copies a persistent parameter to the device; counted in {@link TransferStats#parameterBytes()}. */
    Tensor parameter(Shape shape, float[] data);

    /** Replaces a parameter's values in place (same shape). */
    void assign(Tensor parameter, float[] data);

    /** A persistent int table of {@code rows x cols} entries; -1 means "none". */
    IndexTable indexTable(int rows, int cols, int[] data);

    /** Copies a tensor to the host; counted in {@link TransferStats#bytesOut()}. */
    float[] download(Tensor tensor);

    /** The current position in the workspace's allocation order: what is made from now on is "after" it. */
    long mark();

    /** Frees every workspace tensor made after {@code mark}; their handles must not be used again. */
    void release(long mark);

    /**
     * Frees every workspace tensor made after {@code mark} except the values of {@code keep}, which come back in a
     * workspace tensor counted as made right after {@code mark} (a later {@code release(mark)} frees it): how a block
     * hands its output on without keeping its intermediates. A backend that frees one by one returns {@code keep}
     * itself, uncopied, when it is a whole allocation made after {@code mark}.
     */
    Tensor keep(long mark, Tensor keep);

    /**
     * A number for the workspace allocation behind {@code t}, the same for every tensor that shares its memory
     * (reshapes, column views) and ordered like {@link #mark()}: {@code t}'s memory was allocated after mark {@code
     * m} exactly when {@code allocationOf(t) >= m}. Unique among live allocations. -1 for persistent tensors, and
     * for every tensor of a backend that frees only by mark (the default, where {@link #free} does nothing).
     */
    default long allocationOf(Tensor t) {
        return -1;
    }

    /**
     * Frees {@code t}'s workspace memory now, when {@code t} owns it: it is the whole allocation (what an operation
     * returned, or a reshape of that). Every handle sharing the memory (its reshapes and column views) becomes
     * unusable, as after a {@link #release}. Frees nothing and returns false for persistent tensors (parameters,
     * optimiser state, index tables), for a column view or part of an allocation (the memory is its base's), and on
     * a backend that frees only by mark (the default).
     *
     * @return whether memory was freed
     */
    default boolean free(Tensor t) {
        return false;
    }

    /**
     * Frees every workspace tensor made after {@code mark} except the allocations behind {@code survivors}, which
     * stay where they are (their handles stay valid, nothing is copied). The default frees nothing, which is
     * correct, only not frugal.
     */
    default void releaseExcept(long mark, java.util.Collection<Tensor> survivors) {
    }

    /** The same data seen with another shape of equal size (no copy). */
    Tensor reshape(Tensor x, Shape shape);

    // ---- dense algebra ---------------------------------------------------------------------------------------

    /**
     * {@code out[r, m] = sum_k x[r, k] * w[m, k] + bias[m]}: x is {@code [..., K]}, w is {@code [M, K]} (the
     * torch.nn.Linear layout), bias {@code [M]} or null; out is {@code [..., M]}.
     */
    Tensor linear(Tensor x, Tensor w, Tensor bias);

    /** {@code out[b, i, j] = sum_k a[b, i, k] * c[b, k, j]}; a {@code [B, I, K]} or {@code [I, K]} (B = 1). */
    Tensor matmul(Tensor a, Tensor c);

    /**
     * Block-diagonal projection (the reference's LinearHeadwiseExpand): x {@code [..., NH*D]}, w {@code [NH, D, D]},
     * {@code out[r, h*D + o] = sum_d x[r, h*D + d] * w[h, o, d] + bias[h*D + o]}.
     */
    Tensor headwiseLinear(Tensor x, Tensor w, Tensor bias);

    /**
     * {@code headwiseLinear(x, transpose(w), null)}: {@code out[r, h*D + o] = sum_d x[r, h*D + d] * w[h, d, o]}, the
     * input gradient of a block-diagonal projection. A backend may read w transposed instead of transposing it.
     */
    default Tensor headwiseLinearTransposed(Tensor x, Tensor w) {
        return headwiseLinear(x, transpose(w), null);
    }

    /**
     * {@code plus + headwiseLinearTransposed(x0, w0) + headwiseLinearTransposed(x1, w1)} (x0 and x1 of one shape, w0
     * and w1 too; {@code plus} of x0's shape, or null for none): the input gradient of two block-diagonal projections
     * of one input (the mLSTM's q and k both read its convolution's output), added to that input's gradient so far.
     * The default composes; a backend may sum all in one pass.
     */
    default Tensor headwiseLinearTransposedSum(Tensor x0, Tensor w0, Tensor x1, Tensor w1, Tensor plus) {
        Tensor sum = add(headwiseLinearTransposed(x0, w0), headwiseLinearTransposed(x1, w1));
        return plus == null ? sum : add(plus, sum);
    }

    /** {@code [B, R, C] -> [B, C, R]} (a rank-2 tensor is treated as B = 1). */
    Tensor transpose(Tensor x);

    // ---- normalisation and element-wise -----------------------------------------------------------------------

    /**
     * Layer norm over consecutive groups of {@code groupSize} features of each row (groupSize = last dim: a plain
     * layer norm; smaller: a group norm per head). Biased variance, {@code eps} inside the square root. The scale is
     * {@code weight[c]}, or {@code 1 + weight[c]} when {@code residualWeight}; weight and bias may be null.
     */
    Tensor layerNorm(Tensor x, int groupSize, Tensor weight, boolean residualWeight, Tensor bias, float eps);

    /** {@code a + b}; b may also have the shape of a's trailing dimensions (it then repeats over the leading ones). */
    Tensor add(Tensor a, Tensor b);

    /** Element-wise {@code a * b}, same shapes. */
    Tensor mul(Tensor a, Tensor b);

    /** {@code x * s}. */
    Tensor scale(Tensor x, float s);

    /** {@code x * sigmoid(x)}. */
    Tensor silu(Tensor x);

    /**
     * The mLSTM output gate, fused: {@code (h + skip[c] * a) * silu(z)}; h, a, z {@code [..., C]}, skip {@code [C]}.
     */
    Tensor skipGate(Tensor h, Tensor skip, Tensor a, Tensor z);

    // ---- token movement --------------------------------------------------------------------------------------

    /**
     * {@code out[b, i, :] = x[b, index[i], :]} (zeros where index[i] is -1); x {@code [B, S, C]}, index a 1-column
     * table of S' rows.
     */
    Tensor gatherTokens(Tensor x, IndexTable index);

    /**
     * {@code out[b, i, :] = residual[b, i, :] + y[b, index[i], :]} (the residual alone where index[i] is -1):
     * un-permute a branch and add it.
     */
    Tensor addGatheredTokens(Tensor residual, Tensor y, IndexTable index);

    /** Columns {@code [start, start + count)} of every row. */
    Tensor columns(Tensor x, int start, int count);

    /** Rows of a and b side by side: {@code [..., Ca] ++ [..., Cb]}. */
    Tensor concatColumns(Tensor a, Tensor b);

    /** {@code [a | b | c]} along the last dimension (a backend may do it in one pass). */
    default Tensor concatColumns(Tensor a, Tensor b, Tensor c) {
        return concatColumns(concatColumns(a, b), c);
    }

    // ---- convolutions ----------------------------------------------------------------------------------------

    /**
     * Depthwise convolution over a token sequence through a neighbour table: x {@code [B, S, C]}, neighbours
     * {@code [S, K]} (sequence position read by tap k, or -1 for zero padding), w {@code [C, K]}, bias {@code [C]}
     * or null: {@code out[b, s, c] = bias[c] + sum_k w[c, k] * x[b, nb[s, k], c]}. Both the 2-D 3x3 convolution in a
     * traversal's frame and the causal 1-D convolution are tables.
     */
    Tensor depthwiseConv(Tensor x, IndexTable neighbours, Tensor w, Tensor bias);

    /**
     * Image to patch rows (im2col) for a patch-embedding convolution without padding: x {@code [B, C, H, W]} to
     * {@code [B, h*w, C*ph*pw]} with h = (H - ph) / sh + 1, w likewise, each row ordered (c, ky, kx) like the flattened
     * torch Conv2d weight.
     */
    Tensor patchify(Tensor x, int ph, int pw, int sh, int sw);

    // ---- sequence mixing -------------------------------------------------------------------------------------

    /**
     * The mLSTM cell in the stabilised parallel form (the reference's {@code parallel_stabilized_simple}): q, k, v
     * {@code [B, S, NH*DH]} (head-major features), igate and fgate pre-activations {@code [B, S, NH]}; returns h
     * {@code [B, S, NH*DH]}. For row t: {@code D[t,s] = exp(sum_{u=s+1..t} logsigmoid(f_u) + i_s - m_t)} for s <= t,
     * m_t its row max, {@code C = (q k^T / sqrt(DH)) * D}, {@code h_t = sum_s C[t,s] v_s / (max(|sum_s C[t,s]|,
     * exp(-m_t)) + eps)}.
     */
    Tensor mlstm(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, int numHeads, float eps);

    /**
     * Whether {@link #mlstm(Tensor, Tensor, Tensor, Tensor, Tensor, int, float, MlstmForm, int)} computes the forward
     * in this form (the mixer's "auto" and the CLI ask this). The backward's form is {@link #hasMlstmBackwardForm}'s
     * question; where the forward has a form and the backward not, the tape differentiates through the parallel
     * backward (same values, quadratic cost).
     */
    default boolean hasMlstmForm(MlstmForm form) {
        return form == MlstmForm.PARALLEL;
    }

    /**
     * {@link #mlstm} computed in the given form (the same function; {@code chunkSize} tokens a chunk for
     * {@link MlstmForm#CHUNKWISE}). A backend without that form fails with {@link BackendUnavailableException} naming
     * it; none substitutes another form silently.
     */
    default Tensor mlstm(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, int numHeads, float eps,
                         MlstmForm form, int chunkSize) {
        if (form == MlstmForm.PARALLEL) {
            return mlstm(q, k, v, igate, fgate, numHeads, eps);
        }
        throw new BackendUnavailableException("the " + backendName() + " backend computes the mLSTM in the parallel "
                + "form only, not " + form.id());
    }

    // ---- gradients (the backward passes of the ops above) ----------------------------------------------------

    /** {@code out[m] = sum_r x[r, m]} over every row: bias gradients, and gradients of broadcast operands. */
    Tensor columnSums(Tensor x);

    /**
     * The scale and shift gradients of a normalisation, {@code sum_r dy * normalised} and {@code sum_r dy} per column
     * ({@link AffineGradients}): what a layer norm's weight and bias need. The default is those two column sums and
     * a product; a backend may take both sums in one pass over dy.
     */
    default AffineGradients affineGradients(Tensor dy, Tensor normalised) {
        return new AffineGradients(columnSums(mul(dy, normalised)), columnSums(dy));
    }

    /** {@code out[m, k] = sum_r dy[r, m] * x[r, k]}: the weight gradient of {@link #linear} (x {@code [..., K]}). */
    Tensor linearWeightGradient(Tensor x, Tensor dy);

    /**
     * {@code out[h, o, d] = sum_r dy[r, h*D + o] * x[r, h*D + d]}: the weight gradient of {@link #headwiseLinear},
     * {@code [NH, D, D]}.
     */
    Tensor headwiseWeightGradient(Tensor x, Tensor dy, int numHeads);

    /**
     * {@link #linearWeightGradient} and the bias gradient ({@code columnSums(dy)}) together: a backend may take the
     * bias's sums in the weight gradient's own reduction.
     */
    default LinearGradients linearParameterGradients(Tensor x, Tensor dy) {
        return new LinearGradients(linearWeightGradient(x, dy), columnSums(dy));
    }

    /** {@link #headwiseWeightGradient} and the bias gradient together (see {@link #linearParameterGradients}). */
    default LinearGradients headwiseParameterGradients(Tensor x, Tensor dy, int numHeads) {
        return new LinearGradients(headwiseWeightGradient(x, dy, numHeads), columnSums(dy));
    }

    /** d loss / d x of {@link #layerNorm}, given its input x, the same arguments and the output gradient dy. */
    Tensor layerNormBackward(Tensor x, Tensor dy, int groupSize, Tensor weight, boolean residualWeight, float eps);

    /**
     * {@link #layerNormBackward} and the weight and bias gradients ({@link #affineGradients} of dy and the
     * normalised x) together: a backend may keep the normalised x of the dx pass instead of normalising x again.
     */
    default LayerNormGradients layerNormGradients(Tensor x, Tensor dy, int groupSize, Tensor weight,
                                                  boolean residualWeight, float eps) {
        Tensor dx = layerNormBackward(x, dy, groupSize, weight, residualWeight, eps);
        AffineGradients affine = affineGradients(dy, layerNorm(x, groupSize, null, false, null, eps));
        return new LayerNormGradients(dx, affine.weight(), affine.bias());
    }

    /**
     * {@link #layerNormGradients} with {@code plus} (x's shape; null for none), x's gradient so far, added to dx: one
     * pass where the backend has it. The default composes.
     */
    default LayerNormGradients layerNormGradients(Tensor x, Tensor dy, int groupSize, Tensor weight,
                                                  boolean residualWeight, float eps, Tensor plus) {
        LayerNormGradients g = layerNormGradients(x, dy, groupSize, weight, residualWeight, eps);
        return plus == null ? g : new LayerNormGradients(add(plus, g.dx()), g.weight(), g.bias());
    }

    /** {@code dy * silu'(x)}. */
    Tensor siluBackward(Tensor x, Tensor dy);

    /** The gradients of {@link #skipGate} for h, a and z (skip's is {@code columnSums(dh * a)}). */
    SkipGateGradients skipGateBackward(Tensor h, Tensor skip, Tensor a, Tensor z, Tensor dy);

    /**
     * {@code out[b, j, c] = sum_e x[b, table[j, e], c]} over the table's non-negative entries, for {@code j <
     * tokens} (rows past the table are zero): the gradient of a gather, through an {@link IndexTables#inverse}
     * table.
     */
    Tensor gatherSum(Tensor x, IndexTable table, int tokens);

    /** {@code out[b, s, c] = scales[b] * x[b, s, c]}: per-sample scaling (drop-path); x {@code [B, ...]}. */
    Tensor scaleSamples(Tensor x, Tensor scales);

    /** Zeros except columns {@code [start, start + x.last)} of rows {@code totalColumns} wide, which are x. */
    Tensor placeColumns(Tensor x, int start, int totalColumns);

    /**
     * {@code target[r, start + c] += x[r, c]} in place, for x's rows and columns (target as many rows, at least
     * {@code start + x.last} columns): the gradient of a second column view added into the first's, where
     * {@link #placeColumns} and {@link #add} would write and read the whole width twice. The default composes them.
     */
    default void addIntoColumns(Tensor target, Tensor x, int start) {
        copyInto(target, add(target, placeColumns(x, start, target.shape().last())));
    }

    /**
     * d loss / d x of {@link #depthwiseConv}: {@code out[b, j, c] = sum_e w[c, e'] * dy[b, s, c]} with {@code s =
     * inverse[j, e] / K} and {@code e' = inverse[j, e] % K}, the inverse table of the neighbour table ({@link
     * IndexTables#inverse}); K = w's taps.
     */
    Tensor depthwiseConvBackwardInput(Tensor dy, IndexTable inverse, Tensor w);

    /**
     * {@code plus + depthwiseConvBackwardInput(dy, inverse, w)} ({@code plus} of dy's shape, or null for none): the
     * input gradient added to the input's gradient so far. The default composes; a backend may add it in its pass.
     */
    default Tensor depthwiseConvBackwardInput(Tensor dy, IndexTable inverse, Tensor w, Tensor plus) {
        Tensor d = depthwiseConvBackwardInput(dy, inverse, w);
        return plus == null ? d : add(plus, d);
    }

    /** {@code out[c, k] = sum_{b, s} dy[b, s, c] * x[b, nb[s, k], c]}: the weight gradient of depthwiseConv. */
    Tensor depthwiseConvWeightGradient(Tensor x, Tensor dy, IndexTable neighbours);

    /** The adjoint of {@link #patchify} (col2im): overlapping patches add up; out {@code [B, C, H, W]}. */
    Tensor unpatchify(Tensor patches, int channels, int height, int width, int ph, int pw, int sh, int sw);

    /** The gradients of {@link #mlstm} for its five inputs, given the output gradient dh. */
    MlstmGradients mlstmBackward(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, Tensor dh, int numHeads,
                                 float eps);

    // ---- optimiser updates (in place on persistent tensors) -------------------------------------------------

    /** {@code [1]}: the sum of the squares of x's elements (gradient norms). */
    Tensor sumOfSquares(Tensor x);

    /** One AdamW step on {@code param} with moment buffers m and v (all persistent, same shape as grad). */
    void adamwUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step);

    /**
     * One AdamW step on many parameters at once: parameter i uses learning rate {@code learningRates[i]} and weight
     * decay {@code weightDecays[i]}, the other settings come from {@code step}. Same result as calling {@link
     * #adamwUpdate} for each; a backend may do them all in one launch.
     */
    default void adamwUpdateAll(java.util.List<Tensor> params, java.util.List<Tensor> grads, java.util.List<Tensor> m,
                                java.util.List<Tensor> v, float[] learningRates, float[] weightDecays, AdamWStep step) {
        int n = params.size();
        if (grads.size() != n || m.size() != n || v.size() != n || learningRates.length != n
                || weightDecays.length != n) {
            throw new IllegalArgumentException("adamwUpdateAll: " + n + " parameters but " + grads.size()
                    + " gradients, " + m.size() + "/" + v.size() + " moments, " + learningRates.length + " rates and "
                    + weightDecays.length + " decays");
        }
        for (int i = 0; i < n; i++) {
            adamwUpdate(params.get(i), grads.get(i), m.get(i), v.get(i), new AdamWStep(learningRates[i],
                    step.beta1(), step.beta2(), step.eps(), weightDecays[i], step.step(), step.gradScale()));
        }
    }

    /** One SGD step with (heavy-ball) momentum buffer {@code velocity} (persistent). */
    void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, SgdStep step);

    /** {@code target = source} in place (same size): gradients kept across a workspace release. */
    void copyInto(Tensor target, Tensor source);

    /**
     * {@code copyInto(targets[i], sources[i])} for every i (lists of the same length): a segment's parameter
     * gradients into their buffers, in few launches where a backend batches them.
     */
    default void copyAllInto(java.util.List<Tensor> targets, java.util.List<Tensor> sources) {
        ShapeRequirements.requirePairs("copyAllInto", targets, sources);
        for (int i = 0; i < targets.size(); i++) {
            copyInto(targets.get(i), sources.get(i));
        }
    }

    /** {@code target = decay * target + (1 - decay) * source} in place: an exponential moving average. */
    void movingAverage(Tensor target, Tensor source, float decay);

    // ---- fused forms of op sequences (defaults compose the ops above; a backend may do each in one pass) --------

    /**
     * Whether these ops are being recorded for a backward (a {@link org.vil4j.api.autodiff.GradientTape} while it
     * records). Fused forms that hand out column views (q, k, v of one tensor) save launches in a forward but cost
     * a recorded backward more (every view's gradient is placed into the whole tensor), so models take the unfused
     * composition then.
     */
    default boolean recordsGradients() {
        return false;
    }

    /**
     * {@code concatColumns(headwiseLinear(xs[0], ws[0], bs[0]), ...)}: several block-diagonal projections side by
     * side (a sub-block's q, k and v). Biases may be null.
     */
    default Tensor headwiseLinearConcat(java.util.List<Tensor> xs, java.util.List<Tensor> ws,
                                        java.util.List<Tensor> bs) {
        Fused.requireParts("headwiseLinearConcat", xs.size(), ws.size(), bs.size());
        java.util.List<Tensor> parts = new java.util.ArrayList<>();
        for (int i = 0; i < xs.size(); i++) {
            parts.add(headwiseLinear(xs.get(i), ws.get(i), bs.get(i)));
        }
        return Fused.concat(this, parts);
    }

    /**
     * {@code y = headwiseLinearConcat(xs, ws, bs)} with {@code linearConcat(y, gateWs, gateBs)}'s columns after its
     * own: the mLSTM's q|k|v and, in the last columns, both gates (read as column views of one tensor).
     */
    default Tensor headwiseLinearConcatGates(java.util.List<Tensor> xs, java.util.List<Tensor> ws,
                                             java.util.List<Tensor> bs, java.util.List<Tensor> gateWs,
                                             java.util.List<Tensor> gateBs) {
        Tensor y = headwiseLinearConcat(xs, ws, bs);
        return concatColumns(y, linearConcat(y, gateWs, gateBs));
    }

    /**
     * The mLSTM's convolution and its q|k|v + gates as one tensor {@code [B, S, W + 3W + gates]} =
     * {@code [a | q | k | v | gates]}: {@code a = depthwiseConvSilu(xm, neighbours, convW, convBias)} and after it
     * {@code headwiseLinearConcatGates([a, a, xm], ws, bs, gateWs, gateBs)} (q and k project a, v projects xm). The
     * layer reads a (its skip input) and the cell's operands as column views, so a backend may do it all in one
     * pass. xm {@code [B, S, W]} may be a column view; the other operands are as the two ops take them.
     */
    default Tensor convHeadwiseGates(Tensor xm, IndexTable neighbours, Tensor convW, Tensor convBias,
                                     java.util.List<Tensor> ws, java.util.List<Tensor> bs,
                                     java.util.List<Tensor> gateWs, java.util.List<Tensor> gateBs) {
        Tensor a = depthwiseConvSilu(xm, neighbours, convW, convBias);
        return concatColumns(a, headwiseLinearConcatGates(java.util.List.of(a, a, xm), ws, bs, gateWs, gateBs));
    }

    /** {@code concatColumns(linear(x, ws[0], bs[0]), ...)}: several linears of one input (the mLSTM's gates). */
    default Tensor linearConcat(Tensor x, java.util.List<Tensor> ws, java.util.List<Tensor> bs) {
        Fused.requireParts("linearConcat", -1, ws.size(), bs.size());
        java.util.List<Tensor> parts = new java.util.ArrayList<>();
        for (int i = 0; i < ws.size(); i++) {
            parts.add(linear(x, ws.get(i), bs.get(i)));
        }
        return Fused.concat(this, parts);
    }

    /**
     * The mLSTM cell from its inputs, as Vision-LSTM's layer computes it: {@code q = headwiseLinear(a, ws[0], bs[0])},
     * {@code k = headwiseLinear(a, ws[1], bs[1])}, {@code v = headwiseLinear(xm, ws[2], bs[2])}, the gates
     * {@code linear(q | k | v, gateWs[i], gateBs[i])} (input, then forget), then {@link #mlstm} in {@code form}
     * (PARALLEL: the stabilised parallel form; else with {@code chunkSize}). A recorded backward may form q, k, v and
     * the gates again from a and xm (a few cheap projections) instead of keeping them from the forward.
     */
    default Tensor mlstmOfProjections(Tensor a, Tensor xm, java.util.List<Tensor> ws, java.util.List<Tensor> bs,
                                      java.util.List<Tensor> gateWs, java.util.List<Tensor> gateBs, int numHeads,
                                      float eps, MlstmForm form, int chunkSize) {
        Fused.requireParts("mlstmOfProjections", 3, ws.size(), bs.size());
        Fused.requireParts("mlstmOfProjections", 2, gateWs.size(), gateBs.size());
        Tensor q = headwiseLinear(a, ws.get(0), bs.get(0));
        Tensor k = headwiseLinear(a, ws.get(1), bs.get(1));
        Tensor v = headwiseLinear(xm, ws.get(2), bs.get(2));
        Tensor qkv = concatColumns(q, k, v);
        Tensor ig = linear(qkv, gateWs.get(0), gateBs.get(0));
        Tensor fg = linear(qkv, gateWs.get(1), gateBs.get(1));
        free(qkv);
        Tensor h = form == MlstmForm.PARALLEL ? mlstm(q, k, v, ig, fg, numHeads, eps)
                : mlstm(q, k, v, ig, fg, numHeads, eps, form, chunkSize);
        for (Tensor t : new Tensor[]{fg, ig, v, k, q}) {
            free(t); // on a backend that frees one by one, only h stays
        }
        return h;
    }

    /** {@code silu(depthwiseConv(x, neighbours, w, bias))}. */
    default Tensor depthwiseConvSilu(Tensor x, IndexTable neighbours, Tensor w, Tensor bias) {
        return silu(depthwiseConv(x, neighbours, w, bias));
    }

    /**
     * {@code add(linear(x, w, bias), rows)}, rows {@code [R, N]} added to every run of R rows of the product (R its
     * second-last dimension): the patch embedding and its position embedding in one pass where a backend fuses them.
     */
    default Tensor linearAddRows(Tensor x, Tensor w, Tensor bias, Tensor rows) {
        return add(linear(x, w, bias), rows);
    }

    /** {@code add(residual, linear(x, w, bias))}: a projection added to the residual stream (same shape). */
    default Tensor linearAdd(Tensor x, Tensor w, Tensor bias, Tensor residual) {
        return linearAdd(x, w, bias, residual, null, null, false);
    }

    /**
     * {@code residual + linear(x, w, bias)} where row t of each batch of the product adds to row {@code order[t]}
     * of the residual ({@code order} null: row t; {@code inverse} is order's inverse, as {@link #addGatheredTokens}
     * takes it): a sub-block's down-projection and its residual add. With {@code intoResidual} a backend may write
     * the result into residual's memory: the caller gives residual up (neither it nor views of it are read again).
     */
    default Tensor linearAdd(Tensor x, Tensor w, Tensor bias, Tensor residual, IndexTable order, IndexTable inverse,
                             boolean intoResidual) {
        Tensor y = linear(x, w, bias);
        return order == null ? add(residual, y) : addGatheredTokens(residual, y, inverse);
    }

    /**
     * {@code skipGate(layerNorm(h, groupSize, weight, residualWeight, bias, eps), skip, a, z)}: the mLSTM's output
     * norm (per head) and its gate, one pass where the backend fuses them.
     */
    default Tensor normSkipGate(Tensor h, int groupSize, Tensor weight, boolean residualWeight, Tensor bias,
                                float eps, Tensor skip, Tensor a, Tensor z) {
        return skipGate(layerNorm(h, groupSize, weight, residualWeight, bias, eps), skip, a, z);
    }

    /**
     * {@code normSkipGate(mlstm(q, k, v, igate, fgate, numHeads, eps), DH, weight, residualWeight, bias, normEps,
     * skip, a, z)}, DH = q's width / numHeads: the parallel mLSTM cell and its output norm (per head) with the gate,
     * one pass where the backend fuses them (a work-group holding a head's rows can normalise them itself).
     */
    default Tensor mlstmNormSkipGate(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, int numHeads,
                                     float eps, Tensor weight, boolean residualWeight, Tensor bias, float normEps,
                                     Tensor skip, Tensor a, Tensor z) {
        Tensor h = mlstm(q, k, v, igate, fgate, numHeads, eps);
        return normSkipGate(h, h.shape().last() / numHeads, weight, residualWeight, bias, normEps, skip, a, z);
    }

    /** {@code gatherTokens(layerNorm(x, ...), index)}: a sub-block's input norm and its traversal's order. */
    default Tensor layerNormGather(Tensor x, IndexTable index, int groupSize, Tensor weight, boolean residualWeight,
                                   Tensor bias, float eps) {
        return gatherTokens(layerNorm(x, groupSize, weight, residualWeight, bias, eps), index);
    }

    @Override
    void close();

    // ---- transformer ops (attention backbones) ----------------------------------------------------------------

    /** Exact GELU (torch.nn.GELU()): {@code x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))}. */
    Tensor gelu(Tensor x);

    /** {@code dy * gelu'(x)}, {@code gelu'(x) = Phi(x) + x * phi(x)}. */
    Tensor geluBackward(Tensor x, Tensor dy);

    /**
     * {@code out[r, c] = x[r, c] * w[c]}: a per-channel multiply (layer scale); x {@code [..., C]}, w {@code [C]}.
     * Its gradients are {@code scaleChannels(dy, w)} and {@code columnSums(dy * x)}.
     */
    Tensor scaleChannels(Tensor x, Tensor w);

    /**
     * Multi-head softmax attention, fused (torch's {@code scaled_dot_product_attention} without mask): q, k, v
     * {@code [B, S, NH*DH]} (head-major features, as a fused qkv projection lays them out); for each batch, head
     * and row t: {@code out_t = sum_s softmax_s(scale * q_t . k_s) v_s}. A backend need not hold the S x S matrix.
     */
    Tensor attention(Tensor q, Tensor k, Tensor v, int numHeads, float scale);

    /** The gradients of {@link #attention} for q, k and v, given the output gradient dout. */
    AttentionGradients attentionBackward(Tensor q, Tensor k, Tensor v, Tensor dout, int numHeads, float scale);

    // ---- mLSTM backward in a chosen form (issue 13) ---------------------------------------------------------

    /**
     * Whether {@link #mlstmBackward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, int, float, MlstmForm, int)}
     * computes in this form itself (for chunkwise and recurrent: memory linear in the sequence length). {@link
     * #hasMlstmForm} says the same of the forward; a backend may have a forward form before its backward.
     */
    default boolean hasMlstmBackwardForm(MlstmForm form) {
        return form == MlstmForm.PARALLEL;
    }

    /**
     * The gradients of {@link #mlstm} computed in {@code form} ({@code chunkSize} tokens a chunk for {@link
     * MlstmForm#CHUNKWISE}): the same values in every form. Where the backend lacks the form ({@link
     * #hasMlstmBackwardForm} false) this is the parallel backward (same values, memory and time quadratic in the
     * sequence), so a model trained in any forward form can always be differentiated.
     */
    default MlstmGradients mlstmBackward(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, Tensor dh,
                                         int numHeads, float eps, MlstmForm form, int chunkSize) {
        return mlstmBackward(q, k, v, igate, fgate, dh, numHeads, eps);
    }

    /**
     * An mLSTM cell's q, k and v gradients with its gates' share added, where the input and forget gates are linears
     * of q|k|v ({@code wI} and {@code wF}, each {@code [G, 3W]}): {@code dq|dk|dv += digate wI + dfgate wF}, read in
     * thirds; digate and dfgate are {@code [..., G]}, dq, dk and dv {@code [..., W]}. The gates' own gradients pass
     * as they are. One launch where the backend fuses it (the composition: two products, their sum, three column
     * copies and three sums).
     */
    default MlstmGradients withGateInputGradients(MlstmGradients g, Tensor wI, Tensor wF) {
        int width = g.dq().shape().last();
        Shape qkv = g.dq().shape().withLast(3 * width);
        Tensor di = reshape(g.digate(), Shape.of(g.digate().shape().rows(), g.digate().shape().last()));
        Tensor df = reshape(g.dfgate(), Shape.of(g.dfgate().shape().rows(), g.dfgate().shape().last()));
        Tensor dqkv = add(reshape(matmul(di, wI), qkv), reshape(matmul(df, wF), qkv));
        return new MlstmGradients(add(g.dq(), columns(dqkv, 0, width)), add(g.dk(), columns(dqkv, width, width)),
                add(g.dv(), columns(dqkv, 2 * width, width)), g.digate(), g.dfgate());
    }

    // ---- dense prediction (segmentation decoders; issue 15) ---------------------------------------------------
    //
    // Feature maps are channels-last token grids: {@code [B, H*W, C]}, row-major over the grid, the layout the
    // backbone's tokens already have. Both ops below are compositions of ops every backend has (and the tape
    // differentiates), so a backend gets them, forward and backward, without new kernels; a backend may override
    // them with a fused kernel (the tape always records the composition).

    /**
     * A k x k convolution over a grid as im2col + GEMM: {@code out[b, s, m] = bias[m] + sum_{t, c} w[m, t*C + c] *
     * x[b, taps[s*T + t], c]} (zero where a tap is -1, the padding), with T = {@code w.last / C} taps per output cell.
     * {@code taps} is a one-column table of {@code S_out * T} rows ({@link ConvolutionFrames#conv2dTaps}); w is
     * {@code [M, T*C]}, its rows ordered (ky, kx, c); bias {@code [M]} or null; out {@code [B, S_out, M]}.
     */
    default Tensor conv2d(Tensor x, IndexTable taps, Tensor w, Tensor bias) {
        Shape s = x.shape();
        int channels = s.last();
        int tapCount = w.shape().last() / channels;
        if (s.rank() != 3 || tapCount * channels != w.shape().last() || taps.cols() != 1
                || taps.rows() % tapCount != 0) {
            throw new ShapeMismatchException("conv2d: x " + s + " (must be [B, S, C]), w " + w.shape()
                    + " (must be [M, taps*C]) and a " + taps.rows() + "x" + taps.cols() + " tap table do not fit");
        }
        Tensor patches = gatherTokens(x, taps);
        return linear(reshape(patches, Shape.of(s.dim(0), taps.rows() / tapCount, tapCount * channels)), w, bias);
    }

    /**
     * A separable linear resampling of a grid: {@code out[b, (oy, ox), c] = sum_{y, x} ry[oy, y] * rx[ox, x] *
     * x[b, (y, x), c]} for x {@code [B, H*W, C]} on an H x W grid, ry {@code [OH, H]}, rx {@code [OW, W]}; out
     * {@code [B, OH*OW, C]}. Bilinear resizing (either align_corners) and adaptive average pooling are such maps
     * ({@link Resampling}); ry and rx are constants (not trained).
     */
    default Tensor resample2d(Tensor x, int height, int width, Tensor ry, Tensor rx) {
        Shape s = x.shape();
        int b = s.dim(0), c = s.last();
        if (s.rank() != 3 || s.dim(1) != height * width || ry.shape().last() != height
                || rx.shape().last() != width) {
            throw new ShapeMismatchException("resample2d: x " + s + " on a " + height + "x" + width + " grid with ry "
                    + ry.shape() + " and rx " + rx.shape());
        }
        int oh = ry.shape().dim(0), ow = rx.shape().dim(0);
        // along x: [B*H, W, C] -> [B*H, C, W] -> linear -> [B*H, C, OW] -> [B*H, OW, C]
        Tensor t = transpose(reshape(x, Shape.of(b * height, width, c)));
        t = transpose(linear(t, rx, null));
        // along y: [B, H, OW*C] -> [B, OW*C, H] -> linear -> [B, OW*C, OH] -> [B, OH, OW*C]
        t = transpose(reshape(t, Shape.of(b, height, ow * c)));
        t = transpose(linear(t, ry, null));
        return reshape(t, Shape.of(b, oh * ow, c));
    }

    /**
     * The transpose of {@link #resample2d}'s map, its backward: {@code out[b, (y, x), c] = sum_{oy, ox} ry[oy, y] *
     * rx[ox, x] * x[b, (oy, ox), c]} for x {@code [B, OH*OW, C]} on the OH x OW grid of ry {@code [OH, H]} and rx
     * {@code [OW, W]}; out {@code [B, H*W, C]}. The same factors as the forward, read transposed.
     */
    default Tensor resample2dTransposed(Tensor x, Tensor ry, Tensor rx) {
        return resample2d(x, ry.shape().dim(0), rx.shape().dim(0), transpose(ry), transpose(rx));
    }
}
