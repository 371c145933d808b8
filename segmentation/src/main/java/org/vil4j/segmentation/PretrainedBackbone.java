package org.vil4j.segmentation;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Vil4jException;
import org.vil4j.api.WeightsMismatchException;
import org.vil4j.training.data.Normalisation;
import org.vil4j.training.model.Preprocessing;
import org.vil4j.training.model.WeightsFiles;
import org.vil4j.vil.ParameterLayout;
import org.vil4j.vil.PositionEmbeddingResize;
import org.vil4j.vil.VilConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A classification model's backbone as the start of a segmentation model (the paper's setup: an ImageNet-trained ViL
 * under UperNet): its config in feature mode (no classes, no pooling), its weights without the head's, the position
 * embedding resized to the segmentation input (bicubic, as the reference's load_state_dict), and the normalisation it
 * was trained with, which the segmentation run must keep for the learned features to apply.
 *
 * @param config        the backbone in feature mode at the segmentation input
 * @param weights       its weights, by the backbone's state_dict names
 * @param normalisation the classification model's mean/std, or null when the file does not record them
 * @param dropped       the file's tensors a feature backbone does not have (the head's, the final norm's)
 */
public record PretrainedBackbone(VilConfig config, Map<String, HostTensor> weights, Normalisation normalisation,
                                 List<String> dropped) {
    private static final String POSITION_EMBEDDING = "pos_embed.embed";

    public static PretrainedBackbone load(Path file, int channels, int side, Plugins plugins) {
        WeightsFiles.Loaded loaded = WeightsFiles.load(file, null, null);
        VilConfig c = loaded.config();
        if (c.channels() != channels) {
            throw new Vil4jException("--weights " + file + ": a backbone for " + c.channels() + "-channel images, "
                    + "the segmentation data has " + channels);
        }
        if (side % c.patchSize() != 0) {
            throw new Vil4jException("--weights " + file + ": its patch " + c.patchSize() + " does not tile the "
                    + side + "-pixel canvas (--canvas)");
        }
        VilConfig features = c.asFeatures(side);
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Shape> e : ParameterLayout.of(features, plugins).entrySet()) {
            HostTensor t = loaded.weights().get(e.getKey());
            if (t != null && e.getKey().equals(POSITION_EMBEDDING)) {
                t = PositionEmbeddingResize.resize(t, e.getValue().dim(1), e.getValue().dim(2));
            }
            if (t == null) {
                problems.add("missing " + e.getKey() + " " + e.getValue());
            } else if (!t.shape().equals(e.getValue())) {
                problems.add("mis-shaped " + e.getKey() + ": expected " + e.getValue() + ", found " + t.shape());
            } else {
                weights.put(e.getKey(), t);
            }
        }
        if (!problems.isEmpty()) {
            throw new WeightsMismatchException(file.toString(), problems);
        }
        List<String> dropped = loaded.weights().keySet().stream().filter(n -> !weights.containsKey(n)).toList();
        Normalisation normalisation = null;
        if (loaded.info() != null) {
            Preprocessing p = loaded.info().preprocessing();
            normalisation = new Normalisation(p.mean(), p.std());
        }
        return new PretrainedBackbone(features, weights, normalisation, dropped);
    }
}
