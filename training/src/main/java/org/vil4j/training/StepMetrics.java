package org.vil4j.training;

import java.util.LinkedHashMap;
import java.util.Map;

/** One training step: its loss and top-1 accuracy on the batch, the learning rate, throughput so far this epoch. */
public record StepMetrics(int epoch, int batch, int batchesPerEpoch, long step, double loss, double accuracy,
                          double learningRate, double imagesPerSecond, double gradNorm) {
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "step");
        m.put("epoch", epoch);
        m.put("batch", batch);
        m.put("step", step);
        m.put("loss", loss);
        m.put("accuracy", accuracy);
        m.put("lr", learningRate);
        m.put("images_per_second", imagesPerSecond);
        if (!Double.isNaN(gradNorm)) {
            m.put("grad_norm", gradNorm);
        }
        return Json.write(m);
    }
}
