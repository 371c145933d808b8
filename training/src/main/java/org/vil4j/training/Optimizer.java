package org.vil4j.training;

import org.vil4j.api.AdamWStep;
import org.vil4j.api.Ops;
import org.vil4j.api.SgdStep;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW or SGD with momentum over a model's parameters, updating them in place on the backend: the state (moments,
 * velocities) lives beside the parameters and nothing crosses to the host but, with clipping on, one float per
 * parameter tensor for the global gradient norm.
 */
public final class Optimizer {
    /** One parameter and its state. */
    private record Slot(String name, Tensor param, Tensor first, Tensor second, float weightDecay, float lrScale) {
    }

    private final Ops ops;
    private final OptimizerSettings settings;
    private final List<Slot> slots = new ArrayList<>();
    private long steps;

    /**
     * Makes the optimiser state on {@code ops}. Call before the first forward: state tensors are persistent.
     *
     * @param blocks the model's top-level blocks (v2: block pairs), for layer-wise learning-rate decay
     */
    public Optimizer(Ops ops, Map<String, Tensor> params, int blocks, OptimizerSettings settings) {
        this.ops = ops;
        this.settings = settings;
        boolean adam = settings.kind().equals("adamw");
        for (var e : params.entrySet()) {
            String name = e.getKey();
            Tensor p = e.getValue();
            float[] zeros = new float[p.shape().size()];
            Tensor first = ops.parameter(p.shape(), zeros);
            Tensor second = adam ? ops.parameter(p.shape(), zeros) : null;
            float wd = settings.decayExclusion().excludes(name, p.shape()) ? 0f : (float) settings.weightDecay();
            slots.add(new Slot(name, p, first, second, wd, (float) lrScale(name, blocks, settings.layerwiseLrDecay())));
        }
    }

    /** Updates so far. */
    public long steps() {
        return steps;
    }

    public OptimizerSettings settings() {
        return settings;
    }

    /** The weight decay applied to {@code name} (0 when excluded). */
    public float weightDecayOf(String name) {
        return slot(name).weightDecay();
    }

    /** The learning-rate factor of {@code name} (layer-wise decay). */
    public float lrScaleOf(String name) {
        return slot(name).lrScale();
    }

    /**
     * One update with learning rate {@code lr}. Parameters without a gradient are left alone (as torch does for
     * grad None).
     *
     * @return the global gradient norm before clipping, or NaN when clipping is off (not measured)
     */
    public double step(Map<Tensor, Tensor> grads, double lr) {
        double norm = Double.NaN;
        float gradScale = 1f;
        if (settings.clipGradNorm() > 0) {
            double squares = 0;
            long mark = ops.mark();
            for (Slot s : slots) {
                Tensor g = grads.get(s.param());
                if (g != null) {
                    squares += ops.download(ops.sumOfSquares(g))[0];
                }
            }
            ops.release(mark);
            norm = Math.sqrt(squares);
            // torch.nn.utils.clip_grad_norm_: scale = max_norm / (norm + 1e-6), applied when below 1
            double scale = settings.clipGradNorm() / (norm + 1e-6);
            if (scale < 1) {
                gradScale = (float) scale;
            }
        }
        if (!Double.isFinite(lr) || lr < 0) {
            throw new Vil4jException("learning rate " + lr + " at step " + steps + " is not a finite non-negative number");
        }
        steps++;
        if (settings.kind().equals("adamw")) {
            adamw(grads, lr, gradScale);
            return norm;
        }
        for (Slot s : slots) {
            Tensor g = grads.get(s.param());
            if (g == null) {
                continue;
            }
            ops.sgdUpdate(s.param(), g, s.first(), new SgdStep((float) lr * s.lrScale(),
                    (float) settings.momentum(), s.weightDecay(), settings.nesterov(), steps == 1, gradScale));
        }
        return norm;
    }

    /** All AdamW updates in one call, which a backend may fuse into one launch. */
    private void adamw(Map<Tensor, Tensor> grads, double lr, float gradScale) {
        List<Tensor> params = new ArrayList<>();
        List<Tensor> gs = new ArrayList<>();
        List<Tensor> ms = new ArrayList<>();
        List<Tensor> vs = new ArrayList<>();
        float[] lrs = new float[slots.size()];
        float[] wds = new float[slots.size()];
        for (Slot s : slots) {
            Tensor g = grads.get(s.param());
            if (g != null) {
                lrs[params.size()] = (float) lr * s.lrScale();
                wds[params.size()] = s.weightDecay();
                params.add(s.param());
                gs.add(g);
                ms.add(s.first());
                vs.add(s.second());
            }
        }
        int n = params.size();
        ops.adamwUpdateAll(params, gs, ms, vs, java.util.Arrays.copyOf(lrs, n), java.util.Arrays.copyOf(wds, n),
                new AdamWStep((float) lr, (float) settings.beta1(), (float) settings.beta2(),
                        (float) settings.eps(), (float) settings.weightDecay(), (int) steps, gradScale));
    }

    /** The state to checkpoint: {@code optim.<param>.m}/{@code .v} (AdamW) or {@code .velocity} (SGD). */
    public Map<String, float[]> state() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Slot s : slots) {
            if (s.second() != null) {
                out.put("optim." + s.name() + ".m", ops.download(s.first()));
                out.put("optim." + s.name() + ".v", ops.download(s.second()));
            } else {
                out.put("optim." + s.name() + ".velocity", ops.download(s.first()));
            }
        }
        return out;
    }

    /** Restores {@link #state()} and the step count. */
    public void restore(Map<String, float[]> state, long steps, String source) {
        List<String> missing = new ArrayList<>();
        for (Slot s : slots) {
            String[] names = s.second() != null
                    ? new String[]{"optim." + s.name() + ".m", "optim." + s.name() + ".v"}
                    : new String[]{"optim." + s.name() + ".velocity"};
            for (String n : names) {
                float[] values = state.get(n);
                if (values == null || values.length != s.param().shape().size()) {
                    missing.add(n + (values == null ? " (missing)" : " (" + values.length + " values for "
                            + s.param().shape() + ")"));
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new Vil4jException(source + ": optimiser state does not fit this model and optimiser: "
                    + String.join(", ", missing));
        }
        for (Slot s : slots) {
            if (s.second() != null) {
                ops.assign(s.first(), state.get("optim." + s.name() + ".m"));
                ops.assign(s.second(), state.get("optim." + s.name() + ".v"));
            } else {
                ops.assign(s.first(), state.get("optim." + s.name() + ".velocity"));
            }
        }
        this.steps = steps;
    }

    /**
     * The reference's LayerwiseLrDecay: {@code blocks + 1} layers, scale {@code d^(layers - i)}; the stem (patch and
     * position embedding) is layer 0, block i is layer i + 1, the final norms and head keep the full rate.
     */
    static double lrScale(String name, int blocks, double decay) {
        if (decay == 1) {
            return 1;
        }
        int layers = blocks + 1;
        if (name.startsWith("pos_embed") || name.startsWith("patch_embed")) {
            return Math.pow(decay, layers);
        }
        if (name.startsWith("blocks.")) {
            int block = Integer.parseInt(name.split("\\.")[1]);
            return Math.pow(decay, layers - (block + 1));
        }
        return 1;
    }

    private Slot slot(String name) {
        for (Slot s : slots) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no parameter " + name);
    }
}
