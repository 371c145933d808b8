package org.vil4j.training;

import org.vil4j.api.BackboneModel;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.vil.VisionLstm;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A backbone plugin's model (built through {@link org.vil4j.api.Backbone#create}) as the trainer sees it: its
 * buffers are left out of training, and its output must be a classifier's logits.
 */
final class BackboneTrainedModel implements TrainedModel {
    private final BackboneModel model;
    private final String description;
    private final Map<String, Tensor> trained;
    private final int blocks;

    BackboneTrainedModel(BackboneModel model, Set<String> buffers, String backboneName) {
        this.model = model;
        this.description = "backbone '" + backboneName + "' (" + model.spec().referenceClass() + ")";
        Map<String, Tensor> t = new LinkedHashMap<>(model.parameters());
        t.keySet().removeAll(buffers);
        this.trained = Collections.unmodifiableMap(t);
        this.blocks = countBlocks(model.parameters().keySet());
    }

    /**
     * The reference's convention for layer-wise decay: top-level blocks are named {@code blocks.<i>.}; a model
     * without such names has none (all its weights are stem or head).
     */
    static int countBlocks(Set<String> names) {
        int blocks = 0;
        for (String name : names) {
            String[] parts = name.split("\\.");
            if (parts.length > 2 && parts[0].equals("blocks") && parts[1].matches("\\d{1,9}")) {
                blocks = Math.max(blocks, Integer.parseInt(parts[1]) + 1);
            }
        }
        return blocks;
    }

    @Override
    public Tensor logits(Tensor images) {
        Tensor out = model.forward(images, (name, tensor) -> { });
        if (out.shape().rank() != 2 || out.shape().dim(0) != images.shape().dim(0)) {
            throw new Vil4jException("training needs a classifier: " + description + " gives " + out.shape()
                    + " for " + images.shape().dim(0) + " images, not [batch, classes] logits");
        }
        return out;
    }

    @Override
    public Map<String, Tensor> parameters() {
        return model.parameters();
    }

    @Override
    public Map<String, Tensor> trained() {
        return trained;
    }

    @Override
    public int blocks() {
        return blocks;
    }

    @Override
    public VisionLstm vil() {
        return null;
    }

    @Override
    public String description() {
        return description;
    }
}
