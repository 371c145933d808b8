package org.vil4j.conformance.tests;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.autodiff.CrossEntropy;
import org.vil4j.api.autodiff.GradientTape;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;
import org.vil4j.vil.VisionLstm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/** One recorded ViL training step on a tape set up by the caller: what the tape tests compare. */
final class RecordedStep {
    private RecordedStep() {
    }

    /** A small ViL v2 of 2 block pairs (gradients cross blocks, both traversal directions and the pooling). */
    static VilConfig config(int side) {
        return VilConfig.fromReference("VisionLSTM2", Map.of("dim", 32, "depth", 2, "patch_size", 4,
                "input_shape", List.of(1, side, side), "output_shape", List.of(10), "pooling", "bilateral_flatten",
                "legacy_norm", true));
    }

    /** What one step gave. */
    record Result(Map<String, float[]> values, GradientTape tape, long forwardKeptBytes) {
    }

    /**
     * The loss and every gradient (input and parameters, by name) of one step with random images and labels;
     * {@code forwardKeptBytes} is what the recorded forward left live on the device ({@link Ops#liveDeviceBytes}).
     */
    static Result run(Ops ops, VilConfig config, int batch, long seed, double labelSmoothing,
                      Consumer<GradientTape> setUp) {
        Map<String, HostTensor> init = VilInitializer.initialize(config, seed);
        GradientTape tape = new GradientTape(ops);
        setUp.accept(tape);
        VisionLstm vil = new VisionLstm(config, Backends.PLUGINS, tape, init, "init");
        int side = config.height();
        Random random = new Random(seed + 6);
        float[] images = new float[batch * side * side];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextGaussian();
        }
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = random.nextInt(10);
        }
        Map<String, float[]> computed = new LinkedHashMap<>();
        long kept;
        tape.trackInputs(true);
        tape.begin();
        try {
            Tensor x = tape.upload(Shape.of(batch, 1, side, side), images);
            long before = ops.liveDeviceBytes();
            Tensor logits = vil.forward(x, org.vil4j.vil.ActivationSink.NONE);
            kept = ops.liveDeviceBytes() - before;
            CrossEntropy.Result ce = CrossEntropy.of(tape.download(logits), labels, 10, labelSmoothing);
            computed.put("loss", new float[]{(float) ce.loss()});
            Map<Tensor, Tensor> grads = tape.backward(logits, tape.upload(logits.shape(), ce.gradient()));
            computed.put("grad.input", tape.download(grads.get(x)));
            vil.parameters().forEach((name, p) -> {
                Tensor g = grads.get(p);
                computed.put("grad." + name, g == null ? null : tape.download(g));
            });
        } finally {
            tape.end();
        }
        return new Result(computed, tape, kept);
    }
}
