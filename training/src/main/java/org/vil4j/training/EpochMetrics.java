package org.vil4j.training;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One epoch's results. {@code emaTestAccuracy} is NaN without EMA.
 *
 * @param seconds         wall time of the epoch's training steps (evaluation excluded)
 * @param imagesPerSecond training throughput over those steps
 */
public record EpochMetrics(int epoch, long step, double trainLoss, double trainAccuracy, double testLoss,
                           double testAccuracy, double emaTestAccuracy, double learningRate, double seconds,
                           double imagesPerSecond, double evalSeconds) {
    /** The JSON line written to metrics.jsonl. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "epoch");
        m.put("epoch", epoch);
        m.put("step", step);
        m.put("train_loss", trainLoss);
        m.put("train_accuracy", trainAccuracy);
        m.put("test_loss", testLoss);
        m.put("test_accuracy", testAccuracy);
        if (!Double.isNaN(emaTestAccuracy)) {
            m.put("ema_test_accuracy", emaTestAccuracy);
        }
        m.put("lr", learningRate);
        m.put("train_seconds", seconds);
        m.put("images_per_second", imagesPerSecond);
        m.put("eval_seconds", evalSeconds);
        return Json.write(m);
    }
}
